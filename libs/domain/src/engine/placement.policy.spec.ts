import { NodeStatus } from '../enums';
import { ReservedHostsMode } from './engine.settings';
import { loadOf, placeService, summarizeRejections, tierOf } from './placement.policy';
import { domain, node, service } from './engine.fixtures';
import { RejectionReason } from './placement.types';

const ids = (p: { candidates: readonly { nodeId: string }[] }) => p.candidates.map((c) => c.nodeId);

describe('loadOf', () => {
  it('is the dominant share: the larger of the CPU and memory shares', () => {
    expect(loadOf(4, 1024, 16, 8192)).toBe(0.25);
    expect(loadOf(1, 6144, 16, 8192)).toBe(0.75);
    expect(loadOf(0, 0, 16, 8192)).toBe(0);
  });
  it('counts a resource the node does not have as full', () => {
    expect(loadOf(0, 0, 0, 8192)).toBe(1);
    expect(loadOf(0, 0, 8, 0)).toBe(1);
  });
});

describe('tierOf', () => {
  it('LAST_RESORT: members, non-members, reserved members, reserved non-members', () => {
    const m = ReservedHostsMode.LAST_RESORT;
    expect([tierOf(true, false, m), tierOf(false, false, m), tierOf(true, true, m), tierOf(false, true, m)]).toEqual([0, 1, 2, 3]);
  });
  it('PREFER: reserved members, members, reserved non-members, non-members', () => {
    const m = ReservedHostsMode.PREFER;
    expect([tierOf(true, true, m), tierOf(true, false, m), tierOf(false, true, m), tierOf(false, false, m)]).toEqual([0, 1, 2, 3]);
  });
});

describe('placeService', () => {
  describe('ordered domain', () => {
    const nodes = [
      node('a', { usedCpus: 8 }), // priority 2, load 0.5
      node('b', { usedCpus: 12 }), // priority 1, load 0.75
      node('c', { usedCpus: 4 }), // priority 2, load 0.25
      node('x', { usedCpus: 0 }), // not a member, load 0
      node('y', { usedCpus: 2 }), // not a member, load 0.125
    ];
    const d = domain([
      ['a', 2],
      ['b', 1],
      ['c', 2],
    ]);

    it('ranks members by priority (1 first) even when more loaded, ties by least loaded, then non-members by load', () => {
      const p = placeService(service('s', { domain: d }), nodes);
      expect(ids(p)).toEqual(['b', 'c', 'a', 'x', 'y']);
      expect(p.nodeId).toBe('b');
      expect(p.rejected).toEqual([]);
      expect(p.reason).toBeNull();
      expect(p.candidates[0]).toEqual({ nodeId: 'b', member: true, memberPriority: 1, reserved: false, load: 0.75 });
      expect(p.candidates[3]).toEqual({ nodeId: 'x', member: false, memberPriority: null, reserved: false, load: 0 });
    });

    it('restricted: only members, the others rejected as NOT_A_MEMBER', () => {
      const p = placeService(service('s', { domain: { ...d, restricted: true } }), nodes);
      expect(ids(p)).toEqual(['b', 'c', 'a']);
      expect(p.rejected).toEqual([
        { nodeId: 'x', reason: RejectionReason.NOT_A_MEMBER, detail: 'not a member of restricted failover domain d1' },
        { nodeId: 'y', reason: RejectionReason.NOT_A_MEMBER, detail: 'not a member of restricted failover domain d1' },
      ]);
    });

    it('a full preferred member is skipped for the next one', () => {
      const p = placeService(service('s', { domain: d, cpus: 5 }), nodes);
      // b has 4 CPUs free
      expect(ids(p)).toEqual(['c', 'a', 'x', 'y']);
      expect(p.rejected).toEqual([{ nodeId: 'b', reason: RejectionReason.INSUFFICIENT_CAPACITY, detail: 'needs 5 CPUs and 4096 MB; 4 CPUs and 65536 MB free' }]);
    });
  });

  describe('unordered domain', () => {
    it('ignores member priorities: least loaded member first, then id', () => {
      const nodes = [node('a', { usedCpus: 8 }), node('b', { usedCpus: 4 }), node('c', { usedCpus: 4 }), node('z')];
      const p = placeService(service('s', { domain: domain([['a', 1], ['b', 5], ['c', 9]], { ordered: false }) }), nodes);
      expect(ids(p)).toEqual(['b', 'c', 'a', 'z']);
      expect(p.candidates.map((c) => c.memberPriority)).toEqual([null, null, null, null]);
      expect(p.candidates.map((c) => c.member)).toEqual([true, true, true, false]);
    });
  });

  it('without a domain every node is an unordered member: least loaded first, ties by node id', () => {
    const nodes = [node('n3', { usedMemoryMb: 32768 }), node('n2'), node('n1'), node('n4', { usedCpus: 1 })];
    const p = placeService(service('s'), nodes);
    expect(ids(p)).toEqual(['n1', 'n2', 'n4', 'n3']);
    expect(p.candidates.every((c) => c.member && c.memberPriority === null)).toBe(true);
  });

  describe('rejections', () => {
    it('reports each reason with its detail', () => {
      const nodes = [
        node('failed'),
        node('tried'),
        node('maint', { maintenance: true }),
        node('maint-status', { status: NodeStatus.MAINTENANCE }),
        node('down', { status: NodeStatus.FAILED }),
        node('excluded', { status: NodeStatus.EXCLUDED }),
        node('suspect', { suspect: true }),
        node('full', { usedCpus: 15 }),
        node('memfull', { usedMemoryMb: 65536 - 4095 }),
        node('affine', { antiAffinityGroups: ['db'] }),
        node('ok'),
      ];
      const p = placeService(service('s', { antiAffinityGroup: 'db', triedNodeIds: ['tried'] }), nodes, { excludeNodeIds: ['failed'] });
      expect(ids(p)).toEqual(['ok']);
      expect(p.rejected).toEqual([
        { nodeId: 'failed', reason: RejectionReason.EXCLUDED_NODE, detail: 'excluded by the request (the failed or evacuated node)' },
        { nodeId: 'tried', reason: RejectionReason.ALREADY_TRIED, detail: 'already tried for this service in this incident' },
        { nodeId: 'maint', reason: RejectionReason.MAINTENANCE, detail: 'in maintenance' },
        { nodeId: 'maint-status', reason: RejectionReason.MAINTENANCE, detail: 'in maintenance' },
        { nodeId: 'down', reason: RejectionReason.NOT_ONLINE, detail: 'status FAILED' },
        { nodeId: 'excluded', reason: RejectionReason.NOT_ONLINE, detail: 'status EXCLUDED' },
        { nodeId: 'suspect', reason: RejectionReason.SUSPECT, detail: 'heartbeats missing, not yet decided (suspect)' },
        { nodeId: 'full', reason: RejectionReason.INSUFFICIENT_CAPACITY, detail: 'needs 2 CPUs and 4096 MB; 1 CPUs and 65536 MB free' },
        { nodeId: 'memfull', reason: RejectionReason.INSUFFICIENT_CAPACITY, detail: 'needs 2 CPUs and 4096 MB; 16 CPUs and 4095 MB free' },
        { nodeId: 'affine', reason: RejectionReason.ANTI_AFFINITY, detail: 'already runs a service of anti-affinity group db' },
      ]);
    });

    it.each(Object.values(NodeStatus).filter((s) => s !== NodeStatus.ONLINE && s !== NodeStatus.MAINTENANCE))('status %s is NOT_ONLINE', (status) => {
      expect(placeService(service('s'), [node('n', { status })]).rejected.map((r) => r.reason)).toEqual([RejectionReason.NOT_ONLINE]);
    });

    it('reports the first failing check only, in the documented order', () => {
      const bad = node('n', { status: NodeStatus.FAILED, maintenance: true, usedCpus: 16, antiAffinityGroups: ['g'] });
      const s = service('s', { antiAffinityGroup: 'g', domain: domain([], { restricted: true }) });
      expect(placeService(s, [bad], { excludeNodeIds: ['n'] }).rejected[0]?.reason).toBe(RejectionReason.EXCLUDED_NODE);
      expect(placeService({ ...s, triedNodeIds: ['n'] }, [bad]).rejected[0]?.reason).toBe(RejectionReason.ALREADY_TRIED);
      expect(placeService(s, [bad]).rejected[0]?.reason).toBe(RejectionReason.MAINTENANCE);
      expect(placeService(s, [{ ...bad, maintenance: false }]).rejected[0]?.reason).toBe(RejectionReason.NOT_ONLINE);
      expect(placeService(s, [{ ...bad, maintenance: false, status: NodeStatus.ONLINE }]).rejected[0]?.reason).toBe(RejectionReason.NOT_A_MEMBER);
      const member = { ...s, domain: domain([['n', 1]], { restricted: true }) };
      expect(placeService(member, [{ ...bad, maintenance: false, status: NodeStatus.ONLINE }]).rejected[0]?.reason).toBe(RejectionReason.INSUFFICIENT_CAPACITY);
      expect(placeService(member, [{ ...bad, maintenance: false, status: NodeStatus.ONLINE, usedCpus: 0 }]).rejected[0]?.reason).toBe(RejectionReason.ANTI_AFFINITY);
    });

    it('an exact fit is a fit; one CPU or one MB more is not', () => {
      const n = node('n', { capacityCpus: 4, capacityMemoryMb: 8192, usedCpus: 2, usedMemoryMb: 4096 });
      expect(placeService(service('s', { cpus: 2, memoryMb: 4096 }), [n]).nodeId).toBe('n');
      expect(placeService(service('s', { cpus: 3, memoryMb: 4096 }), [n]).nodeId).toBeNull();
      expect(placeService(service('s', { cpus: 2, memoryMb: 4097 }), [n]).nodeId).toBeNull();
    });

    it('a service without an anti-affinity group ignores the groups on nodes', () => {
      expect(placeService(service('s'), [node('n', { antiAffinityGroups: ['db'] })]).nodeId).toBe('n');
    });

    it('a member listed in the domain but absent from the cluster is simply not a candidate', () => {
      const p = placeService(service('s', { domain: domain([['gone', 1], ['b', 2]], { restricted: true }) }), [node('b')]);
      expect(ids(p)).toEqual(['b']);
    });
  });

  describe('no candidate', () => {
    it('returns null and a summary of the rejections', () => {
      const p = placeService(service('s', { cpus: 32 }), [node('a'), node('b', { status: NodeStatus.FAILED }), node('c')], { excludeNodeIds: ['c'] });
      expect(p.nodeId).toBeNull();
      expect(p.candidates).toEqual([]);
      expect(p.reason).toBe('no candidate among 3 nodes: 1 excluded, 1 not online, 1 without capacity');
    });
    it('says so when the cluster has no nodes', () => {
      expect(placeService(service('s'), []).reason).toBe('no candidate: the cluster has no nodes');
    });
    it('a restricted domain whose only member failed leaves nothing', () => {
      const p = placeService(service('s', { domain: domain([['a', 1]], { restricted: true }) }), [node('a'), node('b')], { excludeNodeIds: ['a'] });
      expect(p.reason).toBe('no candidate among 2 nodes: 1 excluded, 1 outside the restricted domain');
    });
  });

  describe('reserved hosts', () => {
    const nodes = [node('spare', { reserved: true }), node('m-busy', { usedCpus: 12 }), node('other', { usedCpus: 10 }), node('spare-out', { reserved: true })];
    const d = domain([
      ['spare', 1],
      ['m-busy', 2],
    ]);

    it('LAST_RESORT (default): after every other candidate, members and non-members alike', () => {
      const p = placeService(service('s', { domain: d }), nodes);
      expect(ids(p)).toEqual(['m-busy', 'other', 'spare', 'spare-out']);
      expect(p.candidates.map((c) => c.reserved)).toEqual([false, false, true, true]);
    });

    it('used when nothing else fits', () => {
      const p = placeService(service('s', { domain: d, cpus: 8 }), nodes);
      expect(p.nodeId).toBe('spare');
    });

    it('PREFER: first within their class, but members still before non-members', () => {
      const p = placeService(service('s', { domain: d }), nodes, { reservedHosts: ReservedHostsMode.PREFER });
      expect(ids(p)).toEqual(['spare', 'm-busy', 'spare-out', 'other']);
    });

    it('without a domain: ordinary nodes first, or spares first with PREFER', () => {
      expect(ids(placeService(service('s'), nodes))).toEqual(['other', 'm-busy', 'spare', 'spare-out']);
      expect(ids(placeService(service('s'), nodes, { reservedHosts: ReservedHostsMode.PREFER }))).toEqual(['spare', 'spare-out', 'other', 'm-busy']);
    });
  });

  it('does not depend on the order of the nodes', () => {
    const nodes = [node('a', { usedCpus: 3 }), node('b', { usedCpus: 3 }), node('c', { usedCpus: 1 }), node('d', { reserved: true })];
    const s = service('s', { domain: domain([['a', 1], ['b', 1]]) });
    expect(ids(placeService(s, [...nodes].reverse()))).toEqual(ids(placeService(s, nodes)));
    expect(ids(placeService(s, nodes))).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('summarizeRejections', () => {
  it('counts by reason in the documented order, singular for one node', () => {
    expect(summarizeRejections([{ nodeId: 'a', reason: RejectionReason.ANTI_AFFINITY, detail: '' }])).toBe('no candidate among 1 node: 1 anti-affinity');
    expect(
      summarizeRejections([
        { nodeId: 'a', reason: RejectionReason.ANTI_AFFINITY, detail: '' },
        { nodeId: 'b', reason: RejectionReason.SUSPECT, detail: '' },
        { nodeId: 'c', reason: RejectionReason.ANTI_AFFINITY, detail: '' },
        { nodeId: 'd', reason: RejectionReason.ALREADY_TRIED, detail: '' },
      ]),
    ).toBe('no candidate among 4 nodes: 1 already tried, 1 suspect, 2 anti-affinity');
  });
});
