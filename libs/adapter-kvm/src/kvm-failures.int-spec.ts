import { readFileSync, statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadline, isAdapterError } from '@haaas/hypervisor';
import { KvmAdapter } from './kvm.adapter';
import type { VirshKvmHost } from './kvm.host';
import { type LibvirtHosts, processesMatching, type SilentSocket, startLibvirtHosts, startSilentSocket } from './testing';

/**
 * What the failover engine relies on when things go wrong, against real daemons: a crashed host
 * (libvirtd SIGKILLed), a hung host (libvirtd SIGSTOPped, or a socket that never answers), a host
 * that is not there, and SASL logins with a right, a wrong and no password.
 */
const PASSWORD = 'pw-Zq8#s3cret';
let peer: LibvirtHosts;
let silent: SilentSocket;

beforeAll(async () => {
  [peer, silent] = await Promise.all([
    startLibvirtHosts({ hosts: ['crash', 'hang', { name: 'secure', auth: { username: 'haaas', password: PASSWORD } }] }),
    startSilentSocket(),
  ]);
}, 60_000);

afterAll(async () => {
  await silent?.stop();
  await peer?.stop();
  if (peer) expect(processesMatching(peer.dir)).toEqual([]);
  if (silent) expect(processesMatching(silent.uri.replace(/^.*socket=/, ''))).toEqual([]);
});

const o = (ms = 10_000): { signal: AbortSignal } => ({ signal: deadline(ms) });

/** Runs `call` (timed from before its deadline is made) and tells how it failed. */
async function failure(call: () => Promise<unknown>): Promise<{ kind: string; message: string; ms: number }> {
  const started = performance.now();
  try {
    await call();
    return { kind: 'ok', message: '', ms: performance.now() - started };
  } catch (error) {
    const ms = performance.now() - started;
    return isAdapterError(error) ? { kind: error.kind, message: error.message, ms } : { kind: `not an AdapterError: ${String(error)}`, message: '', ms };
  }
}

describe.each(['session', 'process'] as const)('failures (%s transport)', (transport) => {
  const adapter = new KvmAdapter({ transport });

  it('reads a crashed host (libvirtd killed) as UNREACHABLE at once, and answers again once it is back', async () => {
    const host = adapter.connect({ uri: peer.host('crash').uri }) as VirshKvmHost;
    try {
      expect((await host.probe(o())).reachable).toBe(true); // a session is now connected
      const pidBefore = host.sessionPid;
      await peer.kill('crash');

      const calls = [() => host.probe(o()), () => host.getVm('test', o()), () => host.startVm('test', o()), () => host.listVms(o()), () => host.stopVm('test', { ...o(), gracefulTimeoutMs: 1_000 })];
      try {
        for (const [i, call] of calls.entries()) {
          const f = await failure(call);
          // not NOT_FOUND: the VM may well be there, its host is not answering (the message shows in a failure)
          expect({ call: i, kind: f.kind, message: f.message }).toEqual({ call: i, kind: 'UNREACHABLE', message: f.message });
          expect(f.ms).toBeLessThan(1_000); // of a 10 s deadline
        }
      } finally {
        // the next test (the other transport) needs the host back, whatever happened here
        await peer.restart('crash');
      }
      expect(await host.probe(o())).toMatchObject({ reachable: true, connectionState: 'CONNECTED' });
      expect((await host.getVm('test', o())).powerState).toBe('RUNNING');
      // the session reconnected by itself: same virsh
      if (transport === 'session') expect(host.sessionPid).toBe(pidBefore);
    } finally {
      await host.close();
    }
  });

  it('reads a host that is not there at all as UNREACHABLE at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haaas-nohost-'));
    const host = adapter.connect({ uri: `test+unix:///default?socket=${dir}/libvirt-sock` });
    try {
      const f = await failure(() => host.probe(o()));
      expect(f).toMatchObject({ kind: 'UNREACHABLE' });
      expect(f.message).toMatch(/Failed to connect socket/);
      expect(f.ms).toBeLessThan(1_000);
      expect((await failure(() => host.getVm('vm1', o()))).kind).toBe('UNREACHABLE');
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('honours the deadline against a socket that accepts and never answers (TIMEOUT, virsh killed)', async () => {
    const host = adapter.connect({ uri: silent.uri });
    try {
      const accepted = silent.accepted();
      const f = await failure(() => host.probe({ signal: deadline(300) }));
      expect(f.kind).toBe('TIMEOUT');
      expect(f.ms).toBeGreaterThanOrEqual(290);
      expect(f.ms).toBeLessThan(800);
      expect(silent.accepted()).toBeGreaterThan(accepted); // it did connect: the wait was for an answer
      // the killed virsh is gone
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(processesMatching(silent.uri)).toEqual([]);
      // a caller's own abort is a deadline too
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      expect((await failure(() => host.listVms({ signal: controller.signal }))).kind).toBe('TIMEOUT');
      expect((await failure(() => host.getVm('x', { signal: AbortSignal.abort() }))).kind).toBe('TIMEOUT');
    } finally {
      await host.close();
    }
  });

  it('times out on a hung libvirtd (SIGSTOP) and works again on the same host object once it resumes', async () => {
    const host = adapter.connect({ uri: peer.host('hang').uri });
    const pid = peer.pid('hang');
    expect(pid).toBeDefined();
    try {
      await host.probe(o());
      process.kill(pid as number, 'SIGSTOP');
      try {
        const f = await failure(() => host.getVm('test', { signal: deadline(400) }));
        expect(f.kind).toBe('TIMEOUT');
        expect(f.ms).toBeLessThan(1_000);
      } finally {
        process.kill(pid as number, 'SIGCONT');
      }
      expect((await host.getVm('test', o())).name).toBe('test');
    } finally {
      await host.close();
    }
  });

  it('logs in with SASL credentials from a private auth file; wrong or missing ones are AUTH_FAILED', async () => {
    const uri = peer.host('secure').uri;
    const good = adapter.connect({ uri, username: 'haaas', password: PASSWORD }) as VirshKvmHost;
    const wrong = adapter.connect({ uri, username: 'haaas', password: 'not-the-password' });
    const none = adapter.connect({ uri });
    try {
      expect((await good.probe(o())).reachable).toBe(true);
      expect((await good.getVm('test', o())).powerState).toBe('RUNNING');

      const bad = await failure(() => wrong.probe(o()));
      expect(bad.kind).toBe('AUTH_FAILED');
      expect(bad.message).toMatch(/authentication failed/);
      expect(bad.ms).toBeLessThan(2_000);
      expect((await failure(() => wrong.startVm('test', o()))).kind).toBe('AUTH_FAILED');
      const missing = await failure(() => none.probe(o()));
      expect(missing.kind).toBe('AUTH_FAILED');
      expect(missing.ms).toBeLessThan(2_000);

      // the event stream logs in the same way
      const watch = good.watchEvents({}, () => undefined);
      await watch.ready;
      expect(await watch.stop()).toEqual({ reason: 'stopped' });
      const refused = wrong.watchEvents({}, () => undefined);
      expect(await failure(() => refused.ready)).toMatchObject({ kind: 'AUTH_FAILED' });

      // the password is on no command line, in no message; the auth file is 0600 in a 0700 directory
      for (const p of processesMatching(peer.dir)) expect(p.cmdline).not.toContain(PASSWORD);
      for (const p of processesMatching('virsh')) expect(p.cmdline).not.toContain(PASSWORD);
      expect(bad.message).not.toContain('not-the-password');
      if (transport === 'session') {
        const pid = good.sessionPid;
        expect(pid).toBeDefined();
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        expect(environ.join('\n')).not.toContain(PASSWORD);
        const authFile = environ.find((v) => v.startsWith('LIBVIRT_AUTH_FILE='))?.slice('LIBVIRT_AUTH_FILE='.length) ?? '';
        expect(statSync(authFile).mode & 0o777).toBe(0o600);
        expect(statSync(join(authFile, '..')).mode & 0o777).toBe(0o700);
        await good.close();
        expect(() => statSync(authFile)).toThrow(); // removed with the host
      }
    } finally {
      await Promise.all([good.close(), wrong.close(), none.close()]);
    }
  });
});

describe('session transport specifics', () => {
  it('a command queued behind a hung one leaves at its own deadline', async () => {
    const host = new KvmAdapter({ transport: 'session' }).connect({ uri: silent.uri });
    try {
      const first = failure(() => host.probe({ signal: deadline(1_500) }));
      const second = await failure(() => host.getVm('x', { signal: deadline(200) }));
      expect(second.kind).toBe('TIMEOUT');
      expect(second.message).toMatch(/queued/);
      expect(second.ms).toBeLessThan(700);
      const f = await first;
      expect(f.kind).toBe('TIMEOUT');
      expect(f.ms).toBeGreaterThanOrEqual(1_400);
    } finally {
      await host.close();
    }
  });
});
