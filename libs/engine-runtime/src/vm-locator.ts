import { deadline, PowerState, VmInfo } from '@haaas/hypervisor';
import { redact } from '@haaas/secrets';
import type { NodeEntity } from '@haaas/persistence';
import { adapterMessage, HostSessions } from './hypervisor-hosts';

/** Power states in which a VM owns its disks: a second copy must not be started anywhere. UNKNOWN counts, to be safe. */
const ACTIVE: ReadonlySet<PowerState> = new Set<PowerState>(['RUNNING', 'PAUSED', 'SUSPENDED', 'UNKNOWN']);

export interface VmWhereabouts {
  readonly ref: string;
  /** Nodes where it is active (running, paused, suspended, or in an unknown state). */
  readonly activeOn: readonly string[];
  /** Nodes that know the VM at all (defined/registered), whatever its state. */
  readonly knownOn: readonly string[];
}

export interface VmSearch {
  readonly vms: ReadonlyMap<string, VmWhereabouts>;
  /** Nodes that did not answer within the deadline: what runs there is unknown. */
  readonly unreachable: readonly { readonly nodeId: string; readonly error: string }[];
  readonly latencyMs: number;
}

function matches(info: VmInfo, ref: string): boolean {
  return info.ref === ref || info.name === ref || (info.uuid !== undefined && info.uuid.toLowerCase() === ref.toLowerCase());
}

/**
 * Asks every node's hypervisor, in parallel and within `deadlineMs` each, which of `refs` it
 * knows and runs: one `listVms` per node, whatever the number of VMs. Where a manager spans hosts
 * (vSphere, Hyper-V clusters) and names the host a VM is on, the VM is counted on the node of that
 * host name. An unreachable node is reported, not guessed about.
 */
export async function locateVms(sessions: HostSessions, nodes: readonly NodeEntity[], refs: readonly string[], deadlineMs: number, parent?: AbortSignal): Promise<VmSearch> {
  const started = performance.now();
  if (refs.length === 0) return { vms: new Map(), unreachable: [], latencyMs: 0 };
  const byHostname = new Map(nodes.map((n) => [n.hostname.toLowerCase(), n.id]));
  const active = new Map<string, Set<string>>(refs.map((r) => [r, new Set<string>()]));
  const known = new Map<string, Set<string>>(refs.map((r) => [r, new Set<string>()]));
  const unreachable: { nodeId: string; error: string }[] = [];
  await Promise.all(
    nodes.map(async (node) => {
      try {
        const host = await sessions.host(node);
        const list = await host.listVms({ signal: deadline(deadlineMs, parent) });
        for (const info of list) {
          const where = (info.host && byHostname.get(info.host.toLowerCase())) || node.id;
          for (const ref of refs) {
            if (!matches(info, ref)) continue;
            known.get(ref)?.add(where);
            if (ACTIVE.has(info.powerState)) active.get(ref)?.add(where);
          }
        }
      } catch (err) {
        unreachable.push({ nodeId: node.id, error: redact(adapterMessage(err), sessions.knownSecrets) });
      }
    }),
  );
  const vms = new Map<string, VmWhereabouts>(refs.map((ref) => [ref, { ref, activeOn: [...(active.get(ref) ?? [])].sort(), knownOn: [...(known.get(ref) ?? [])].sort() }]));
  return { vms, unreachable: unreachable.sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1)), latencyMs: Math.round(performance.now() - started) };
}
