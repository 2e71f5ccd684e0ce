import { Problems } from './errors';
import { checkIntRange } from './validation';

/**
 * A failover domain member. Priority follows rgmanager: 1 is the most preferred node; nodes of
 * equal priority are equally preferred (then the least loaded wins).
 */
export interface DomainMember {
  readonly nodeId: string;
  readonly priority: number;
}

export interface FailoverDomainFlags {
  /** Prefer members by priority; otherwise any member is as good as another. */
  readonly ordered: boolean;
  /** Services may run only on members; otherwise any cluster node is a last resort. */
  readonly restricted: boolean;
  /** Do not move a service back when a more preferred member returns. */
  readonly nofailback: boolean;
}

export const MAX_DOMAIN_PRIORITY = 100;

export function checkDomainMembers(members: readonly DomainMember[], field = 'members'): void {
  const p = new Problems();
  const seen = new Set<string>();
  members.forEach((m, i) => {
    checkIntRange(p, `${field}[${i}].priority`, m.priority, 1, MAX_DOMAIN_PRIORITY);
    p.check(!seen.has(m.nodeId), `${field}[${i}].nodeId`, 'node listed twice');
    seen.add(m.nodeId);
  });
  p.throwIfAny();
}
