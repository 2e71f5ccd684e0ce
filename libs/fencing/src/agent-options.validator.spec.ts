import { C_AGENT_XML, FENCING_PY_XML } from './agent-metadata.fixtures';
import { parseAgentMetadata } from './agent-metadata.parser';
import { resolveOption, validateAgentOptions } from './agent-options.validator';

const py = parseAgentMetadata(FENCING_PY_XML);
const c = parseAgentMetadata(C_AGENT_XML);
const base = { ip: '10.0.0.1', username: 'admin', password: 's3cret', plug: '1' };
const codes = (problems: { option: string; code: string }[]) => problems.map((p) => `${p.option}:${p.code}`);

describe('resolveOption (fencing.py)', () => {
  it.each([
    ['ip', 'ipaddr', 'ip'],
    ['ipaddr', 'ipaddr', 'ip'],
    ['username', 'login', 'username'],
    ['login', 'login', 'username'],
    ['password', 'passwd', 'password'],
    ['passwd', 'passwd', 'password'],
    ['password_script', 'passwd_script', 'password_script'],
    ['password-script', 'passwd_script', 'password_script'],
    ['passwd_script', 'passwd_script', 'password_script'],
    ['plug', 'port', 'plug'],
    ['port', 'port', 'plug'],
    ['ipmitool-path', 'ipmitool_path', 'ipmitool_path'],
    ['ipmitool_path', 'ipmitool_path', 'ipmitool_path'],
    ['power-timeout', 'power_timeout', 'power_timeout'],
  ])('%s sets %s (called %s)', (name, key, shown) => {
    expect(resolveOption(py, name)).toMatchObject({ key, parameter: { name: shown } });
  });

  it.each(['passwd-script', 'pasword', 'PASSWORD', 'ipmitool__path', 'nodename'])('%s is unknown to the agent', (name) => {
    expect(resolveOption(py, name)).toBeUndefined();
  });
});

describe('resolveOption (C agents)', () => {
  it('matches names case-insensitively and maps port to plug, without -/_ swapping', () => {
    expect(resolveOption(c, 'PLUG')).toMatchObject({ key: 'port', parameter: { name: 'plug' } });
    expect(resolveOption(c, 'port')).toMatchObject({ key: 'port', parameter: { name: 'plug' } });
    expect(resolveOption(c, 'key_file')).toMatchObject({ key: 'key_file' });
    expect(resolveOption(c, 'key-file')).toBeUndefined();
  });
});

describe('validateAgentOptions', () => {
  it('accepts a complete device in current and old spellings', () => {
    expect(validateAgentOptions(py, base)).toEqual([]);
    expect(validateAgentOptions(py, { ipaddr: '10.0.0.1', login: 'admin', passwd: 's3cret', port: '1', 'ipmitool-path': '/bin/true' })).toEqual([]);
    expect(validateAgentOptions(c, { plug: 'vm1', timeout: '5', vsock: '3' })).toEqual([]);
  });

  it('names unknown options, with a suggestion for typos', () => {
    const problems = validateAgentOptions(py, { ...base, pasword: 'x', frobnicate: '1' });
    expect(codes(problems)).toEqual(['pasword:UNKNOWN', 'frobnicate:UNKNOWN']);
    expect(problems[0]?.message).toBe('fence_demo has no parameter pasword (did you mean password?)');
    expect(problems[1]?.message).toBe('fence_demo has no parameter frobnicate');
  });

  it('refuses two spellings of one option (the agent would keep one of them silently)', () => {
    expect(codes(validateAgentOptions(py, { ...base, ipaddr: '10.0.0.2' }))).toEqual(['ipaddr:DUPLICATE']);
    expect(codes(validateAgentOptions(c, { plug: 'a', port: 'b' }))).toEqual(['port:DUPLICATE']);
  });

  it('names missing required options by their current name; the plug only where the action needs it', () => {
    expect(codes(validateAgentOptions(py, { password: 'x' }))).toEqual(['ip:MISSING_REQUIRED', 'username:MISSING_REQUIRED', 'plug:MISSING_REQUIRED']);
    expect(codes(validateAgentOptions(py, { ip: 'h', username: 'u' }, { action: 'monitor' }))).toEqual([]);
    expect(codes(validateAgentOptions(c, {}, { action: 'list' }))).toEqual([]);
    expect(codes(validateAgentOptions(c, {}, { action: 'off' }))).toEqual(['plug:MISSING_REQUIRED']);
  });

  it('checks integers, seconds, booleans and choices as the agents parse them', () => {
    const problems = validateAgentOptions(py, { ...base, ipport: 'abc', power_timeout: '1.5', lanplus: 'maybe', method: 'CYCLE', ssl: 'Yes' });
    expect(codes(problems)).toEqual(['ipport:BAD_TYPE', 'power_timeout:BAD_TYPE', 'lanplus:BAD_TYPE']);
    expect(problems[0]?.message).toBe('ipport must be an integer ("abc")');
    expect(problems[1]?.message).toBe('power_timeout must be an integer number of seconds ("1.5")');
    expect(codes(validateAgentOptions(py, { ...base, method: 'pulse' }))).toEqual(['method:BAD_CHOICE']);
    expect(codes(validateAgentOptions(c, { plug: 'a', vsock: 'x' }))).toEqual(['vsock:BAD_TYPE']);
  });

  it('refuses line breaks (option injection) and the action, which is the runner\'s', () => {
    expect(codes(validateAgentOptions(py, { ...base, username: 'admin\naction=off' }))).toEqual(['username:BAD_VALUE']);
    expect(codes(validateAgentOptions(py, { ...base, action: 'off' }))).toEqual(['action:RESERVED']);
  });

  it('never puts a secret value in a message, and checks withheld values by name only', () => {
    const problems = validateAgentOptions(py, { ...base, community: 'c0mmunity\n', snmp_priv_passwd: 'p', password: undefined });
    expect(codes(problems)).toEqual(['community:BAD_VALUE']);
    expect(JSON.stringify(problems)).not.toContain('c0mmunity');
    const typed = validateAgentOptions(parseAgentMetadata(FENCING_PY_XML.replace('name="ipport"', 'name="ipport_password"')), { ...base, ipport_password: 'notanumber' });
    expect(JSON.stringify(typed)).not.toContain('notanumber');
  });

  it('lets nodename through: Pacemaker passes it and the agents ignore it', () => {
    expect(validateAgentOptions(py, { ...base, nodename: 'node1' })).toEqual([]);
  });
});
