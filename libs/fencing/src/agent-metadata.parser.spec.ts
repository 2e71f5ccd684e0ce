import { C_AGENT_XML, FENCING_PY_XML } from './agent-metadata.fixtures';
import { isSecretParameterName, MetadataParseError, parseAgentMetadata } from './agent-metadata.parser';

describe('parseAgentMetadata', () => {
  const meta = parseAgentMetadata(FENCING_PY_XML);
  const param = (name: string) => meta.parameters.find((p) => p.name === name);

  it('reads the agent, its descriptions (entities decoded), aliases and actions', () => {
    expect(meta.name).toBe('fence_demo');
    expect(meta.shortdesc).toBe('Fence agent for "demo" devices');
    expect(meta.longdesc).toBe('fence_demo switches demo <outlets>.');
    expect(meta.symlinks).toEqual(['fence_demo2']);
    expect(meta.actions).toEqual(['on', 'off', 'reboot', 'status', 'monitor', 'metadata']);
    expect(meta.optionSyntax).toBe('fencing-py');
    expect(meta.parameters).toHaveLength(24);
  });

  it('reads each parameter: type, required, default, description, long option, choices', () => {
    expect(param('ipport')).toEqual({
      name: 'ipport',
      type: 'integer',
      required: false,
      default: '623',
      description: 'TCP/UDP port to use for connection with device',
      secret: false,
      deprecated: false,
      longOption: 'ipport',
    });
    expect(param('method')).toMatchObject({ type: 'select', default: 'onoff', choices: ['onoff', 'cycle'] });
    expect(param('ssl')).toMatchObject({ type: 'boolean', longOption: 'ssl' });
    expect(param('ssl')?.default).toBeUndefined();
    expect(param('ipmitool_path')).toMatchObject({ longOption: 'ipmitool-path', default: '/usr/bin/ipmitool' });
  });

  it('keeps the deprecated/obsoletes pairs the agents print', () => {
    expect(param('ipaddr')).toMatchObject({ deprecated: true, required: true, longOption: 'ip' });
    expect(param('ip')).toMatchObject({ deprecated: false, obsoletes: 'ipaddr', longOption: 'ip' });
    expect(param('username')).toMatchObject({ obsoletes: 'login' });
    expect(param('password')).toMatchObject({ obsoletes: 'passwd' });
  });

  it('marks credentials and paths to them as secret, nothing else', () => {
    const secret = meta.parameters.filter((p) => p.secret).map((p) => p.name).sort();
    expect(secret).toEqual(['community', 'passwd', 'passwd_script', 'password', 'password_script', 'snmp_priv_passwd']);
  });

  it('reads C agents (short options only) as exact-name syntax', () => {
    const c = parseAgentMetadata(C_AGENT_XML);
    expect(c.optionSyntax).toBe('exact');
    expect(c.parameters.find((p) => p.name === 'plug')).toMatchObject({ obsoletes: 'port', required: true });
    expect(c.parameters.find((p) => p.name === 'plug')?.longOption).toBeUndefined();
    expect(c.parameters.find((p) => p.name === 'key_file')?.secret).toBe(true);
    expect(c.actions).toContain('list');
  });

  it('refuses what is not agent metadata', () => {
    expect(() => parseAgentMetadata('<resource-agent name="x"><parameters>')).toThrow(MetadataParseError);
    expect(() => parseAgentMetadata('usage: fence_ack_manual <nodename>')).toThrow(MetadataParseError);
    expect(() => parseAgentMetadata('<?xml version="1.0"?><html/>')).toThrow(/no <resource-agent> root/);
    expect(() => parseAgentMetadata('<resource-agent/>')).toThrow(/no name/);
  });

  it('treats a content type "password" as secret whatever the name', () => {
    const xml = FENCING_PY_XML.replace('<content type="string" default="/usr/bin/ipmitool"  />', '<content type="password" />');
    expect(parseAgentMetadata(xml).parameters.find((p) => p.name === 'ipmitool_path')?.secret).toBe(true);
  });
});

describe('isSecretParameterName', () => {
  it.each(['password', 'passwd', 'snmp-priv-passwd', 'snmp_priv_passwd_script', 'identity_file', 'hexadecimal_kg', 'community', 'token', 'apikey', 'secret_key', 'key_file', 'Password'])(
    '%s is secret',
    (name) => expect(isSecretParameterName(name)).toBe(true),
  );
  it.each(['username', 'login', 'ip', 'ipport', 'plug', 'ssl_secure', 'passive', 'key_value', 'auth', 'token_url'])('%s is not', (name) =>
    expect(isSecretParameterName(name)).toBe(false),
  );
});
