import { sizeFromDefinition, vmSizeOf } from './vm-size.util';

const xml = (memory: string, vcpu = '<vcpu placement="static">4</vcpu>') => `<domain type='kvm'><name>vm</name>${memory}${vcpu}<os><type>hvm</type></os></domain>`;

describe('VM sizes for placement', () => {
  it("reads libvirt's <vcpu> and <memory>, KiB when no unit is given", () => {
    expect(sizeFromDefinition('libvirt-xml', xml('<memory>4194304</memory>'))).toEqual({ cpus: 4, memoryMb: 4096 });
    expect(sizeFromDefinition('libvirt-xml', xml("<memory unit='KiB'>1048576</memory>"))).toEqual({ cpus: 4, memoryMb: 1024 });
    expect(sizeFromDefinition('libvirt-xml', xml("<memory unit='GiB'>2</memory>", '<vcpu>1</vcpu>'))).toEqual({ cpus: 1, memoryMb: 2048 });
    // decimal units round up: a VM never gets less than it asked for
    expect(sizeFromDefinition('libvirt-xml', xml("<memory unit='GB'>1</memory>"))).toEqual({ cpus: 4, memoryMb: 954 });
  });

  it('knows nothing of other formats or of broken definitions', () => {
    expect(sizeFromDefinition('vsphere-vmx', '[ds1] vm/vm.vmx')).toBeNull();
    expect(sizeFromDefinition('libvirt-xml', '<domain><name>x')).toBeNull();
    expect(sizeFromDefinition('libvirt-xml', null)).toBeNull();
    expect(sizeFromDefinition('libvirt-xml', xml("<memory unit='parsecs'>3</memory>", ''))).toEqual({ cpus: 0, memoryMb: 0 });
  });

  it("prefers an operator's cpus/memoryMb attributes, one by one", () => {
    const definition = { vmDefinitionFormat: 'libvirt-xml', vmDefinition: xml('<memory>2097152</memory>') };
    expect(vmSizeOf({ attributes: {}, ...definition })).toEqual({ cpus: 4, memoryMb: 2048 });
    expect(vmSizeOf({ attributes: { memoryMb: '8192' }, ...definition })).toEqual({ cpus: 4, memoryMb: 8192 });
    expect(vmSizeOf({ attributes: { cpus: ' 2 ', memoryMb: 'lots' }, ...definition })).toEqual({ cpus: 2, memoryMb: 2048 });
    expect(vmSizeOf({ attributes: {} })).toEqual({ cpus: 0, memoryMb: 0 });
  });
});
