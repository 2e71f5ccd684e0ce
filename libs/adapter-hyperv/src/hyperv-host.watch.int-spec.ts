import { HypervAdapter } from './hyperv.adapter';
import { type HypervHostWatch } from './hyperv-host.watch';
import { HypervHostSimulator } from './testing/hyperv-host.simulator';
import { startWinRmTestServer, type WinRmTestServer } from './testing/winrm-test.server';

const PASSWORD = 'Hv-w4tch$ecret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Hyper-V liveness watch (the manager heartbeat channel) against the WS-Management test server', () => {
  const adapter = new HypervAdapter({ watch: { intervalMs: 100, commandDeadlineMs: 1_000 } });
  let server: WinRmTestServer;
  let sim: HypervHostSimulator;
  let watch: HypervHostWatch | undefined;

  beforeEach(async () => {
    sim = new HypervHostSimulator({ computerName: 'HV01' });
    server = await startWinRmTestServer({ username: 'haaas', password: PASSWORD, run: (c) => sim.handler(c) });
  });
  afterEach(async () => {
    await watch?.close();
    watch = undefined;
    await server.close().catch(() => undefined);
  });

  it('vouches for the host while `hostname` answers, in one kept shell, and closes that shell', async () => {
    watch = adapter.watchHosts({ uri: server.url, username: 'LAB\\haaas', password: PASSWORD, host: 'HV01.lab.example' });
    expect(watch.current()).toBeNull();
    expect(await watch.ready(5_000)).toBe(true);
    await sleep(600);
    expect(watch.current()?.get('hv01.lab.example')).toEqual({ host: 'HV01.lab.example', connectionState: 'CONNECTED', poweredOn: true, maintenance: false, bootTimeMs: null });
    expect(watch.problem).toBeNull();
    // a command every 100 ms, in one shell: the host sees one Create, many Commands
    expect(sim.hostnameCalls).toBeGreaterThanOrEqual(4);
    expect(watch.shells).toBe(1);
    expect(server.events.filter((e) => e.action === 'Create').length).toBe(1);
    expect(server.openShells()).toHaveLength(1);
    await watch.close();
    watch = undefined;
    expect(server.openShells()).toEqual([]);
  });

  it('tells nothing once the host stops answering, says why, and no password in it', async () => {
    watch = adapter.watchHosts({ uri: server.url, username: 'LAB\\haaas', password: PASSWORD, host: 'HV01' });
    expect(await watch.ready(5_000)).toBe(true);
    await server.close();
    const until = Date.now() + 5_000;
    while (watch.current() !== null && Date.now() < until) await sleep(50);
    expect(watch.current()).toBeNull();
    expect(watch.problem).toBeTruthy();
    expect(watch.problem).not.toContain(PASSWORD);
  });

  it('never vouches with a wrong password', async () => {
    watch = adapter.watchHosts({ uri: server.url, username: 'LAB\\haaas', password: 'wrong', host: 'HV01' });
    expect(await watch.ready(1_000)).toBe(false);
    expect(watch.current()).toBeNull();
    expect(watch.problem).toMatch(/401|auth|credential/i);
  });
});
