import { BadInputError, FieldProblem, Problems } from './errors';
import {
  applyAttributeChange,
  Attributes,
  checkDescription,
  checkIntRange,
  checkName,
  isHostname,
  isName,
  MAX_ATTRIBUTE_VALUE,
  MAX_ATTRIBUTES,
  MAX_DESCRIPTION,
} from './validation';

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
const collect = (fn: (p: Problems) => void) => fieldsOf(() => {
  const p = new Problems();
  fn(p);
  p.throwIfAny();
  throw new Error('no problems');
});
const noProblems = (fn: (p: Problems) => void) => {
  const p = new Problems();
  fn(p);
  return p.empty;
};

describe('isName', () => {
  it.each(['a', 'Z', '0', 'web-01', 'db_primary', 'v1.2.3', 'a-', 'x'.repeat(63)])('accepts %p', (n) => {
    expect(isName(n)).toBe(true);
  });
  it.each(['', 'x'.repeat(64), '-a', '_a', '.a', 'a b', 'a/b', 'a:b', 'é', 'ab\n', '\nab', 'a\tb'])('refuses %p', (n) => {
    expect(isName(n)).toBe(false);
  });
});

describe('isHostname', () => {
  const label = (n: number) => 'a'.repeat(n);
  it.each([
    'localhost',
    'node-1.example.com',
    'a',
    'A1',
    '10.0.0.1',
    'xn--bcher-kva.example',
    label(63),
    `${label(63)}.${label(63)}.${label(63)}.${label(61)}`, // 253 characters
  ])('accepts %p', (h) => {
    expect(isHostname(h)).toBe(true);
  });
  it.each([
    ['empty', ''],
    ['label of 64', label(64)],
    ['254 characters', `${label(63)}.${label(63)}.${label(63)}.${label(62)}`],
    ['leading hyphen', '-node.example.com'],
    ['trailing hyphen in a label', 'node-.example.com'],
    ['empty label', 'node..example.com'],
    ['leading dot', '.example.com'],
    ['trailing dot', 'example.com.'],
    ['underscore', 'my_node.example.com'],
    ['space', 'my node'],
    ['port', 'node:8443'],
    ['url', 'https://node'],
    ['non-ASCII', 'bücher.example'],
    ['line break', 'node\n'],
  ])('refuses %s', (_what, h) => {
    expect(isHostname(h)).toBe(false);
  });
  it('the 253/254 cases really have those lengths', () => {
    expect(`${label(63)}.${label(63)}.${label(63)}.${label(61)}`).toHaveLength(253);
    expect(`${label(63)}.${label(63)}.${label(63)}.${label(62)}`).toHaveLength(254);
  });
});

describe('checkName', () => {
  it('adds a problem at the given field for a bad name', () => {
    expect(collect((p) => checkName(p, 'input.name', '-bad'))).toEqual(['input.name']);
  });
  it('adds nothing for a good name', () => {
    expect(noProblems((p) => checkName(p, 'name', 'good'))).toBe(true);
  });
});

describe('checkIntRange', () => {
  it('includes both bounds', () => {
    expect(noProblems((p) => checkIntRange(p, 'n', 1, 1, 10))).toBe(true);
    expect(noProblems((p) => checkIntRange(p, 'n', 10, 1, 10))).toBe(true);
  });
  it.each([0, 11, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -1])('refuses %p for 1..10', (v) => {
    expect(collect((p) => checkIntRange(p, 'n', v, 1, 10))).toEqual(['n']);
  });
  it('says the range in the message', () => {
    const p = new Problems();
    checkIntRange(p, 'n', 0, 1, 10);
    expect(() => p.throwIfAny()).toThrow('n: must be an integer from 1 to 10');
  });
  it('skips an absent value', () => {
    expect(noProblems((p) => checkIntRange(p, 'n', undefined, 1, 10))).toBe(true);
  });
  it('refuses null (an explicit null is not absent)', () => {
    expect(collect((p) => checkIntRange(p, 'n', null as unknown as number, 1, 10))).toEqual(['n']);
  });
});

describe('checkDescription', () => {
  it('accepts up to the maximum and skips null/undefined', () => {
    expect(noProblems((p) => checkDescription(p, 'd', 'x'.repeat(MAX_DESCRIPTION)))).toBe(true);
    expect(noProblems((p) => checkDescription(p, 'd', null))).toBe(true);
    expect(noProblems((p) => checkDescription(p, 'd', undefined))).toBe(true);
    expect(noProblems((p) => checkDescription(p, 'd', ''))).toBe(true);
  });
  it('refuses one character more', () => {
    expect(MAX_DESCRIPTION).toBe(1024);
    expect(collect((p) => checkDescription(p, 'input.description', 'x'.repeat(MAX_DESCRIPTION + 1)))).toEqual(['input.description']);
  });
});

describe('applyAttributeChange', () => {
  const many = (n: number, prefix = 'k'): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));

  it('sets, overwrites and unsets', () => {
    const next = applyAttributeChange({ rack: 'r1', zone: 'a' }, { set: [{ key: 'rack', value: 'r2' }, { key: 'owner', value: 'ops' }], unset: ['zone'] });
    expect(next).toEqual({ rack: 'r2', owner: 'ops' });
  });

  it('an empty change returns an equal map', () => {
    expect(applyAttributeChange({ a: '1' }, {})).toEqual({ a: '1' });
  });

  it('unsetting an absent key is not an error', () => {
    expect(applyAttributeChange({ a: '1' }, { unset: ['missing'] })).toEqual({ a: '1' });
  });

  it('never changes the input map', () => {
    const current: Attributes = Object.freeze({ a: '1', b: '2' });
    const next = applyAttributeChange(current, { set: [{ key: 'a', value: 'changed' }, { key: 'c', value: '3' }], unset: ['b'] });
    expect(current).toEqual({ a: '1', b: '2' });
    expect(next).not.toBe(current);
    expect(next).toEqual({ a: 'changed', c: '3' });
  });

  it('leaves the input untouched when the change is refused', () => {
    const current = { a: '1' };
    expect(() => applyAttributeChange(current, { set: [{ key: 'b', value: '2' }], unset: ['a', 'b'] })).toThrow(BadInputError);
    expect(current).toEqual({ a: '1' });
  });

  it('refuses a key that is set and unset at once, at the unset index', () => {
    expect(fieldsOf(() => applyAttributeChange({}, { set: [{ key: 'x', value: '1' }], unset: ['y', 'x'] }))).toEqual(['attributes.unset[1]']);
  });

  it.each(['a', '_private', 'k8s.io/zone', 'ns:key', 'a-b_c.d', 'x'.repeat(128)])('accepts key %p', (key) => {
    expect(applyAttributeChange({}, { set: [{ key, value: 'v' }] })).toEqual({ [key]: 'v' });
  });

  it.each(['', '-a', '.a', '/a', 'a b', 'a=b', 'é', 'x'.repeat(129), 'a\n'])('refuses key %p at its set index', (key) => {
    expect(fieldsOf(() => applyAttributeChange({}, { set: [{ key: 'ok', value: 'v' }, { key, value: 'v' }] }))).toEqual(['attributes.set[1].key']);
  });

  it('refuses __proto__, which a plain object would silently drop', () => {
    expect(fieldsOf(() => applyAttributeChange({}, { set: [{ key: '__proto__', value: 'v' }] }))).toEqual(['attributes.set[0].key']);
  });

  it('limits values to MAX_ATTRIBUTE_VALUE characters', () => {
    expect(MAX_ATTRIBUTE_VALUE).toBe(4096);
    expect(applyAttributeChange({}, { set: [{ key: 'k', value: 'v'.repeat(MAX_ATTRIBUTE_VALUE) }] }).k).toHaveLength(MAX_ATTRIBUTE_VALUE);
    expect(fieldsOf(() => applyAttributeChange({}, { set: [{ key: 'k', value: 'v'.repeat(MAX_ATTRIBUTE_VALUE + 1) }] }))).toEqual(['attributes.set[0].value']);
  });

  it('allows exactly MAX_ATTRIBUTES attributes and refuses one more', () => {
    expect(MAX_ATTRIBUTES).toBe(100);
    expect(Object.keys(applyAttributeChange(many(99), { set: [{ key: 'last', value: 'v' }] }))).toHaveLength(100);
    expect(fieldsOf(() => applyAttributeChange(many(100), { set: [{ key: 'one-more', value: 'v' }] }))).toEqual(['attributes']);
  });

  it('counts the result, not the request: overwriting or swapping at the limit is fine', () => {
    expect(Object.keys(applyAttributeChange(many(100), { set: [{ key: 'k0', value: 'new' }] }))).toHaveLength(100);
    expect(Object.keys(applyAttributeChange(many(100), { set: [{ key: 'fresh', value: 'v' }], unset: ['k0'] }))).toHaveLength(100);
  });

  it('reports every problem at once, under the given field', () => {
    const problems = problemsOf(() =>
      applyAttributeChange(many(100), {
        set: [
          { key: 'bad key', value: 'v' },
          { key: 'long', value: 'v'.repeat(MAX_ATTRIBUTE_VALUE + 1) },
        ],
        unset: ['long'],
      }, 'input.attributes'),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'input.attributes.set[0].key',
      'input.attributes.set[1].value',
      'input.attributes.unset[0]',
      'input.attributes',
    ]);
  });
});
