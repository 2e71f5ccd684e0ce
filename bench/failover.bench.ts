/**
 * `npm run bench failover`: how long the control plane takes to fail over a host, end to end
 * through the real pieces in this process (heartbeats in Redis, the failure detector, incidents in
 * MySQL, BullMQ recovery jobs, fencing, the service runner), next to a baseline measured in the
 * same run so the figures read as ratios on any machine.
 *  1. A host carrying 1,000 HA VMs (1,000 services) on a zero-latency in-memory hypervisor, 10
 *     surviving hosts, fenced with the built-in `builtin:libvirt` device served by the same
 *     in-memory adapter. Baseline: the same 1,000 startVm calls in a tight loop.
 *  2. 50 VMs on libvirt test-driver hosts: the failed host is a simulated host whose libvirtd is
 *     killed, fenced for real through its IPMI BMC (ipmi_sim, fence_ipmilan). Baseline: 50 startVm
 *     calls of the KVM adapter in a loop on a live host.
 *  3. Worker takeover (bench/support/worker-takeover.ts): two recovery workers in child processes,
 *     one SIGKILLed while it holds services of a 200-service recovery (libvirt, IPMI fence); time
 *     from the kill to the first start of one of its services by the other worker, with the
 *     current timings and, as the baseline, the previous ones.
 *  4. 50 VMs on vcsim (vSphere), no agents (heartbeat source MANAGER: vCenter's host watch writes
 *     the heartbeats): the failed ESXi host is disconnected in vCenter, fenced through its IPMI BMC,
 *     its VMs registered from their .vmx on the two survivors and powered on. Baseline: 50 startVm
 *     calls of the vSphere adapter in a loop on a live host of the same vcsim.
 * Figures: last heartbeat of the failed node (for MANAGER: the moment vCenter lost the host) → last
 * start command; incident declared → last start; starts per second. Prints figures; it asserts
 * nothing about time.
 * `npm run bench failover -- memory|libvirt|takeover|vsphere` runs one part.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { VsphereAdapter } from '@haaas/adapter-vsphere';
import { startVsphereLab } from '@haaas/demo';
import { createDatabase, startLocalInfra } from '@haaas/devstack';
import { HeartbeatSource } from '@haaas/domain';
import { startSimulatedHost } from '@haaas/fencing/testing';
import { runMigrations } from '@haaas/persistence';
import { type BenchNode, baseline, failover, report } from './support/failover-run';
import { InMemoryHypervisor, memUri } from './support/in-memory-hypervisor';
import { reportTakeover, workerTakeover } from './support/worker-takeover';

async function inMemory(dbUrl: string, redisUrl: string, vms: number): Promise<void> {
  console.log(`1) ${vms} HA VMs on one host, zero-latency in-memory hypervisor, 11 nodes, built-in fencing`);
  const mem = new InMemoryHypervisor();
  const survivors = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}`, uri: memUri(`s${i}`) }));
  const failed = { name: 'f0', uri: memUri('f0') };
  // the node's VM on its managing hypervisor, which the built-in device powers off
  mem.define(memUri('manager'), 'f0', 'RUNNING');
  const f = await failover(dbUrl, redisUrl, {
    title: 'in-memory',
    tenant: 'bench-mem',
    vms,
    adapter: mem,
    failed,
    survivors,
    capacity: { cpus: 512, memoryMb: 1_048_576 },
    fencingRequired: true,
    fence: { agent: 'builtin:libvirt', options: { uri: memUri('manager'), plug: 'f0' }, secretOptions: {} },
    define: async (ref) => mem.define(failed.uri, ref),
    crash: async () => {
      mem.host(failed.uri).up = false;
    },
  });
  const refs = Array.from({ length: vms }, (_, i) => `b${i}`);
  for (const ref of refs) mem.define(memUri('baseline'), ref);
  const base = await baseline(mem.connect({ uri: memUri('baseline') }), refs);
  report(f, vms, base);
}

async function libvirt(dbUrl: string, redisUrl: string, vms: number, dir: string): Promise<void> {
  console.log(`2) ${vms} VMs on libvirt test-driver hosts, 4 nodes, failed host fenced through its IPMI BMC (ipmi_sim, fence_ipmilan)`);
  const [hosts, failedHost] = await Promise.all([
    startLibvirtHosts({ hosts: ['b', 'c', 'd', 'base'] }),
    startSimulatedHost({ name: 'a', password: `bmc-${randomBytes(4).toString('hex')}` }),
  ]);
  try {
    const xml = (ref: string): string => {
      const file = join(dir, `${ref}.xml`);
      writeFileSync(file, testDomainXml({ name: ref, memoryKiB: 64 * 1024 }));
      return file;
    };
    const { password, ...bmc } = failedHost.bmc.fenceOptions() as Record<string, string>;
    const f = await failover(dbUrl, redisUrl, {
      title: 'libvirt',
      tenant: 'bench-kvm',
      vms,
      adapter: new KvmAdapter(),
      failed: { name: 'a', uri: failedHost.host.uri },
      survivors: ['b', 'c', 'd'].map((name) => ({ name, uri: hosts.host(name).uri })),
      capacity: { cpus: 64, memoryMb: 65536 },
      fencingRequired: true,
      fence: { agent: 'fence_ipmilan', options: bmc, secretOptions: { password: password ?? '' } },
      define: async (ref) => {
        await failedHost.host.virsh('define', xml(ref));
      },
      crash: () => failedHost.host.crash(),
    });
    const refs = Array.from({ length: vms }, (_, i) => `base${i}`);
    for (const ref of refs) {
      const r = await hosts.virsh('base', ['define', xml(ref)]);
      if (r.code !== 0) throw new Error(`virsh define: ${r.stderr}`);
    }
    const host = new KvmAdapter().connect({ uri: hosts.host('base').uri });
    try {
      report(f, vms, await baseline(host, refs));
    } finally {
      await host.close();
    }
  } finally {
    await failedHost.stop();
    await hosts.stop();
  }
}

async function vsphere(dbUrl: string, redisUrl: string, vms: number): Promise<void> {
  console.log(`3) ${vms} VMs on vcsim (vSphere), 3 ESXi hosts, no agents (heartbeats from vCenter), failed host fenced through its IPMI BMC`);
  // esx-1 fails, esx-2 and esx-3 survive; esx-4 is outside the cluster and carries the baseline's VMs
  const layout = Array.from({ length: vms }, (_, i) => ({ name: `vm${String(i).padStart(4, '0')}`, priority: 0, home: 0 }));
  const baseVms = Array.from({ length: vms }, (_, i) => ({ name: `base${i}`, priority: 0, home: 3 }));
  const lab = await startVsphereLab({ hosts: 4, services: [...layout, ...baseVms] });
  try {
    const ca = readFileSync(lab.env['HAAAS_VSPHERE_CA_FILE'] as string, 'utf8');
    const adapter = new VsphereAdapter({ ca, watch: { resyncSeconds: Number(lab.env['HAAAS_VSPHERE_RESYNC_SECONDS']) } });
    const vc = lab.vcenter;
    const node = (i: number): BenchNode => {
      const hostname = lab.hosts[i]?.name as string;
      return { name: hostname.split('.')[0] as string, hostname, uri: vc.url, username: vc.username, password: vc.password };
    };
    const failedHost = lab.hosts[0] as (typeof lab.hosts)[number];
    const { password, ...bmc } = failedHost.bmc.fenceOptions() as Record<string, string>;
    const f = await failover(dbUrl, redisUrl, {
      title: 'vsphere',
      tenant: 'bench-vsphere',
      vms,
      adapter,
      heartbeatSource: HeartbeatSource.MANAGER,
      failed: node(0),
      survivors: [node(1), node(2)],
      capacity: { cpus: 128, memoryMb: 262144 },
      fencingRequired: true,
      fence: { agent: 'fence_ipmilan', options: bmc, secretOptions: { password: password ?? '' } },
      // the lab created the VMs (`vm0000-vm` ...) on esx-1; the service's ref is that name
      define: async () => undefined,
      crash: () => vc.admin.disconnectHost(failedHost.name),
      refOf: (i) => `${layout[i]?.name}-vm`,
    });
    const inVcenter = await vc.admin.vms();
    const moved = inVcenter.filter((v) => v.name.startsWith('vm') && v.powerState === 'poweredOn' && v.host !== failedHost.name);
    console.log(`   vcsim says: ${moved.length}/${vms} of the failed host's VMs powered on on survivors, ${inVcenter.filter((v) => v.name.startsWith('vm')).length} registrations of them in all`);
    const host = adapter.connect({ uri: vc.url, username: vc.username, password: vc.password, host: lab.hosts[3]?.name ?? null });
    try {
      report(f, vms, await baseline(host, baseVms.map((b) => `${b.name}-vm`)), 'vCenter lost the host');
    } finally {
      await host.close();
    }
  } finally {
    await lab.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-failover-'));
  const infra = await startLocalInfra({ dataDir: dir });
  try {
    console.log('HAaaS failover benchmark (detector tick 100 ms, recovery concurrency 16)');
    const which = process.argv[2] ?? 'all';
    if (which === 'all' || which === 'memory') {
      const db = await createDatabase(infra.dbUrl, `haaas_bench_fo_mem_${Date.now()}`);
      await runMigrations({ url: db });
      await inMemory(db, infra.redisUrl, Number(process.env.BENCH_VMS ?? 1000));
    }
    if (which === 'all' || which === 'libvirt') {
      const db = await createDatabase(infra.dbUrl, `haaas_bench_fo_kvm_${Date.now()}`);
      await runMigrations({ url: db });
      await libvirt(db, infra.redisUrl, Number(process.env.BENCH_KVM_VMS ?? 50), dir);
    }
    if (which === 'all' || which === 'takeover') {
      const n = Number(process.env.BENCH_TAKEOVER_SERVICES ?? 200);
      const now = await workerTakeover(infra.dbUrl, n, 'now (lock 5 s, stalled check 1 s, claim 5 s renewed every 1 s)', {});
      const before = await workerTakeover(infra.dbUrl, n, 'baseline, previous timings (lock 15 s, stalled check 15 s, claim 30 s renewed every 10 s)', {
        RECOVERY_LOCK_MS: '15000',
        RECOVERY_STALLED_MS: '15000',
        RECOVERY_CLAIM_TTL_MS: '30000',
        RECOVERY_CLAIM_RENEW_MS: '10000',
      });
      reportTakeover(n, now, before);
    }
    if (which === 'all' || which === 'vsphere') {
      const db = await createDatabase(infra.dbUrl, `haaas_bench_fo_vsphere_${Date.now()}`);
      await runMigrations({ url: db });
      await vsphere(db, infra.redisUrl, Number(process.env.BENCH_VSPHERE_VMS ?? 50));
    }
  } finally {
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
