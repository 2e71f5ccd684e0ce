/**
 * `node tools/run.js bench/kvm-adapter.bench.ts [runs]`: latency of the KVM adapter's operations
 * against a real libvirtd (test driver, started here), next to the bare virsh doing the same thing in
 * the same run:
 *  - adapter with the session transport vs a bare interactive virsh (command written, prompt awaited);
 *  - adapter with the process transport vs a bare `virsh -c URI <command>` process.
 * Medians of N runs (default 30), in milliseconds, with the ratio adapter / bare.
 * Prints figures; it asserts nothing about time.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { KvmAdapter, type KvmHost } from '@haaas/adapter-kvm';
import { deadline } from '@haaas/hypervisor';
import { startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';

const RUNS = Number(process.argv[2] ?? 30);
const o = (): { signal: AbortSignal } => ({ signal: deadline(30_000) });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** A bare virsh process, as an operator would run it. */
function bareProcess(uri: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('virsh', ['-q', '-c', uri, ...args], { env: { PATH: process.env['PATH'], LC_ALL: 'C.UTF-8' } }, (error, _o, stderr) =>
      error ? reject(new Error(`virsh ${args.join(' ')}: ${stderr}`)) : resolve(),
    ),
  );
}

/** A bare interactive virsh: write the command, wait for the next prompt. No framing, no error check. */
class BareInteractive {
  private out = '';
  private wake: (() => void) | undefined;
  private readonly child: ChildProcess;

  constructor(uri: string) {
    this.child = spawn('virsh', ['-q', '-c', uri], { env: { PATH: process.env['PATH'], LC_ALL: 'C.UTF-8', TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (chunk: string) => {
      this.out += chunk;
      this.wake?.();
    });
  }

  private prompt(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.out.endsWith('virsh # ')) {
          this.out = '';
          this.wake = undefined;
          resolve();
        }
      };
      this.wake();
    });
  }

  ready(): Promise<void> {
    return this.prompt();
  }

  run(line: string): Promise<void> {
    this.child.stdin?.write(`${line}\n`);
    return this.prompt();
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}

interface Row {
  op: string;
  session: number;
  bareInteractive: number;
  process: number;
  bareProcess: number;
}

async function main(): Promise<void> {
  const peer = await startLibvirtHosts({ hosts: ['bench'] });
  const uri = peer.host('bench').uri;
  const hosts: Record<'session' | 'process', KvmHost> = {
    session: new KvmAdapter({ transport: 'session' }).connect({ uri }),
    process: new KvmAdapter({ transport: 'process' }).connect({ uri }),
  };
  const interactive = new BareInteractive(uri);
  try {
    await interactive.ready();
    // a few domains, so that list has something to read
    for (let i = 0; i < 10; i++) await hosts.session.registerVm({ ref: `vm${i}`, format: 'libvirt-xml', data: testDomainXml({ name: `vm${i}` }) }, o());
    const vm = 'bench-vm';
    await hosts.session.registerVm({ ref: vm, format: 'libvirt-xml', data: testDomainXml({ name: vm }) }, o());
    for (const h of Object.values(hosts)) await h.probe(o()); // warm: session connected, code paths loaded

    const samples = new Map<string, Record<keyof Omit<Row, 'op'>, number[]>>();
    const add = (op: string, col: keyof Omit<Row, 'op'>, ms: number): void => {
      const row = samples.get(op) ?? { session: [], bareInteractive: [], process: [], bareProcess: [] };
      row[col].push(ms);
      samples.set(op, row);
    };

    for (let run = 0; run < RUNS; run++) {
      for (const kind of ['session', 'process'] as const) {
        const h = hosts[kind];
        add('probe', kind, await time(() => h.probe(o())));
        add('getVm', kind, await time(() => h.getVm(vm, o())));
        add('listVms', kind, await time(() => h.listVms(o())));
        add('startVm', kind, await time(() => h.startVm(vm, o())));
        add('stopVm (graceful)', kind, await time(() => h.stopVm(vm, { ...o(), gracefulTimeoutMs: 5_000 })));
        await h.startVm(vm, o());
        add('stopVm (force)', kind, await time(() => h.stopVm(vm, { ...o(), gracefulTimeoutMs: 0 })));
      }
      const bare: Array<[string, string[]]> = [
        ['probe', ['version', '--daemon']],
        ['getVm', ['dominfo', '--domain', vm]],
        ['listVms', ['list', '--all']],
        ['startVm', ['start', '--domain', vm]],
        ['stopVm (graceful)', ['shutdown', '--domain', vm]],
        ['', ['start', '--domain', vm]],
        ['stopVm (force)', ['destroy', '--domain', vm]],
      ];
      for (const [op, args] of bare) {
        const p = await time(() => bareProcess(uri, args));
        const i = await time(() => interactive.run(args.map((a) => `'${a}'`).join(' ')));
        if (op) {
          add(op, 'bareProcess', p);
          add(op, 'bareInteractive', i);
        }
      }
    }

    const f = (n: number): string => n.toFixed(2).padStart(8);
    const r = (a: number, b: number): string => `${(a / b).toFixed(1)}x`.padStart(7);
    console.log(`KVM adapter vs bare virsh, libvirtd test driver, median of ${RUNS} runs (ms)\n`);
    console.log(`${'operation'.padEnd(18)} ${'session'.padStart(8)} ${'bare-int'.padStart(8)} ${'ratio'.padStart(7)} | ${'process'.padStart(8)} ${'bare-proc'.padStart(9)} ${'ratio'.padStart(7)} | ${'process/session'.padStart(15)}`);
    for (const [op, s] of samples) {
      const row = { session: median(s.session), bareInteractive: median(s.bareInteractive), process: median(s.process), bareProcess: median(s.bareProcess) };
      console.log(
        `${op.padEnd(18)} ${f(row.session)} ${f(row.bareInteractive)} ${r(row.session, row.bareInteractive)} | ${f(row.process)} ${f(row.bareProcess).padStart(9)} ${r(row.process, row.bareProcess)} | ${r(row.process, row.session).padStart(15)}`,
      );
    }
    console.log('\nsession: adapter, one interactive virsh per host; bare-int: raw interactive virsh (write line, await prompt)');
    console.log('process: adapter, one virsh per call; bare-proc: `virsh -c URI <cmd>` via execFile');
    console.log('listVms runs two virsh commands (table + uuids); stopVm (graceful) is shutdown + a domstate poll; startVm of a running VM is not measured');
  } finally {
    interactive.close();
    await Promise.all(Object.values(hosts).map((h) => h.close()));
    await peer.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
