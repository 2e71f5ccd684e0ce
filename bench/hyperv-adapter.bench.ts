/**
 * Hyper-V adapter latency against the project's WS-Management test server with a simulated
 * Hyper-V host (NTLM, sealed messages over HTTP, as a default Windows listener wants), next to a
 * bare HTTP round trip to the same server in the same run. Loopback only; prints figures, asserts
 * nothing. Run: node tools/run.js bench/hyperv-adapter.bench.ts [runs]
 */
import { Agent, request } from 'node:http';
import { deadline } from '@haaas/hypervisor';
import { HypervAdapter, WinRmClient } from '@haaas/adapter-hyperv';
import { HypervHostSimulator, startWinRmTestServer } from '@haaas/adapter-hyperv/testing';

const RUNS = Number(process.argv[2] ?? 40);
const PASSWORD = 'bench-Pa55';

async function median(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const sim = new HypervHostSimulator({
    computerName: 'HV01',
    cluster: { name: 'HVCLU01', nodeState: 'Up', nodes: ['HV01', 'HV02'] },
    vms: Array.from({ length: 20 }, (_, i) => ({ name: `vm${i}`, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, state: i % 2 ? 'Off' : 'Running' })),
  });
  const server = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, run: sim.handler });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const bareHttp = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(server.url, { method: 'POST', agent, headers: { 'Content-Length': '0' } }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      req.end();
    });
  const client = new WinRmClient({ endpoint: server.url, username: 'LAB\\haaas', password: PASSWORD });
  const host = new HypervAdapter().connect({ uri: server.url, username: 'LAB\\haaas', password: PASSWORD, host: 'HV01' });
  const o = () => ({ signal: deadline(10_000) });
  const definition = await host.exportVm('vm0', o());
  sim.addToSharedStorage({ name: 'vm0', id: '00000000-0000-4000-8000-000000000000', configurationLocation: 'C:\\ClusterStorage\\Volume1\\vm0' });

  try {
    const base = await median(bareHttp);
    const rows: [string, number][] = [
      ['bare HTTP POST round trip (401, keep-alive)', base],
      ['WinRM run: Create/Command/Receive/Delete, NTLM sealed', await median(() => client.run('echo hi', { signal: deadline(10_000), operation: 'bench' }))],
      ['adapter probe (Get-VMHost, Get-ClusterNode)', await median(() => host.probe(o()))],
      ['adapter listVms (20 VMs)', await median(() => host.listVms(o()))],
      ['adapter getVm', await median(() => host.getVm('vm0', o()))],
      ['adapter startVm (running: idempotent)', await median(() => host.startVm('vm0', o()))],
      ['adapter stopVm + startVm', await median(async () => {
        await host.stopVm('vm2', { ...o(), gracefulTimeoutMs: 0 });
        await host.startVm('vm2', o());
      })],
      ['adapter rebootVm', await median(() => host.rebootVm('vm0', o()))],
      ['adapter exportVm', await median(() => host.exportVm('vm0', o()))],
      ['adapter registerVm (already registered)', await median(() => host.registerVm(definition, o()))],
    ];
    console.log(`Hyper-V adapter vs bare HTTP, median of ${RUNS} runs, loopback WS-Management test server`);
    console.log('operation'.padEnd(58), 'median ms'.padStart(10), 'x bare HTTP'.padStart(12));
    for (const [name, ms] of rows) console.log(name.padEnd(58), ms.toFixed(3).padStart(10), (ms / base).toFixed(1).padStart(12));
  } finally {
    await host.close();
    await client.close();
    agent.destroy();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
