import { Hypervisor, ProbeResult } from '@haaas/domain';
import { isAdapterError, type HostProbe } from '@haaas/hypervisor';

/** What came back from asking a node's hypervisor manager about the host. */
export type ProbeOutcome =
  | { readonly kind: 'ANSWER'; readonly probe: HostProbe }
  | { readonly kind: 'ERROR'; readonly error: unknown }
  | { readonly kind: 'NO_ADAPTER' };

export interface ProbeVerdict {
  readonly result: ProbeResult;
  readonly detail: string;
}

/**
 * Hypervisors whose endpoint is the host itself (libvirtd on the host, WinRM on the Hyper-V host),
 * as opposed to a manager of many hosts (vCenter). For the former, an endpoint that does not answer
 * in time is the host not answering; for the latter it is the manager that is slow, which says
 * nothing about the host.
 */
const ENDPOINT_IS_THE_HOST: ReadonlySet<Hypervisor> = new Set([Hypervisor.KVM, Hypervisor.HYPERV]);

/**
 * Turns a probe's outcome into the domain's answer. Only a clear "the host is gone" is UNREACHABLE;
 * a manager that reaches the host is REACHABLE (the node is alive: EXCLUDED, not FAILED); anything
 * else (no adapter, bad credentials, an adapter bug, a slow vCenter) is INCONCLUSIVE, which keeps
 * the node suspect and declares nothing.
 */
export function probeVerdict(hypervisor: Hypervisor, outcome: ProbeOutcome): ProbeVerdict {
  if (outcome.kind === 'NO_ADAPTER') return { result: ProbeResult.INCONCLUSIVE, detail: `no ${hypervisor} adapter in this worker` };
  if (outcome.kind === 'ANSWER') {
    const p = outcome.probe;
    switch (p.connectionState) {
      case 'CONNECTED':
      case 'MAINTENANCE':
        return p.reachable
          ? { result: ProbeResult.REACHABLE, detail: `the hypervisor manager reaches the host (${p.connectionState})` }
          : { result: ProbeResult.INCONCLUSIVE, detail: `the manager reports ${p.connectionState} but did not answer` };
      case 'NOT_RESPONDING':
      case 'DISCONNECTED':
        return { result: ProbeResult.UNREACHABLE, detail: `the hypervisor manager reports the host ${p.connectionState}` };
      default:
        return p.reachable
          ? { result: ProbeResult.INCONCLUSIVE, detail: 'the manager answered without a connection state' }
          : { result: ProbeResult.INCONCLUSIVE, detail: `the hypervisor manager did not answer${p.details['error'] ? `: ${p.details['error']}` : ''}` };
    }
  }
  const err = outcome.error;
  if (isAdapterError(err)) {
    const message = err.message.slice(0, 300);
    if (err.kind === 'UNREACHABLE') {
      return ENDPOINT_IS_THE_HOST.has(hypervisor)
        ? { result: ProbeResult.UNREACHABLE, detail: `the host's hypervisor does not answer (UNREACHABLE: ${message})` }
        : { result: ProbeResult.INCONCLUSIVE, detail: `the hypervisor manager is unreachable (${message})` };
    }
    if (err.kind === 'TIMEOUT') {
      return ENDPOINT_IS_THE_HOST.has(hypervisor)
        ? { result: ProbeResult.UNREACHABLE, detail: `the host's hypervisor did not answer within the deadline (TIMEOUT)` }
        : { result: ProbeResult.INCONCLUSIVE, detail: 'the hypervisor manager did not answer within the deadline (TIMEOUT)' };
    }
    return { result: ProbeResult.INCONCLUSIVE, detail: `probe failed (${err.kind}: ${message})` };
  }
  return { result: ProbeResult.INCONCLUSIVE, detail: `probe failed (${err instanceof Error ? err.message.slice(0, 300) : 'unknown error'})` };
}
