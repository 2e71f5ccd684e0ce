import { IncidentState } from '@haaas/domain';
import type { Lab, Seeded, WorkerProcess } from '../recovery-lab';

// The campaign's waits on an incident's state: a round waits for a phase before its fault and for the settling after.

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const TERMINAL: readonly IncidentState[] = [IncidentState.RECOVERED, IncidentState.PARTIALLY_RECOVERED, IncidentState.FAILED, IncidentState.CANCELLED];

export async function isOpen(lab: Lab, incidentId: string): Promise<boolean> {
  return !TERMINAL.includes((await lab.store.repos.incidents.get(lab.scope, incidentId)).state as IncidentState);
}

/**
 * Waits until the incident is fencing, or has placed its first service (starts under way); true
 * when it is still open then (false: it settled before the fault could land).
 */
export async function during_(lab: Lab, incidentId: string, phase: 'fencing' | 'placed', timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await lab.store.repos.incidents.get(lab.scope, incidentId);
    if (TERMINAL.includes(row.state as IncidentState)) return false;
    if (phase === 'fencing' && row.state !== IncidentState.DETECTED) return true;
    if (row.state === IncidentState.RECOVERING) {
      const placed = (await lab.events(row.clusterId, ['service.placed'])).some((e) => e.after?.['incidentId'] === incidentId);
      if (placed) return true;
    }
    if (Date.now() > until) throw new Error(`incident ${incidentId} not recovering after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** The worker holding a service of the incident (its claim), or the first one once the recovery is under way. */
export async function holder(lab: Lab, seeded: Seeded, incidentId: string, workers: readonly WorkerProcess[]): Promise<WorkerProcess> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const row = await lab.store.repos.incidents.get(lab.scope, incidentId);
    if (TERMINAL.includes(row.state as IncidentState)) break;
    for (const s of await lab.store.repos.services.find(lab.scope, { clusterId: seeded.clusterId })) {
      const w = workers.find((x) => s.claimedBy?.startsWith(`rcv:${incidentId}:${x.tag}:`));
      if (w) return w;
    }
    await sleep(10);
  }
  return workers[0] as WorkerProcess;
}

export async function waitFor(lab: Lab, incidentId: string, states: readonly IncidentState[], timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!states.includes((await lab.store.repos.incidents.get(lab.scope, incidentId)).state as IncidentState)) {
    if (Date.now() > until) throw new Error(`incident ${incidentId} not ${states.join('/')} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function waitSettled(lab: Lab, incidentId: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const row = await lab.store.repos.incidents.get(lab.scope, incidentId);
      if (TERMINAL.includes(row.state as IncidentState)) return;
    } catch {
      // MariaDB restarting: ask again
    }
    if (Date.now() > until) return;
    await sleep(100);
  }
}
