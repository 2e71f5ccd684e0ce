import { isAdapterError } from '@haaas/hypervisor';
import { parseLibvirtUri, redactUri, targetUri } from './libvirt-uri.util';

describe('libvirt URIs', () => {
  it('reads driver, transport and host', () => {
    expect(parseLibvirtUri('qemu+ssh://root@node1:2222/system?keyfile=/k')).toMatchObject({ driver: 'qemu', transport: 'ssh', host: 'node1' });
    expect(parseLibvirtUri('qemu:///system')).toMatchObject({ driver: 'qemu', transport: undefined, host: undefined });
    expect(parseLibvirtUri('qemu+tls://[fd00::1]/system')).toMatchObject({ transport: 'tls', host: 'fd00::1' });
    expect(parseLibvirtUri('test+unix:///default?socket=/tmp/x/libvirt-sock')).toMatchObject({ driver: 'test', transport: 'unix', host: undefined });
  });

  it('refuses what is not a libvirt URI', () => {
    for (const bad of ['node1', 'qemu:/system', 'qemu+ssh://h/system\n--help', '']) {
      let caught: unknown;
      try {
        parseLibvirtUri(bad);
      } catch (error) {
        caught = error;
      }
      expect(isAdapterError(caught, 'FAILED')).toBe(true);
    }
  });

  it('derives the URI of another host of the same kind', () => {
    const src = parseLibvirtUri('qemu+ssh://root@node1:2222/system?keyfile=/k');
    expect(targetUri(src, 'node2', 'migrateVm')).toBe('qemu+ssh://root@node2:2222/system?keyfile=/k');
    expect(targetUri(src, 'qemu+tls://node3/system', 'migrateVm')).toBe('qemu+tls://node3/system');
    expect(() => targetUri(parseLibvirtUri('qemu:///system'), 'node2', 'migrateVm')).toThrow(/full URI/);
    expect(() => targetUri(src, 'node 2; rm', 'migrateVm')).toThrow(/not a host name/);
  });

  it('hides a password written into a URI', () => {
    expect(redactUri('qemu+tcp://admin:hunter2@h/system')).toBe('qemu+tcp://admin:***@h/system');
    expect(redactUri('qemu+ssh://root@h/system')).toBe('qemu+ssh://root@h/system');
  });
});
