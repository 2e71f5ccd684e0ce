import type { TenantScope } from '@haaas/domain';
import type { ClusterEntity, EventEntity } from '@haaas/persistence';
import { appendEvent } from '../event-log';
import { uuidv7Time } from './event-range.util';
import { alice, bob, createCluster, failure, Harness, startHarness } from './fencing-and-log.int-setup';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventLogService on MariaDB', () => {
  let h: Harness;
  let cluster: ClusterEntity;
  let other: ClusterEntity;
  let bobCluster: ClusterEntity;
  /** Events of `cluster` in creation order (the log answers newest first). */
  let events: EventEntity[];
  const nodeA = '0190f000-0000-7000-8000-00000000000a';
  const nodeB = '0190f000-0000-7000-8000-00000000000b';
  const svc = '0190f000-0000-7000-8000-0000000000c1';

  async function append(scope: TenantScope, clusterId: string, type: string, extra: { nodeId?: string; serviceId?: string; objectType?: string } = {}): Promise<EventEntity> {
    await h.store.transaction((repos) =>
      appendEvent(repos, scope, {
        clusterId,
        type,
        objectType: extra.objectType ?? 'Node',
        objectId: extra.nodeId ?? extra.serviceId ?? clusterId,
        nodeId: extra.nodeId,
        serviceId: extra.serviceId,
        after: { type },
      }),
    );
    const page = await h.store.repos.events.page(scope, { clusterId }, { first: 1, direction: 'DESC' });
    return page.rows[0] as EventEntity;
  }

  const idsOf = (rows: readonly EventEntity[]) => rows.map((r) => r.id);
  const newestFirst = (rows: readonly EventEntity[]) => idsOf([...rows].reverse());

  beforeAll(async () => {
    h = await startHarness();
    cluster = await createCluster(h, alice);
    other = await createCluster(h, alice);
    bobCluster = await createCluster(h, bob);
    const plan: [string, { nodeId?: string; serviceId?: string; objectType?: string }][] = [
      ['node.joined', { nodeId: nodeA }],
      ['node.joined', { nodeId: nodeB }],
      ['node.failed', { nodeId: nodeA }],
      ['service.relocated', { serviceId: svc, nodeId: nodeB, objectType: 'Service' }],
      ['node.fenced', { nodeId: nodeA }],
      ['service.started', { serviceId: svc, objectType: 'Service' }],
      ['node.failed', { nodeId: nodeB }],
    ];
    // the cluster's own `cluster.created` event comes first
    events = [(await h.store.repos.events.find(alice, { clusterId: cluster.id }))[0] as EventEntity];
    for (const [type, extra] of plan) {
      // distinct milliseconds, far enough apart for time ranges between them to be unambiguous
      await sleep(15);
      events.push(await append(alice, cluster.id, type, extra));
      await append(alice, other.id, type, extra);
      await append(bob, bobCluster.id, type, extra);
    }
  });

  afterAll(() => h?.close());

  it('answers newest first, with this cluster only', async () => {
    const page = await h.log.clusterLog(alice, cluster.id, {}, { first: 100 });
    expect(idsOf(page.rows)).toEqual(newestFirst(events));
    expect(page.hasNextPage).toBe(false);
  });

  it('pages newest first with an exclusive cursor', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await h.log.clusterLog(alice, cluster.id, {}, { first: 3, after });
      seen.push(...idsOf(page.rows));
      if (!page.hasNextPage) break;
      after = page.rows[page.rows.length - 1]?.id ?? null;
    }
    expect(seen).toEqual(newestFirst(events));
  });

  it('is newest first whatever direction the caller passes', async () => {
    const page = await h.log.clusterLog(alice, cluster.id, {}, { first: 2, direction: 'ASC' });
    expect(idsOf(page.rows)).toEqual(newestFirst(events).slice(0, 2));
  });

  it('filters by one type or several (merged newest first, paged)', async () => {
    const failed = events.filter((e) => e.type === 'node.failed');
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { types: ['node.failed'] }, { first: 10 })).rows)).toEqual(newestFirst(failed));
    const wanted = events.filter((e) => ['node.failed', 'node.fenced', 'service.started'].includes(e.type));
    const first = await h.log.clusterLog(alice, cluster.id, { types: ['node.failed', 'node.fenced', 'service.started'] }, { first: 3 });
    expect(idsOf(first.rows)).toEqual(newestFirst(wanted).slice(0, 3));
    expect(first.hasNextPage).toBe(true);
    const rest = await h.log.clusterLog(alice, cluster.id, { types: ['node.failed', 'node.fenced', 'service.started'] }, { first: 3, after: first.rows[2]?.id });
    expect(idsOf(rest.rows)).toEqual(newestFirst(wanted).slice(3));
    expect(rest.hasNextPage).toBe(false);
  });

  it('filters by node, service and object type', async () => {
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { nodeId: nodeA }, { first: 10 })).rows)).toEqual(newestFirst(events.filter((e) => e.nodeId === nodeA)));
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { serviceId: svc }, { first: 10 })).rows)).toEqual(newestFirst(events.filter((e) => e.serviceId === svc)));
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { objectType: 'Service' }, { first: 10 })).rows)).toEqual(newestFirst(events.filter((e) => e.objectType === 'Service')));
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { nodeId: nodeB, types: ['node.failed'] }, { first: 10 })).rows)).toEqual([events[7]?.id]);
  });

  it('filters by a time range, inclusive at both ends, and pages within it', async () => {
    const time = (e: EventEntity | undefined) => (uuidv7Time(e?.id ?? '') as Date).getTime();
    // [event 2, event 5] by their own times: exactly events 2..5
    const range = { from: new Date(time(events[2])), to: new Date(time(events[5])) };
    const inRange = events.slice(2, 6);
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, range, { first: 10 })).rows)).toEqual(newestFirst(inRange));
    // between events (midpoints) selects the same ones
    const mid = (a: number, b: number) => new Date((time(events[a]) + time(events[b])) / 2);
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { from: mid(1, 2), to: mid(5, 6) }, { first: 10 })).rows)).toEqual(newestFirst(inRange));
    // one at a time: a next page exactly while the range has more
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page = await h.log.clusterLog(alice, cluster.id, range, { first: 1, after });
      seen.push(...idsOf(page.rows));
      expect(page.hasNextPage).toBe(seen.length < inRange.length);
      if (!page.hasNextPage) break;
      after = page.rows[0]?.id ?? null;
    }
    expect(seen).toEqual(newestFirst(inRange));
    // open-ended ranges, and a range with types
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { from: mid(5, 6) }, { first: 10 })).rows)).toEqual(newestFirst(events.slice(6)));
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { to: mid(1, 2) }, { first: 10 })).rows)).toEqual(newestFirst(events.slice(0, 2)));
    expect(idsOf((await h.log.clusterLog(alice, cluster.id, { ...range, types: ['node.failed', 'node.fenced'] }, { first: 10 })).rows)).toEqual(
      newestFirst(inRange.filter((e) => e.type === 'node.failed' || e.type === 'node.fenced')),
    );
    // nothing in a range before everything
    expect((await h.log.clusterLog(alice, cluster.id, { to: new Date(time(events[0]) - 60_000) }, { first: 10 })).rows).toEqual([]);
  });

  it('agrees with the recorded time within clock skew', () => {
    for (const e of events) expect(Math.abs(e.at.getTime() - (uuidv7Time(e.id) as Date).getTime())).toBeLessThan(1000);
  });

  it('refuses a range that ends before it starts, and malformed filters', async () => {
    expect(await failure(h.log.clusterLog(alice, cluster.id, { from: new Date(2000), to: new Date(1000) }, { first: 10 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [{ field: 'filter.to' }],
    });
    expect(await failure(h.log.clusterLog(alice, cluster.id, { types: ['DROP TABLE'] }, { first: 10 }))).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'filter.types[0]' }] });
  });

  it('answers NOT_FOUND for the cluster of another tenant and shows only its own events', async () => {
    expect(await failure(h.log.clusterLog(bob, cluster.id, {}, { first: 10 }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await failure(h.log.clusterLog(alice, bobCluster.id, {}, { first: 10 }))).toMatchObject({ code: 'NOT_FOUND' });
    const bobs = await h.log.clusterLog(bob, bobCluster.id, {}, { first: 100 });
    expect(bobs.rows.every((e) => e.tenantId === 'bob' && e.clusterId === bobCluster.id)).toBe(true);
    expect(bobs.rows).toHaveLength(events.length);
    expect((await h.log.logsOfClusters(bob, [cluster.id], {}, { first: 10 }))[0]?.rows).toEqual([]);
  });

  it('batches the logs of many clusters like the single-cluster query answers them', async () => {
    for (const filter of [{}, { from: new Date((uuidv7Time(events[3]?.id ?? '') as Date).getTime()) }, { types: ['node.failed'] }, { nodeId: nodeA }]) {
      const [a, b] = await h.log.logsOfClusters(alice, [cluster.id, other.id], filter, { first: 3 });
      const single = await h.log.clusterLog(alice, cluster.id, filter, { first: 3 });
      expect(idsOf(a?.rows ?? [])).toEqual(idsOf(single.rows));
      expect(a?.hasNextPage).toBe(single.hasNextPage);
      expect(b?.rows.every((e) => e.clusterId === other.id)).toBe(true);
      expect(b?.rows.length).toBeGreaterThan(0);
    }
    const one = await h.statementsOf(() => h.log.logsOfClusters(alice, [cluster.id], { from: new Date(0) }, { first: 3 }));
    const two = await h.statementsOf(() => h.log.logsOfClusters(alice, [cluster.id, other.id], { from: new Date(0) }, { first: 3 }));
    expect(two).toBe(one);
  });
});
