/**
 * `npm run chaos -- --faults N --seed S [--topology single|ha]`: the fault campaign (see
 * fault-campaign.ts and docs/reliability.md); `ha` runs it on Galera and Redis Sentinel
 * (ha-control-plane.ts). Prints a line per fault, then the table; exits 1 on any violation.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { formatReport } from './campaign.report';
import { runCampaign } from './fault-campaign';
import { haControlPlane } from './ha-control-plane';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { faults: { type: 'string', default: '10' }, seed: { type: 'string', default: String(Date.now() % 100000) }, topology: { type: 'string', default: 'single' } } });
  const faults = Number(values.faults);
  const seed = Number(values.seed);
  if (!Number.isInteger(faults) || faults < 1 || !Number.isInteger(seed) || seed < 0) throw new Error('usage: npm run chaos -- --faults N --seed S (N ≥ 1, S ≥ 0, integers)');
  if (values.topology !== 'single' && values.topology !== 'ha') throw new Error(`--topology ${values.topology}: single or ha`);
  const controlPlane = values.topology === 'ha' ? haControlPlane : undefined;
  const report = await runCampaign({ faults, seed, log: (line) => console.log(line), ...(controlPlane ? { controlPlane } : {}) });
  console.log(`\n${formatReport(report)}`);
  process.exit(report.violations.length === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(2);
});
