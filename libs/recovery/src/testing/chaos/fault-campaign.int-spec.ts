import { formatReport } from './campaign.report';
import { runCampaign } from './fault-campaign';
import { FAULT_KINDS } from './faults';

/**
 * The fault campaign's short run (`npm run chaos -- --faults 10 --seed 12` does the same): every
 * fault kind once, during a failover of host `a`, with the invariants checked against libvirt and
 * the BMC after each. The 100-fault run and its table are in docs/reliability.md.
 */
describe('the fault campaign, short seeded run', () => {
  it('10 faults, every kind once: 0 invariant violations, every incident settled', async () => {
    const report = await runCampaign({ faults: FAULT_KINDS.length, seed: 12, log: (line) => (line.startsWith('lab:') ? undefined : console.log(line)) });
    console.log(formatReport(report));
    expect(report.rounds.map((r) => r.kind).sort()).toEqual([...FAULT_KINDS].sort());
    expect(report.violations).toEqual([]);
    // a fault that landed after the incident had settled proved nothing: most must land mid-recovery
    expect(report.rounds.filter((r) => r.midRecovery).length).toBeGreaterThanOrEqual(FAULT_KINDS.length - 2);
    for (const r of report.rounds) expect({ kind: r.kind, outcome: r.outcome }).toEqual({ kind: r.kind, outcome: 'RECOVERED' });
  }, 300_000);
});
