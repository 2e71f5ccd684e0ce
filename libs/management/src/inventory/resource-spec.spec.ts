import { BadInputError, FieldProblem, Problems, ResourceType } from '@haaas/domain';
import { checkResourceSpec, readResourceSpec, ResourceSpecInput } from './resource-spec';

function run(type: ResourceType, input: ResourceSpecInput, prefix = ''): { spec: Record<string, unknown> | null; problems: FieldProblem[] } {
  const p = new Problems();
  const spec = checkResourceSpec(p, type, input, prefix);
  try {
    p.throwIfAny();
  } catch (e) {
    if (e instanceof BadInputError) return { spec, problems: [...e.problems] };
    throw e;
  }
  return { spec, problems: [] };
}
const fieldsOf = (type: ResourceType, input: ResourceSpecInput): string[] => run(type, input).problems.map((p) => p.field);

describe('checkResourceSpec: one sub-input per type', () => {
  it('requires the sub-input of the type', () => {
    const { problems } = run(ResourceType.VM, {});
    expect(problems).toEqual([{ field: 'vm', message: 'is required for a resource of type VM' }]);
  });

  it('refuses the sub-input of another type on its own field', () => {
    const { problems } = run(ResourceType.VM, { vm: { hypervisorRef: 'vm-42' }, ip: { address: '10.0.0.5', prefixLength: 24 } });
    expect(problems).toEqual([{ field: 'ip', message: 'only for resources of type IP; this one is VM' }]);
  });

  it('reports every wrong and missing field at once, under a prefix', () => {
    const { problems } = run(ResourceType.IP, { volume: { ref: 'lun-1' }, application: { startCommand: 'a', stopCommand: 'b' } }, 'input');
    expect(problems.map((p) => p.field).sort()).toEqual(['input.application', 'input.ip', 'input.volume']);
  });
});

describe('VM', () => {
  it('normalizes optional fields to null', () => {
    expect(run(ResourceType.VM, { vm: { hypervisorRef: 'vm-42' } }).spec).toEqual({ hypervisorRef: 'vm-42', shutdownTimeoutSeconds: null });
  });
  it.each([
    [{ hypervisorRef: '' }, ['vm.hypervisorRef']],
    [{ hypervisorRef: '   ' }, ['vm.hypervisorRef']],
    [{ hypervisorRef: 'x'.repeat(256) }, ['vm.hypervisorRef']],
    [{ hypervisorRef: 'web', shutdownTimeoutSeconds: 0 }, ['vm.shutdownTimeoutSeconds']],
    [{ hypervisorRef: 'web', shutdownTimeoutSeconds: 3601 }, ['vm.shutdownTimeoutSeconds']],
    [{ hypervisorRef: '4c4c4544-0051-3010-8057-b4c04f4b4e31', shutdownTimeoutSeconds: 120 }, []],
  ])('%p → %p', (vm, expected) => {
    expect(fieldsOf(ResourceType.VM, { vm })).toEqual(expected);
  });
});

describe('IP', () => {
  it.each([
    [{ address: '192.0.2.10', prefixLength: 24 }, []],
    [{ address: '192.0.2.10', prefixLength: 32 }, []],
    [{ address: '192.0.2.10', prefixLength: 33 }, ['ip.prefixLength']],
    [{ address: '2001:db8::10', prefixLength: 64 }, []],
    [{ address: '2001:db8::10', prefixLength: 128 }, []],
    [{ address: '2001:db8::10', prefixLength: 129 }, ['ip.prefixLength']],
    [{ address: '192.0.2.10', prefixLength: -1 }, ['ip.prefixLength']],
    [{ address: '192.0.2.256', prefixLength: 24 }, ['ip.address']],
    [{ address: 'vip.example.com', prefixLength: 24 }, ['ip.address']],
    [{ address: '192.0.2.10', prefixLength: 24, interface: 'eth0' }, []],
    [{ address: '192.0.2.10', prefixLength: 24, interface: 'Ethernet 2' }, []],
    [{ address: '192.0.2.10', prefixLength: 24, interface: 'eth0/1' }, ['ip.interface']],
    [{ address: '192.0.2.10', prefixLength: 24, interface: '' }, ['ip.interface']],
  ])('%p → %p', (ip, expected) => {
    expect(fieldsOf(ResourceType.IP, { ip })).toEqual(expected);
  });
});

describe('APPLICATION', () => {
  it('keeps commands as given and normalizes optional fields', () => {
    const { spec, problems } = run(ResourceType.APPLICATION, { application: { startCommand: 'systemctl start\tnginx', stopCommand: 'systemctl stop nginx' } });
    expect(problems).toEqual([]);
    expect(spec).toEqual({ startCommand: 'systemctl start\tnginx', stopCommand: 'systemctl stop nginx', monitorCommand: null, user: null });
  });
  it('refuses line breaks, blank commands and odd users', () => {
    expect(
      fieldsOf(ResourceType.APPLICATION, { application: { startCommand: 'a\nrm -rf /', stopCommand: ' ', monitorCommand: 'x\u0000', user: 'root; id' } }),
    ).toEqual(['application.startCommand', 'application.stopCommand', 'application.monitorCommand', 'application.user']);
  });
  it.each(['postgres', 'svc_app', 'CORP\\svc-app', 'svc@corp.example.com'])('accepts user %p', (user) => {
    expect(fieldsOf(ResourceType.APPLICATION, { application: { startCommand: 'a', stopCommand: 'b', user } })).toEqual([]);
  });
});

describe('VOLUME', () => {
  it.each([
    [{ ref: 'iqn.2001-04.com.example:storage.lun1' }, []],
    [{ ref: 'nfs.example.com:/export/data', mountPoint: '/srv/data', fsType: 'nfs4' }, []],
    [{ ref: '[datastore1] vm/disk.vmdk', mountPoint: 'D:\\data', fsType: 'ntfs' }, []],
    [{ ref: '' }, ['volume.ref']],
    [{ ref: 'lun', mountPoint: 'relative/path' }, ['volume.mountPoint']],
    [{ ref: 'lun', fsType: 'EXT4 ' }, ['volume.fsType']],
  ])('%p → %p', (volume, expected) => {
    expect(fieldsOf(ResourceType.VOLUME, { volume })).toEqual(expected);
  });
});

describe('readResourceSpec', () => {
  it('returns only the member of the type', () => {
    expect(readResourceSpec(ResourceType.IP, { address: '10.0.0.1', prefixLength: 8, interface: null })).toEqual({
      ip: { address: '10.0.0.1', prefixLength: 8, interface: null },
    });
  });
  it('reads a damaged spec defensively rather than failing the whole response', () => {
    expect(readResourceSpec(ResourceType.VM, { hypervisorRef: 42 })).toEqual({ vm: { hypervisorRef: '', shutdownTimeoutSeconds: null } });
  });
  it('round-trips what checkResourceSpec stores', () => {
    const { spec } = run(ResourceType.VOLUME, { volume: { ref: 'lun-7', mountPoint: '/data' } });
    expect(readResourceSpec(ResourceType.VOLUME, spec ?? {})).toEqual({ volume: { ref: 'lun-7', mountPoint: '/data', fsType: null } });
  });
});
