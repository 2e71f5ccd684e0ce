/**
 * `node tools/run.js bench/fencing.bench.ts [runs]`: latency of the fence-agent runner and the
 * agent catalog against real peers started here (ipmi_sim, a libvirt test host with fence_virtd),
 * next to the bare agent doing the same in the same run:
 *  - runner `status` (fence_ipmilan, fence_virt) vs a bare agent process given the same device
 *    options on stdin (what Pacemaker's fencer does); fence_ipmilan also with verbose_level=0, i.e.
 *    without the ipmitool -v the runner adds to tell a wrong password from a dead BMC;
 *  - runner `off`+`on` (fence_ipmilan) vs the bare agent's off and on (with power_wait=0, as the
 *    runner derives it: the agent's default 2 s sleep would dwarf everything);
 *  - catalog describe, uncached (a fresh `-o metadata` run + parse) and cached, vs a bare
 *    `fence_X -o metadata` process.
 * Medians of N runs (default 20), in milliseconds, with the ratio runner / bare.
 * Prints figures; it asserts nothing about time.
 */
import { spawn } from 'node:child_process';
import { FenceAgentCatalog, FenceAgentRunner } from '@haaas/fencing';
import { startFenceVirtd, startIpmiBmc, startLibvirtHost } from '@haaas/fencing/testing';

const RUNS = Number(process.argv[2] ?? 20);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Medians of `runs` timings of `ours` and `bare`, interleaved (ABAB..., order alternating) so that
 * load from elsewhere on the machine falls on both alike.
 */
async function compare(ours: () => Promise<unknown>, bare: () => Promise<unknown>, runs = RUNS): Promise<[number, number]> {
  await ours(); // warm up (page cache, Python bytecode)
  await bare();
  const a: number[] = [];
  const b: number[] = [];
  const time = async (fn: () => Promise<unknown>, into: number[]): Promise<void> => {
    const started = performance.now();
    await fn();
    into.push(performance.now() - started);
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      await time(ours, a);
      await time(bare, b);
    } else {
      await time(bare, b);
      await time(ours, a);
    }
  }
  return [median(a), median(b)];
}

/** The agent as an operator or Pacemaker runs it: options on stdin, exit code checked. */
function bareAgent(agent: string, lines: Record<string, string>, okCodes = [0]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(`/usr/sbin/${agent}`, [], { stdio: ['pipe', 'ignore', 'ignore'], env: { PATH: '/usr/sbin:/usr/bin:/bin', LANG: 'C' } });
    child.once('error', reject);
    child.once('exit', (code) => (okCodes.includes(code ?? -1) ? resolve() : reject(new Error(`${agent} ${lines['action']}: exit ${code}`))));
    child.stdin.end(`${Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  });
}

function bareMetadata(agent: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(`/usr/sbin/${agent}`, ['-o', 'metadata'], { stdio: ['ignore', 'ignore', 'ignore'], env: { PATH: '/usr/sbin:/usr/bin:/bin', LANG: 'C' } });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${agent} -o metadata: exit ${code}`))));
  });
}

async function main(): Promise<void> {
  const bmc = await startIpmiBmc({ name: 'bench', password: 'bench-pw' });
  const host = await startLibvirtHost({ name: 'bench' });
  const virtd = await startFenceVirtd({ uri: host.uri });
  try {
    const runner = new FenceAgentRunner();
    const ipmi = bmc.fenceOptions();
    const virt = { ...virtd.fenceOptions(), plug: 'test' };
    const rows: [string, number, number][] = [];

    const row = async (name: string, ours: () => Promise<unknown>, bare: () => Promise<unknown>, runs = RUNS): Promise<void> => {
      rows.push([name, ...(await compare(ours, bare, runs))]);
    };

    await row(
      'fence_ipmilan status',
      () => runner.run({ agent: 'fence_ipmilan', action: 'status', options: ipmi, retries: 0 }),
      () => bareAgent('fence_ipmilan', { ...ipmi, action: 'status' }),
    );
    // the runner adds verbose_level=2 (ipmitool -v, which loads the 4.7 MB IANA registry) to tell
    // a wrong password from a dead BMC; verbose_level=0 from the caller turns that off
    await row(
      'fence_ipmilan status (verbose_level=0)',
      () => runner.run({ agent: 'fence_ipmilan', action: 'status', options: { ...ipmi, verbose_level: '0' }, retries: 0 }),
      () => bareAgent('fence_ipmilan', { ...ipmi, action: 'status' }),
    );
    await row(
      'fence_ipmilan off + on',
      async () => {
        await runner.run({ agent: 'fence_ipmilan', action: 'off', options: ipmi, retries: 0 });
        await runner.run({ agent: 'fence_ipmilan', action: 'on', options: ipmi, retries: 0 });
      },
      async () => {
        await bareAgent('fence_ipmilan', { ...ipmi, power_wait: '0', action: 'off' });
        await bareAgent('fence_ipmilan', { ...ipmi, power_wait: '0', action: 'on' });
      },
      Math.max(5, RUNS >> 1),
    );
    await row(
      'fence_virt status',
      () => runner.run({ agent: 'fence_virt', action: 'status', options: virt, retries: 0 }),
      () => bareAgent('fence_virt', { ...virt, action: 'status' }),
    );
    for (const agent of ['fence_ipmilan', 'fence_virt']) {
      await row(`${agent} metadata (uncached)`, () => new FenceAgentCatalog().describe(agent), () => bareMetadata(agent));
      const catalog = new FenceAgentCatalog();
      await row(`${agent} metadata (cached)`, () => catalog.describe(agent), () => bareMetadata(agent));
    }

    console.log(`fencing: medians of ${RUNS} runs (ms); bare = the agent process alone, same options, same run\n`);
    console.log(`${'operation'.padEnd(40)}${'runner'.padStart(10)}${'bare'.padStart(10)}${'ratio'.padStart(9)}`);
    for (const [name, ours, bare] of rows) {
      console.log(`${name.padEnd(40)}${ours.toFixed(2).padStart(10)}${bare.toFixed(2).padStart(10)}${(ours / bare).toFixed(2).padStart(9)}`);
    }
  } finally {
    await Promise.all([virtd.stop(), bmc.stop()]);
    await host.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
