import { BadInputError, FieldProblem, Problems } from '@haaas/domain';
import { applyFencingOptionChange, checkFencingOptionChange, MAX_FENCING_OPTIONS, splitFencingOptions, touchesSecrets } from './fencing-options.rules';

function problemsOf(fn: (p: Problems) => unknown): FieldProblem[] {
  const p = new Problems();
  fn(p);
  try {
    p.throwIfAny();
  } catch (e) {
    if (e instanceof BadInputError) return [...e.problems];
    throw e;
  }
  return [];
}
const opt = (key: string, value = 'v') => ({ key, value });

describe('splitFencingOptions', () => {
  it('stores secret-named options given in the clear as secrets, keys sorted', () => {
    const p = new Problems();
    const sets = splitFencingOptions(p, [opt('username', 'admin'), opt('password', 'pw'), opt('ip', '10.0.0.1'), opt('snmp-priv-passwd', 'x')], [opt('token', 't')]);
    expect(p.empty).toBe(true);
    expect(sets.options).toEqual({ ip: '10.0.0.1', username: 'admin' });
    expect(Object.keys(sets.options)).toEqual(['ip', 'username']);
    expect(sets.secrets).toEqual({ password: 'pw', 'snmp-priv-passwd': 'x', token: 't' });
  });

  it('keeps non-secret-named secret options secret', () => {
    const sets = splitFencingOptions(new Problems(), [], [opt('login', 'root')]);
    expect(sets).toEqual({ options: {}, secrets: { login: 'root' } });
  });

  it('reports every bad option with its field path', () => {
    const fields = problemsOf((p) => splitFencingOptions(p, [opt('Bad'), opt('action', 'off'), opt('ip', 'a\nb')], [opt('ip'), opt('x', 'y'.repeat(5000))])).map((x) => x.field);
    expect(fields).toEqual(expect.arrayContaining(['options[0].key', 'options[1].key', 'options[2].value', 'secretOptions[0].key', 'secretOptions[1].value']));
  });

  it('refuses a name given both in the clear and as a secret', () => {
    expect(problemsOf((p) => splitFencingOptions(p, [opt('login')], [opt('login')]))).toEqual([{ field: 'secretOptions[0].key', message: expect.stringContaining('both') }]);
  });

  it('caps the number of options', () => {
    const many = Array.from({ length: MAX_FENCING_OPTIONS + 1 }, (_, i) => opt(`o${i}`));
    expect(problemsOf((p) => splitFencingOptions(p, many, [])).map((x) => x.field)).toEqual(['options']);
  });
});

describe('checkFencingOptionChange', () => {
  it('refuses setting and unsetting a name at once, and a name in set and setSecrets', () => {
    const fields = problemsOf((p) => checkFencingOptionChange(p, { set: [opt('ip')], setSecrets: [opt('ip'), opt('password')], unset: ['password'], unsetSecrets: ['ip'] })).map((x) => x.field);
    expect(fields.sort()).toEqual(['setSecrets[0].key', 'unsetSecrets[0]', 'unset[0]']);
  });

  it('validates option syntax under set and setSecrets', () => {
    expect(problemsOf((p) => checkFencingOptionChange(p, { set: [opt('opt', 'a\rb')], setSecrets: [opt('-x')] })).map((x) => x.field)).toEqual(['set[0].value', 'setSecrets[0].key']);
  });
});

describe('applyFencingOptionChange', () => {
  const current = { options: { ip: '10.0.0.1', username: 'admin' }, secrets: { password: 'old', login: 'root' } };

  it('sets, replaces and removes options and secrets, reporting changed secret names only', () => {
    const p = new Problems();
    const r = applyFencingOptionChange(p, current, { set: [opt('ip', '10.0.0.2'), opt('passwd', 'new')], unset: ['username'], unsetSecrets: ['login'] });
    expect(p.empty).toBe(true);
    expect(r.options).toEqual({ ip: '10.0.0.2' });
    expect(r.secrets).toEqual({ passwd: 'new', password: 'old' });
    expect(r.changedSecretKeys).toEqual(['login', 'passwd']);
    expect(r.optionsChanged).toBe(true);
  });

  it('moves a name between the clear and the secrets', () => {
    const toClear = applyFencingOptionChange(new Problems(), current, { set: [opt('login', 'root2')] });
    expect(toClear.options).toEqual({ ip: '10.0.0.1', login: 'root2', username: 'admin' });
    expect(toClear.secrets).toEqual({ password: 'old' });
    expect(toClear.changedSecretKeys).toEqual(['login']);
    const toSecret = applyFencingOptionChange(new Problems(), current, { setSecrets: [opt('username', 'admin')] });
    expect(toSecret.options).toEqual({ ip: '10.0.0.1' });
    expect(toSecret.secrets).toEqual({ login: 'root', password: 'old', username: 'admin' });
  });

  it('ignores removing absent names and tells an unchanged result', () => {
    const r = applyFencingOptionChange(new Problems(), current, { unset: ['nope'], unsetSecrets: ['nothing'], set: [opt('ip', '10.0.0.1')] });
    expect(r.optionsChanged).toBe(false);
    expect(r.changedSecretKeys).toEqual([]);
    expect(r.secrets).toEqual(current.secrets);
  });

  it('does not read inherited properties as stored options', () => {
    const r = applyFencingOptionChange(new Problems(), { options: {}, secrets: {} }, { unset: ['constructor'], set: [opt('constructor', 'x')].slice(1) });
    expect(r.options).toEqual({});
    expect(r.changedSecretKeys).toEqual([]);
  });

  it('caps the total', () => {
    const options = Object.fromEntries(Array.from({ length: MAX_FENCING_OPTIONS }, (_, i) => [`o${i}`, 'v']));
    expect(problemsOf((p) => applyFencingOptionChange(p, { options, secrets: {} }, { setSecrets: [opt('password')] })).map((x) => x.field)).toEqual(['set']);
  });
});

describe('touchesSecrets', () => {
  it('is true only when a change reaches the sealed values', () => {
    expect(touchesSecrets({ set: [opt('ip')] }, ['password'])).toBe(false);
    expect(touchesSecrets({ unset: ['ip'] }, ['password'])).toBe(false);
    expect(touchesSecrets({ set: [opt('password')] }, [])).toBe(true);
    expect(touchesSecrets({ set: [opt('login')] }, ['login'])).toBe(true);
    expect(touchesSecrets({ unset: ['password'] }, ['password'])).toBe(true);
    expect(touchesSecrets({ setSecrets: [opt('x')] }, [])).toBe(true);
  });
});
