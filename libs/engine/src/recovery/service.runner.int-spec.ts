import { startRedis } from '@haaas/devstack';
import { ResourceType, ServiceState } from '@haaas/domain';
import { ResourceService, ServiceGroupService } from '@haaas/management';
import { createTestDatabase } from '@haaas/testing';
import { ClaimLostError, ServiceClaims } from '@haaas/engine-runtime';
import { ServiceStartError } from '@haaas/engine-runtime';
import { Lab, Seeded, startLab } from './testing/recovery-lab';

/**
 * The ServiceRunner against real libvirt test-driver hosts and MariaDB: where it starts, what it
 * writes before and after, what it refuses, and the claims that keep other actors out.
 */
describe('ServiceRunner', () => {
  let lab: Lab;
  let seeded: Seeded;

  beforeAll(async () => {
    lab = await startLab({ database: createTestDatabase, startRedis });
    seeded = await lab.seed({ fence: 'none' });
  }, 60_000);
  afterAll(() => lab?.close());

  const service = (id: string) => lab.store.repos.services.get(lab.scope, id);
  const resourcesOf = (serviceId: string) => lab.store.repos.resources.find(lab.scope, { serviceId });
  const node = (host: string): string => seeded.nodes[host] as string;

  it('starts a service where its VMs are defined: placement written ahead, definitions kept, every step logged', async () => {
    const id = await lab.addService(seeded, 'web', { vms: ['web-1', 'web-2'], on: 'b' });
    const s = await service(id);
    expect(s).toMatchObject({ state: ServiceState.STARTED, currentNodeId: node('b'), claimedBy: null });
    const resources = await resourcesOf(id);
    expect(resources.map((r) => r.placedNodeId)).toEqual([node('b'), node('b')]);
    for (const r of resources) {
      expect(r.vmDefinitionFormat).toBe('libvirt-xml');
      expect(r.vmDefinition).toContain(`<name>${(r.spec as { hypervisorRef: string }).hypervisorRef}</name>`);
    }
    expect(await lab.runningOn('web-1')).toEqual(['b']);
    expect(lab.startsOf('web-1')).toBe(1);
    const types = (await lab.events(seeded.clusterId)).filter((e) => e.serviceId === id).map((e) => e.type);
    // position order, placement before each start, the service's own start and end around them
    expect(types).toEqual(['service.created', 'service.starting', 'resource.placed', 'resource.started', 'resource.placed', 'resource.started', 'service.started']);
  });

  it('refuses to start a VM that is active on another node, and starts nothing there', async () => {
    const id = await lab.addService(seeded, 'db', { vms: ['db-1'], on: 'b', alsoDefinedOn: ['c'] });
    const before = lab.startsOf('db-1');
    const err = await lab.runner.withClaim(lab.scope, id, 'test', (claim) => lab.runner.start(claim, node('c'), { reason: 'test' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err).toMatchObject({ kind: 'VM_ACTIVE_ELSEWHERE', retryable: false, vmRef: 'db-1' });
    expect(lab.startsOf('db-1')).toBe(before);
    expect(await lab.runningOn('db-1')).toEqual(['b']);
    const failed = (await lab.events(seeded.clusterId, ['service.start_failed'])).filter((e) => e.serviceId === id);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.after).toMatchObject({ kind: 'VM_ACTIVE_ELSEWHERE', targetNodeId: node('c'), vmRef: 'db-1' });
    // the placement was not touched: the VM is still recorded where it runs
    expect((await resourcesOf(id))[0]?.placedNodeId).toBe(node('b'));
  });

  it('stops a service, then starts it on a host that never knew its VM by registering the kept definition', async () => {
    const id = await lab.addService(seeded, 'app', { vms: ['app-1'], on: 'b' });
    const stopped = await lab.runner.withClaim(lab.scope, id, 'test', (claim) => lab.runner.stop(claim, { reason: 'test' }));
    expect(stopped.stopped).toEqual([{ resourceId: expect.any(String), vmRef: 'app-1', nodeId: node('b') }]);
    expect(await service(id)).toMatchObject({ state: ServiceState.STOPPED, currentNodeId: null });
    expect((await resourcesOf(id))[0]?.placedNodeId).toBeNull();
    expect(await lab.runningOn('app-1')).toEqual([]);
    expect((await lab.hosts.virsh('c', ['dominfo', 'app-1'])).code).not.toBe(0); // c does not know it

    const started = await lab.runner.withClaim(lab.scope, id, 'test', (claim) => lab.runner.start(claim, node('c'), { reason: 'test' }));
    expect(started.resources.map((r) => r.action)).toEqual(['REGISTERED_AND_STARTED']);
    expect(await lab.runningOn('app-1')).toEqual(['c']);
    expect(await service(id)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: node('c') });
  });

  it('treats a VM already running on the target as started (a retry after a crash): no second start', async () => {
    const id = await lab.addService(seeded, 'cache', { vms: ['cache-1'], on: 'b' });
    const before = lab.startsOf('cache-1');
    // as if the worker died after the start call and before recording it: the state says STARTING
    await lab.store.transaction(async (repos) => {
      const s = await repos.services.lock(lab.scope, id);
      s.state = ServiceState.STARTING;
      await repos.services.save(lab.scope, s);
    });
    const again = await lab.runner.withClaim(lab.scope, id, 'test', (claim) => lab.runner.start(claim, node('b'), { reason: 'test: retry' }));
    expect(again.resources.map((r) => r.action)).toEqual(['ALREADY_RUNNING']);
    expect(lab.startsOf('cache-1')).toBe(before);
    expect(await service(id)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: node('b') });
  });

  it('hands IP resources to the node agent of the target, placed ahead; no agent answering is a retryable TARGET_UNREACHABLE', async () => {
    // the agent side (a real agent process carrying the actions out) is test/e2e/node-actions.e2e-spec.ts
    const ip = await lab.app.get(ResourceService).create(lab.scope, { clusterId: seeded.clusterId, name: 'vip-1', type: ResourceType.IP, ip: { address: '10.9.9.9', prefixLength: 24 } });
    const svc = await lab.app.get(ServiceGroupService).create(lab.scope, { clusterId: seeded.clusterId, name: 'vip', resources: [ip.id], policy: { startTimeoutSeconds: 1 } });
    const err = await lab.runner.withClaim(lab.scope, svc.id, 'test', (claim) => lab.runner.start(claim, node('c'), { reason: 'test' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err).toMatchObject({ kind: 'TARGET_UNREACHABLE', retryable: true, resourceId: ip.id });
    expect((err as Error).message).toMatch(/the node agent of c\.\S+ did not take the start of IP vip-1 within 1 s/);
    // written ahead, so a cleanup of this node (a stop with onlyNodeId) reaches it
    expect((await lab.store.repos.resources.get(lab.scope, ip.id)).placedNodeId).toBe(node('c'));
    const types = (await lab.events(seeded.clusterId)).filter((e) => e.serviceId === svc.id).map((e) => e.type);
    expect(types).toEqual(['service.created', 'service.starting', 'resource.placed', 'service.start_failed']);
  });

  it('keeps a service to one actor: a held claim refuses others, an expired one is taken over and logged, a lost one stops the holder', async () => {
    const id = await lab.addService(seeded, 'queue', { vms: ['queue-1'], on: 'c' });
    const claims = lab.app.get(ServiceClaims);
    const first = await claims.tryClaim(lab.scope, id, 'actor-1');
    expect(first).not.toBeNull();
    expect(await claims.tryClaim(lab.scope, id, 'actor-2')).toBeNull();
    await expect(claims.claim(lab.scope, id, 'actor-2', { waitMs: 300, pollMs: 100 })).rejects.toThrow(/being acted on by actor-1/);

    // actor-1 "crashes": its claim runs out, actor-2 takes it over
    await lab.store.transaction(async (repos) => {
      const s = await repos.services.lock(lab.scope, id);
      s.claimExpiresAt = new Date(Date.now() - 1000);
      await repos.services.save(lab.scope, s);
    });
    const second = await claims.tryClaim(lab.scope, id, 'actor-2');
    expect(second).not.toBeNull();
    const takeover = (await lab.events(seeded.clusterId, ['service.claim_taken_over'])).filter((e) => e.serviceId === id);
    expect(takeover[0]?.before).toMatchObject({ claimedBy: 'actor-1' });
    // actor-1 comes back: its next step refuses to act
    if (!first || !second) throw new Error('claims expected');
    const before = lab.startsOf('queue-1');
    await expect(lab.runner.start(first, node('b'), { reason: 'stale' })).rejects.toBeInstanceOf(ClaimLostError);
    expect(lab.startsOf('queue-1')).toBe(before);
    await first.release(); // not its claim any more: leaves actor-2's alone
    expect((await service(id)).claimedBy).toBe('actor-2');
    await second.release();
    expect((await service(id)).claimedBy).toBeNull();
  });

  it('gives a contended claim to exactly one of many actors, free or expired, and logs one takeover', async () => {
    const id = await lab.addService(seeded, 'race', { vms: ['race-1'], on: 'c' });
    const claims = lab.app.get(ServiceClaims);
    const racers = Array.from({ length: 24 }, (_, i) => `racer-${i}`);
    const won = (await Promise.all(racers.map((r) => claims.tryClaim(lab.scope, id, r)))).filter((c) => c !== null);
    expect(won).toHaveLength(1);
    expect((await service(id)).claimedBy).toBe(won[0]?.owner);
    // the winner "crashes"; everyone races for the expired claim
    await lab.store.repos.services.update(lab.scope, id, { claimExpiresAt: new Date(Date.now() - 1000) });
    const next = (await Promise.all(racers.map((r) => claims.tryClaim(lab.scope, id, `${r}-again`)))).filter((c) => c !== null);
    expect(next).toHaveLength(1);
    const takeovers = (await lab.events(seeded.clusterId, ['service.claim_taken_over'])).filter((e) => e.serviceId === id);
    expect(takeovers).toHaveLength(1);
    expect(takeovers[0]?.after).toMatchObject({ claimedBy: next[0]?.owner });
    await Promise.all([...won, ...next].map((c) => c?.release()));
    expect((await service(id)).claimedBy).toBeNull();
  });
});
