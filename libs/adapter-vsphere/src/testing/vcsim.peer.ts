/**
 * vcsim (govmomi's vCenter simulator) as a real vim25 peer for tests and benchmarks: built once
 * from the Go module proxy into a per-user cache, started on a free loopback port in a private
 * temp dir, stopped with its whole process group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages, findBinary, type Log, logTail, settlesWithin, sleep } from '@haaas/devstack';
import { type HypervisorEndpoint } from '@haaas/hypervisor';
import { retrieveAll, retrieveOne, str } from '../property.collector';
import { SoapClient } from '../soap.client';
import { child, group, type MoRef, param, readMoRef, refParam } from '../soap.xml';

/**
 * The newest govmomi whose vcsim `go install module@version` can build: from v0.47.0 on, vcsim is
 * a nested module with a `replace ../` directive, which `go install ...@version` refuses. It has
 * DisconnectHost_Task/ReconnectHost_Task, maintenance mode, RelocateVM_Task, RegisterVM_Task,
 * TerminateSession and per-method delays; no MigrateVM_Task, ShutdownHost_Task or RebootHost_Task.
 */
export const VCSIM_VERSION = 'v0.46.3';
const VCSIM_PACKAGE = 'github.com/vmware/govmomi/vcsim';

const stderrLog: Log = (line) => void process.stderr.write(`[vcsim] ${line}\n`);

/** Where the built binary is kept: `$XDG_CACHE_HOME/haaas/vcsim-<version>/vcsim` (or ~/.cache). */
export function vcsimCacheDir(): string {
  const root = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(root, 'haaas', `vcsim-${VCSIM_VERSION}`);
}

/**
 * The vcsim binary: `HAAAS_VCSIM_BIN` when set, else the cached build, else built now with
 * `go install` (GOBIN set explicitly; progress on the log: the first build takes a minute or two).
 */
export async function ensureVcsim(log: Log = stderrLog): Promise<string> {
  const given = process.env['HAAAS_VCSIM_BIN'];
  if (given) return given;
  const dir = vcsimCacheDir();
  const bin = join(dir, 'vcsim');
  if (isExecutable(bin)) return bin;

  // module downloads are HTTPS: the proxy's certificate is checked against the system's CAs
  await ensureDebianPackages(['ca-certificates'], { log });
  const go = findBinary('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      `vcsim ${VCSIM_VERSION} is built with Go >= 1.22 and no 'go' is in PATH or /usr/local/go/bin. ` +
        `Debian 12's golang-go (1.19) is too old: install a newer Go, or set HAAAS_VCSIM_BIN to a vcsim binary.`,
    );
  }
  mkdirSync(dir, { recursive: true });
  // a private GOBIN, renamed into place when complete: concurrent or interrupted builds never leave half a binary
  const staging = mkdtempSync(join(dir, '.build-'));
  try {
    log(`building vcsim ${VCSIM_VERSION} into ${dir} (first run only; a minute or two)`);
    const started = Date.now();
    const env = { ...process.env, GOBIN: staging, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GO111MODULE: 'on', GOFLAGS: '-mod=mod' };
    await run(go, ['install', '-v', `${VCSIM_PACKAGE}@${VCSIM_VERSION}`], env, log);
    renameSync(join(staging, 'vcsim'), bin);
    log(`vcsim built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

export interface VcsimOptions {
  /** Hosts in the one cluster (default 3); vcsim adds one standalone host `DC0_H0`. */
  hosts?: number;
  /** VMs per resource pool (default 4). */
  vms?: number;
  /** Delays in ms per SOAP method / task name (vcsim's -method-delay), for deadline tests. */
  methodDelay?: Readonly<Record<string, number>>;
  log?: Log;
  /** How long to wait for the simulator to answer (default 30 s; the build is not counted). */
  readyTimeoutMs?: number;
  /**
   * Serve a certificate made here for 127.0.0.1 (openssl), whose PEM is `caPem`: clients then
   * trust it as a CA instead of setting insecureTls, as the product's workers do (HAAAS_VSPHERE_CA_FILE).
   */
  trustedTls?: boolean;
  /** A standalone ESXi host (vcsim -esx) instead of a vCenter: a host's own `/sdk`. `hosts` is ignored. */
  esx?: boolean;
}

export interface VcsimPeer {
  /** `https://127.0.0.1:PORT/sdk` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly username: string;
  readonly password: string;
  /** Host names of the inventory (cluster hosts first, e.g. DC0_C0_H0..H2, then DC0_H0). */
  readonly hosts: readonly string[];
  /** An endpoint for one host (self-signed certificate accepted: insecureTls). */
  endpoint(host?: string): HypervisorEndpoint;
  /** Administrative calls the tests use to break things behind an adapter's back. */
  readonly admin: VcsimAdmin;
  /** The certificate vcsim serves (PEM), with `trustedTls`; also written to `caFile`. */
  readonly caPem?: string;
  readonly caFile?: string;
  /** SIGSTOP / SIGCONT: vCenter stops answering (connections hang) and comes back. */
  pause(): void;
  resume(): void;
  /** SIGTERM, then SIGKILL of the process group after 5 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export async function startVcsim(options: VcsimOptions = {}): Promise<VcsimPeer> {
  const log = options.log ?? stderrLog;
  const bin = await ensureVcsim(log);
  const dir = mkdtempSync(join(tmpdir(), 'haaas-vcsim-'));
  const username = 'haaas-admin';
  // characters that must be escaped in XML and in a URL: proves the escaping on every login
  const password = `p&<"'>${randomBytes(12).toString('base64url')}`;
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  // vcsim writes its URL, with the credentials, here (not to the log): 0600 in the private dir
  const envFile = join(dir, 'env');
  writeFileSync(envFile, '', { mode: 0o600 });
  const logFile = join(dir, 'vcsim.log');

  let caPem: string | undefined;
  let caFile: string | undefined;
  const tlsArgs: string[] = [];
  if (options.trustedTls) {
    caFile = join(dir, 'vcsim.crt');
    const keyFile = join(dir, 'vcsim.key');
    await ensureDebianPackages(['openssl'], { log });
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE', '-keyout', keyFile, '-out', caFile],
      process.env,
      () => undefined,
    );
    caPem = readFileSync(caFile, 'utf8');
    tlsArgs.push('-tlscert', caFile, '-tlskey', keyFile);
  }
  const inventory = options.esx ? ['-esx'] : ['-cluster', '1', '-host', String(options.hosts ?? 3)];
  const args = [...tlsArgs, '-l', '127.0.0.1:0', ...inventory, '-vm', String(options.vms ?? 4)];
  // -password reads a file when given a path: the password never appears in `ps`
  args.push('-username', username, '-password', passwordFile, '-E', envFile, '-stdinexit');
  const delays = Object.entries(options.methodDelay ?? {});
  if (delays.length) args.push('-method-delay', delays.map(([m, ms]) => `${m}:${ms}`).join(','));

  const fd = openSync(logFile, 'a', 0o600);
  let proc: ChildProcess;
  try {
    // its own process group (stop kills the group); stdin is a pipe that -stdinexit watches, so
    // vcsim exits by itself if this process dies without calling stop()
    proc = spawn(bin, args, { cwd: dir, detached: true, stdio: ['pipe', fd, fd], env: { ...process.env, TMPDIR: dir } });
  } finally {
    closeSync(fd);
  }
  const pid = proc.pid;
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()).once('error', () => resolve())).then(() => void (exited = true));
  proc.unref();
  (proc.stdin as Socket | null)?.unref?.();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await admin?.close();
      if (pid !== undefined && !exited) {
        signalGroup(pid, 'SIGCONT'); // a paused vcsim would not act on SIGTERM
        signalGroup(pid, 'SIGTERM');
        if (!(await settlesWithin(exit, 5_000))) {
          signalGroup(pid, 'SIGKILL');
          await settlesWithin(exit, 5_000);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    })());

  let admin: VcsimAdmin | undefined;
  try {
    if (pid === undefined) throw new Error(`cannot start ${bin}`);
    const port = await waitForPort(envFile, exit, () => exited, options.readyTimeoutMs ?? 30_000, logFile);
    const url = `https://127.0.0.1:${port}/sdk`;
    admin = new VcsimAdmin(() => new SoapClient({ url: new URL(url), username, password, insecureTls: true }));
    const hosts = await admin.hostNames();
    log(`vcsim ${VCSIM_VERSION} on ${url} (pid ${pid}), hosts ${hosts.join(', ')}`);
    return {
      url,
      port,
      pid,
      username,
      password,
      hosts,
      admin,
      ...(caPem ? { caPem, caFile } : {}),
      endpoint: (host?: string) => ({ uri: url, username, password, host: host ?? hosts[0] ?? null, insecureTls: true }),
      pause: () => pid !== undefined && !exited && signalGroup(pid, 'SIGSTOP'),
      resume: () => pid !== undefined && !exited && signalGroup(pid, 'SIGCONT'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The administrative calls on a vcsim started by another process (the demo's `npm run demo -- kill`
 * acts on the datacenter `npm start` runs). vcsim's self-signed certificate is accepted.
 */
export function connectVcsimAdmin(url: string, username: string, password: string): VcsimAdmin {
  return new VcsimAdmin(() => new SoapClient({ url: new URL(url), username, password, insecureTls: true }));
}

/** Calls an administrator makes in vCenter, through the library's own SOAP client. */
export class VcsimAdmin {
  private client: SoapClient;

  constructor(private readonly newClient: () => SoapClient) {
    this.client = newClient();
  }

  async hostNames(): Promise<string[]> {
    const hosts = await retrieveAll(this.client, 'HostSystem', ['name'], signal());
    return hosts.map((h) => str(h, 'name') ?? h.obj.value).sort((a, b) => (a.includes('_C') === b.includes('_C') ? a.localeCompare(b) : a.includes('_C') ? -1 : 1));
  }

  /**
   * AddHost_Task into the cluster: a host named `name` (a real host name, unlike vcsim's DC0_C0_H0),
   * cloned by vcsim from the cluster host `cloneOf` (its datastores and networks), connected.
   */
  async addHost(name: string, cloneOf: string): Promise<void> {
    const clusters = await retrieveAll(this.client, 'ClusterComputeResource', ['name'], signal());
    const cluster = clusters[0];
    if (!cluster) throw new Error('vcsim has no cluster');
    const spec = group('spec', [param('hostName', name), param('userName', cloneOf), param('password', 'unused'), param('force', true)]);
    const reply = await this.client.invoke('AddHost_Task', cluster.obj, [spec, param('asConnected', true)], signal());
    await this.waitTask(readMoRef(child(reply, 'returnval')), `AddHost_Task ${name}`);
    await this.renew();
  }

  /**
   * vcsim's container views miss objects added to the inventory after they were made (a host or VM is
   * put before its parent lists it): a new session makes new views, which see them.
   */
  private async renew(): Promise<void> {
    await this.client.close();
    this.client = this.newClient();
  }

  /**
   * CreateVM_Task: a powered-off VM on `host`, its files (.vmx) on the datastore every host of the
   * cluster mounts (vcsim's LocalDS_0: shared storage), as an administrator would create it.
   */
  async createVm(name: string, host: string, o: { readonly cpus?: number; readonly memoryMb?: number; readonly datastore?: string } = {}): Promise<void> {
    const [dc] = await retrieveAll(this.client, 'Datacenter', ['vmFolder'], signal());
    const [cluster] = await retrieveAll(this.client, 'ClusterComputeResource', ['resourcePool'], signal());
    const hostRef = (await retrieveAll(this.client, 'HostSystem', ['name'], signal())).find((h) => str(h, 'name') === name || str(h, 'name') === host)?.obj;
    const folder = dc && readMoRef(dc.props.get('vmFolder'));
    const pool = cluster && readMoRef(cluster.props.get('resourcePool'));
    if (!folder || !pool || !hostRef) throw new Error(`createVm ${name}: no datacenter folder, cluster pool or host ${host}`);
    const config = group('config', [
      param('name', name),
      param('guestId', 'otherGuest64'),
      group('files', [param('vmPathName', `[${o.datastore ?? 'LocalDS_0'}]`)]),
      param('numCPUs', o.cpus ?? 1),
      param('memoryMB', o.memoryMb ?? 256),
    ]);
    const reply = await this.client.invoke('CreateVM_Task', folder, [config, refParam('pool', pool), refParam('host', hostRef)], signal());
    await this.waitTask(readMoRef(child(reply, 'returnval')), `CreateVM_Task ${name}`);
    await this.renew();
  }

  /** Every VM vCenter has registered: name, host (by runtime.host), power and connection state. */
  async vms(): Promise<{ name: string; host: string | undefined; powerState: string | undefined; connectionState: string | undefined; vmx: string | undefined }[]> {
    await this.renew(); // vcsim's views miss VMs registered after they were made
    const [vms, hosts] = await Promise.all([
      retrieveAll(this.client, 'VirtualMachine', ['name', 'runtime.host', 'runtime.powerState', 'runtime.connectionState', 'config.files.vmPathName'], signal()),
      retrieveAll(this.client, 'HostSystem', ['name'], signal()),
    ]);
    const hostName = new Map(hosts.map((h) => [h.obj.value, str(h, 'name')]));
    return vms.map((v) => ({
      name: str(v, 'name') ?? v.obj.value,
      host: hostName.get(readMoRef(v.props.get('runtime.host'))?.value ?? ''),
      powerState: str(v, 'runtime.powerState'),
      connectionState: str(v, 'runtime.connectionState'),
      vmx: str(v, 'config.files.vmPathName'),
    }));
  }

  /** vCenter's VmPoweredOnEvents, oldest first (by event key): who started which VM where, in what order. */
  async poweredOnEvents(): Promise<{ key: number; vm: string; host: string }[]> {
    const reply = await this.client.invoke('QueryEvents', { type: 'EventManager', value: 'EventManager' }, [group('filter', [param('eventTypeId', 'VmPoweredOnEvent')])], signal());
    const out = [...reply.getElementsByTagNameNS('urn:vim25', 'returnval')].map((e) => ({
      key: Number(child(e, 'key')?.textContent ?? NaN),
      vm: child(child(e, 'vm') ?? e, 'name')?.textContent ?? '',
      host: child(child(e, 'host') ?? e, 'name')?.textContent ?? '',
    }));
    return out.filter((e) => e.vm !== '').sort((a, b) => a.key - b.key);
  }

  /** DisconnectHost_Task: vCenter loses the host (runtime.connectionState = disconnected). */
  disconnectHost(name: string): Promise<void> {
    return this.hostTask(name, 'DisconnectHost_Task');
  }

  reconnectHost(name: string): Promise<void> {
    return this.hostTask(name, 'ReconnectHost_Task');
  }

  /** Ends every session but this one (SessionManager.TerminateSession): adapters must log in again. */
  async terminateOtherSessions(): Promise<number> {
    const content = await this.client.serviceContent(signal());
    const sm = await retrieveOne(this.client, content.sessionManager, ['sessionList', 'currentSession'], signal());
    const mine = sm.props.get('currentSession');
    const own = mine ? (child(mine, 'key')?.textContent ?? '') : '';
    const list = sm.props.get('sessionList');
    const keys = list ? [...list.getElementsByTagNameNS('urn:vim25', 'key')].map((k) => k.textContent ?? '').filter((k) => k && k !== own) : [];
    if (keys.length) await this.client.invoke('TerminateSession', content.sessionManager, keys.map((k) => param('sessionId', k)), signal());
    return keys.length;
  }

  /** UnregisterVM: removes a VM from the inventory, its files stay. */
  async unregisterVm(name: string): Promise<void> {
    await this.client.invoke('UnregisterVM', await this.vmRef(name), [], signal());
  }

  /** PowerOffVM_Task without waiting, for tests that need a VM stopped behind the adapter's back. */
  async powerOffVm(name: string): Promise<void> {
    await this.client.invoke('PowerOffVM_Task', await this.vmRef(name), [], signal());
  }

  /** The VM's host name by runtime.host. */
  async vmHost(name: string): Promise<string | undefined> {
    const vm = await retrieveOne(this.client, await this.vmRef(name), ['runtime.host'], signal());
    const host = readMoRef(vm.props.get('runtime.host'));
    return host ? str(await retrieveOne(this.client, host, ['name'], signal()), 'name') : undefined;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async vmRef(name: string): Promise<MoRef> {
    const vms = await retrieveAll(this.client, 'VirtualMachine', ['name'], signal());
    const vm = vms.find((v) => str(v, 'name') === name);
    if (!vm) throw new Error(`vcsim has no VM ${name}`);
    return vm.obj;
  }

  private async hostTask(name: string, method: string): Promise<void> {
    const hosts = await retrieveAll(this.client, 'HostSystem', ['name'], signal());
    const host = hosts.find((h) => str(h, 'name') === name);
    if (!host) throw new Error(`vcsim has no host ${name}`);
    const reply = await this.client.invoke(method, host.obj, [], signal());
    await this.waitTask(readMoRef(child(reply, 'returnval')), `${method} on ${name}`);
  }

  private async waitTask(task: MoRef | undefined, what: string): Promise<void> {
    for (let i = 0; task && i < 500; i++) {
      const state = str(await retrieveOne(this.client, task, ['info.state'], signal()), 'info.state');
      if (state === 'success') return;
      if (state === 'error') throw new Error(`${what} failed`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const signal = (): AbortSignal => AbortSignal.timeout(10_000);

async function waitForPort(envFile: string, exit: Promise<void>, hasExited: () => boolean, timeoutMs: number, logFile: string): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    // `export GOVC_URL=https://user:pass@127.0.0.1:PORT/sdk GOVC_SIM_PID=N`: only the port is kept
    const match = /GOVC_URL=\S*@127\.0\.0\.1:(\d+)\//.exec(readFileSync(envFile, 'utf8'));
    if (match?.[1]) return Number(match[1]);
    if (hasExited()) throw new Error(`vcsim exited while starting:\n${logTail(logFile, 0)}`);
    if (Date.now() > until) throw new Error(`vcsim did not start within ${timeoutMs} ms:\n${logTail(logFile, 0)}`);
    await Promise.race([exit, sleep(20)]);
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

/** Runs the build, passing its lines (packages as they compile) to the log. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const last: string[] = [];
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        log(`  ${line}`);
        last.push(line);
        if (last.length > 20) last.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // long silent stretches (linking, downloads) still show the build is alive
    const started = Date.now();
    const heartbeat = setInterval(() => log(`  ... still building (${Math.round((Date.now() - started) / 1000)} s)`), 15_000);
    child.once('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    child.once('exit', (code) => {
      clearInterval(heartbeat);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${last.join('\n')}`));
    });
  });
}
