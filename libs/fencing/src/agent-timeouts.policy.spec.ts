import { C_AGENT_XML, FENCING_PY_XML } from './agent-metadata.fixtures';
import { parseAgentMetadata } from './agent-metadata.parser';
import { agentTimeoutOptions } from './agent-timeouts.policy';

const ipmi = parseAgentMetadata(FENCING_PY_XML); // has ipmitool_path: the IPMI profile
const tcp = parseAgentMetadata(FENCING_PY_XML.replace(/<parameter name="ipmitool_path"[\s\S]*?<\/parameter>/, ''));
const c = parseAgentMetadata(C_AGENT_XML);
const none = new Set<string>();

describe('agentTimeoutOptions', () => {
  it('gives ipmitool agents a fast profile: a dead BMC costs power_timeout (≤ 2 s), not 20', () => {
    expect(agentTimeoutOptions(ipmi, none, 60_000)).toEqual({
      power_timeout: '2',
      ipmitool_timeout: '1',
      power_wait: '0',
      retry_on: '1',
      login_timeout: '5',
      shell_timeout: '3',
    });
    expect(agentTimeoutOptions(ipmi, none, 3_000)).toMatchObject({ power_timeout: '1', login_timeout: '1', shell_timeout: '1' });
    expect(agentTimeoutOptions(ipmi, none, 200)).toMatchObject({ power_timeout: '1' });
  });

  it('only shrinks the other agents\' defaults to fit the attempt', () => {
    expect(agentTimeoutOptions(tcp, none, 60_000)).toEqual({ login_timeout: '5', shell_timeout: '3', power_timeout: '20', power_wait: '2', retry_on: '1' });
    expect(agentTimeoutOptions(tcp, none, 6_000)).toEqual({ login_timeout: '2', shell_timeout: '2', power_timeout: '3', power_wait: '1', retry_on: '1' });
    expect(agentTimeoutOptions(tcp, none, 1_000)).toEqual({ login_timeout: '1', shell_timeout: '1', power_timeout: '1', power_wait: '0', retry_on: '1' });
  });

  it('bounds fence_virt-style agents by their `timeout`', () => {
    expect(agentTimeoutOptions(c, none, 60_000)).toEqual({ timeout: '30' });
    expect(agentTimeoutOptions(c, none, 4_500)).toEqual({ timeout: '3' });
  });

  it('leaves alone what the caller set', () => {
    const out = agentTimeoutOptions(ipmi, new Set(['power_timeout', 'power_wait']), 60_000);
    expect(out['power_timeout']).toBeUndefined();
    expect(out['power_wait']).toBeUndefined();
    expect(out['ipmitool_timeout']).toBe('1');
  });
});
