import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionExecutor } from './action.executor';
import type { ActionKind, ActionResourceType, AgentAction } from './action.types';
import { NamespaceHolder } from './testing.namespaces';

let n = 0;
const action = (kind: ActionKind, type: ActionResourceType, spec: Record<string, unknown>, timeoutMs = 10_000): AgentAction => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  kind,
  resource: { id: `r${n}`, name: `res-${n}`, type, spec },
  timeoutMs,
});
/** 'gone' when the process has exited (a zombie waiting for a reaper has exited too). */
const aliveState = (pid: number): string => {
  if (!existsSync(`/proc/${pid}`)) return 'gone';
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z' ? 'gone' : 'running';
};
const hostAddresses = (): string => spawnSync('ip', ['-br', 'addr'], { encoding: 'utf8' }).stdout;

/** Real `ip` commands in a network namespace of the test's own (its loopback only). */
describe('IP actions (in a network namespace)', () => {
  let ns: NamespaceHolder;
  let exec: ActionExecutor;
  beforeAll(async () => {
    ns = await NamespaceHolder.start(['net']);
    exec = new ActionExecutor({ types: ['IP', 'APPLICATION', 'VOLUME'], namespaces: { net: ns.path('net') } });
  });
  afterAll(() => ns?.stop());
  const inNs = (): string => ns.run(['ip', '-br', 'addr', 'show', 'dev', 'lo']);

  it('adds the address on start, says so, and leaves the host alone; a second start finds it there', async () => {
    const spec = { address: '10.77.0.10', prefixLength: 24, interface: 'lo' };
    const first = await exec.execute(action('start', 'IP', spec));
    expect(first).toMatchObject({ ok: true, outcome: 'DONE', exitCode: 0 });
    expect(first.detail).toMatch(/^added 10\.77\.0\.10\/24 on lo; (gratuitous ARP|no gratuitous ARP sent \(arping is not installed\))/);
    expect(inNs()).toContain('10.77.0.10/24');
    expect(hostAddresses()).not.toContain('10.77.0.10');
    const again = await exec.execute(action('start', 'IP', spec));
    expect(again).toMatchObject({ ok: true, outcome: 'ALREADY', detail: '10.77.0.10 is already on lo' });
    expect((await exec.execute(action('monitor', 'IP', spec))).ok).toBe(true);
  });

  it('removes it on stop; stopping again and monitoring then find nothing', async () => {
    const spec = { address: '10.77.1.10', prefixLength: 24, interface: 'lo' };
    await exec.execute(action('start', 'IP', spec));
    expect(inNs()).toContain('10.77.1.10/24');
    expect(await exec.execute(action('stop', 'IP', spec))).toMatchObject({ ok: true, outcome: 'DONE', detail: 'removed 10.77.1.10/24 from lo' });
    expect(inNs()).not.toContain('10.77.1.10');
    expect(await exec.execute(action('stop', 'IP', spec))).toMatchObject({ ok: true, outcome: 'ALREADY' });
    expect(await exec.execute(action('monitor', 'IP', spec))).toMatchObject({ ok: false, outcome: 'DONE', detail: '10.77.1.10 is on no interface' });
  });

  it('without an interface, takes the one whose network contains the address; refuses when none does', async () => {
    const ok = await exec.execute(action('start', 'IP', { address: '127.0.0.77', prefixLength: 8, interface: null }));
    expect(ok).toMatchObject({ ok: true, outcome: 'DONE' });
    expect(ok.detail).toMatch(/^added 127\.0\.0\.77\/8 on lo \(its network contains the address\)/);
    const none = await exec.execute(action('start', 'IP', { address: '192.0.2.55', prefixLength: 24, interface: null }));
    expect(none).toMatchObject({ ok: false, outcome: 'FAILED', detail: expect.stringMatching(/no interface of this host is on a network containing 192\.0\.2\.55/) });
  });

  it('handles IPv6, whatever the spelling of the address', async () => {
    const started = await exec.execute(action('start', 'IP', { address: '2001:db8::5', prefixLength: 64, interface: 'lo' }));
    expect(started).toMatchObject({ ok: true, outcome: 'DONE' });
    expect(started.detail).toMatch(/ndsend is not installed|neighbour advertisement/);
    expect(inNs()).toContain('2001:db8::5/64');
    expect(await exec.execute(action('start', 'IP', { address: '2001:0db8:0:0::0005', prefixLength: 64, interface: 'lo' }))).toMatchObject({ outcome: 'ALREADY' });
    expect(await exec.execute(action('stop', 'IP', { address: '2001:DB8::5', prefixLength: 64, interface: 'lo' }))).toMatchObject({ outcome: 'DONE' });
    expect(inNs()).not.toContain('2001:db8::5');
  });

  it('reports a failing ip command with its exit code and stderr, and a bad spec without running anything', async () => {
    const r = await exec.execute(action('start', 'IP', { address: '10.77.2.1', prefixLength: 24, interface: 'nosuch0' }));
    expect(r).toMatchObject({ ok: false, outcome: 'FAILED', exitCode: expect.any(Number) });
    expect(r.exitCode).not.toBe(0);
    expect(r.detail).toMatch(/^ip addr add 10\.77\.2\.1\/24 dev nosuch0: exit code \d+/);
    expect(r.stderr).toMatch(/nosuch0|Cannot find device/);
    expect(await exec.execute(action('start', 'IP', { address: '10.1', prefixLength: 24, interface: null }))).toMatchObject({ outcome: 'FAILED', detail: 'invalid IP resource: ip.address is not an IPv4 or IPv6 address' });
    expect(await exec.execute(action('start', 'IP', { address: '10.0.0.1', prefixLength: 24, interface: '-x' }))).toMatchObject({ outcome: 'FAILED', detail: expect.stringMatching(/ip.interface/) });
  });
});

/** Real shell commands in a temporary directory. */
describe('APPLICATION actions', () => {
  let dir: string;
  const exec = new ActionExecutor({ types: ['APPLICATION'], secrets: () => ['hna_tenant.node.s3cr3t-token-value'] });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-app-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const app = (name: string, extra: Record<string, unknown> = {}) => ({
    startCommand: `echo "$HAAAS_ACTION $HAAAS_RESOURCE_NAME" > ${dir}/${name}`,
    stopCommand: `rm ${dir}/${name}`,
    monitorCommand: `test -f ${dir}/${name}`,
    user: null,
    ...extra,
  });

  it('runs the start command with /bin/sh and its environment; a running application is not started twice', async () => {
    const a = action('start', 'APPLICATION', app('web'));
    const r = await exec.execute(a);
    expect(r).toMatchObject({ ok: true, outcome: 'DONE', exitCode: 0, detail: 'start command exited 0' });
    expect(readFileSync(join(dir, 'web'), 'utf8')).toBe(`start ${a.resource.name}\n`);
    writeFileSync(join(dir, 'web'), 'untouched');
    expect(await exec.execute(action('start', 'APPLICATION', app('web')))).toMatchObject({ ok: true, outcome: 'ALREADY' });
    expect(readFileSync(join(dir, 'web'), 'utf8')).toBe('untouched');
    expect(await exec.execute(action('monitor', 'APPLICATION', app('web')))).toMatchObject({ ok: true, exitCode: 0 });
  });

  it('stops idempotently: a stop command failing on an application that is not running counts as stopped', async () => {
    await exec.execute(action('start', 'APPLICATION', app('db')));
    expect(await exec.execute(action('stop', 'APPLICATION', app('db')))).toMatchObject({ ok: true, outcome: 'DONE', exitCode: 0 });
    expect(existsSync(join(dir, 'db'))).toBe(false);
    const again = await exec.execute(action('stop', 'APPLICATION', app('db')));
    expect(again).toMatchObject({ ok: true, outcome: 'ALREADY', exitCode: 1 });
    expect(await exec.execute(action('monitor', 'APPLICATION', app('db')))).toMatchObject({ ok: false, outcome: 'DONE', exitCode: 1 });
  });

  it('fails a start with the exit code and the redacted end of stderr', async () => {
    const r = await exec.execute(
      action('start', 'APPLICATION', app('bad', { startCommand: 'echo "connecting with password=hunter2 token hna_tenant.node.s3cr3t-token-value" >&2; echo "it broke" >&2; exit 3', monitorCommand: null })),
    );
    expect(r).toMatchObject({ ok: false, outcome: 'FAILED', exitCode: 3, detail: 'start command: exit code 3: it broke' });
    expect(r.stderr).toContain('password=[redacted]');
    expect(r.stderr).toContain('it broke');
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toContain('s3cr3t');
  });

  it('kills a command that outlives the deadline, with what it started', async () => {
    const pidFile = join(dir, 'sleeper.pid');
    const r = await exec.execute(action('start', 'APPLICATION', app('slow', { startCommand: `sleep 30 & echo $! > ${pidFile}; wait`, monitorCommand: null }), 500));
    expect(r).toMatchObject({ ok: false, outcome: 'TIMED_OUT', exitCode: null, detail: 'start command: killed at the deadline' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // SIGTERM to the process group at the deadline: the background sleep is gone too
    await new Promise((res) => setTimeout(res, 200));
    expect(aliveState(pid)).toBe('gone');
  });

  it('runs the commands as the given user', async () => {
    // a directory of its own that the user can reach (the test's is root's, mode 0700)
    const shared = mkdtempSync(join(tmpdir(), 'agent-app-user-'));
    chmodSync(shared, 0o777);
    const r = await exec.execute(action('start', 'APPLICATION', { startCommand: `id -un > ${shared}/who`, stopCommand: 'true', monitorCommand: null, user: 'nobody' }));
    expect(r).toMatchObject({ ok: true, outcome: 'DONE', detail: 'start command as nobody exited 0' });
    expect(readFileSync(join(shared, 'who'), 'utf8').trim()).toBe('nobody');
    rmSync(shared, { recursive: true, force: true });
  });

  it('answers DISABLED for a type this agent does not carry out', async () => {
    expect(await exec.execute(action('start', 'IP', { address: '10.0.0.1', prefixLength: 24, interface: 'lo' }))).toMatchObject({
      ok: false,
      outcome: 'DISABLED',
      detail: 'IP actions are disabled on this agent (actions.types in its configuration)',
    });
  });
});

/** Real mounts in a mount namespace of the test's own. */
describe('VOLUME actions (in a mount namespace)', () => {
  let ns: NamespaceHolder;
  let exec: ActionExecutor;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-vol-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'data.txt'), 'on the volume');
    ns = await NamespaceHolder.start(['mnt']);
    exec = new ActionExecutor({ types: ['VOLUME'], namespaces: { mount: ns.path('mnt') } });
  });
  afterAll(() => {
    ns?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bind-mounts a directory on start (creating the mount point), idempotently, only in its namespace; unmounts on stop', async () => {
    const spec = { ref: join(dir, 'src'), mountPoint: join(dir, 'mnt'), fsType: null };
    expect(await exec.execute(action('start', 'VOLUME', spec))).toMatchObject({ ok: true, outcome: 'DONE', detail: `mounted ${spec.ref} on ${spec.mountPoint} (bind mount)` });
    expect(ns.run(['cat', join(spec.mountPoint, 'data.txt')])).toBe('on the volume');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(spec.mountPoint);
    expect(await exec.execute(action('start', 'VOLUME', spec))).toMatchObject({ ok: true, outcome: 'ALREADY' });
    expect(await exec.execute(action('monitor', 'VOLUME', spec))).toMatchObject({ ok: true });
    expect(await exec.execute(action('stop', 'VOLUME', spec))).toMatchObject({ ok: true, outcome: 'DONE' });
    expect(ns.run(['cat', '/proc/self/mountinfo'])).not.toContain(spec.mountPoint);
    expect(await exec.execute(action('stop', 'VOLUME', spec))).toMatchObject({ ok: true, outcome: 'ALREADY' });
    expect(await exec.execute(action('monitor', 'VOLUME', spec))).toMatchObject({ ok: false, outcome: 'DONE' });
  });

  it('fails clearly without a mount point, and with the exit code of a mount that fails', async () => {
    expect(await exec.execute(action('start', 'VOLUME', { ref: '/dev/nothing', mountPoint: null, fsType: null }))).toMatchObject({ ok: false, outcome: 'FAILED', detail: expect.stringMatching(/mountPoint is not set/) });
    const r = await exec.execute(action('start', 'VOLUME', { ref: join(dir, 'no-such-device'), mountPoint: join(dir, 'mnt2'), fsType: 'ext4' }));
    expect(r).toMatchObject({ ok: false, outcome: 'FAILED' });
    expect(r.exitCode).toBeGreaterThan(0);
    expect(r.detail).toMatch(/^mount -t ext4 -- .*no-such-device .*mnt2: exit code \d+/);
  });
});
