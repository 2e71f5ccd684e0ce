/**
 * Part of lifecycle.e2e-spec.ts (split off for its length, same `live` API, so the file's check
 * that every root field was answered through the SDK counts these): actions and their operations
 * (waitForOperation polling and live, idempotency keys, timeouts, aborts), incidents, and the
 * subscriptions over graphql-ws.
 */
import {
  ConflictError,
  HaaasError,
  NotFoundError,
  OperationFailedError,
  PreconditionFailedError,
  TimeoutError,
  type Cluster,
  type ClusterEvent,
  type ClusterNode,
  type HaaasClient,
  type Operation,
  type Service,
} from '@haaas/sdk';
import type { LiveApi } from './live';

export function actionsAndOperations(liveApi: () => LiveApi): void {
  describe('the SDK against the live API: actions, operations, incidents, subscriptions', () => {
    let client: HaaasClient;
    let cluster: Cluster;
    let nodes: ClusterNode[];
    let service: Service;

    beforeAll(async () => {
      client = await liveApi().client('ops-co');
      cluster = await client.clusters.create({ name: 'ops', hypervisor: 'KVM' });
      nodes = [];
      for (const h of ['o1', 'o2', 'o3']) {
        nodes.push(await client.nodes.join({ clusterId: cluster.id, hostname: `${h}.example.com`, kind: 'PHYSICAL', endpoint: { uri: 'qemu+tcp://127.0.0.1:9/system' }, capacity: { cpus: 8, memoryMb: 16384 } }));
      }
      const vm = await client.resources.create({ clusterId: cluster.id, name: 'vm', type: 'VM', vm: { hypervisorRef: 'vm' } });
      service = await client.services.create({ clusterId: cluster.id, name: 'svc', resources: [vm.id], policy: { priority: 700 } });
    });
    afterAll(() => client?.close());

    it('refuses to start a cluster without quorum as PreconditionFailedError, and tells why', async () => {
      const error = await client.clusters.start(cluster.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionFailedError);
      expect((error as PreconditionFailedError).message).toMatch(/quorum|healthy/i);
      expect((error as PreconditionFailedError).requestId).toEqual(expect.any(String));
    });

    it('runs an action to its end with waitForOperation (polling), reporting progress', async () => {
      const op = await client.services.stop(service.id);
      expect(op).toMatchObject({ kind: 'SERVICE_STOP', target: { type: 'SERVICE', id: service.id }, clusterId: cluster.id, requestedBy: 'ops-co-user' });
      const seen: Operation[] = [];
      const done = await client.waitForOperation(op.id, { live: false, onProgress: (o) => seen.push(o), pollIntervalMs: 100, timeoutMs: 30_000, resolveOnFailure: true });
      expect(['SUCCEEDED', 'FAILED']).toContain(done.state);
      expect(done.progress).toBe(100);
      expect(seen.at(-1)).toEqual(done);
      expect(await client.operations.get(op.id)).toEqual(done);
      expect((await client.operations.list({ clusterId: cluster.id }).toArray()).map((o) => o.id)).toContain(op.id);
    });

    it('returns the same operation for a repeated idempotency key, and CONFLICT for another request with it', async () => {
      const first = await client.nodes.evacuate(nodes[2]?.id ?? '', { idempotencyKey: 'sdk-evacuate-1' });
      const again = await client.nodes.evacuate(nodes[2]?.id ?? '', { idempotencyKey: 'sdk-evacuate-1' });
      expect(again.id).toBe(first.id);
      await expect(client.services.restart(service.id, { idempotencyKey: 'sdk-evacuate-1' })).rejects.toBeInstanceOf(ConflictError);
      await client.waitForOperation(first.id, { pollIntervalMs: 100, timeoutMs: 30_000, resolveOnFailure: true });
    });

    it('follows an operation live over graphql-ws (operationUpdated) to its end, by default', async () => {
      let looks = 0; // HTTP reads of the operation: one look, then the subscription
      const counting = await liveApi().client('ops-co', ['member'], { hooks: { beforeRequest: (r) => void (r.operationName === 'GetOperation' && looks++) } });
      const states: string[] = [];
      const done = await counting.waitForOperation((await counting.services.start(service.id)).id, { onProgress: (o) => states.push(o.state), timeoutMs: 30_000, resolveOnFailure: true });
      expect([['SUCCEEDED', 'FAILED'].includes(done.state), states.at(-1), looks]).toEqual([true, done.state, 1]);
    });

    it('times out with TimeoutError carrying the last state, and aborts with the signal', async () => {
      // a relocation to a node that cannot answer takes longer than the limit
      const op = await client.services.relocate(service.id, { targetNodeId: nodes[1]?.id ?? '' });
      const timedOut = await client.waitForOperation(op.id, { timeoutMs: 50, pollIntervalMs: 20 }).catch((e: unknown) => e);
      if (timedOut instanceof OperationFailedError) {
        // a fast run: the relocation failed within the 50 ms, and the SDK answers a finished operation
        // at its first look (documented), so there was nothing to time out; client-safety.spec.ts
        // shows the timeout itself on a scripted server
        expect(timedOut.operation).toMatchObject({ id: op.id, state: 'FAILED' });
      } else {
        expect(timedOut).toBeInstanceOf(TimeoutError);
        expect((timedOut as TimeoutError).operation).toMatchObject({ id: op.id });
        const controller = new AbortController();
        const waiting = client.waitForOperation(op.id, { signal: controller.signal, pollIntervalMs: 20 });
        controller.abort(new Error('enough'));
        await expect(waiting).rejects.toThrow('enough');
      }
      await client.waitForOperation(op.id, { pollIntervalMs: 100, timeoutMs: 30_000, resolveOnFailure: true });
    });

    it('shows a failed operation progressing without going back, and ending at 100 (issue 17)', async () => {
      // a relocation to a node whose hypervisor cannot answer: steps are planned on the way, then it fails
      const op = await client.services.relocate(service.id, { targetNodeId: nodes[2]?.id ?? '' });
      const progress: number[] = [];
      const done = await client.waitForOperation(op.id, { onProgress: (o) => progress.push(o.progress), timeoutMs: 30_000, resolveOnFailure: true });
      expect(done.state).toBe('FAILED');
      expect(done.progress).toBe(100);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    });

    it('streams the cluster log live (clusterEvents), resuming after a given event', async () => {
      const before = await client.events.list({ clusterId: cluster.id, limit: 1 }).first();
      const controller = new AbortController();
      const received: ClusterEvent[] = [];
      const reading = (async () => {
        for await (const event of client.subscriptions.clusterEvents({ clusterId: cluster.id, after: before?.id ?? null, signal: controller.signal })) {
          received.push(event);
          if (event.type === 'cluster.updated') break;
        }
      })();
      await client.clusters.update({ id: cluster.id, description: 'live' });
      await reading;
      expect(received.at(-1)).toMatchObject({ type: 'cluster.updated', objectId: cluster.id });
      // strictly after the given event, each once, in order
      const ids = received.map((e) => e.id);
      expect(ids.every((id) => id > (before?.id ?? ''))).toBe(true);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('ends a subscription on another tenant\'s cluster with NotFoundError', async () => {
      const intruder = await liveApi().client('ops-intruder');
      const iterate = async () => {
        for await (const _ of intruder.subscriptions.clusterEvents({ clusterId: cluster.id })) return;
      };
      await expect(iterate()).rejects.toBeInstanceOf(NotFoundError);
      await intruder.close();
    });

    it('runs every other action as an operation: node startup, shutdown, reboot; service restart; cluster stop, suspend, resume', async () => {
      // each on its own node or target: one operation at a time per target; their outcomes need real hosts
      const extra: ClusterNode[] = [];
      for (const h of ['p1', 'p2', 'p3']) {
        extra.push(await client.nodes.join({ clusterId: cluster.id, hostname: `${h}.example.com`, kind: 'PHYSICAL', endpoint: { uri: 'qemu+tcp://127.0.0.1:9/system' }, capacity: { cpus: 8, memoryMb: 16384 } }));
      }
      const [p1, p2, p3] = extra.map((n) => n.id) as [string, string, string];
      const ops = [await client.nodes.startup(p1), await client.nodes.shutdown(p2), await client.nodes.reboot(p3), await client.services.restart(service.id)];
      expect(ops.map((o) => o.kind)).toEqual(['NODE_STARTUP', 'NODE_SHUTDOWN', 'NODE_REBOOT', 'SERVICE_RESTART']);
      expect(ops.map((o) => o.target.id)).toEqual([p1, p2, p3, service.id]);
      const stopped = await client.clusters.stop(cluster.id);
      expect(stopped).toMatchObject({ kind: 'CLUSTER_STOP', target: { type: 'CLUSTER', id: cluster.id } });
      // a STOPPED cluster can be neither suspended nor resumed: typed errors, before any operation exists
      for (const action of [() => client.clusters.suspend(cluster.id), () => client.clusters.resume(cluster.id)]) {
        const error = await action().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HaaasError);
        expect((error as HaaasError).code).toMatch(/^(PRECONDITION_FAILED|CONFLICT)$/);
      }
      await Promise.all([...ops, stopped].map((o) => client.waitForOperation(o.id, { pollIntervalMs: 100, timeoutMs: 30_000, resolveOnFailure: true }).catch((e: unknown) => e)));
    });

    it('incidents, failover plan and failure reports', async () => {
      const plan = await client.nodes.failoverPlan(nodes[0]?.id ?? '');
      const total = (await client.nodes.list({ clusterId: cluster.id }).toArray()).length;
      expect(plan).toMatchObject({ nodeId: nodes[0]?.id, clusterId: cluster.id, haActive: false, quorum: { totalNodes: total } });
      // the detector confirms a report itself: with HA stopped, there is no incident
      const report = await client.nodes.reportFailure({ nodeId: nodes[0]?.id ?? '', source: 'sdk-test', reason: 'seen down' });
      expect(report).toMatchObject({ nodeId: nodes[0]?.id, incidentExists: false, incidentId: null });
      expect(await client.incidents.list({ clusterId: cluster.id }).toArray()).toEqual([]);
      await expect(client.incidents.get('01000000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
      // the operator's actions on an incident: none here, so each is refused by the API as unknown
      const unknown = '01000000-0000-7000-8000-000000000000';
      await expect(client.incidents.confirmNodeFenced(unknown, 'checked the PDU: off')).rejects.toBeInstanceOf(NotFoundError);
      await expect(client.incidents.retry(unknown, { note: 'BMC password fixed' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(client.incidents.cancel(unknown, 'host retired')).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
