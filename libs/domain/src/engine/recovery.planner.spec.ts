import { RecoveryAction, NodeStatus } from '../enums';
import { DEFAULT_SERVICE_POLICY } from '../service-policy';
import { domain, node, service } from './engine.fixtures';
import { ReservedHostsMode } from './engine.settings';
import { RejectionReason } from './placement.types';
import {
  FenceFailurePolicy,
  fencingTopology,
  planRecovery,
  PlannedOutcome,
  RecoveryBlockerCode,
  RecoveryPlanInput,
  RecoveryService,
  recoveryServiceOf,
} from './recovery.planner';

function rs(id: string, o: Partial<RecoveryService> = {}): RecoveryService {
  return { ...service(id), recoveryAction: RecoveryAction.RELOCATE, maxRelocations: 3, recoveryTimeObjectiveSeconds: null, ...o };
}

const nodes = [node('x', { usedCpus: 12 }), node('a', { usedCpus: 4 }), node('b', { usedCpus: 8 }), node('c', { usedCpus: 14 })];
const base: RecoveryPlanInput = {
  failedNodeId: 'x',
  nodes,
  services: [],
  fencing: [
    { deviceId: 'pdu-2', level: 2 },
    { deviceId: 'ipmi', level: 1 },
    { deviceId: 'pdu-1', level: 2 },
  ],
  policy: { fencingRequired: true },
};

describe('fencingTopology', () => {
  it('groups devices by level, levels ascending, devices in the given order, each once', () => {
    expect(
      fencingTopology([
        { deviceId: 'p2', level: 3 },
        { deviceId: 'i', level: 1 },
        { deviceId: 'p1', level: 3 },
        { deviceId: 'i', level: 1 },
      ]),
    ).toEqual([
      { level: 1, deviceIds: ['i'] },
      { level: 3, deviceIds: ['p2', 'p1'] },
    ]);
    expect(fencingTopology([])).toEqual([]);
  });
});

describe('planRecovery', () => {
  describe('fencing', () => {
    it('fences first, level by level; with fencing required a total failure waits for an operator', () => {
      const plan = planRecovery(base);
      expect(plan.fencing).toEqual({
        nodeId: 'x',
        required: true,
        levels: [
          { level: 1, deviceIds: ['ipmi'] },
          { level: 2, deviceIds: ['pdu-2', 'pdu-1'] },
        ],
        onFailure: FenceFailurePolicy.AWAIT_OPERATOR,
        summary: 'fence first (level 1: ipmi, then level 2: pdu-2 + pdu-1); if every level fails, the incident waits for an operator',
      });
      expect(plan.blockers).toEqual([]);
    });

    it('fencingRequired=false says explicitly that recovery may proceed unfenced', () => {
      const plan = planRecovery({ ...base, policy: { fencingRequired: false } });
      expect(plan.fencing.onFailure).toBe(FenceFailurePolicy.PROCEED_UNFENCED);
      expect(plan.fencing.summary).toBe('fence first (level 1: ipmi, then level 2: pdu-2 + pdu-1); if every level fails, recovery proceeds unfenced (fencingRequired=false)');
    });

    it('no device and fencing required: blocked, waiting for an operator', () => {
      const plan = planRecovery({ ...base, fencing: [] });
      expect(plan.fencing.summary).toBe('no fencing device: the incident will wait for an operator to confirm the node is off');
      expect(plan.blockers).toEqual([
        { code: RecoveryBlockerCode.NO_FENCING_DEVICE, message: 'x has no fencing device and the cluster requires fencing: the incident waits for an operator to confirm the node is off' },
      ]);
    });

    it('no device and fencing not required: proceeds, not blocked', () => {
      const plan = planRecovery({ ...base, fencing: [], policy: { fencingRequired: false } });
      expect(plan.fencing.summary).toBe('no fencing device; the cluster policy allows recovery without fencing: recovery proceeds unfenced');
      expect(plan.blockers).toEqual([]);
    });
  });

  describe('quorum', () => {
    it('counts the failed node as failed even if it still reads ONLINE (dry run)', () => {
      expect(planRecovery(base).quorum).toEqual({ totalNodes: 4, healthyNodes: 3, quorum: 3, quorate: true });
    });

    it('a cluster left without quorum is blocked: nothing is recovered until an operator acts, but the plan still shows what would happen', () => {
      const plan = planRecovery({ ...base, nodes: [...nodes.slice(0, 3), node('c', { status: NodeStatus.FAILED })], services: [rs('s')] });
      expect(plan.blockers).toEqual([
        {
          code: RecoveryBlockerCode.NOT_QUORATE,
          message: 'without x the cluster is not quorate (2 of 4 nodes healthy, 3 needed): nothing is recovered until an operator acts',
        },
      ]);
      expect(plan.services[0]).toMatchObject({ outcome: PlannedOutcome.START, targetNodeId: 'a' });
    });
  });

  describe('services', () => {
    it('orders by priority (highest first), waves of one priority up to the parallelism, each with its target', () => {
      const services = [
        rs('web1', { priority: 500 }),
        rs('db', { priority: 900, cpus: 4 }),
        rs('web2', { priority: 500 }),
        rs('web3', { priority: 500 }),
        rs('batch', { priority: 100 }),
      ];
      const plan = planRecovery({ ...base, services, settings: { parallelism: 2 } });
      expect(plan.services.map((s) => [s.serviceId, s.outcome, s.targetNodeId, s.wave])).toEqual([
        ['db', PlannedOutcome.START, 'a', 1], // a: 4/16 used, the least loaded
        ['web1', PlannedOutcome.START, 'a', 2], // a: 8/16 = b: 8/16, a wins on id
        ['web2', PlannedOutcome.START, 'b', 2],
        ['web3', PlannedOutcome.START, 'a', 3], // a 10/16 = b 10/16
        ['batch', PlannedOutcome.START, 'b', 4],
      ]);
      expect(plan.waves).toEqual([
        { index: 1, priority: 900, serviceIds: ['db'] },
        { index: 2, priority: 500, serviceIds: ['web1', 'web2'] },
        { index: 3, priority: 500, serviceIds: ['web3'] },
        { index: 4, priority: 100, serviceIds: ['batch'] },
      ]);
      expect(plan.parallelism).toBe(2);
      expect(plan.counts).toEqual({ start: 5, skip: 0, willFail: 0 });
    });

    it('default parallelism is 8', () => {
      const plan = planRecovery({ ...base, nodes: [node('x'), node('a', { capacityCpus: 64 }), node('b'), node('c')], services: Array.from({ length: 10 }, (_, i) => rs(`s${i}`, { cpus: 1 })) });
      expect(plan.waves.map((w) => w.serviceIds.length)).toEqual([8, 2]);
    });

    it('DISABLE is skipped with its reason and takes no capacity', () => {
      const plan = planRecovery({ ...base, nodes: [node('x'), node('a', { capacityCpus: 2 })], services: [rs('off', { priority: 900, recoveryAction: RecoveryAction.DISABLE }), rs('on', { priority: 100 })] });
      expect(plan.services).toEqual([
        expect.objectContaining({ serviceId: 'off', outcome: PlannedOutcome.SKIP, targetNodeId: null, wave: null, reason: 'recovery action DISABLE: not restarted' }),
        expect.objectContaining({ serviceId: 'on', outcome: PlannedOutcome.START, targetNodeId: 'a', wave: 1 }),
      ]);
      expect(plan.counts).toEqual({ start: 1, skip: 1, willFail: 0 });
    });

    it('RESTART on the failed node relocates, and the plan says so', () => {
      const plan = planRecovery({ ...base, services: [rs('r', { recoveryAction: RecoveryAction.RESTART })] });
      expect(plan.services[0]).toMatchObject({ outcome: PlannedOutcome.START, targetNodeId: 'a', note: 'RESTART relocates: the node it would restart on has failed' });
    });

    it('never targets the failed node, even when it reads ONLINE and empty', () => {
      const plan = planRecovery({ ...base, nodes: [node('x'), node('a', { usedCpus: 15 })], services: [rs('s')] });
      expect(plan.services[0]).toMatchObject({ outcome: PlannedOutcome.WILL_FAIL, targetNodeId: null, reason: 'no candidate among 2 nodes: 1 excluded, 1 without capacity' });
    });

    it('a service whose domain leaves no candidate will fail, with every node\'s reason', () => {
      const d = domain([['x', 1]], { restricted: true });
      const plan = planRecovery({ ...base, services: [rs('pinned', { domain: d })] });
      expect(plan.services[0]).toMatchObject({
        outcome: PlannedOutcome.WILL_FAIL,
        reason: 'no candidate among 4 nodes: 1 excluded, 3 outside the restricted domain',
        wave: null,
      });
      expect(plan.services[0]?.rejected.map((r) => [r.nodeId, r.reason])).toEqual([
        ['a', RejectionReason.NOT_A_MEMBER],
        ['b', RejectionReason.NOT_A_MEMBER],
        ['c', RejectionReason.NOT_A_MEMBER],
        ['x', RejectionReason.EXCLUDED_NODE],
      ]);
      expect(plan.counts).toEqual({ start: 0, skip: 0, willFail: 1 });
      expect(plan.waves).toEqual([]);
    });

    it('capacity runs out in priority order: the lowest priority fails first', () => {
      const small = [node('x'), node('a', { capacityCpus: 4 })];
      const plan = planRecovery({ ...base, nodes: small, services: [rs('low', { priority: 1, cpus: 2 }), rs('high', { priority: 1000, cpus: 3 })] });
      expect(plan.services.map((s) => [s.serviceId, s.outcome])).toEqual([
        ['high', PlannedOutcome.START],
        ['low', PlannedOutcome.WILL_FAIL],
      ]);
    });

    it('passes the reserved-hosts mode to placement', () => {
      const withSpare = [node('x'), node('a'), node('spare', { reserved: true })];
      expect(planRecovery({ ...base, nodes: withSpare, services: [rs('s')] }).services[0]?.targetNodeId).toBe('a');
      expect(planRecovery({ ...base, nodes: withSpare, services: [rs('s')], settings: { reservedHosts: ReservedHostsMode.PREFER } }).services[0]?.targetNodeId).toBe('spare');
    });

    it('carries each service\'s relocation budget and RTO', () => {
      const plan = planRecovery({ ...base, services: [rs('s', { maxRelocations: 1, recoveryTimeObjectiveSeconds: 120 })] });
      expect(plan.services[0]).toMatchObject({ maxRelocations: 1, recoveryTimeObjectiveSeconds: 120, recoveryAction: RecoveryAction.RELOCATE });
    });
  });

  it('recoveryServiceOf maps a stored policy and resources', () => {
    const policy = { ...DEFAULT_SERVICE_POLICY, priority: 800, antiAffinityGroup: 'db', recoveryAction: RecoveryAction.RESTART, maxRelocations: 2, recoveryTimeObjectiveSeconds: 300 };
    expect(recoveryServiceOf({ id: 's', policy, domain: null, cpus: 4, memoryMb: 2048 })).toEqual({
      id: 's',
      priority: 800,
      domain: null,
      antiAffinityGroup: 'db',
      cpus: 4,
      memoryMb: 2048,
      recoveryAction: RecoveryAction.RESTART,
      maxRelocations: 2,
      recoveryTimeObjectiveSeconds: 300,
    });
  });
});
