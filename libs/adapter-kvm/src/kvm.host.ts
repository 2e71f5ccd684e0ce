import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdapterError,
  type CallOptions,
  type Capabilities,
  type HostPowerAction,
  type HostProbe,
  type HypervisorEndpoint,
  type HypervisorHost,
  type PowerState,
  sleep,
  type StopOptions,
  type VmDefinition,
  type VmInfo,
} from '@haaas/hypervisor';
import { type KvmEventWatch, watchDomainEvents, type WatchEventsOptions } from './kvm-events.watch';
import { type LibvirtUri, parseLibvirtUri, redactUri, targetUri } from './libvirt-uri.util';
import { checkRef } from './virsh.args';
import { createHostEnvironment, type HostEnvironment } from './virsh.environment';
import { virshError } from './virsh.errors';
import { type KvmDomainEvent, parseDomainXml, parseDomInfo, parseDomState, parseListTable, parseUuidNameList, parseVersion } from './virsh.parse';
import { VirshProcessTransport } from './virsh-process.transport';
import { VirshSessionTransport } from './virsh-session.transport';
import type { VirshResult, VirshTransport } from './virsh.transport';

export type KvmTransportKind = 'session' | 'process';

export interface KvmHostOptions {
  /**
   * `session` (default): one long-lived interactive virsh per host, commands one at a time (~1 ms
   * each); `process`: one virsh per call (~15-35 ms each). Migration always runs in a process of its own.
   */
  readonly transport?: KvmTransportKind;
  /** Quit an idle session after this long (default 60 s; 0 keeps it). */
  readonly sessionIdleMs?: number;
  /** The virsh binary; default: found in PATH (Debian package libvirt-clients). */
  readonly virshPath?: string;
  /** Extra environment for virsh (e.g. SSH_AUTH_SOCK); never credentials: those go to the auth file. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A libvirt host driven through virsh: the HypervisorHost contract plus a lifecycle event stream. */
export interface KvmHost extends HypervisorHost {
  readonly uri: string;
  readonly transport: KvmTransportKind;
  /**
   * Streams lifecycle events `{ vm, event, detail, at }` (`virsh event --loop --all`) until stopped,
   * `o.signal` fires or the host connection drops. See KvmEventWatch.
   */
  watchEvents(o: WatchEventsOptions, onEvent: (event: KvmDomainEvent) => void): KvmEventWatch;
}

const NOT_RUNNING = /not running/i;
const ALREADY_ACTIVE = /already active|already running/i;

export class VirshKvmHost implements KvmHost {
  readonly capabilities: Capabilities;
  readonly uri: string;
  readonly transport: KvmTransportKind;
  private readonly parsed: LibvirtUri;
  private readonly env: HostEnvironment;
  private readonly commands: VirshTransport;
  /** Long-running commands (migrate) never hold the session that probes and polls use. */
  private readonly processes: VirshProcessTransport;
  private readonly secrets: string[];
  private readonly watches = new Set<KvmEventWatch>();
  private closed = false;

  constructor(
    private readonly endpoint: HypervisorEndpoint,
    options: KvmHostOptions = {},
  ) {
    this.parsed = parseLibvirtUri(endpoint.uri);
    this.uri = endpoint.uri;
    this.secrets = endpoint.password ? [endpoint.password] : [];
    this.env = createHostEnvironment({
      uri: endpoint.uri,
      username: endpoint.username,
      password: endpoint.password,
      ...(options.virshPath ? { virshPath: options.virshPath } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    this.transport = options.transport ?? 'session';
    this.processes = new VirshProcessTransport(this.env);
    this.commands = this.transport === 'session' ? new VirshSessionTransport(this.env, { idleMs: options.sessionIdleMs ?? 60_000 }) : this.processes;
    // the test driver has no migration (virDomainMigrate3); libvirt cannot power its own host
    this.capabilities = { migrate: this.parsed.driver !== 'test', hostPower: false, register: true };
  }

  async probe(o: CallOptions): Promise<HostProbe> {
    const started = performance.now();
    // one round trip to the daemon; it fails with UNREACHABLE/AUTH_FAILED/TIMEOUT rather than answering "unreachable"
    const out = await this.ok('probe', undefined, ['version', '--daemon'], o);
    const latencyMs = performance.now() - started;
    return {
      reachable: true,
      connectionState: 'CONNECTED',
      maintenance: false,
      latencyMs,
      details: { uri: redactUri(this.uri), driver: this.parsed.driver, transport: this.transport, ...parseVersion(out) },
    };
  }

  async listVms(o: CallOptions): Promise<VmInfo[]> {
    // names may hold spaces: the table gives name and state, the uuid list gives name and uuid
    const [table, uuids] = await Promise.all([
      this.ok('listVms', undefined, ['list', '--all'], o),
      this.ok('listVms', undefined, ['list', '--all', '--uuid', '--name'], o),
    ]);
    const byName = parseUuidNameList(uuids);
    return parseListTable(table).map((d) => this.vmInfo(d.name, byName.get(d.name), d.state));
  }

  async getVm(ref: string, o: CallOptions): Promise<VmInfo> {
    checkRef(ref, 'getVm');
    const info = parseDomInfo(await this.ok('getVm', ref, ['dominfo', '--domain', ref], o));
    return this.vmInfo(info.name, info.uuid, info.state);
  }

  async startVm(ref: string, o: CallOptions): Promise<void> {
    checkRef(ref, 'startVm');
    const r = await this.run('startVm', ['start', '--domain', ref], o);
    if (r.ok) return;
    const error = this.error('startVm', ref, r);
    if (error.kind !== 'INVALID_STATE' || !mentions(r.stderr, ref, ALREADY_ACTIVE)) throw error;
    // already active: running is success; paused or suspended is brought back to running
    const state = await this.state('startVm', ref, o);
    if (state === 'PAUSED') await this.okOrState('startVm', ref, ['resume', '--domain', ref], o, /not paused/i);
    else if (state === 'SUSPENDED') await this.ok('startVm', ref, ['dompmwakeup', '--domain', ref], o);
  }

  async stopVm(ref: string, o: StopOptions): Promise<void> {
    checkRef(ref, 'stopVm');
    if (o.gracefulTimeoutMs > 0) {
      const r = await this.run('stopVm', ['shutdown', '--domain', ref], o);
      if (!r.ok) {
        const error = this.error('stopVm', ref, r);
        if (error.kind === 'INVALID_STATE' && mentions(r.stderr, ref, NOT_RUNNING)) return;
        throw error;
      }
      if (await this.waitStopped(ref, o.gracefulTimeoutMs, o.signal)) return;
    }
    await this.okOrState('stopVm', ref, ['destroy', '--domain', ref], o, NOT_RUNNING);
  }

  async rebootVm(ref: string, o: CallOptions): Promise<void> {
    checkRef(ref, 'rebootVm');
    await this.ok('rebootVm', ref, ['reboot', '--domain', ref], o);
  }

  async exportVm(ref: string, o: CallOptions): Promise<VmDefinition> {
    checkRef(ref, 'exportVm');
    // the persistent definition (what `define` takes), with graphics passwords: the VM must come back as it was
    const data = await this.ok('exportVm', ref, ['dumpxml', '--domain', ref, '--inactive', '--security-info'], o);
    let name: string;
    try {
      name = parseDomainXml(data).name;
    } catch (error) {
      throw new AdapterError('FAILED', `exportVm '${ref}' on ${redactUri(this.uri)}: virsh gave no domain XML (${(error as Error).message})`, 'exportVm');
    }
    return { ref: name, format: 'libvirt-xml', data };
  }

  async registerVm(definition: VmDefinition, o: CallOptions): Promise<VmInfo> {
    const operation = 'registerVm';
    this.assertOpen(operation);
    if (definition.format !== 'libvirt-xml') {
      throw new AdapterError('UNSUPPORTED', `${operation}: KVM hosts take libvirt-xml definitions, not ${definition.format}`, operation);
    }
    let identity: { name: string; uuid?: string };
    try {
      identity = parseDomainXml(definition.data);
    } catch (error) {
      throw new AdapterError('FAILED', `${operation} '${definition.ref}': ${(error as Error).message}`, operation);
    }
    // virsh reads the XML from a file: 0600 in a directory only we can enter (it may hold graphics passwords)
    const dir = mkdtempSync(join(this.env.dir, 'define-'));
    try {
      const file = join(dir, 'domain.xml');
      writeFileSync(file, definition.data, { mode: 0o600 });
      // same name and uuid: libvirt updates the definition in place, so registering twice is harmless;
      // a different VM under that name or uuid is refused by libvirt (INVALID_STATE)
      await this.ok(operation, identity.name, ['define', '--file', file], o);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return this.getVm(identity.uuid ?? identity.name, o);
  }

  async migrateVm(ref: string, targetHost: string, o: CallOptions): Promise<void> {
    const operation = 'migrateVm';
    checkRef(ref, operation);
    this.assertOpen(operation);
    const dest = targetUri(this.parsed, targetHost, operation);
    const args = ['migrate', '--live', '--persistent', '--undefinesource', '--domain', ref, '--desturi', dest];
    let r: VirshResult;
    try {
      r = await this.processes.run(args, { signal: o.signal, operation });
    } catch (error) {
      // killing virsh need not stop the job inside libvirtd: ask for that too, briefly
      if (error instanceof AdapterError && error.kind === 'TIMEOUT') {
        await this.commands.run(['domjobabort', '--domain', ref], { signal: AbortSignal.timeout(5_000), operation }).catch(() => undefined);
      }
      throw error;
    }
    if (!r.ok) throw this.error(operation, ref, r, [ref, dest]);
  }

  async hostPower(_action: HostPowerAction, _o: CallOptions): Promise<'on' | 'off' | 'unknown'> {
    throw new AdapterError('UNSUPPORTED', 'hostPower: libvirt cannot power its own host; use the node\'s fencing device', 'hostPower');
  }

  watchEvents(o: WatchEventsOptions, onEvent: (event: KvmDomainEvent) => void): KvmEventWatch {
    this.assertOpen('watchEvents');
    const watch = watchDomainEvents(this.env, this.secrets, onEvent, o);
    this.watches.add(watch);
    void watch.ended.then(() => this.watches.delete(watch));
    return watch;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.watches].map((w) => w.stop()));
    await this.commands.close();
    await this.processes.close();
    this.env.dispose();
  }

  /** The pid of the interactive virsh, when the session transport has one running (tests). */
  get sessionPid(): number | undefined {
    return this.commands instanceof VirshSessionTransport ? this.commands.pid : undefined;
  }

  private vmInfo(name: string, uuid: string | undefined, powerState: PowerState): VmInfo {
    return { ref: name, name, ...(uuid ? { uuid } : {}), powerState, ...(this.endpoint.host ? { host: this.endpoint.host } : {}) };
  }

  private async state(operation: string, ref: string, o: CallOptions): Promise<PowerState> {
    return parseDomState(await this.ok(operation, ref, ['domstate', '--domain', ref], o)).state;
  }

  /** Polls until the domain is shut off (or gone: a transient domain vanishes when it stops). */
  private async waitStopped(ref: string, withinMs: number, signal: AbortSignal): Promise<boolean> {
    const until = performance.now() + withinMs;
    let pause = 50;
    for (;;) {
      const r = await this.run('stopVm', ['domstate', '--domain', ref], { signal });
      if (r.ok && parseDomState(r.stdout).state === 'STOPPED') return true;
      if (!r.ok) {
        const error = this.error('stopVm', ref, r);
        if (error.kind === 'NOT_FOUND') return true;
        throw error;
      }
      const left = until - performance.now();
      if (left <= 0) return false;
      await sleep(Math.min(pause, left), signal, 'stopVm');
      pause = Math.min(pause * 1.5, 500);
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new AdapterError('FAILED', `${operation}: this KVM host connection was closed`, operation);
  }

  private run(operation: string, args: string[], o: CallOptions): Promise<VirshResult> {
    this.assertOpen(operation);
    return this.commands.run(args, { signal: o.signal, operation });
  }

  private async ok(operation: string, ref: string | undefined, args: string[], o: CallOptions): Promise<string> {
    const r = await this.run(operation, args, o);
    if (!r.ok) throw this.error(operation, ref, r);
    return r.stdout;
  }

  /** Runs a command for which "not in that state" is success (destroy of a stopped VM, resume of a running one). */
  private async okOrState(operation: string, ref: string, args: string[], o: CallOptions, fine: RegExp): Promise<void> {
    const r = await this.run(operation, args, o);
    if (r.ok) return;
    const error = this.error(operation, ref, r);
    if (error.kind === 'INVALID_STATE' && mentions(r.stderr, ref, fine)) return;
    throw error;
  }

  private error(operation: string, ref: string | undefined, r: VirshResult, refs: string[] = ref ? [ref] : []): AdapterError {
    const what = `${operation}${ref ? ` '${ref}'` : ''} on ${redactUri(this.uri)}`;
    return virshError({ operation, what, stderr: r.stderr, refs, secrets: this.secrets });
  }
}

/** Whether stderr says `re`, not counting the VM's own name (a VM may be called "not running"). */
function mentions(stderr: string, ref: string, re: RegExp): boolean {
  return re.test(stderr.split(ref).join('<vm>'));
}
