import type { TenantScope } from '@haaas/domain';
import type { ClusterEntity, EventEntity } from '@haaas/persistence';
import { appendEvent } from '../event-log';
import { uuidv7Time } from './event-range.util';
import { alice, bob, createCluster, failure, Harness, startHarness } from '../testing/management.harness';
import type { EventObjectType } from '@haaas/domain';
import { markerEventType } from '@haaas/testing';

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

  async function append(scope: TenantScope, clusterId: string, type: string, extra: { nodeId?: string; serviceId?: string; objectType?: EventObjectType } = {}): Promise<EventEntity> {
    await h.store.transaction((repos) =>
      appendEvent(repos, scope, {
        clusterId,
        type: markerEventType(type),
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
    const plan: [string, { nodeId?: string; serviceId?: string; objectType?: EventObjectType }][] = [
      ['node.joined', { nodeId: nodeA }],
      ['node.joined', { nodeId: nodeB }],
      ['node.failed', { nodeId: nodeA }],
      ['service.recovered', { serviceId: svc, nodeId: nodeB, objectType: 'Service' }],
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

  it('filters by a time range on `at`, inclusive at both ends, and pages within it', async () => {
    const time = (e: EventEntity | undefined) => (e as EventEntity).at.getTime();
    // [event 2, event 5] by their recorded times: exactly events 2..5
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

  it('includes an event recorded exactly at `from` or `to`, and not one millisecond outside', async () => {
    const e = events[5] as EventEntity; // node.fenced
    const at = e.at.getTime();
    const cases: [{ from?: Date; to?: Date }, boolean][] = [
      [{ from: new Date(at), to: new Date(at) }, true],
      [{ from: new Date(at) }, true],
      [{ to: new Date(at) }, true],
      [{ from: new Date(at + 1) }, false],
      [{ to: new Date(at - 1) }, false],
      [{ from: new Date(at + 1), to: new Date(at + 10) }, false],
      [{ from: new Date(at - 10), to: new Date(at - 1) }, false],
    ];
    for (const [range, included] of cases) {
      for (const types of [undefined, ['node.fenced'], ['node.fenced', 'node.failed']]) {
        const filter = { ...range, types };
        const single = idsOf((await h.log.clusterLog(alice, cluster.id, filter, { first: 100 })).rows);
        const [batched] = await h.log.logsOfClusters(alice, [cluster.id, other.id], filter, { first: 100 });
        expect([range, types, single.includes(e.id)]).toEqual([range, types, included]);
        expect(idsOf(batched?.rows ?? [])).toEqual(single);
      }
    }
  });

  it('decides the range on `at` even where the id was minted on a skewed clock', async () => {
    const c = await createCluster(h, alice);
    const early = await append(alice, c.id, 'node.failed', { nodeId: nodeA });
    await sleep(5);
    const skewed = await append(alice, c.id, 'node.fenced', { nodeId: nodeA });
    await sleep(5);
    const late = await append(alice, c.id, 'node.joined', { nodeId: nodeA });
    // the API replica that minted `skewed` was 90 s behind the database (within the allowance)
    const recorded = new Date(skewed.at.getTime() + 90_000);
    await h.sql('UPDATE events SET at = ? WHERE id = ?', [recorded, skewed.id]);
    const readBoth = async (filter: { from?: Date; to?: Date; nodeId?: string }) => {
      const single = idsOf((await h.log.clusterLog(alice, c.id, filter, { first: 10 })).rows);
      const [batched] = await h.log.logsOfClusters(alice, [c.id, cluster.id], filter, { first: 10 });
      expect(idsOf(batched?.rows ?? [])).toEqual(single);
      return single;
    };
    expect(await readBoth({ from: recorded, to: recorded })).toEqual([skewed.id]);
    expect(await readBoth({ from: recorded, nodeId: nodeA })).toEqual([skewed.id]);
    // its id's own time is not its time: a range there holds the neighbours only
    expect(await readBoth({ from: early.at, to: late.at })).toEqual([late.id, early.id]);
    expect(await readBoth({ to: late.at, nodeId: nodeA })).toEqual([late.id, early.id]);
  });

  it('refuses a cursor that is not an event id', async () => {
    expect(await failure(h.log.clusterLog(alice, cluster.id, {}, { first: 10, after: 'zzz' }))).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'after' }] });
    expect(await failure(h.log.logsOfClusters(alice, [cluster.id], {}, { first: 10, after: "' OR 1=1" }))).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'after' }] });
    // an upper-case cursor is the same id
    const page = await h.log.clusterLog(alice, cluster.id, {}, { first: 2, after: events[3]?.id.toUpperCase() });
    expect(idsOf(page.rows)).toEqual([events[2]?.id, events[1]?.id]);
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
    const at = (i: number) => (events[i] as EventEntity).at;
    const filters = [
      {},
      { from: at(3) },
      { to: at(4) },
      { from: at(2), to: at(5) },
      { types: ['node.failed'] },
      { types: ['node.failed', 'node.joined', 'service.started'] },
      { nodeId: nodeA },
      { serviceId: svc, objectType: 'Service' },
      { from: at(1), to: at(6), types: ['node.failed', 'node.joined'], nodeId: nodeB },
    ];
    for (const filter of filters) {
      for (const after of [null, events[5]?.id ?? null]) {
        const [a, b] = await h.log.logsOfClusters(alice, [cluster.id, other.id], filter, { first: 2, after });
        const single = await h.log.clusterLog(alice, cluster.id, filter, { first: 2, after });
        expect([filter, after, idsOf(a?.rows ?? []), a?.hasNextPage]).toEqual([filter, after, idsOf(single.rows), single.hasNextPage]);
        expect(b?.rows.every((e) => e.clusterId === other.id)).toBe(true);
      }
    }
  });

  it('reads the log of many clusters in as many statements as one, filtered or not', async () => {
    const third = await createCluster(h, alice);
    for (const [type, extra] of [['node.failed', { nodeId: nodeA }], ['node.fenced', { nodeId: nodeB }], ['service.started', { serviceId: svc }]] as const) {
      await append(alice, third.id, type, extra);
    }
    const since = (events[0] as EventEntity).at;
    const filters = [
      {},
      { from: since },
      { from: since, to: new Date() },
      { types: ['node.failed'] },
      { types: ['node.failed', 'node.fenced', 'service.started'] },
      { nodeId: nodeA, from: since },
      { serviceId: svc, objectType: 'Service' },
      { types: ['node.failed', 'node.fenced'], objectType: 'Node', from: since, to: new Date() },
    ];
    for (const filter of filters) {
      const one = await h.statementsOf(() => h.log.logsOfClusters(alice, [cluster.id], filter, { first: 3 }));
      const three = await h.statementsOf(() => h.log.logsOfClusters(alice, [cluster.id, other.id, third.id], filter, { first: 3 }));
      expect([filter, three]).toEqual([filter, one]);
      expect([filter, one]).toEqual([filter, 2]);
    }
  });
});
