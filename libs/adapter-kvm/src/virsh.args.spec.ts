import { isAdapterError } from '@haaas/hypervisor';
import { checkRef, isUuid, quoteVirshArg, virshCommandLine } from './virsh.args';

describe('virsh arguments', () => {
  it('quotes every argument for virsh\'s parser', () => {
    expect(quoteVirshArg('plain')).toBe("'plain'");
    expect(quoteVirshArg("it's")).toBe(`'it'\\''s'`);
    expect(virshCommandLine(['start', '--domain', 'a b; destroy x #c'])).toBe("'start' '--domain' 'a b; destroy x #c'");
    expect(() => quoteVirshArg('two\nlines')).toThrow(/control/);
  });

  it('refuses refs that libvirt would read as an id, or that carry control characters', () => {
    expect(checkRef('vm1', 'startVm')).toBe('vm1');
    expect(checkRef('6695eb01-f6a4-8304-79aa-97f2502e193f', 'startVm')).toBe('6695eb01-f6a4-8304-79aa-97f2502e193f');
    for (const bad of ['12', '', 'a\nb', 'a\tb']) {
      let caught: unknown;
      try {
        checkRef(bad, 'stopVm');
      } catch (error) {
        caught = error;
      }
      expect(isAdapterError(caught, 'FAILED')).toBe(true);
    }
  });

  it('tells UUIDs apart', () => {
    expect(isUuid('6695eb01-f6a4-8304-79aa-97f2502e193f')).toBe(true);
    expect(isUuid('vm1')).toBe(false);
  });
});
