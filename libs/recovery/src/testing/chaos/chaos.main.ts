/**
 * `npm run chaos -- --faults N --seed S`: the fault campaign (see fault-campaign.ts and
 * docs/reliability.md). Prints a line per fault, then the table; exits 1 on any violation.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { formatReport } from './campaign.report';
import { runCampaign } from './fault-campaign';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { faults: { type: 'string', default: '10' }, seed: { type: 'string', default: String(Date.now() % 100000) } } });
  const faults = Number(values.faults);
  const seed = Number(values.seed);
  if (!Number.isInteger(faults) || faults < 1 || !Number.isInteger(seed) || seed < 0) throw new Error('usage: npm run chaos -- --faults N --seed S (N ≥ 1, S ≥ 0, integers)');
  const report = await runCampaign({ faults, seed, log: (line) => console.log(line) });
  console.log(`\n${formatReport(report)}`);
  process.exit(report.violations.length === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(2);
});
