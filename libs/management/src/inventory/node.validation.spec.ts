import { BadInputError, FieldProblem, Hypervisor, Problems } from '@haaas/domain';
import {
  checkCapacity,
  checkCheckAddress,
  checkEndpoint,
  checkEndpointUri,
  checkHostname,
  hasControlChars,
  MAX_MEMORY_MB,
  normalizeCheckAddress,
  normalizeHostname,
  sameEndpointTarget,
} from './node.validation';

function problems(fn: (p: Problems) => void): FieldProblem[] {
  const p = new Problems();
  fn(p);
  try {
    p.throwIfAny();
  } catch (e) {
    if (e instanceof BadInputError) return [...e.problems];
    throw e;
  }
  return [];
}
const fields = (fn: (p: Problems) => void): string[] => problems(fn).map((x) => x.field);

describe('checkEndpointUri', () => {
  it.each([
    [Hypervisor.KVM, 'qemu+ssh://root@kvm1.example.com/system'],
    [Hypervisor.KVM, 'qemu+tls://kvm1:16514/system'],
    [Hypervisor.KVM, 'qemu+tcp://127.0.0.1:16509/system'],
    [Hypervisor.KVM, 'qemu:///system'],
    [Hypervisor.KVM, 'QEMU+SSH://kvm1/system'],
    [Hypervisor.KVM, 'test:///default'],
    [Hypervisor.KVM, 'test+unix:///default?socket=/tmp/a.sock'],
    [Hypervisor.VSPHERE, 'https://vcenter.example.com/sdk'],
    [Hypervisor.VSPHERE, 'https://127.0.0.1:8989/sdk'],
    [Hypervisor.HYPERV, 'http://hv1:5985/wsman'],
    [Hypervisor.HYPERV, 'https://[2001:db8::1]:5986/wsman'],
  ])('accepts %s %s', (hv, uri) => {
    expect(fields((p) => checkEndpointUri(p, 'endpoint.uri', uri, hv))).toEqual([]);
  });

  it.each([
    [Hypervisor.KVM, 'https://kvm1/sdk', /scheme "https" does not suit a KVM cluster/],
    [Hypervisor.KVM, 'qemu+ssh:///system', /must name a host/],
    [Hypervisor.VSPHERE, 'http://vcenter/sdk', /scheme "http" does not suit a VSPHERE cluster; use https/],
    [Hypervisor.VSPHERE, 'qemu+ssh://host/system', /does not suit/],
    [Hypervisor.HYPERV, 'qemu:///system', /does not suit/],
    [Hypervisor.VSPHERE, 'vcenter.example.com', /absolute URI/],
    [Hypervisor.VSPHERE, '', /without spaces/],
    [Hypervisor.VSPHERE, 'https://vc /sdk', /without spaces/],
    [Hypervisor.VSPHERE, 'https://vc/sdk\u0000', /without spaces/],
    [Hypervisor.VSPHERE, `https://vc/${'a'.repeat(1100)}`, /1-1024/],
    [Hypervisor.VSPHERE, 'https://admin:s3cret@vc/sdk', /must not contain a password/],
  ])('refuses for %s: %s', (hv, uri, message) => {
    const found = problems((p) => checkEndpointUri(p, 'endpoint.uri', uri, hv));
    expect(found).toHaveLength(1);
    expect(found[0]?.field).toBe('endpoint.uri');
    expect(found[0]?.message).toMatch(message);
  });

  it('never repeats a password given in the URI', () => {
    const [found] = problems((p) => checkEndpointUri(p, 'endpoint.uri', 'https://admin:hunter2@vc/sdk', Hypervisor.VSPHERE));
    expect(found?.message).not.toContain('hunter2');
  });
});

describe('checkEndpoint', () => {
  it('reports username and password with their paths, without the password itself', () => {
    const found = problems((p) => checkEndpoint(p, 'endpoint', { uri: 'https://vc/sdk', username: '', password: 'x'.repeat(1025) }, Hypervisor.VSPHERE));
    expect(found.map((f) => f.field)).toEqual(['endpoint.username', 'endpoint.password']);
    expect(JSON.stringify(found)).not.toContain('xxxx');
  });

  it('accepts no username and no password', () => {
    expect(fields((p) => checkEndpoint(p, 'endpoint', { uri: 'qemu:///system' }, Hypervisor.KVM))).toEqual([]);
  });
});

describe('sameEndpointTarget', () => {
  it('is true when only the path or user changes', () => {
    expect(sameEndpointTarget('https://vc.example.com/sdk', 'https://VC.example.com/other')).toBe(true);
    expect(sameEndpointTarget('qemu+ssh://root@kvm1/system', 'qemu+ssh://admin@kvm1/session')).toBe(true);
  });

  it('is false when scheme, host or port changes', () => {
    expect(sameEndpointTarget('https://vc/sdk', 'https://evil.example.com/sdk')).toBe(false);
    expect(sameEndpointTarget('https://vc/sdk', 'https://vc:8443/sdk')).toBe(false);
    expect(sameEndpointTarget('http://hv1/wsman', 'https://hv1/wsman')).toBe(false);
    expect(sameEndpointTarget('not a uri', 'not a uri')).toBe(false);
  });
});

describe('checkCapacity', () => {
  it.each([
    [{ cpus: 1, memoryMb: 1 }, []],
    [{ cpus: 4096, memoryMb: MAX_MEMORY_MB }, []],
    [{ cpus: 0, memoryMb: 1024 }, ['capacity.cpus']],
    [{ cpus: 4097, memoryMb: 1024 }, ['capacity.cpus']],
    [{ cpus: 1.5, memoryMb: 0 }, ['capacity.cpus', 'capacity.memoryMb']],
    [{ cpus: 2, memoryMb: 2 ** 31 }, ['capacity.memoryMb']],
  ])('%p → %p', (capacity, expected) => {
    expect(fields((p) => checkCapacity(p, 'capacity', capacity))).toEqual(expected);
  });
});

describe('checkCheckAddress', () => {
  it.each(['10.0.0.1', '2001:db8::1', 'fe80::1%eth0', 'gw.example.com', 'gateway', 'https://esx01.example.com/sdk', 'https://10.0.0.5:8443/sdk', 'https://[2001:db8::5]/sdk'])('accepts %p', (a) => {
    expect(fields((p) => checkCheckAddress(p, 'checkAddress', a))).toEqual([]);
  });
  it.each([
    '10.0.0.',
    'not an address',
    '-bad.example.com',
    '',
    'a'.repeat(256),
    'http://esx01/sdk',
    'https://root:pw@esx01/sdk',
    'https://esx01/sdk?x=1',
    'https://esx_01/sdk',
    'https://esx01/ sdk',
    'ftp://esx01',
  ])('refuses %p', (a) => {
    expect(fields((p) => checkCheckAddress(p, 'checkAddress', a))).toEqual(['checkAddress']);
  });
  it('accepts null and undefined (not given)', () => {
    expect(fields((p) => checkCheckAddress(p, 'checkAddress', null))).toEqual([]);
    expect(fields((p) => checkCheckAddress(p, 'checkAddress', undefined))).toEqual([]);
  });
});

describe('host names', () => {
  it('follows RFC 1123', () => {
    expect(fields((p) => checkHostname(p, 'hostname', 'KVM-01.Example.com'))).toEqual([]);
    expect(fields((p) => checkHostname(p, 'hostname', 'kvm_01'))).toEqual(['hostname']);
    expect(fields((p) => checkHostname(p, 'hostname', '-kvm'))).toEqual(['hostname']);
    expect(fields((p) => checkHostname(p, 'hostname', `${'a'.repeat(64)}.example.com`))).toEqual(['hostname']);
  });
  it('normalizes to lower case; IP check addresses stay as given', () => {
    expect(normalizeHostname('KVM-01.Example.COM')).toBe('kvm-01.example.com');
    expect(normalizeCheckAddress('GW.Example.com')).toBe('gw.example.com');
    expect(normalizeCheckAddress('2001:DB8::1')).toBe('2001:DB8::1');
    expect(normalizeCheckAddress('https://ESX01.Example.com:443/sdk')).toBe('https://esx01.example.com/sdk');
    expect(normalizeCheckAddress(null)).toBeNull();
  });
});

describe('hasControlChars', () => {
  it('finds C0 controls and DEL, tab only when not allowed', () => {
    expect(hasControlChars('plain text')).toBe(false);
    expect(hasControlChars('a\nb')).toBe(true);
    expect(hasControlChars('a\u007fb')).toBe(true);
    expect(hasControlChars('a\tb')).toBe(true);
    expect(hasControlChars('a\tb', true)).toBe(false);
    expect(hasControlChars('a\rb', true)).toBe(true);
  });
});
