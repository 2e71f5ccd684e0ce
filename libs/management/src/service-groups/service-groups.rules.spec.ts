import { BadInputError, DEFAULT_SERVICE_POLICY, Problems, RecoveryAction, ServiceState } from '@haaas/domain';
import {
  AT_REST_STATES,
  byPosition,
  checkBooleanIfGiven,
  checkDistinct,
  checkMemberNodes,
  collectProblems,
  insertAt,
  policyOfService,
  positionChanges,
  removeFrom,
  TRANSITIONAL_STATES,
} from './service-groups.rules';

function fieldsOf(p: Problems): string[] {
  try {
    p.throwIfAny();
  } catch (e) {
    if (e instanceof BadInputError) return e.problems.map((x) => x.field);
    throw e;
  }
  return [];
}

describe('insertAt', () => {
  it('appends when no position is given', () => {
    expect(insertAt(['a', 'b'], 'c')).toEqual(['a', 'b', 'c']);
    expect(insertAt(['a', 'b'], 'c', null)).toEqual(['a', 'b', 'c']);
    expect(insertAt([], 'a')).toEqual(['a']);
  });

  it('inserts at a 0-based position, shifting the following ones', () => {
    expect(insertAt(['a', 'b', 'c'], 'x', 0)).toEqual(['x', 'a', 'b', 'c']);
    expect(insertAt(['a', 'b', 'c'], 'x', 1)).toEqual(['a', 'x', 'b', 'c']);
    expect(insertAt(['a', 'b', 'c'], 'x', 3)).toEqual(['a', 'b', 'c', 'x']);
  });

  it('clamps out-of-range positions and never duplicates the id', () => {
    expect(insertAt(['a'], 'x', 99)).toEqual(['a', 'x']);
    expect(insertAt(['a'], 'x', -5)).toEqual(['x', 'a']);
    expect(insertAt(['a', 'x', 'b'], 'x', 0)).toEqual(['x', 'a', 'b']);
  });

  it('does not modify its input', () => {
    const order = ['a', 'b'];
    insertAt(order, 'c', 0);
    expect(order).toEqual(['a', 'b']);
  });
});

describe('removeFrom', () => {
  it('closes the gap', () => {
    expect(removeFrom(['a', 'b', 'c'], 'b')).toEqual(['a', 'c']);
    expect(removeFrom(['a'], 'z')).toEqual(['a']);
  });
});

describe('positionChanges', () => {
  it('lists only rows whose stored position differs from their index', () => {
    const rows = [
      { id: 'a', position: 0 },
      { id: 'b', position: 1 },
      { id: 'c', position: 2 },
    ];
    const changes = positionChanges(rows, ['a', 'x', 'b', 'c']);
    expect(changes.map((c) => [c.row.id, c.position])).toEqual([
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('repairs gaps and missing positions', () => {
    const rows = [
      { id: 'a', position: 0 },
      { id: 'b', position: 5 },
      { id: 'c', position: null },
    ];
    expect(positionChanges(rows, ['a', 'b', 'c']).map((c) => [c.row.id, c.position])).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('ignores rows not in the order', () => {
    expect(positionChanges([{ id: 'gone', position: 0 }], ['a'])).toEqual([]);
  });
});

describe('byPosition', () => {
  it('sorts by position, then id, with unpositioned rows last', () => {
    const rows = [
      { id: 'z', position: null },
      { id: 'c', position: 1 },
      { id: 'b', position: 0 },
      { id: 'a', position: 1 },
    ];
    expect([...rows].sort(byPosition).map((r) => r.id)).toEqual(['b', 'a', 'c', 'z']);
  });
});

describe('checkDistinct', () => {
  it('reports each repeated or empty id at its index', () => {
    const p = new Problems();
    checkDistinct(p, 'resources', ['a', 'b', 'a', '']);
    expect(fieldsOf(p)).toEqual(['resources[2]', 'resources[3]']);
  });

  it('accepts distinct ids', () => {
    const p = new Problems();
    checkDistinct(p, 'resources', ['a', 'b']);
    expect(p.empty).toBe(true);
  });
});

describe('checkMemberNodes', () => {
  const nodes = [
    { id: 'n1', clusterId: 'c1' },
    { id: 'n2', clusterId: 'c2' },
  ];

  it('accepts nodes of the cluster', () => {
    const p = new Problems();
    checkMemberNodes(p, [{ nodeId: 'n1', priority: 1 }], nodes, 'c1');
    expect(p.empty).toBe(true);
  });

  it('reports nodes of another cluster and unknown nodes at members[i].nodeId', () => {
    const p = new Problems();
    checkMemberNodes(
      p,
      [
        { nodeId: 'n1', priority: 1 },
        { nodeId: 'n2', priority: 2 },
        { nodeId: 'n3', priority: 3 },
      ],
      nodes,
      'c1',
    );
    expect(fieldsOf(p)).toEqual(['members[1].nodeId', 'members[2].nodeId']);
  });
});

describe('checkBooleanIfGiven', () => {
  it('refuses explicit null but not omission', () => {
    const p = new Problems();
    checkBooleanIfGiven(p, 'ordered', undefined);
    checkBooleanIfGiven(p, 'restricted', true);
    checkBooleanIfGiven(p, 'nofailback', null);
    expect(fieldsOf(p)).toEqual(['nofailback']);
  });
});

describe('collectProblems', () => {
  it('merges a BadInputError into the collected problems and returns undefined', () => {
    const p = new Problems().add('name', 'bad');
    const out = collectProblems(p, () => {
      throw BadInputError.of('policy.priority', 'out of range');
    });
    expect(out).toBeUndefined();
    expect(fieldsOf(p)).toEqual(['name', 'policy.priority']);
  });

  it('returns the value when nothing is wrong and rethrows other errors', () => {
    expect(collectProblems(new Problems(), () => 42)).toBe(42);
    expect(() =>
      collectProblems(new Problems(), () => {
        throw new TypeError('boom');
      }),
    ).toThrow(TypeError);
  });
});

describe('service states', () => {
  it('allows destroying only at rest and blocks resource changes only in transitions', () => {
    expect([...AT_REST_STATES].sort()).toEqual([ServiceState.DISABLED, ServiceState.FAILED, ServiceState.STOPPED]);
    expect([...TRANSITIONAL_STATES].sort()).toEqual([ServiceState.RECOVERING, ServiceState.STARTING, ServiceState.STOPPING]);
    for (const s of Object.values(ServiceState)) expect(AT_REST_STATES.has(s) && TRANSITIONAL_STATES.has(s)).toBe(false);
  });
});

describe('policyOfService', () => {
  it('picks exactly the policy columns', () => {
    const row = { ...DEFAULT_SERVICE_POLICY, recoveryAction: RecoveryAction.RESTART, id: 'x', name: 'svc', attributes: {} };
    expect(policyOfService(row)).toEqual({ ...DEFAULT_SERVICE_POLICY, recoveryAction: RecoveryAction.RESTART });
  });
});
