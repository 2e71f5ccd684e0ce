import { IncidentState, ServiceState } from '@haaas/domain';
import type { Lab, Seeded } from '../recovery-lab';
import { bmcPowerOffTimes } from './faults';

/** The invariants checked after every fault, against libvirt and the BMC themselves. */
export enum Invariant {
  /** Every HA service runs exactly once (one running domain on the survivors, one start) or is FAILED with a reason. */
  EXACTLY_ONCE = 'runs exactly once or FAILED with a reason',
  /** No VM was started on a survivor before the failed host was powered off by its BMC. */
  FENCED_FIRST = 'no start before the fence (BMC power log, libvirt event log)',
  /** The incident reached a final state; no service is left mid-recovery or claimed. */
  NOT_STUCK = 'no incident or operation stuck',
  /** The cluster log tells what happened: plan, fencing, the outcome of every service, the incident's end. */
  LOG_TELLS = 'the cluster log tells what happened',
  /** Every write an API replica acknowledged is in the database afterwards. */
  ACKED_KEPT = 'no acknowledged API write lost',
  /** While one API replica is killed or frozen, every write is acknowledged by the other; no request gets an unclean answer (5xx, INTERNAL_SERVER_ERROR). */
  API_SERVED = 'writes served by the other API replica, none answered uncleanly',
}

export interface Violation {
  readonly round: number;
  readonly invariant: Invariant;
  readonly detail: string;
}

export interface RoundServices {
  /** Service id → its VM (one VM per service in the campaign). */
  readonly vms: ReadonlyMap<string, string>;
}

const TERMINAL = new Set<string>([IncidentState.RECOVERED, IncidentState.PARTIALLY_RECOVERED, IncidentState.FAILED, IncidentState.CANCELLED]);

/**
 * Checks one round: the services of the round (moved off host `a`) and every service recovered in
 * earlier rounds (still running exactly once after this round's fault). `crashAtMs`: when host `a`
 * crashed; every start of this round's VMs must come after a BMC power-off that followed it.
 */
export async function checkRound(lab: Lab, seeded: Seeded, o: { readonly round: number; readonly incidentId: string; readonly crashAtMs: number; readonly current: RoundServices; readonly earlier: RoundServices; readonly secondIncidents?: readonly string[] }): Promise<Violation[]> {
  const out: Violation[] = [];
  const runningNow = await runningDomains(lab);
  const runningOn = (vm: string): string[] => runningNow.get(vm) ?? [];
  const v = (invariant: Invariant, detail: string): void => void out.push({ round: o.round, invariant, detail });
  const incident = await lab.store.repos.incidents.get(lab.scope, o.incidentId);
  if (!TERMINAL.has(incident.state)) v(Invariant.NOT_STUCK, `incident ${o.incidentId} is ${incident.state}`);
  const recoveries = new Map((await lab.store.repos.serviceRecoveries.find(lab.scope, { incidentId: o.incidentId })).map((r) => [r.serviceId, r]));
  const services = new Map((await lab.store.repos.services.find(lab.scope, { clusterId: seeded.clusterId })).map((s) => [s.id, s]));
  const offAt = bmcPowerOffTimes(lab.failed.bmc.dir, o.crashAtMs)[0];
  // a survivor `c` that crashed during the round (a second incident): starts there were lost with it
  const secondIds = o.secondIncidents ?? [];
  const events = await lab.events(seeded.clusterId);
  for (const id of secondIds) {
    const state = (await lab.store.repos.incidents.get(lab.scope, id)).state;
    if (!TERMINAL.has(state)) v(Invariant.NOT_STUCK, `second incident ${id} is ${state}`);
  }
  const confirmedAt = events.find((e) => e.type === 'incident.operator_action' && secondIds.includes(String(e.after?.['incidentId'])))?.at.getTime();

  for (const [serviceId, vm] of o.current.vms) {
    const row = services.get(serviceId);
    const running = runningOn(vm);
    const starts = lab.startTimes(vm);
    const rec = recoveries.get(serviceId);
    if (row?.state === ServiceState.FAILED) {
      if (running.length > 0) v(Invariant.EXACTLY_ONCE, `${vm}: FAILED but running on ${running.join(', ')}`);
      if (!rec?.reason) v(Invariant.EXACTLY_ONCE, `${vm}: FAILED without a reason`);
    } else if (running.length !== 1 || starts.length - (secondIds.length > 0 ? lab.startsOn(vm, 'c') : 0) !== 1) {
      v(Invariant.EXACTLY_ONCE, `${vm}: service ${row?.state ?? 'gone'}, running on [${running.join(', ')}], ${starts.length} start(s) on the survivors`);
    }
    if (starts.length > 0 && (offAt === undefined || (starts[0] as number) < offAt)) {
      v(Invariant.FENCED_FIRST, `${vm} started at ${new Date(starts[0] as number).toISOString()}, BMC power-off ${offAt === undefined ? 'never' : new Date(offAt).toISOString()}`);
    }
    if (row && (row.state === ServiceState.RECOVERING || row.state === ServiceState.STARTING || row.state === ServiceState.STOPPING)) v(Invariant.NOT_STUCK, `${vm}: service left ${row.state}`);
    if (row?.claimedBy && row.claimExpiresAt && row.claimExpiresAt.getTime() > Date.now() + 60_000) v(Invariant.NOT_STUCK, `${vm}: claimed by ${row.claimedBy} for more than a minute`);
  }
  for (const [serviceId, vm] of o.earlier.vms) {
    if (services.get(serviceId)?.state === ServiceState.FAILED) continue;
    const running = runningOn(vm);
    if (running.length !== 1) v(Invariant.EXACTLY_ONCE, `${vm} (an earlier round's) running on [${running.join(', ')}] after round ${o.round}`);
  }
  // what the second incident recovered was started only after the operator confirmed `c` off
  if (secondIds.length > 0) {
    for (const vm of [...o.current.vms.values(), ...o.earlier.vms.values()]) {
      if (lab.startsOn(vm, 'c') === 0) continue;
      // its latest start, on another host, after the round began: the second incident's restart
      const last = lab.startTimes(vm).at(-1);
      if (last !== undefined && last >= o.crashAtMs && (confirmedAt === undefined || last < confirmedAt)) v(Invariant.FENCED_FIRST, `${vm} started again at ${new Date(last).toISOString()} before c was confirmed off`);
    }
  }

  const mine = events.filter((e) => e.after?.['incidentId'] === o.incidentId);
  const has = (type: string): boolean => mine.some((e) => e.type === type);
  if (!has('incident.plan')) v(Invariant.LOG_TELLS, 'no incident.plan');
  if (!has('incident.fence_attempt')) v(Invariant.LOG_TELLS, 'no incident.fence_attempt');
  if (TERMINAL.has(incident.state) && !has(`incident.${incident.state.toLowerCase()}`)) v(Invariant.LOG_TELLS, `no incident.${incident.state.toLowerCase()}`);
  for (const [serviceId, vm] of o.current.vms) {
    const told = mine.some((e) => e.objectId === serviceId && (e.type === 'service.recovered' || e.type === 'service.recovery_failed'));
    if (!told) v(Invariant.LOG_TELLS, `${vm}: neither service.recovered nor service.recovery_failed`);
  }
  return out;
}

/**
 * Which surviving host runs which domain, asked of each libvirtd once (`virsh list`): one call per
 * host instead of one `domstate` per domain and host, which grew with every round's services.
 * A host whose libvirtd is gone (crashed) runs nothing.
 */
async function runningDomains(lab: Lab): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const h of lab.hosts.hosts) {
    const r = await lab.hosts.virsh(h.name, ['list', '--name', '--state-running']);
    if (r.code !== 0) continue;
    for (const vm of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) out.set(vm, [...(out.get(vm) ?? []), h.name]);
  }
  return out;
}
