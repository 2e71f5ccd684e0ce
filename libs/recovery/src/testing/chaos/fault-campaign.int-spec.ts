import { formatReport } from './campaign.report';
import { runCampaign } from './fault-campaign';
import { FAULT_KINDS } from './faults';

/**
 * The fault campaign's short run (`npm run chaos -- --faults 13 --seed 12` does the same): every
 * fault kind once, during a failover of host `a`, while a client writes through two API replicas,
 * with the invariants checked against libvirt, the BMC and the database after each. The 100-fault
 * run and its table are in docs/reliability.md.
 */
describe('the fault campaign, short seeded run', () => {
  it('every fault kind once: 0 invariant violations, every incident settled', async () => {
    const report = await runCampaign({ faults: FAULT_KINDS.length, seed: 12, log: (line) => (line.startsWith('lab:') ? undefined : console.log(line)) });
    console.log(formatReport(report));
    expect(report.rounds.map((r) => r.kind).sort()).toEqual([...FAULT_KINDS].sort());
    expect(report.violations).toEqual([]);
    // a fault that landed after the incident had settled proved nothing: most must land mid-recovery
    expect(report.rounds.filter((r) => r.midRecovery).length).toBeGreaterThanOrEqual(FAULT_KINDS.length - 2);
    for (const r of report.rounds) expect({ kind: r.kind, outcome: r.outcome }).toEqual({ kind: r.kind, outcome: 'RECOVERED' });
    // the API client wrote through the replicas in every round
    for (const r of report.rounds) expect({ kind: r.kind, acked: r.api.acked > 0 }).toEqual({ kind: r.kind, acked: true });
    // about 3 minutes on an idle machine; the margin is for a loaded one (2 cores shared by many)
  }, 900_000);
});
