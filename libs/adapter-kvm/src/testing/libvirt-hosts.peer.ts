import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages, findBinary, type Log, sleep } from '@haaas/devstack';

/**
 * Simulated KVM hosts for tests: one libvirtd per host running libvirt's built-in test driver
 * (no qemu, no root inside), each with its own unix socket in a private temp dir, so that hosts are
 * independent and one can crash (SIGKILL of its libvirtd) while the others go on.
 *
 * Port of /work/shared/peers/libvirt-hosts.sh. libvirtd runs as `nobody` when we are root: a root
 * libvirtd would use /run/libvirt and /etc/libvirt whatever we say; an unprivileged one keeps every
 * file under its XDG directories, which we point into the host's directory.
 *
 * The test driver inside libvirtd keeps its state only while a client is connected, so each host has
 * a "holder": a `virsh event --loop` connection that also writes the host's event log.
 * A restarted host starts from the test driver's default state (one running domain named `test`).
 */
export interface LibvirtHostSpec {
  readonly name: string;
  /** Require SASL (SCRAM-SHA-256) logins with this user and password on the host's socket. */
  readonly auth?: { readonly username: string; readonly password: string };
}

export interface LibvirtHostsOptions {
  readonly hosts: ReadonlyArray<string | LibvirtHostSpec>;
  readonly log?: Log;
  /** How long one libvirtd may take to answer (default 20 s). */
  readonly startTimeoutMs?: number;
}

export interface LibvirtHostInfo {
  readonly name: string;
  /** `test+unix:///default?socket=<dir>/run/libvirt-sock` */
  readonly uri: string;
  readonly dir: string;
  /** The holder's `virsh event --loop --all --timestamp` output. */
  readonly eventsLog: string;
  /** For hosts with `auth`: the credentials (tests give them to the adapter). */
  readonly auth?: { readonly username: string; readonly password: string };
}

export interface LibvirtHosts {
  /** The private directory of all hosts (processes started for them have it on their command line). */
  readonly dir: string;
  readonly hosts: readonly LibvirtHostInfo[];
  host(name: string): LibvirtHostInfo;
  /** SIGKILL the host's libvirtd: a crashed host. Its socket file stays behind, as after a real crash. */
  kill(name: string): Promise<void>;
  /** Starts a killed (or running: it is killed first) host again, fresh test-driver state. */
  restart(name: string): Promise<void>;
  /** A bare virsh against a host, for set-up and for comparison (never through the adapter). */
  virsh(name: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The libvirtd pid of a running host. */
  pid(name: string): number | undefined;
  /** Stops every daemon and holder and removes the directory. */
  stop(): Promise<void>;
}

const PACKAGES = ['libvirt-daemon', 'libvirt-clients'];
const SASL_PACKAGES = ['sasl2-bin', 'libsasl2-modules'];
const BINARIES = { 'libvirt-daemon': ['libvirtd'], 'libvirt-clients': ['virsh'], 'sasl2-bin': ['saslpasswd2'] };

interface Running {
  daemon: ChildProcess;
  holder?: ChildProcess;
}

interface HostState {
  readonly info: LibvirtHostInfo;
  readonly authFile?: string;
  running?: Running;
}

export async function startLibvirtHosts(options: LibvirtHostsOptions): Promise<LibvirtHosts> {
  const specs = options.hosts.map((h) => (typeof h === 'string' ? { name: h } : h));
  const needSasl = specs.some((s) => s.auth);
  await ensureDebianPackages([...PACKAGES, ...(needSasl ? SASL_PACKAGES : [])], { binaries: BINARIES, ...(options.log ? { log: options.log } : {}) });
  const libvirtd = requireBin('libvirtd', 'libvirt-daemon');
  const virsh = requireBin('virsh', 'libvirt-clients');
  const setpriv = findBinary('setpriv');
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !setpriv) throw new Error('setpriv not found (util-linux): needed to run libvirtd as nobody');
  const nobody = asRoot ? { uid: Number(await idOf('-u', 'nobody')), gid: Number(await idOf('-g', 'nobody')) } : undefined;
  const timeoutMs = options.startTimeoutMs ?? 20_000;

  // short base path: unix socket paths are limited to 108 bytes
  const base = mkdtempSync(join(tmpdir(), 'haaas-lv-'));
  chmodSync(base, 0o711); // nobody may pass through to its own host directory, not list ours
  const secretsDir = join(base, 'secrets');
  mkdirSync(secretsDir, { mode: 0o700 });

  const states = new Map<string, HostState>();
  for (const spec of specs) {
    if (!/^[A-Za-z0-9_-]+$/.test(spec.name) || states.has(spec.name)) throw new Error(`bad or duplicate host name: ${spec.name}`);
    const dir = join(base, spec.name);
    for (const sub of ['run', 'config', 'cache', 'data']) mkdirSync(join(dir, sub), { recursive: true });
    const conf = [
      `unix_sock_dir = "${dir}/run"`,
      'unix_sock_rw_perms = "0777"',
      `auth_unix_rw = "${spec.auth ? 'sasl' : 'none'}"`,
      `auth_unix_ro = "${spec.auth ? 'sasl' : 'none'}"`,
      `log_outputs = "3:file:${dir}/libvirtd.log"`,
      '',
    ];
    writeFileSync(join(dir, 'libvirtd.conf'), conf.join('\n'));
    let authFile: string | undefined;
    if (spec.auth) {
      // cyrus-sasl reads <SASL_CONF_PATH>/libvirt.conf; SCRAM over the unix socket (local: no SSF needed)
      mkdirSync(join(dir, 'sasl'));
      writeFileSync(join(dir, 'sasl', 'libvirt.conf'), `mech_list: scram-sha-256\nsasldb_path: ${dir}/sasl/passwd.db\n`);
      await saslPasswd(requireBin('saslpasswd2', 'sasl2-bin'), join(dir, 'sasl', 'passwd.db'), spec.auth.username, spec.auth.password);
      authFile = join(secretsDir, `${spec.name}.auth.conf`);
      writeFileSync(authFile, `[credentials-peer]\nauthname=${spec.auth.username}\npassword=${spec.auth.password}\n\n[auth-libvirt-default]\ncredentials=peer\n`, { mode: 0o600 });
    }
    if (nobody) chownTree(dir, nobody.uid, nobody.gid);
    const info: LibvirtHostInfo = {
      name: spec.name,
      uri: `test+unix:///default?socket=${dir}/run/libvirt-sock`,
      dir,
      eventsLog: join(base, `${spec.name}-events.log`),
      ...(spec.auth ? { auth: spec.auth } : {}),
    };
    states.set(spec.name, { info, ...(authFile ? { authFile } : {}) });
  }

  const clientEnv = (state: HostState): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: state.info.dir,
    LC_ALL: 'C',
    ...(state.authFile ? { LIBVIRT_AUTH_FILE: state.authFile } : {}),
  });

  const runVirsh = (state: HostState, args: readonly string[], timeout = 10_000): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(virsh, ['-q', '-c', state.info.uri, ...args], { env: clientEnv(state), timeout, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  const startHost = async (state: HostState): Promise<void> => {
    const { dir } = state.info;
    const logFd = openSync(join(dir, 'stdout.log'), 'a');
    const env = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: dir,
      XDG_RUNTIME_DIR: join(dir, 'run'),
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_CACHE_HOME: join(dir, 'cache'),
      XDG_DATA_HOME: join(dir, 'data'),
      ...(state.info.auth ? { SASL_CONF_PATH: join(dir, 'sasl') } : {}),
    };
    // pdeathsig: the daemon dies with this Node process even if stop() is never reached
    const [cmd, args] = setpriv
      ? [setpriv, [...(nobody ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups'] : []), '--pdeathsig', 'KILL', '--', libvirtd, '-f', join(dir, 'libvirtd.conf')]]
      : [libvirtd, ['-f', join(dir, 'libvirtd.conf')]];
    let daemon: ChildProcess;
    try {
      daemon = spawn(cmd, args, { env, cwd: dir, detached: true, stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    daemon.unref();
    const running: Running = { daemon };
    state.running = running;
    const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (daemon.exitCode !== null || daemon.signalCode !== null) throw new Error(`libvirtd of ${state.info.name} exited while starting:\n${tail(join(dir, 'libvirtd.log'))}${tail(join(dir, 'stdout.log'))}`);
      if (existsSync(join(dir, 'run', 'libvirt-sock')) && (await runVirsh(state, ['uri'], 2_000)).code === 0) break;
      if (Date.now() > deadline) {
        signalGroup(daemon, 'SIGKILL');
        await exited;
        throw new Error(`libvirtd of ${state.info.name} not answering after ${timeoutMs} ms:\n${tail(join(dir, 'libvirtd.log'))}`);
      }
      await Promise.race([sleep(50), exited]);
    }

    const eventsFd = openSync(state.info.eventsLog, 'a');
    try {
      const holderArgs = ['-c', state.info.uri, 'event', '--loop', '--all', '--timestamp'];
      running.holder = setpriv
        ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', virsh, ...holderArgs], { env: clientEnv(state), detached: true, stdio: ['ignore', eventsFd, eventsFd] })
        : spawn(virsh, holderArgs, { env: clientEnv(state), detached: true, stdio: ['ignore', eventsFd, eventsFd] });
    } finally {
      closeSync(eventsFd);
    }
    running.holder.unref();
  };

  const stopHost = async (state: HostState, sig: NodeJS.Signals): Promise<void> => {
    const running = state.running;
    if (!running) return;
    state.running = undefined;
    await kill(running.daemon, sig);
    // the holder ends by itself once its daemon is gone; make sure
    if (running.holder) await kill(running.holder, 'SIGKILL');
  };

  const get = (name: string): HostState => {
    const state = states.get(name);
    if (!state) throw new Error(`no simulated host ${name}`);
    return state;
  };

  const stop = async (): Promise<void> => {
    await Promise.all([...states.values()].map((s) => stopHost(s, 'SIGTERM')));
    rmSync(base, { recursive: true, force: true });
  };

  try {
    // hosts start in parallel: each libvirtd takes ~100-300 ms to come up
    await Promise.all([...states.values()].map(startHost));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    dir: base,
    hosts: [...states.values()].map((s) => s.info),
    host: (name) => get(name).info,
    kill: (name) => stopHost(get(name), 'SIGKILL'),
    restart: async (name) => {
      const state = get(name);
      await stopHost(state, 'SIGKILL');
      await startHost(state);
    },
    virsh: (name, args) => runVirsh(get(name), args),
    pid: (name) => get(name).running?.daemon.pid,
    stop,
  };
}

/**
 * A minimal domain for the test driver (`<domain type='test'>`); give a uuid to control identity.
 * `ignoresShutdown`: on_poweroff=restart, which the test driver obeys, so a graceful shutdown leaves
 * the domain running, like a guest that ignores ACPI: only a forced stop (destroy) ends it.
 */
export function testDomainXml(o: { name: string; uuid?: string; memoryKiB?: number; ignoresShutdown?: boolean }): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
  return [
    `<domain type='test'>`,
    `  <name>${esc(o.name)}</name>`,
    ...(o.uuid ? [`  <uuid>${o.uuid}</uuid>`] : []),
    `  <memory unit='KiB'>${o.memoryKiB ?? 65536}</memory>`,
    `  <vcpu>1</vcpu>`,
    `  <os><type arch='x86_64'>hvm</type></os>`,
    ...(o.ignoresShutdown ? [`  <on_poweroff>restart</on_poweroff>`] : []),
    `</domain>`,
    '',
  ].join('\n');
}

function requireBin(name: string, pkg: string): string {
  const path = findBinary(name);
  if (!path) throw new Error(`${name} not found after installing ${pkg}`);
  return path;
}

function idOf(flag: '-u' | '-g', user: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('id', [flag, user], (error, stdout) => (error ? reject(new Error(`id ${flag} ${user}: ${error.message}`)) : resolve(stdout.trim()))),
  );
}

/** saslpasswd2 reads the password from stdin with -p: never on a command line. */
function saslPasswd(bin: string, db: string, user: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, ['-p', '-c', '-a', 'libvirt', '-f', db, user], (error, _stdout, stderr) =>
      error ? reject(new Error(`saslpasswd2 failed: ${stderr || error.message}`)) : resolve(),
    );
    child.stdin?.end(password);
  });
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const sub of ['run', 'config', 'cache', 'data', 'sasl', 'libvirtd.conf', 'sasl/libvirt.conf', 'sasl/passwd.db']) {
    const path = join(dir, sub);
    if (existsSync(path)) chownSync(path, uid, gid);
  }
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // gone already
  }
}

async function kill(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, sig);
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-10).join('\n') + '\n';
  } catch {
    return '';
  }
}
