import { TenantScope } from '@haaas/domain';
import type { Store } from '@haaas/persistence';
import type { ApiReplica } from './api-replicas';
import { Answer, type ApiWriter } from './api-writer';
import { Invariant, type Violation } from './invariants';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The window an API replica was down or frozen in (ms). */
export interface ApiFaultWindow {
  readonly replica: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Takes one replica away for 4 to 7 s: SIGKILL then a fresh start on the same port (a crashed pod
 * replaced), or SIGSTOP then SIGCONT (a process frozen by GC, swap or a paused VM).
 */
export async function faultApiReplica(replicas: readonly ApiReplica[], how: 'kill' | 'stop', random: () => number): Promise<ApiFaultWindow> {
  const victim = replicas[Math.floor(random() * replicas.length)] as ApiReplica;
  // longer than the client's timeout (3 s), so some writes meet the frozen replica and must move on
  const pause = 4_000 + Math.floor(random() * 3_000);
  const from = Date.now();
  if (how === 'kill') {
    await victim.kill();
    await sleep(pause);
    await victim.start();
  } else {
    victim.signal('SIGSTOP');
    await sleep(pause);
    victim.signal('SIGCONT');
  }
  return { replica: victim.name, from, to: Date.now() };
}

/** How the API's requests ended in [from, to). */
export function apiAnswers(writer: ApiWriter, from: number, to: number): Record<Answer, number> {
  const out = { [Answer.ACKED]: 0, [Answer.REFUSED]: 0, [Answer.UNCLEAN]: 0 };
  for (const r of writer.requests) if (r.at >= from && r.at < to) out[r.answer]++;
  return out;
}

/**
 * The API's invariants after a round: every write the API acknowledged is in the database (read
 * there directly, not through the API); while a replica was away, the other one answered (at least
 * one write acknowledged) and no request got an unclean answer.
 */
export async function checkApi(store: Store, writer: ApiWriter, round: number, window: ApiFaultWindow | undefined): Promise<Violation[]> {
  const out: Violation[] = [];
  const scope = TenantScope.of('chaos-api', { subject: 'chaos', roles: ['member'] });
  const stored = new Set((await store.repos.resources.find(scope)).map((r) => r.id));
  const lost = writer.acked.filter((w) => !stored.has(w.id));
  if (lost.length > 0) out.push({ round, invariant: Invariant.ACKED_KEPT, detail: `${lost.length} acknowledged write(s) missing: ${lost.slice(0, 5).map((w) => w.name).join(', ')}` });
  if (window) {
    const during = writer.writes.filter((w) => w.at >= window.from && w.at < window.to);
    const failed = during.filter((w) => !w.done);
    if (during.length === 0) out.push({ round, invariant: Invariant.API_SERVED, detail: `no write tried while ${window.replica} was away (${window.to - window.from} ms)` });
    if (failed.length > 0) out.push({ round, invariant: Invariant.API_SERVED, detail: `${failed.length} of ${during.length} write(s) not acknowledged by any replica while ${window.replica} was away: ${failed.slice(0, 3).map((w) => w.name).join(', ')}` });
    const unclean = writer.requests.filter((r) => r.at >= window.from && r.at < window.to && r.answer === Answer.UNCLEAN);
    if (unclean.length > 0) out.push({ round, invariant: Invariant.API_SERVED, detail: `${unclean.length} unclean answer(s) while ${window.replica} was away: ${unclean[0]?.replica} ${unclean[0]?.detail ?? ''}` });
  }
  return out;
}
