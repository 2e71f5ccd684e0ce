import { Hypervisor, TenantScope } from '@haaas/domain';
import { AdapterError, deadline, HostPowerAction, HypervisorHost } from '@haaas/hypervisor';
import {
  fencingAssociationSecretContext,
  fencingDeviceSecretContext,
  FencingExecutor,
  HypervisorAdapters,
  NodeService,
  openFencingSecrets,
  SecretSealer,
} from '@haaas/management';
import type { NodeEntity, Store } from '@haaas/persistence';
import { redact } from '@haaas/secrets';
import { OperationStepError } from './operation-run';

export type PowerAction = 'on' | 'off' | 'reboot';

const PHRASE: Readonly<Record<PowerAction, string>> = { on: 'powered on', off: 'powered off', reboot: 'rebooted' };

export interface PowerResult {
  /** How the host was powered, for the operation's step message. */
  readonly via: string;
  readonly powerState: 'on' | 'off' | 'unknown';
}

export interface NodePowerOptions {
  /** Deadline of one hypervisor-manager power call (default 5 min: a host shutdown takes time). */
  readonly managerTimeoutMs?: number;
  /** Deadline of one fence device action (default 60 s), retried once by the runner. */
  readonly deviceTimeoutMs?: number;
}

/**
 * Powers a node (startup, shutdown, reboot), choosing the way per node:
 *
 * 1. **The hypervisor manager** (`hostPower`) when the adapter can (vSphere: vCenter shuts the host
 *    down or reboots it cleanly). Preferred: the host's OS goes down in order and no BMC
 *    credentials are needed.
 * 2. Otherwise **the node's fencing devices**, through the same levels as fencing (level 1 first;
 *    every device of a level must succeed), with the agent's `on`, `off` or `reboot`. This cuts
 *    power at once, like pulling the plug, which is why shutdown and reboot evacuate the node
 *    first. KVM (libvirt cannot power its own host) and Hyper-V nodes go this way.
 *
 * Neither available: the step fails and says what to configure.
 */
export class NodePower {
  private readonly managerTimeoutMs: number;
  private readonly deviceTimeoutMs: number;

  constructor(
    private readonly store: Store,
    private readonly nodes: NodeService,
    private readonly adapters: HypervisorAdapters,
    private readonly executor: FencingExecutor,
    private readonly sealer: SecretSealer,
    options: NodePowerOptions = {},
  ) {
    this.managerTimeoutMs = options.managerTimeoutMs ?? 5 * 60_000;
    this.deviceTimeoutMs = options.deviceTimeoutMs ?? 60_000;
  }

  async power(scope: TenantScope, node: NodeEntity, hypervisor: Hypervisor, action: PowerAction, signal?: AbortSignal): Promise<PowerResult> {
    const viaManager = await this.viaManager(scope, node, hypervisor, action, signal);
    if (viaManager) return viaManager;
    return this.viaFencing(scope, node, action);
  }

  /** The host answers its hypervisor manager now (what "up" means after startup or reboot). */
  async answers(scope: TenantScope, node: NodeEntity, hypervisor: Hypervisor, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const host = await this.connect(scope, node, hypervisor);
    if (!host) return false;
    try {
      const probe = await host.host.probe({ signal: deadline(timeoutMs, signal) });
      return probe.reachable;
    } catch (err) {
      if (err instanceof AdapterError) return false;
      throw err;
    } finally {
      await host.host.close().catch(() => undefined);
    }
  }

  private async connect(scope: TenantScope, node: NodeEntity, hypervisor: Hypervisor): Promise<{ host: HypervisorHost; secrets: string[] } | null> {
    const adapter = this.adapters.get(hypervisor);
    if (!adapter) return null;
    const credentials = await this.nodes.credentials(scope, node.id);
    const host = adapter.connect({ uri: credentials.uri, username: credentials.username, password: credentials.password, host: node.hostname });
    return { host, secrets: credentials.password ? [credentials.password] : [] };
  }

  private async viaManager(scope: TenantScope, node: NodeEntity, hypervisor: Hypervisor, action: PowerAction, signal?: AbortSignal): Promise<PowerResult | null> {
    const connected = await this.connect(scope, node, hypervisor);
    if (!connected) return null;
    const { host, secrets } = connected;
    try {
      if (!host.capabilities.hostPower) return null;
      const state = await host.hostPower(action as HostPowerAction, { signal: deadline(this.managerTimeoutMs, signal) });
      return { via: `the hypervisor manager (${hypervisor} host power: a clean ${action === 'on' ? 'power-on' : action === 'off' ? 'shutdown' : 'reboot'})`, powerState: state };
    } catch (err) {
      if (err instanceof AdapterError) throw new OperationStepError(`host power ${action} through the hypervisor manager failed: ${err.kind}: ${redact(err.message, secrets)}`);
      throw err;
    } finally {
      await host.close().catch(() => undefined);
    }
  }

  private async viaFencing(scope: TenantScope, node: NodeEntity, action: PowerAction): Promise<PowerResult> {
    const associations = await this.store.repos.fencingAssociations.find(scope, { nodeId: node.id });
    if (associations.length === 0) {
      throw new OperationStepError(
        `node ${node.hostname} cannot be ${PHRASE[action]}: its hypervisor manager has no host power and it has no fencing device (associate one, e.g. its BMC through fence_ipmilan)`,
      );
    }
    const devices = new Map((await this.store.repos.fencingDevices.findByIds(scope, [...new Set(associations.map((a) => a.deviceId))])).map((d) => [d.id, d]));
    const levels = [...new Set(associations.map((a) => a.level))].sort((a, b) => a - b);
    const failures: string[] = [];
    for (const level of levels) {
      const inLevel = associations.filter((a) => a.level === level);
      const outcomes = await Promise.all(
        inLevel.map(async (a) => {
          const device = devices.get(a.deviceId);
          if (!device) return { name: a.deviceId, ok: false, powerState: 'unknown' as const, error: 'device is gone' };
          const options: Record<string, string> = {
            ...device.options,
            ...openFencingSecrets(this.sealer, fencingDeviceSecretContext(scope.tenantId, device.id), device.secretOptions),
            ...a.options,
            ...openFencingSecrets(this.sealer, fencingAssociationSecretContext(scope.tenantId, a.id), a.secretOptions),
          };
          const outcome = await this.executor.execute({ agent: device.agent, action, options, timeoutMs: this.deviceTimeoutMs, retries: 1 });
          return { name: device.name, ok: outcome.ok, powerState: outcome.powerState, error: outcome.error ? `${outcome.error.kind}: ${outcome.error.message}` : null };
        }),
      );
      if (outcomes.every((o) => o.ok)) {
        const powerState = action === 'off' ? 'off' : 'on';
        return { via: `fencing level ${level} (${outcomes.map((o) => o.name).join(' + ')}): the hypervisor manager has no host power, so the BMC cuts or restores power`, powerState };
      }
      failures.push(`level ${level}: ${outcomes.filter((o) => !o.ok).map((o) => `${o.name} ${o.error ?? 'failed'}`).join('; ')}`);
    }
    throw new OperationStepError(`${node.hostname} could not be ${PHRASE[action]}: every fencing level failed (${failures.join(' | ')})`);
  }
}
