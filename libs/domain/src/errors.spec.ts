import {
  BadInputError,
  ConflictError,
  DomainError,
  ErrorCode,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  Problems,
  QuotaExceededError,
  UnauthenticatedError,
} from './errors';

describe('domain errors', () => {
  it.each<[DomainError, ErrorCode, string]>([
    [new BadInputError([{ field: 'name', message: 'bad' }]), 'BAD_USER_INPUT', 'BadInputError'],
    [new NotFoundError('Cluster', 'c1'), 'NOT_FOUND', 'NotFoundError'],
    [new ConflictError('name taken'), 'CONFLICT', 'ConflictError'],
    [new QuotaExceededError('clusters', 20), 'QUOTA_EXCEEDED', 'QuotaExceededError'],
    [new ForbiddenError('no'), 'FORBIDDEN', 'ForbiddenError'],
    [new UnauthenticatedError('who?'), 'UNAUTHENTICATED', 'UnauthenticatedError'],
    [new PreconditionFailedError('no quorum'), 'PRECONDITION_FAILED', 'PreconditionFailedError'],
  ])('%p carries code %s and its class name', (error, code, name) => {
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
  });

  it('NotFoundError names the kind and id', () => {
    const e = new NotFoundError('Cluster', '0190a1b2-0000-7000-8000-000000000001');
    expect(e.message).toBe('Cluster 0190a1b2-0000-7000-8000-000000000001 not found');
    expect(e.details).toEqual({ kind: 'Cluster', id: '0190a1b2-0000-7000-8000-000000000001' });
  });

  it('QuotaExceededError states the limit', () => {
    const e = new QuotaExceededError('nodes', 500);
    expect(e.message).toBe('quota exceeded: at most 500 nodes per tenant');
    expect(e.details).toEqual({ what: 'nodes', limit: 500 });
  });

  it('errors without extra details default to an empty object', () => {
    expect(new ConflictError('x').details).toEqual({});
    expect(new PreconditionFailedError('y', { clusterId: 'c' }).details).toEqual({ clusterId: 'c' });
  });

  it('BadInputError lists every problem in its message and details', () => {
    const problems = [
      { field: 'name', message: 'too long' },
      { field: 'policy.priority', message: 'out of range' },
    ];
    const e = new BadInputError(problems);
    expect(e.message).toBe('name: too long; policy.priority: out of range');
    expect(e.problems).toEqual(problems);
    expect(e.details).toEqual({ problems });
  });

  it('BadInputError.of builds a single-field error', () => {
    const e = BadInputError.of('hostname', 'not a host name');
    expect(e.problems).toEqual([{ field: 'hostname', message: 'not a host name' }]);
    expect(e.message).toBe('hostname: not a host name');
  });
});

describe('Problems', () => {
  it('starts empty and does not throw when empty', () => {
    const p = new Problems();
    expect(p.empty).toBe(true);
    expect(() => p.throwIfAny()).not.toThrow();
  });

  it('check adds a problem only when the condition fails', () => {
    const p = new Problems().check(true, 'a', 'fine').check(false, 'b', 'broken');
    expect(p.empty).toBe(false);
    expect(() => p.throwIfAny()).toThrow(new BadInputError([{ field: 'b', message: 'broken' }]));
  });

  it('collects several fields, in order, into one BadInputError', () => {
    const p = new Problems().add('name', 'empty').check(false, 'policy.priority', 'too high').add('attributes.set[2].key', 'bad key');
    let thrown: unknown;
    try {
      p.throwIfAny();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BadInputError);
    expect((thrown as BadInputError).problems.map((x) => x.field)).toEqual(['name', 'policy.priority', 'attributes.set[2].key']);
    expect((thrown as BadInputError).code).toBe('BAD_USER_INPUT');
  });

  it('the thrown error keeps a snapshot: later additions do not change it', () => {
    const p = new Problems().add('a', 'x');
    let first: BadInputError | undefined;
    try {
      p.throwIfAny();
    } catch (e) {
      first = e as BadInputError;
    }
    p.add('b', 'y');
    expect(first?.problems).toHaveLength(1);
    expect(() => p.throwIfAny()).toThrow('a: x; b: y');
  });
});
