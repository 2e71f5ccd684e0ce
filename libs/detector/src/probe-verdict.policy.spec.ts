import { Hypervisor, ProbeResult } from '@haaas/domain';
import { AdapterError, type HostProbe } from '@haaas/hypervisor';
import { probeVerdict } from './probe-verdict.policy';

const answer = (p: Partial<HostProbe>): HostProbe => ({ reachable: true, connectionState: 'CONNECTED', maintenance: false, latencyMs: 3, details: {}, ...p });

describe('probeVerdict', () => {
  it('REACHABLE when the manager reaches the host (connected or in maintenance)', () => {
    expect(probeVerdict(Hypervisor.KVM, { kind: 'ANSWER', probe: answer({}) }).result).toBe(ProbeResult.REACHABLE);
    expect(probeVerdict(Hypervisor.VSPHERE, { kind: 'ANSWER', probe: answer({ connectionState: 'MAINTENANCE', maintenance: true }) }).result).toBe(ProbeResult.REACHABLE);
  });

  it('UNREACHABLE when the manager answers that the host is not responding or disconnected (vCenter, Hyper-V cluster)', () => {
    for (const connectionState of ['NOT_RESPONDING', 'DISCONNECTED'] as const) {
      const v = probeVerdict(Hypervisor.VSPHERE, { kind: 'ANSWER', probe: answer({ connectionState }) });
      expect(v.result).toBe(ProbeResult.UNREACHABLE);
      expect(v.detail).toContain(connectionState);
    }
    // Hyper-V's adapter turns an unreachable host into reachable=false, NOT_RESPONDING
    expect(probeVerdict(Hypervisor.HYPERV, { kind: 'ANSWER', probe: answer({ reachable: false, connectionState: 'NOT_RESPONDING' }) }).result).toBe(ProbeResult.UNREACHABLE);
  });

  it('INCONCLUSIVE when a manager of many hosts does not answer: it says nothing about this host', () => {
    const silentVcenter = answer({ reachable: false, connectionState: 'UNKNOWN', details: { error: 'connect ECONNREFUSED' } });
    expect(probeVerdict(Hypervisor.VSPHERE, { kind: 'ANSWER', probe: silentVcenter })).toEqual({ result: ProbeResult.INCONCLUSIVE, detail: expect.stringContaining('ECONNREFUSED') });
    expect(probeVerdict(Hypervisor.VSPHERE, { kind: 'ERROR', error: new AdapterError('UNREACHABLE', 'vcenter down', 'probe') }).result).toBe(ProbeResult.INCONCLUSIVE);
    expect(probeVerdict(Hypervisor.VSPHERE, { kind: 'ERROR', error: new AdapterError('TIMEOUT', 'slow', 'probe') }).result).toBe(ProbeResult.INCONCLUSIVE);
  });

  it("UNREACHABLE when the host's own endpoint does not answer or times out (libvirtd, WinRM on the host)", () => {
    expect(probeVerdict(Hypervisor.KVM, { kind: 'ERROR', error: new AdapterError('UNREACHABLE', 'Failed to connect socket', 'probe') }).result).toBe(ProbeResult.UNREACHABLE);
    expect(probeVerdict(Hypervisor.KVM, { kind: 'ERROR', error: new AdapterError('TIMEOUT', 'deadline passed', 'probe') }).result).toBe(ProbeResult.UNREACHABLE);
    expect(probeVerdict(Hypervisor.HYPERV, { kind: 'ERROR', error: new AdapterError('TIMEOUT', 'deadline passed', 'probe') }).result).toBe(ProbeResult.UNREACHABLE);
  });

  it('INCONCLUSIVE for bad credentials, adapter failures, unknown errors and a missing adapter: never a declaration', () => {
    for (const kind of ['AUTH_FAILED', 'FAILED', 'UNSUPPORTED', 'NOT_FOUND', 'INVALID_STATE'] as const) {
      const v = probeVerdict(Hypervisor.KVM, { kind: 'ERROR', error: new AdapterError(kind, 'x', 'probe') });
      expect(v.result).toBe(ProbeResult.INCONCLUSIVE);
      expect(v.detail).toContain(kind);
    }
    expect(probeVerdict(Hypervisor.KVM, { kind: 'ERROR', error: new TypeError('boom') }).result).toBe(ProbeResult.INCONCLUSIVE);
    expect(probeVerdict(Hypervisor.HYPERV, { kind: 'NO_ADAPTER' })).toEqual({ result: ProbeResult.INCONCLUSIVE, detail: 'no HYPERV adapter in this worker' });
  });
});
