import { bool, readObject, ref, str } from './property.collector';
import { NS, parseXml } from './soap.xml';

const objects = (inner: string) => parseXml(`<objects xmlns="urn:vim25" xmlns:xsd="${NS.xsd}" xmlns:XMLSchema-instance="${NS.xsi}">${inner}</objects>`);

describe('ObjectContent', () => {
  it('reads strings, booleans and references by property path', () => {
    const o = readObject(
      objects(
        `<obj type="HostSystem">host-21</obj>` +
          `<propSet><name>name</name><val XMLSchema-instance:type="xsd:string">DC0_H0</val></propSet>` +
          `<propSet><name>runtime.inMaintenanceMode</name><val XMLSchema-instance:type="xsd:boolean">true</val></propSet>` +
          `<propSet><name>parent</name><val type="ComputeResource" XMLSchema-instance:type="ManagedObjectReference">domain-s18</val></propSet>`,
      ),
    );
    expect(o.obj).toEqual({ type: 'HostSystem', value: 'host-21' });
    expect(str(o, 'name')).toBe('DC0_H0');
    expect(bool(o, 'runtime.inMaintenanceMode')).toBe(true);
    expect(ref(o, 'parent')).toEqual({ type: 'ComputeResource', value: 'domain-s18' });
    expect(str(o, 'config.template')).toBeUndefined();
    expect(o.missing).toEqual([]);
  });

  it('reports a missingSet (vcsim says NotAuthenticated this way after a logout) as faults, not as unset properties', () => {
    const o = readObject(
      objects(
        `<obj type="VirtualMachine">vm-62</obj><missingSet><path>name</path><fault><fault XMLSchema-instance:type="NotAuthenticated"><object type="VirtualMachine">vm-62</object><privilegeId>System.Read</privilegeId></fault></fault></missingSet>`,
      ),
    );
    expect(o.props.size).toBe(0);
    expect(o.missing.map((f) => f.type)).toEqual(['NotAuthenticated']);
    expect(o.missing[0]?.message).toBe('NotAuthenticated: cannot read VirtualMachine vm-62 name');
  });
});
