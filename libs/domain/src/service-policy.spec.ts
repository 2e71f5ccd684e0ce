import { RecoveryAction } from './enums';
import { BadInputError, FieldProblem } from './errors';
import { DEFAULT_SERVICE_POLICY, resolveServicePolicy, ServicePolicy } from './service-policy';

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
const loose = (o: Record<string, unknown>) => o as unknown as Partial<ServicePolicy>;

describe('resolveServicePolicy', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_SERVICE_POLICY).toEqual({
      failoverDomainId: null,
      priority: 500,
      recoveryAction: RecoveryAction.RELOCATE,
      startTimeoutSeconds: 120,
      stopTimeoutSeconds: 120,
      maxRestarts: 3,
      restartWindowSeconds: 600,
      maxRelocations: 3,
      autostart: true,
      antiAffinityGroup: null,
      recoveryTimeObjectiveSeconds: null,
    });
  });

  it('returns the defaults for no input, an empty input, or absent fields', () => {
    expect(resolveServicePolicy(undefined)).toEqual(DEFAULT_SERVICE_POLICY);
    expect(resolveServicePolicy({})).toEqual(DEFAULT_SERVICE_POLICY);
    expect(resolveServicePolicy({ priority: undefined, failoverDomainId: undefined })).toEqual(DEFAULT_SERVICE_POLICY);
  });

  // name, lowest valid, highest valid
  const ranges: [keyof ServicePolicy, number, number][] = [
    ['priority', 1, 1000],
    ['startTimeoutSeconds', 1, 86400],
    ['stopTimeoutSeconds', 1, 86400],
    ['maxRestarts', 0, 100],
    ['restartWindowSeconds', 1, 7 * 86400],
    ['maxRelocations', 0, 100],
    ['recoveryTimeObjectiveSeconds', 1, 86400],
  ];

  describe.each(ranges)('%s: %i..%i', (name, min, max) => {
    it('accepts the lowest and highest values', () => {
      expect(resolveServicePolicy({ [name]: min })[name]).toBe(min);
      expect(resolveServicePolicy({ [name]: max })[name]).toBe(max);
    });
    it('refuses one below the lowest', () => {
      expect(problemsOf(() => resolveServicePolicy({ [name]: min - 1 }))).toEqual([{ field: `policy.${name}`, message: `must be an integer from ${min} to ${max}` }]);
    });
    it('refuses one above the highest', () => {
      expect(fieldsOf(() => resolveServicePolicy({ [name]: max + 1 }))).toEqual([`policy.${name}`]);
    });
    it('refuses a fraction inside the range', () => {
      expect(fieldsOf(() => resolveServicePolicy({ [name]: min + 0.5 }))).toEqual([`policy.${name}`]);
    });
  });

  it('restartWindowSeconds tops out at exactly one week', () => {
    expect(resolveServicePolicy({ restartWindowSeconds: 604800 }).restartWindowSeconds).toBe(604800);
    expect(fieldsOf(() => resolveServicePolicy({ restartWindowSeconds: 604801 }))).toEqual(['policy.restartWindowSeconds']);
  });

  describe('explicit null clears the optional fields', () => {
    const base: ServicePolicy = { ...DEFAULT_SERVICE_POLICY, failoverDomainId: 'fd-1', antiAffinityGroup: 'db', recoveryTimeObjectiveSeconds: 60 };

    it('undefined keeps what the base has', () => {
      expect(resolveServicePolicy({ priority: 900 }, base)).toEqual({ ...base, priority: 900 });
    });
    it('null clears failoverDomainId, antiAffinityGroup and the RTO', () => {
      const r = resolveServicePolicy({ failoverDomainId: null, antiAffinityGroup: null, recoveryTimeObjectiveSeconds: null }, base);
      expect(r.failoverDomainId).toBeNull();
      expect(r.antiAffinityGroup).toBeNull();
      expect(r.recoveryTimeObjectiveSeconds).toBeNull();
      expect(r.priority).toBe(base.priority);
    });
    it('does not modify the base', () => {
      resolveServicePolicy({ failoverDomainId: null }, base);
      expect(base.failoverDomainId).toBe('fd-1');
    });
  });

  it.each(['priority', 'startTimeoutSeconds', 'stopTimeoutSeconds', 'maxRestarts', 'restartWindowSeconds', 'maxRelocations', 'recoveryAction', 'autostart'])(
    'refuses null for the required field %s',
    (name) => {
      expect(fieldsOf(() => resolveServicePolicy(loose({ [name]: null })))).toEqual([`policy.${name}`]);
    },
  );

  it('keeps autostart=false', () => {
    expect(resolveServicePolicy({ autostart: false }).autostart).toBe(false);
  });

  it('accepts a name as anti-affinity group and refuses anything else', () => {
    expect(resolveServicePolicy({ antiAffinityGroup: 'db-replicas' }).antiAffinityGroup).toBe('db-replicas');
    expect(fieldsOf(() => resolveServicePolicy({ antiAffinityGroup: '' }))).toEqual(['policy.antiAffinityGroup']);
    expect(fieldsOf(() => resolveServicePolicy({ antiAffinityGroup: 'two words' }))).toEqual(['policy.antiAffinityGroup']);
    expect(fieldsOf(() => resolveServicePolicy({ antiAffinityGroup: 'g'.repeat(64) }))).toEqual(['policy.antiAffinityGroup']);
  });

  it.each(Object.values(RecoveryAction))('accepts recovery action %s', (action) => {
    expect(resolveServicePolicy({ recoveryAction: action }).recoveryAction).toBe(action);
  });

  it.each(['REBOOT', 'relocate', ''])('refuses the unknown recovery action %p', (action) => {
    expect(problemsOf(() => resolveServicePolicy(loose({ recoveryAction: action })))).toEqual([{ field: 'policy.recoveryAction', message: 'unknown recovery action' }]);
  });

  it('reports every bad field at once, in declaration order, under the given prefix', () => {
    expect(
      fieldsOf(() =>
        resolveServicePolicy(loose({ priority: 0, maxRelocations: 101, recoveryTimeObjectiveSeconds: 0, antiAffinityGroup: '-x', recoveryAction: 'NOPE' }), DEFAULT_SERVICE_POLICY, 'input.policy'),
      ),
    ).toEqual(['input.policy.priority', 'input.policy.maxRelocations', 'input.policy.recoveryTimeObjectiveSeconds', 'input.policy.antiAffinityGroup', 'input.policy.recoveryAction']);
  });
});
