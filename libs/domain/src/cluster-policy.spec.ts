import {
  clusterHealth,
  ClusterPolicy,
  DEFAULT_CLUSTER_POLICY,
  HEALTHY_STATUSES,
  quorumOf,
  resolveClusterPolicy,
  stripUndefined,
} from './cluster-policy';
import { NodeStatus } from './enums';
import { BadInputError, FieldProblem } from './errors';

function problemsOf(fn: () => unknown): FieldProblem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof BadInputError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a BadInputError, nothing was thrown');
}
const fieldsOf = (fn: () => unknown) => problemsOf(fn).map((p) => p.field);

describe('resolveClusterPolicy', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_CLUSTER_POLICY).toEqual({ heartbeatIntervalSeconds: 1, deadtimeSeconds: 10, fencingRequired: true, minHealthyNodes: 2, failbackStabilisationSeconds: 300, fenceRetrySeconds: 30 });
  });

  it('returns the defaults for no input, an empty input, or absent fields', () => {
    expect(resolveClusterPolicy(undefined)).toEqual(DEFAULT_CLUSTER_POLICY);
    expect(resolveClusterPolicy({})).toEqual(DEFAULT_CLUSTER_POLICY);
    expect(resolveClusterPolicy({ deadtimeSeconds: undefined, fencingRequired: undefined })).toEqual(DEFAULT_CLUSTER_POLICY);
  });

  it('overlays the input on the given base (an update keeps what it does not name)', () => {
    const base: ClusterPolicy = { heartbeatIntervalSeconds: 2, deadtimeSeconds: 30, fencingRequired: false, minHealthyNodes: 3, failbackStabilisationSeconds: 60, fenceRetrySeconds: 5 };
    expect(resolveClusterPolicy({ minHealthyNodes: 5 }, base)).toEqual({ ...base, minHealthyNodes: 5 });
  });

  it('does not modify the base', () => {
    const base = { ...DEFAULT_CLUSTER_POLICY };
    resolveClusterPolicy({ deadtimeSeconds: 20 }, base);
    expect(base).toEqual(DEFAULT_CLUSTER_POLICY);
  });

  it('keeps fencingRequired=false when asked (an explicit risk, but allowed)', () => {
    expect(resolveClusterPolicy({ fencingRequired: false }).fencingRequired).toBe(false);
  });

  describe('ranges', () => {
    it('heartbeatIntervalSeconds is 1..300', () => {
      expect(resolveClusterPolicy({ heartbeatIntervalSeconds: 1, deadtimeSeconds: 2 }).heartbeatIntervalSeconds).toBe(1);
      expect(resolveClusterPolicy({ heartbeatIntervalSeconds: 300, deadtimeSeconds: 600 }).heartbeatIntervalSeconds).toBe(300);
      expect(fieldsOf(() => resolveClusterPolicy({ heartbeatIntervalSeconds: 0 }))).toEqual(['policy.heartbeatIntervalSeconds']);
      expect(fieldsOf(() => resolveClusterPolicy({ heartbeatIntervalSeconds: 301, deadtimeSeconds: 1000 }))).toEqual(['policy.heartbeatIntervalSeconds']);
      expect(fieldsOf(() => resolveClusterPolicy({ heartbeatIntervalSeconds: 1.5 }))).toEqual(['policy.heartbeatIntervalSeconds']);
    });

    it('deadtimeSeconds is 2..3600', () => {
      expect(resolveClusterPolicy({ deadtimeSeconds: 2 }).deadtimeSeconds).toBe(2);
      expect(resolveClusterPolicy({ deadtimeSeconds: 3600 }).deadtimeSeconds).toBe(3600);
      expect(fieldsOf(() => resolveClusterPolicy({ deadtimeSeconds: 3601 }))).toEqual(['policy.deadtimeSeconds']);
      // 1 is both out of range and less than twice the 1 s interval
      expect(fieldsOf(() => resolveClusterPolicy({ deadtimeSeconds: 1 }))).toEqual(['policy.deadtimeSeconds', 'policy.deadtimeSeconds']);
    });

    it('minHealthyNodes is 1..1000', () => {
      expect(resolveClusterPolicy({ minHealthyNodes: 1 }).minHealthyNodes).toBe(1);
      expect(resolveClusterPolicy({ minHealthyNodes: 1000 }).minHealthyNodes).toBe(1000);
      expect(fieldsOf(() => resolveClusterPolicy({ minHealthyNodes: 0 }))).toEqual(['policy.minHealthyNodes']);
      expect(fieldsOf(() => resolveClusterPolicy({ minHealthyNodes: 1001 }))).toEqual(['policy.minHealthyNodes']);
    });

    it('failbackStabilisationSeconds is 0..86400, fenceRetrySeconds 1..3600', () => {
      expect(resolveClusterPolicy({ failbackStabilisationSeconds: 0, fenceRetrySeconds: 3600 })).toMatchObject({ failbackStabilisationSeconds: 0, fenceRetrySeconds: 3600 });
      expect(fieldsOf(() => resolveClusterPolicy({ failbackStabilisationSeconds: -1, fenceRetrySeconds: 0 }))).toEqual(['policy.failbackStabilisationSeconds', 'policy.fenceRetrySeconds']);
      expect(fieldsOf(() => resolveClusterPolicy({ failbackStabilisationSeconds: 86_401 }))).toEqual(['policy.failbackStabilisationSeconds']);
    });
  });

  describe('deadtime >= 2 x heartbeat interval', () => {
    it('accepts exactly twice', () => {
      expect(resolveClusterPolicy({ heartbeatIntervalSeconds: 5, deadtimeSeconds: 10 })).toMatchObject({ heartbeatIntervalSeconds: 5, deadtimeSeconds: 10 });
    });
    it('refuses one second less, on the deadtime field', () => {
      const problems = problemsOf(() => resolveClusterPolicy({ heartbeatIntervalSeconds: 5, deadtimeSeconds: 9 }));
      expect(problems).toEqual([{ field: 'policy.deadtimeSeconds', message: expect.stringContaining('twice the heartbeat interval') }]);
    });
    it('checks the merged policy: a new interval is held against the base deadtime', () => {
      // default deadtime is 10, so an interval of 6 needs 12
      expect(fieldsOf(() => resolveClusterPolicy({ heartbeatIntervalSeconds: 6 }))).toEqual(['policy.deadtimeSeconds']);
    });
  });

  it('refuses explicit nulls instead of storing them', () => {
    const input = { fencingRequired: null, minHealthyNodes: null } as unknown as Partial<ClusterPolicy>;
    expect(fieldsOf(() => resolveClusterPolicy(input))).toEqual(['policy.minHealthyNodes', 'policy.fencingRequired']);
  });

  it('reports every bad field at once, under the given prefix', () => {
    expect(fieldsOf(() => resolveClusterPolicy({ heartbeatIntervalSeconds: 0, deadtimeSeconds: 5000, minHealthyNodes: -1 }, DEFAULT_CLUSTER_POLICY, 'input.policy'))).toEqual([
      'input.policy.heartbeatIntervalSeconds',
      'input.policy.deadtimeSeconds',
      'input.policy.minHealthyNodes',
    ]);
  });
});

describe('quorumOf (seed 001: N/2 + 1)', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
    [7, 4],
    [8, 5],
    [9, 5],
    [10, 6],
    [11, 6],
    [12, 7],
    [13, 7],
    [14, 8],
    [15, 8],
    [16, 9],
    [17, 9],
  ])('%i nodes need %i', (n, q) => {
    expect(quorumOf(n)).toBe(q);
  });

  it('is a strict majority for N = 1..17: two quorums always overlap, and one node fewer is not enough', () => {
    for (let n = 1; n <= 17; n++) {
      const q = quorumOf(n);
      expect(2 * q).toBeGreaterThan(n);
      expect(2 * (q - 1)).toBeLessThanOrEqual(n);
    }
  });
});

describe('clusterHealth', () => {
  const S = NodeStatus;

  it('only ONLINE nodes are healthy', () => {
    expect([...HEALTHY_STATUSES]).toEqual([S.ONLINE]);
  });

  it('counts nodes per status', () => {
    const h = clusterHealth([S.ONLINE, S.FAILED, S.ONLINE, S.MAINTENANCE, S.ONLINE]);
    expect(h.totalNodes).toBe(5);
    expect(h.healthyNodes).toBe(3);
    expect(h.quorum).toBe(3);
    expect(h.quorate).toBe(true);
    expect(h.counts.get(S.ONLINE)).toBe(3);
    expect(h.counts.get(S.FAILED)).toBe(1);
    expect(h.counts.get(S.MAINTENANCE)).toBe(1);
    expect(h.counts.get(S.FENCED)).toBeUndefined();
    expect(h.counts.size).toBe(3);
  });

  it('two nodes need both online (seed 001)', () => {
    expect(clusterHealth([S.ONLINE, S.ONLINE]).quorate).toBe(true);
    expect(clusterHealth([S.ONLINE, S.FAILED])).toMatchObject({ totalNodes: 2, healthyNodes: 1, quorum: 2, quorate: false });
  });

  it('seventeen nodes need nine online (seed 001)', () => {
    const nine = [...Array<NodeStatus>(9).fill(S.ONLINE), ...Array<NodeStatus>(8).fill(S.FAILED)];
    const eight = [...Array<NodeStatus>(8).fill(S.ONLINE), ...Array<NodeStatus>(9).fill(S.NETWORK_ISOLATED)];
    expect(clusterHealth(nine)).toMatchObject({ totalNodes: 17, healthyNodes: 9, quorum: 9, quorate: true });
    expect(clusterHealth(eight)).toMatchObject({ totalNodes: 17, healthyNodes: 8, quorum: 9, quorate: false });
  });

  it.each([S.OFFLINE, S.FAILED, S.NETWORK_ISOLATED, S.STORAGE_ISOLATED, S.EXCLUDED, S.UNSTABLE, S.MAINTENANCE, S.FENCED])(
    '%s does not count towards quorum',
    (status) => {
      // 3 nodes need 2: one ONLINE plus one in this status is not quorate
      expect(clusterHealth([S.ONLINE, status, S.FAILED])).toMatchObject({ healthyNodes: 1, quorum: 2, quorate: false });
    },
  );

  it('an empty cluster is never quorate', () => {
    expect(clusterHealth([])).toMatchObject({ totalNodes: 0, healthyNodes: 0, quorate: false });
    expect(clusterHealth([]).counts.size).toBe(0);
  });

  it('a single online node is quorate', () => {
    expect(clusterHealth([S.ONLINE])).toMatchObject({ quorum: 1, quorate: true });
  });
});

describe('stripUndefined', () => {
  it('drops undefined and keeps null, false, 0 and empty strings', () => {
    expect(stripUndefined({ a: undefined, b: null, c: false, d: 0, e: '' })).toEqual({ b: null, c: false, d: 0, e: '' });
    expect(Object.keys(stripUndefined({ a: undefined, b: 1 }))).toEqual(['b']);
  });
});
