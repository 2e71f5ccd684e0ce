import type { HypervLab, ManagedDatacenter } from '@haaas/demo';

/** What the Hyper-V failover e2e tests judge a host failure by: the simulated hosts and the BMCs, not HAaaS's records. */

/** How many calls each surviving host's simulator had answered before the crash. */
export function callCounts(lab: HypervLab): Map<string, number> {
  return new Map(lab.hosts.map((h) => [h.name, h.sim.calls.length]));
}

/**
 * After `failedHost` was fenced: only its BMC off; every service's VM registered once and Running
 * (those of the other hosts where they were); the survivors asked, since the crash, Import-VM then
 * Start-VM on the same host for each moved VM, the starts in priority order.
 */
export function expectRecoveredOnSurvivors(lab: HypervLab, dc: ManagedDatacenter, failedHost: string, callsBefore: ReadonlyMap<string, number>): void {
  for (const h of lab.hosts) expect({ host: h.name, power: h.bmc.power() }).toEqual({ host: h.name, power: h.name === failedHost ? 'off' : 'on' });
  for (const s of dc.services) {
    const where = lab.whereIs(s.vm);
    expect({ vm: s.vm, copies: where.length, state: where[0]?.state }).toEqual({ vm: s.vm, copies: 1, state: 'Running' });
    if (s.homeHost !== failedHost) expect(where[0]?.host).toBe(s.homeHost);
  }
  const moved = dc.services.filter((s) => s.homeHost === failedHost).sort((a, b) => b.priority - a.priority);
  const survivors = lab.hosts.filter((h) => h.name !== failedHost);
  const calls = survivors.flatMap((h) => h.sim.calls.slice(callsBefore.get(h.name)).map((c) => ({ ...c, host: h.name })));
  expect(calls.filter((c) => c.operation === 'startVm').map((c) => c.subject)).toEqual(moved.map((s) => s.vm));
  for (const s of moved) {
    const i = calls.findIndex((c) => c.operation === 'registerVm' && (c.subject ?? '').includes(s.vm));
    const j = calls.findIndex((c) => c.operation === 'startVm' && c.subject === s.vm);
    expect({ vm: s.vm, imported: i >= 0, importedBeforeStart: i < j }).toEqual({ vm: s.vm, imported: true, importedBeforeStart: true });
    expect(calls[j]?.host).toBe(calls[i]?.host);
  }
}
