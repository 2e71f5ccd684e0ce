/**
 * `node tools/run.js bench/placement.bench.ts [runs]`: placement planning for 10,000 services on
 * 1,000 hosts (`planPlacements` of @haaas/domain), next to baselines measured in the same run on
 * the same arrays:
 *  - round-robin: one pass assigning service i to the next host with room (no policy at all);
 *  - sort: sorting the services by priority and the hosts by id (what any planner must at least do);
 *  - naive: `placeService` per service over the running state (ranks every host for every
 *    service), timed once, and checked to choose exactly what `planPlacements` chose.
 * The cluster: 5% of hosts down or in maintenance, 3% reserved spares, 40 failover domains of 20
 * to 200 members (ordered or not, restricted or not), a fifth of the services without a domain, a
 * third in anti-affinity groups. Two runs: hosts 0-20% used beforehand (everything fits), and 0-55%
 * (saturated: some services fit nowhere and are explained). Medians of N runs (default 15), in ms.
 * The same two runs at three sizes (10 hosts / 100 services, 100 / 1,000, 1,000 / 10,000), then a growth table with the cost per service, so that the
 * growth shows. A saturated plan's per-node explanations are built when first read: the
 * "reading every rejection list" line times the plan plus reading them all.
 * Prints figures; it asserts nothing about time.
 */
import {
  FailoverDomainSpec,
  NodeStatus,
  placeService,
  PlacementNode,
  PlacementService,
  planPlacements,
  sortForPlacement,
} from '@haaas/domain';

const RUNS = Number(process.argv[2] ?? 15);
const SIZES: readonly { hosts: number; services: number }[] = [
  { hosts: 10, services: 100 },
  { hosts: 100, services: 1_000 },
  { hosts: 1_000, services: 10_000 },
];

/** mulberry32: the same cluster on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cluster(initialFill: number, HOSTS: number, SERVICES: number): { nodes: PlacementNode[]; services: PlacementService[] } {
  const r = rng(2024);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const nodes: PlacementNode[] = Array.from({ length: HOSTS }, (_, i) => {
    const roll = r();
    const capacityCpus = pick([32, 48, 64]);
    const capacityMemoryMb = capacityCpus * 4096;
    return {
      id: `host-${String(i).padStart(4, '0')}`,
      status: roll < 0.03 ? pick([NodeStatus.FAILED, NodeStatus.OFFLINE, NodeStatus.UNSTABLE]) : NodeStatus.ONLINE,
      maintenance: roll >= 0.03 && roll < 0.05,
      reserved: r() < 0.03,
      capacityCpus,
      capacityMemoryMb,
      usedCpus: Math.floor(r() * capacityCpus * initialFill),
      usedMemoryMb: Math.floor(r() * capacityMemoryMb * initialFill),
      antiAffinityGroups: [],
    };
  });
  const domains: FailoverDomainSpec[] = Array.from({ length: Math.max(1, Math.floor(HOSTS / 25)) }, (_, i) => {
    const size = Math.min(Math.ceil(HOSTS / 2), 20 + Math.floor(r() * 180));
    const start = Math.floor(r() * HOSTS);
    return {
      id: `domain-${i}`,
      ordered: r() < 0.5,
      restricted: r() < 0.5,
      nofailback: false,
      members: Array.from({ length: size }, (_, k) => ({ nodeId: (nodes[(start + k * 7) % HOSTS] as PlacementNode).id, priority: 1 + Math.floor(r() * 5) })),
    };
  });
  const services: PlacementService[] = Array.from({ length: SERVICES }, (_, i) => ({
    id: `svc-${String(i).padStart(5, '0')}`,
    priority: pick([100, 300, 500, 500, 500, 700, 900, 1000]),
    domain: r() < 0.8 ? pick(domains) : null,
    antiAffinityGroup: r() < 0.33 ? `group-${Math.floor(r() * 400)}` : null,
    cpus: pick([1, 2, 2, 4, 4, 8]),
    memoryMb: pick([1024, 2048, 4096, 8192, 16384]),
  }));
  return { nodes, services };
}

/** The simplest assignment: next host with room, round robin, no policy. */
function roundRobin(services: readonly PlacementService[], nodes: readonly PlacementNode[]): number {
  const freeCpus = nodes.map((n) => n.capacityCpus - n.usedCpus);
  const freeMemory = nodes.map((n) => n.capacityMemoryMb - n.usedMemoryMb);
  let next = 0;
  let placed = 0;
  for (const s of services) {
    for (let tries = 0; tries < nodes.length; tries++) {
      const i = next;
      next = (next + 1) % nodes.length;
      if ((freeCpus[i] as number) >= s.cpus && (freeMemory[i] as number) >= s.memoryMb) {
        freeCpus[i] = (freeCpus[i] as number) - s.cpus;
        freeMemory[i] = (freeMemory[i] as number) - s.memoryMb;
        placed += 1;
        break;
      }
    }
  }
  return placed;
}

function sortOnly(services: readonly PlacementService[], nodes: readonly PlacementNode[]): number {
  const s = sortForPlacement(services);
  const n = [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return s.length + n.length;
}

/** The reference the unit tests compare against: rank every host for every service. */
function naive(services: readonly PlacementService[], nodes: readonly PlacementNode[]): (string | null)[] {
  const state = new Map(nodes.map((n) => [n.id, { ...n, antiAffinityGroups: [...n.antiAffinityGroups] }]));
  return sortForPlacement(services).map((s) => {
    const p = placeService(s, [...state.values()]);
    if (p.nodeId !== null) {
      const n = state.get(p.nodeId) as PlacementNode;
      state.set(n.id, {
        ...n,
        usedCpus: n.usedCpus + s.cpus,
        usedMemoryMb: n.usedMemoryMb + s.memoryMb,
        antiAffinityGroups: s.antiAffinityGroup ? [...n.antiAffinityGroups, s.antiAffinityGroup] : [...n.antiAffinityGroups],
      });
    }
    return p.nodeId;
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Medians of interleaved runs, so that load from elsewhere falls on every contender alike. */
function compare(fns: Record<string, () => unknown>, runs: number): Record<string, number> {
  const names = Object.keys(fns);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) for (let w = 0; w < 3; w++) (fns[name] as () => unknown)(); // warm up the JIT
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const t = performance.now();
      (fns[name] as () => unknown)();
      (times[name] as number[]).push(performance.now() - t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(times[n] as number[])]));
}

interface Figures {
  readonly hosts: number;
  readonly services: number;
  readonly fill: number;
  readonly unplaced: number;
  readonly planMs: number;
  readonly readAllMs: number;
}

/** Reads every unplaced service's per-node list (built on first read), as a dry run shown in full would. */
function readAll(services: readonly PlacementService[], nodes: readonly PlacementNode[]): number {
  let n = 0;
  for (const d of planPlacements(services, nodes).decisions) n += d.rejected.length;
  return n;
}

function scenario(title: string, initialFill: number, HOSTS: number, SERVICES: number): Figures {
  const runs = RUNS;
  const { nodes, services } = cluster(initialFill, HOSTS, SERVICES);
  const plan = planPlacements(services, nodes);
  const capacity = nodes.reduce((a, n) => a + n.capacityCpus, 0);
  const touched = new Set(plan.usage.map((u) => u.nodeId));
  const used = plan.usage.reduce((a, u) => a + u.usedCpus, 0) + nodes.filter((n) => !touched.has(n.id)).reduce((a, n) => a + n.usedCpus, 0);
  console.log(`\n## ${HOSTS.toLocaleString('en')} hosts, ${SERVICES.toLocaleString('en')} services: ${title}`);
  console.log(`cluster: ${HOSTS} hosts (${nodes.filter((n) => n.status !== NodeStatus.ONLINE || n.maintenance).length} unavailable, ${nodes.filter((n) => n.reserved).length} reserved), ${SERVICES} services`);
  console.log(`plan: ${plan.placed} placed, ${plan.unplaced} unplaced; CPU in use after the plan: ${((100 * used) / capacity).toFixed(1)}%`);

  const t = compare(
    {
      planPlacements: () => planPlacements(services, nodes),
      summaryOnly: () => planPlacements(services, nodes, { explainUnplaced: 'SUMMARY' }),
      readAll: () => readAll(services, nodes),
      roundRobin: () => roundRobin(services, nodes),
      sort: () => sortOnly(services, nodes),
    },
    runs,
  );

  const ms = (x: number) => `${x.toFixed(2).padStart(9)} ms`;
  const planMs = t['planPlacements'] as number;
  const line = (label: string, x: number, note: string) => console.log(`  ${label.padEnd(44)} ${ms(x)}   ${note}`);
  console.log(`medians of ${runs} interleaved runs:`);
  line('planPlacements', planMs, `${((planMs * 1000) / SERVICES).toFixed(2)} µs per service`);
  if (plan.unplaced > 0) {
    line("planPlacements, explainUnplaced: 'SUMMARY'", t['summaryOnly'] as number, 'unplaced services without the per-node list');
    line('planPlacements, reading every rejection list', t['readAll'] as number, `${(plan.unplaced * HOSTS).toLocaleString('en')} node rejections built and read`);
  }
  line('baseline: round-robin single pass', t['roundRobin'] as number, `planPlacements / round-robin = ${(planMs / (t['roundRobin'] as number)).toFixed(1)}x`);
  line('baseline: sort services and hosts', t['sort'] as number, `planPlacements / sort = ${(planMs / (t['sort'] as number)).toFixed(1)}x`);
  {
    const naiveStart = performance.now();
    const reference = naive(services, nodes);
    const naiveMs = performance.now() - naiveStart;
    line('naive placeService loop (one run)', naiveMs, `naive / planPlacements = ${(naiveMs / planMs).toFixed(1)}x`);
    console.log(`  same choices as the naive loop: ${reference.every((nodeId, i) => plan.decisions[i]?.nodeId === nodeId) ? 'yes' : 'NO'}`);
  }
  return { hosts: HOSTS, services: SERVICES, fill: initialFill, unplaced: plan.unplaced, planMs, readAllMs: t['readAll'] as number };
}

const figures: Figures[] = [];
for (const { hosts, services } of SIZES) {
  figures.push(scenario('hosts 0-20% used before the plan (room for everything)', 0.2, hosts, services));
  figures.push(scenario('hosts 0-55% used before the plan (saturated: some services do not fit)', 0.55, hosts, services));
}
console.log('\n## growth: cost per service (planPlacements, medians)');
console.log('  hosts    services  used before  unplaced   plan ms   µs/service   with every rejection read: ms, µs/service');
for (const f of figures) {
  const per = (ms: number) => ((ms * 1000) / f.services).toFixed(2).padStart(10);
  console.log(
    `  ${String(f.hosts).padStart(6)} ${String(f.services).padStart(10)}  ${`0-${Math.round(f.fill * 100)}%`.padStart(11)}  ${String(f.unplaced).padStart(8)}  ${f.planMs.toFixed(2).padStart(8)}  ${per(f.planMs)}   ${f.readAllMs.toFixed(2).padStart(8)} ${per(f.readAllMs)}`,
  );
}
