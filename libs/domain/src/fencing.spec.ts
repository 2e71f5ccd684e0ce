import { BadInputError, FieldProblem, Problems } from './errors';
import { checkFencingLevel, checkFencingOptions, FENCE_AGENT_PATTERN, isSecretOption, MAX_FENCING_LEVEL, SECRET_OPTION_NAMES } from './fencing';

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
const opt = (key: string, value = 'v') => ({ key, value });

describe('FENCE_AGENT_PATTERN', () => {
  it.each(['fence_ipmilan', 'fence_redfish', 'fence_vmware_rest', 'fence_virt', 'fence_apc_snmp', `fence_${'a'.repeat(60)}`, 'builtin:vsphere', 'builtin:libvirt', 'builtin:hyperv'])(
    'accepts %p',
    (agent) => {
      expect(FENCE_AGENT_PATTERN.test(agent)).toBe(true);
    },
  );
  it.each([
    'fence_',
    `fence_${'a'.repeat(61)}`,
    'FENCE_IPMILAN',
    'fence-ipmilan',
    'ipmilan',
    '/usr/sbin/fence_ipmilan',
    'fence_ipmilan; rm -rf /',
    'fence_../../bin/sh',
    'fence_ipmilan\n',
    'builtin:xen',
    'builtin:',
    'builtin:vsphere2',
  ])('refuses %p', (agent) => {
    expect(FENCE_AGENT_PATTERN.test(agent)).toBe(false);
  });
});

describe('isSecretOption', () => {
  it.each([...SECRET_OPTION_NAMES])('%s is secret', (name) => {
    expect(isSecretOption(name)).toBe(true);
  });
  it('covers the credentials of the standard fence agents', () => {
    for (const name of ['password', 'passwd', 'password_script', 'passwd_script', 'identity_file', 'snmp_priv_passwd', 'snmp_priv_passwd_script']) {
      expect(SECRET_OPTION_NAMES.has(name)).toBe(true);
    }
  });
  // fence agents read `a-b` as `a_b` on stdin (their long options use dashes), so these are the same secrets
  it.each(['password-script', 'identity-file', 'snmp-priv-passwd', 'snmp-priv-passwd-script', 'api-key'])('the dashed spelling %s is secret too', (name) => {
    expect(isSecretOption(name)).toBe(true);
  });
  it.each(['ip', 'username', 'login', 'plug', 'ipport', 'ssl_insecure', 'passwords', 'password_hint'])('%s is not secret', (name) => {
    expect(isSecretOption(name)).toBe(false);
  });
});

describe('checkFencingOptions', () => {
  it('accepts ordinary options', () => {
    expect(() => checkFencingOptions([opt('ip', '10.0.0.5'), opt('username', 'admin'), opt('password', 'p4ss=w0rd "quoted"'), opt('ssl-insecure', '1'), opt('lanplus', '1')], 'options')).not.toThrow();
  });

  it.each(['a', 'ip', 'snmp-priv-passwd', 'x1_y', `a${'b'.repeat(63)}`])('accepts key %p', (key) => {
    expect(() => checkFencingOptions([opt(key)], 'options')).not.toThrow();
  });

  it.each(['', 'IP', 'Password', '1ip', '_ip', '-ip', 'ip addr', 'ip=x', 'ip\n', `a${'b'.repeat(64)}`])('refuses key %p at its index', (key) => {
    expect(fieldsOf(() => checkFencingOptions([opt('ip'), opt(key)], 'options'))).toEqual(['options[1].key']);
  });

  it.each(['action', 'o'])('refuses %p: HAaaS chooses the action', (key) => {
    expect(problemsOf(() => checkFencingOptions([opt(key, 'off')], 'options'))).toEqual([{ field: 'options[0].key', message: 'the action is chosen by HAaaS, not stored' }]);
  });

  it.each([
    ['LF', 'a\nb'],
    ['CR', 'a\rb'],
    ['CRLF', 'a\r\nb'],
    ['trailing LF', 'secret\n'],
    ['injected action line', 'pw\naction=off'],
  ])('refuses a value with a line break (%s)', (_what, value) => {
    expect(problemsOf(() => checkFencingOptions([opt('password', value)], 'options'))).toEqual([
      { field: 'options[0].value', message: 'must not contain line breaks (the agent reads key=value lines)' },
    ]);
  });

  it('limits values to 4096 characters', () => {
    expect(() => checkFencingOptions([opt('ip', 'x'.repeat(4096))], 'options')).not.toThrow();
    expect(fieldsOf(() => checkFencingOptions([opt('ip', 'x'.repeat(4097))], 'options'))).toEqual(['options[0].value']);
  });

  it('refuses a key given twice, at the second occurrence', () => {
    expect(problemsOf(() => checkFencingOptions([opt('ip'), opt('password'), opt('ip')], 'options'))).toEqual([{ field: 'options[2].key', message: 'option given twice' }]);
  });

  it('reports every problem at once under the given field', () => {
    expect(fieldsOf(() => checkFencingOptions([opt('Bad'), opt('action'), opt('ip', 'a\nb'), opt('action')], 'input.secretOptions'))).toEqual([
      'input.secretOptions[0].key',
      'input.secretOptions[1].key',
      'input.secretOptions[2].value',
      'input.secretOptions[3].key',
      'input.secretOptions[3].key',
    ]);
  });

  it('accepts no options', () => {
    expect(() => checkFencingOptions([], 'options')).not.toThrow();
  });
});

describe('checkFencingLevel', () => {
  const check = (level: number) => {
    const p = new Problems();
    checkFencingLevel(p, 'input.level', level);
    return p;
  };
  it('levels run from 1 to 9', () => {
    expect(MAX_FENCING_LEVEL).toBe(9);
    expect(check(1).empty).toBe(true);
    expect(check(9).empty).toBe(true);
  });
  it.each([0, 10, 1.5, -1])('refuses level %p at the given field', (level) => {
    expect(fieldsOf(() => check(level).throwIfAny())).toEqual(['input.level']);
  });
});
