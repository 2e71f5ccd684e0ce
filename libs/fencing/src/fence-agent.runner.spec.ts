import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FENCING_PY_XML } from './agent-metadata.fixtures';
import { FenceAgentCatalog } from './fence-agent.catalog';
import { FenceAgentRunner, summarize } from './fence-agent.runner';
import { FenceError, isFenceError } from './fence.errors';
import { ipmitoolEnvWrapper } from './ipmitool-env.wrapper';

/** Whether a process is dead (a zombie waiting for init counts as dead), waiting up to 1 s. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    try {
      if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) return true;
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/*
 * The runner's side of the protocol against a scripted agent (argv, stdin, environment, exit
 * codes, retries, kills). What real agents do with it is in the *.int-spec.ts files.
 */
const FAKE = `#!/bin/sh
d=$(dirname "$0")
if [ "$1" = "-o" ] && [ "$2" = "metadata" ]; then cat "$d/$(basename "$0").xml"; exit 0; fi
echo "$#" > "$d/argc"
cat > "$d/stdin"
env > "$d/env"
echo x >> "$d/attempts"
case $(cat "$d/behaviour") in
  on) echo "Status: ON"; exit 0 ;;
  off) echo "Status: OFF"; exit 2 ;;
  fail) echo "2026-01-01 00:00:00,000 ERROR: Failed: Unable to obtain correct plug status or plug is not available" >&2; exit 1 ;;
  auth) echo "> RAKP 2 HMAC is invalid" >&2; exit 1 ;;
  echo) cat "$d/stdin" >&2; exit 1 ;;
  hang) sleep 30 & echo $! > "$d/child.pid"; wait ;;
esac
`;

const PLAIN_XML = FENCING_PY_XML.replace('name="fence_demo"', 'name="fence_fake"').replace(/<parameter name="ipmitool_path"[\s\S]*?<\/parameter>/, '');
const IPMI_XML = FENCING_PY_XML.replace('name="fence_demo"', 'name="fence_fakeipmi"');
const OPTIONS = { ip: '10.0.0.1', username: 'admin', password: 'pa55-Secret', plug: '1' };

describe('FenceAgentRunner (scripted agent)', () => {
  let dir: string;
  let runner: FenceAgentRunner;
  const file = (name: string): string => readFileSync(join(dir, name), 'utf8');
  const behave = (b: string): void => writeFileSync(join(dir, 'behaviour'), b);
  const attempts = (): number => (existsSync(join(dir, 'attempts')) ? file('attempts').trim().split('\n').length : 0);
  const failure = async (p: Promise<unknown>): Promise<FenceError> => {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isFenceError(error)) throw new Error(`expected a FenceError, got ${String(error)}`);
    return error;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'haaas-fake-agents-'));
    for (const [name, xml] of [
      ['fence_fake', PLAIN_XML],
      ['fence_fakeipmi', IPMI_XML],
    ] as const) {
      writeFileSync(join(dir, name), FAKE);
      chmodSync(join(dir, name), 0o755);
      writeFileSync(join(dir, `${name}.xml`), xml);
    }
    runner = new FenceAgentRunner({ catalog: new FenceAgentCatalog({ agentsDir: dir }), backoffMs: 100 });
  });
  beforeEach(() => rmSync(join(dir, 'attempts'), { force: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes no arguments, options as key=value lines, agent timeouts, action last, in a clean environment', async () => {
    behave('on');
    process.env['PCMK_service'] = 'pacemaker-fenced'; // would make fencing.py disable its timeouts
    try {
      const result = await runner.run({ agent: 'fence_fake', action: 'status', options: { ...OPTIONS, ssl: '0', lanplus: 'no' }, timeoutMs: 6500, retries: 0 });
      expect(result).toMatchObject({ ok: true, powerState: 'on', exitCode: 0, attempts: 1, stdout: 'Status: ON\n' });
    } finally {
      delete process.env['PCMK_service'];
    }
    expect(file('argc').trim()).toBe('0');
    // ssl=0 is left out (fencing.py tests flags for presence); lanplus has a default, so its 0 counts
    expect(file('stdin')).toBe(
      'ip=10.0.0.1\nusername=admin\npassword=pa55-Secret\nplug=1\nlanplus=no\n' +
        'login_timeout=2\nshell_timeout=2\npower_timeout=3\npower_wait=1\nretry_on=1\naction=status\n',
    );
    expect(file('env')).not.toMatch(/PCMK_service|HOME=|JEST/);
    expect(file('env')).toMatch(/^LANG=C$/m);
  });

  it('reads exit 2 of status as power off', async () => {
    behave('off');
    expect(await runner.run({ agent: 'fence_fake', action: 'status', options: OPTIONS, retries: 0 })).toMatchObject({ ok: true, powerState: 'off', exitCode: 2 });
  });

  it('retries a failure with backoff until the attempts are used up', async () => {
    behave('fail');
    const started = Date.now();
    const error = await failure(runner.run({ agent: 'fence_fake', action: 'off', options: OPTIONS, retries: 2, timeoutMs: 10_000 }));
    expect(error.kind).toBe('FAILED');
    expect(error.result).toMatchObject({ ok: false, attempts: 3, exitCode: 1, powerState: 'unknown' });
    expect(error.message).toBe('fence_fake off failed after 3 attempts (FAILED): Failed: Unable to obtain correct plug status or plug is not available');
    expect(attempts()).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(0.8 * (100 + 200));
  });

  it('does not retry refused credentials', async () => {
    behave('auth');
    const error = await failure(runner.run({ agent: 'fence_fake', action: 'off', options: OPTIONS, retries: 2 }));
    expect(error.kind).toBe('AUTH_FAILED');
    expect(error.retryable).toBe(false);
    expect(attempts()).toBe(1);
  });

  it('refuses bad configuration before running anything', async () => {
    behave('on');
    const cases: [Parameters<FenceAgentRunner['run']>[0], RegExp][] = [
      [{ agent: 'fence_fake', action: 'status', options: { ...OPTIONS, pasword: 'x' } }, /no parameter pasword \(did you mean password\?\)/],
      [{ agent: 'fence_fake', action: 'status', options: { ip: 'h', username: 'u' } }, /needs plug/],
      [{ agent: 'fence_fake', action: 'list', options: OPTIONS }, /has no list action/],
      [{ agent: 'fence_missing', action: 'status', options: OPTIONS }, /unknown fence agent "fence_missing"/],
      [{ agent: '../../bin/sh', action: 'status', options: OPTIONS }, /invalid fence agent name/],
      [{ agent: 'fence_fake', action: 'destroy' as 'off', options: OPTIONS }, /invalid action "destroy"/],
      [{ agent: 'fence_fake', action: 'status', options: { ...OPTIONS, username: 'a\naction=off' } }, /line breaks/],
    ];
    for (const [request, message] of cases) {
      const error = await failure(runner.run(request));
      expect({ kind: error.kind, attempts: error.result.attempts }).toEqual({ kind: 'BAD_CONFIG', attempts: 0 });
      expect(error.message).toMatch(message);
    }
    expect(attempts()).toBe(0);
  });

  it('kills the agent and its children at the deadline', async () => {
    behave('hang');
    const started = Date.now();
    const error = await failure(runner.run({ agent: 'fence_fake', action: 'off', options: OPTIONS, timeoutMs: 700, retries: 2 }));
    expect(error.kind).toBe('TIMEOUT');
    expect(error.message).toBe('fence_fake off: no result within 700 ms');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await gone(Number(file('child.pid')))).toBe(true); // the agent's `sleep` went with its group
  });

  it('kills the agent when the caller aborts', async () => {
    behave('hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await failure(runner.run({ agent: 'fence_fake', action: 'off', options: OPTIONS, signal: controller.signal }));
    expect(error.kind).toBe('TIMEOUT');
    expect(error.message).toBe('fence_fake off: cancelled by the caller');
    expect(await gone(Number(file('child.pid')))).toBe(true);
  });

  it('redacts secret values from stderr, stdout and the message', async () => {
    behave('echo'); // the agent prints its stdin, password included
    const error = await failure(runner.run({ agent: 'fence_fake', action: 'off', options: { ...OPTIONS, community: 'publ1c-c0mm' }, retries: 0 }));
    const all = JSON.stringify({ message: error.message, result: error.result });
    expect(error.result.stderr).toContain('password=***');
    expect(error.result.stderr).toContain('community=***');
    expect(all).not.toContain('pa55-Secret');
    expect(all).not.toContain('publ1c-c0mm');
  });

  it('gives ipmitool agents the password in IPMI_PASSWORD and the wrapper as ipmitool, never on stdin', async () => {
    behave('on');
    await runner.run({ agent: 'fence_fakeipmi', action: 'status', options: { ...OPTIONS, ipmitool_path: '/opt/ipmitool' }, retries: 0 });
    const stdin = file('stdin');
    expect(stdin).not.toContain('pa55-Secret');
    expect(stdin).toContain(`ipmitool_path=${ipmitoolEnvWrapper()}\n`);
    expect(stdin).toContain('verbose_level=2\n');
    expect(stdin).toMatch(/power_timeout=2\nipmitool_timeout=1\npower_wait=0\nretry_on=1\n/);
    expect(file('env')).toContain('IPMI_PASSWORD=pa55-Secret');
    expect(file('env')).toContain('HAAAS_IPMITOOL=/opt/ipmitool');
  });

  it('the wrapper drops -P and its value and lets ipmitool read the environment', () => {
    const recorder = join(dir, 'record-ipmitool');
    writeFileSync(recorder, '#!/bin/sh\nfor a do printf "[%s]" "$a"; done\n', { mode: 0o755 });
    const argv = execFileSync(ipmitoolEnvWrapper(), ['-I', 'lanplus', '-U', 'admin user', '-P', '', '-C', '3', 'chassis', 'power', 'status'], {
      env: { HAAAS_IPMITOOL: recorder, IPMI_PASSWORD: 'x' },
    }).toString();
    expect(argv).toBe('[-E][-I][lanplus][-U][admin user][-C][3][chassis][power][status]');
  });
});

describe('summarize', () => {
  it('keeps the error lines without timestamps and noise', () => {
    expect(
      summarize(
        "/usr/sbin/fence_ipmilan:5: DeprecationWarning: 'pipes' is deprecated\n  from pipes import quote\n2026-11-21 23:49:26,252 INFO: Executing: x\n2026-11-21 23:51:16,831 ERROR: Failed: You have to set login name\n\n2026-11-21 23:51:16,831 ERROR: Please use '-h' for usage\n",
      ),
    ).toBe('Failed: You have to set login name');
    expect(summarize('just this\n')).toBe('just this');
  });
});
