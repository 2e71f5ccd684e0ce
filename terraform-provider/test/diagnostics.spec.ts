// Attribute paths of diagnostics: where Terraform underlines the bad input.
import { attributeOfField, pathOf } from '../src/framework/diagnostics';

describe('pathOf', () => {
  it('reads attribute names, list indexes and map keys', () => {
    expect(pathOf('members[0].priority').steps).toEqual([{ attribute_name: 'members' }, { element_key_int: 0 }, { attribute_name: 'priority' }]);
    expect(pathOf('options["ipaddr.x"]').steps).toEqual([{ attribute_name: 'options' }, { element_key_string: 'ipaddr.x' }]);
    expect(pathOf('vm.hypervisor_ref').steps).toEqual([{ attribute_name: 'vm' }, { attribute_name: 'hypervisor_ref' }]);
  });
});

describe('attributeOfField', () => {
  it('maps API input fields to Terraform attributes', () => {
    expect(attributeOfField('input.policy.deadtimeSeconds', { fields: { policy: '' } })).toBe('deadtime_seconds');
    expect(attributeOfField('input.members[1].priority', {})).toBe('members[1].priority');
    expect(attributeOfField('input.capacity.memoryMb', { fields: { 'capacity.memoryMb': 'memory_mb' } })).toBe('memory_mb');
  });
});
