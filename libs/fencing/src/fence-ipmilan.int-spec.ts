import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FenceAgentRunner, type FenceRunRequest } from './fence-agent.runner';
import { type FenceError, type FenceResult, isFenceError } from './fence.errors';
import { freeUdpPort, privateDir, removeDir } from './testing/peer-process.util';
import { type IpmiBmc, startIpmiBmc } from './testing/ipmi-bmc.peer';

/** fence_ipmilan (real agent, real ipmitool) against OpenIPMI's ipmi_sim over RMCP+ on loopback. */
describe('fence_ipmilan against ipmi_sim', () => {
  const PASSWORD = 'Ipmi-S3cret.pw';
  let bmc: IpmiBmc;
  let runner: FenceAgentRunner;
  // everything the runner returned or threw, to grep for the password at the end
  const seen: (FenceResult | { message: string; result: FenceResult })[] = [];

  const run = async (request: Partial<FenceRunRequest> & Pick<FenceRunRequest, 'action'>): Promise<FenceResult> => {
    const result = await runner.run({ agent: 'fence_ipmilan', options: bmc.fenceOptions(), timeoutMs: 10_000, retries: 0, ...request });
    seen.push(result);
    return result;
  };
  const failure = async (request: Partial<FenceRunRequest> & Pick<FenceRunRequest, 'action'>): Promise<FenceError> => {
    try {
      await run(request);
    } catch (error) {
      if (!isFenceError(error)) throw error;
      seen.push({ message: error.message, result: error.result });
      return error;
    }
    throw new Error('expected a FenceError');
  };

  beforeAll(async () => {
    bmc = await startIpmiBmc({ name: 'ipmilan', password: PASSWORD });
    runner = new FenceAgentRunner();
  });
  afterAll(async () => {
    await bmc?.stop();
  });

  it('status: exit 0 and power on', async () => {
    expect(await run({ action: 'status' })).toMatchObject({ ok: true, powerState: 'on', exitCode: 0, attempts: 1, stdout: 'Status: ON\n' });
  });

  it('off, status (exit 2), on, reboot: the chassis really changes', async () => {
    expect(await run({ action: 'off' })).toMatchObject({ ok: true, powerState: 'off', exitCode: 0 });
    expect(bmc.power()).toBe('off');
    expect(await run({ action: 'status' })).toMatchObject({ ok: true, powerState: 'off', exitCode: 2, stdout: 'Status: OFF\n' });
    expect(await run({ action: 'off' })).toMatchObject({ ok: true, powerState: 'off', stdout: 'Success: Already OFF\n' });
    expect(await run({ action: 'on' })).toMatchObject({ ok: true, powerState: 'on', exitCode: 0 });
    expect(bmc.power()).toBe('on');

    const before = bmc.chassisLog().length;
    const reboot = await run({ action: 'reboot' });
    expect(reboot).toMatchObject({ ok: true, powerState: 'on', stdout: 'Success: Rebooted\n' });
    expect(bmc.chassisLog().slice(before).filter((l) => l.startsWith('set'))).toEqual(['set power 0', 'set power 1']);
    expect(bmc.power()).toBe('on');
    // power_wait=0 and a 1 s ipmitool timeout: each action is a few ipmitool round trips
    expect(reboot.durationMs).toBeLessThan(3000);
  });

  it('monitor succeeds; list is refused before running (fence_ipmilan has no list action)', async () => {
    expect(await run({ action: 'monitor' })).toMatchObject({ ok: true, exitCode: 0 });
    const error = await failure({ action: 'list' });
    expect(error).toMatchObject({ kind: 'BAD_CONFIG', result: { attempts: 0 } });
  });

  it('a wrong password is AUTH_FAILED at once, and not retried', async () => {
    const error = await failure({ action: 'status', options: { ...bmc.fenceOptions(), password: 'not-the-password' }, retries: 2 });
    expect(error.kind).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/RAKP 2 HMAC is invalid/);
    expect(error.result.attempts).toBe(1);
    expect(error.result.durationMs).toBeLessThan(1500);
  });

  it('an unknown user is AUTH_FAILED', async () => {
    const error = await failure({ action: 'off', options: { ...bmc.fenceOptions(), username: 'mallory' } });
    expect(error.kind).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/unauthorized name/);
    expect(bmc.power()).toBe('on');
  });

  it('a dead BMC (nothing on the port) is UNREACHABLE in about 2 s, not 20', async () => {
    const dead = await freeUdpPort();
    const started = Date.now();
    const error = await failure({ action: 'status', options: { ...bmc.fenceOptions(), ipport: String(dead) }, timeoutMs: 20_000 });
    expect(error.kind).toBe('UNREACHABLE');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('retries an unreachable BMC within the budget', async () => {
    const dead = await freeUdpPort();
    const error = await failure({ action: 'off', options: { ...bmc.fenceOptions(), ipport: String(dead) }, timeoutMs: 9000, retries: 2 });
    expect(error.kind).toBe('UNREACHABLE');
    expect(error.result.attempts).toBe(3);
    expect(error.result.durationMs).toBeLessThan(9000);
  });

  it('the deadline wins over the agent\'s own timeouts: agent and ipmitool are killed', async () => {
    const dead = await freeUdpPort();
    const started = Date.now();
    // the caller's power_timeout=20 would let the agent wait 20 s
    const error = await failure({ action: 'status', options: { ...bmc.fenceOptions(), ipport: String(dead), power_timeout: '20' }, timeoutMs: 1500 });
    expect(error.kind).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2500);
    await new Promise((r) => setTimeout(r, 100));
    expect(processesMentioning(`-p ${dead}`)).toEqual([]);
  });

  it('bad options are BAD_CONFIG and never reach the BMC', async () => {
    const before = bmc.chassisLog().length;
    const unknown = await failure({ action: 'off', options: { ...bmc.fenceOptions(), pasword: PASSWORD } });
    expect(unknown.kind).toBe('BAD_CONFIG');
    expect(unknown.message).toContain('did you mean password?');
    const badType = await failure({ action: 'off', options: { ...bmc.fenceOptions(), ipport: 'ipmi' } });
    expect(badType.message).toContain('ipport must be an integer');
    // what only the agent knows: fence_ipmilan needs an address (not "required" in its metadata)
    const { ip: _ip, ...noAddress } = bmc.fenceOptions();
    const agentSide = await failure({ action: 'off', options: noAddress });
    expect(agentSide).toMatchObject({ kind: 'BAD_CONFIG', result: { attempts: 1 } });
    expect(agentSide.message).toContain('You have to enter fence address');
    expect(bmc.chassisLog().length).toBe(before);
  });

  it('accepts the agent\'s old spellings (ipaddr, login, passwd, hyphens)', async () => {
    const o = bmc.fenceOptions();
    const old = { ipaddr: o['ip'] ?? '', ipport: o['ipport'] ?? '', login: o['username'] ?? '', passwd: PASSWORD, lanplus: 'true', cipher: '3', 'power-wait': '0' };
    expect(await run({ action: 'status', options: old })).toMatchObject({ ok: true, powerState: 'on' });
  });

  it('the password is never on a command line: ipmitool runs with -E and IPMI_PASSWORD', async () => {
    const dir = privateDir('ipmitool-argv');
    try {
      // records ipmitool's argv, then runs the real one
      const recorder = join(dir, 'ipmitool');
      writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/argv\nexec /usr/bin/ipmitool "$@"\n`, { mode: 0o700 });
      expect(await run({ action: 'status', options: { ...bmc.fenceOptions(), ipmitool_path: recorder } })).toMatchObject({ ok: true });
      const argv = readFileSync(join(dir, 'argv'), 'utf8');
      expect(argv).toMatch(/^-E -I lanplus -H 127\.0\.0\.1 /);
      expect(argv).not.toContain(PASSWORD);

      // the probe sees it when the runner lets the agent pass it (how fence_ipmilan does it alone)
      const plain = new FenceAgentRunner({ ipmitoolPasswordFromEnv: false });
      await plain.run({ agent: 'fence_ipmilan', action: 'status', options: { ...bmc.fenceOptions(), ipmitool_path: recorder }, timeoutMs: 10_000, retries: 0 });
      expect(readFileSync(join(dir, 'argv'), 'utf8')).toContain(`-P ${PASSWORD}`);
    } finally {
      removeDir(dir);
    }
  });

  it('no result, stderr or error carried the password', () => {
    expect(seen.length).toBeGreaterThan(15);
    expect(JSON.stringify(seen)).not.toContain(PASSWORD);
    expect(JSON.stringify(seen)).not.toContain('not-the-password');
  });
});

/** Command lines of live processes that contain `text` (a leftover ipmitool would). */
function processesMentioning(text: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text) && !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) out.push(cmd);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
