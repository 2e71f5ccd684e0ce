import { Inject, Injectable } from '@nestjs/common';
import { FenceAgentRunner, FenceError } from '@haaas/fencing';
import { AdapterError, HypervisorHost, PowerState as VmPowerState } from '@haaas/hypervisor';
import { redact } from '@haaas/secrets';
import { builtinAgent, BuiltinAgent } from './builtin-agents';
import { HYPERVISOR_ADAPTERS } from './probes.tokens';
import type { HypervisorAdapters } from './probes.tokens';

export type FenceActionName = 'on' | 'off' | 'reboot' | 'status' | 'monitor';

export interface FenceRequest {
  readonly agent: string;
  readonly action: FenceActionName;
  /** Device and per-node options merged, secrets included (never logged). */
  readonly options: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly retries: number;
}

export interface FenceOutcome {
  readonly ok: boolean;
  readonly powerState: 'on' | 'off' | 'unknown';
  readonly latencyMs: number;
  readonly attempts: number;
  /** What failed: the error kind (TIMEOUT, AUTH_FAILED, UNREACHABLE, BAD_CONFIG, NOT_FOUND, ...) and a message without secrets. */
  readonly error: { readonly kind: string; readonly message: string } | null;
  /** The agent's last stderr, secrets redacted, at most 2 KiB: what an operator needs to see why. */
  readonly output: string;
}

const SECRET_KEYS = /pass|secret|token|key|community|identity/i;

/**
 * Runs one fencing action: a standard fence agent through the runner, or a built-in device through
 * the hypervisor adapter that manages the node's VM. Failures are outcomes, not exceptions: the
 * caller records them.
 */
@Injectable()
export class FencingExecutor {
  constructor(
    private readonly runner: FenceAgentRunner,
    @Inject(HYPERVISOR_ADAPTERS) private readonly adapters: HypervisorAdapters,
  ) {}

  async execute(request: FenceRequest): Promise<FenceOutcome> {
    const builtin = builtinAgent(request.agent);
    return builtin ? this.viaHypervisor(builtin, request) : this.viaAgent(request);
  }

  private async viaAgent(request: FenceRequest): Promise<FenceOutcome> {
    try {
      const r = await this.runner.run({ agent: request.agent, action: request.action, options: request.options, timeoutMs: request.timeoutMs, retries: request.retries });
      return { ok: r.ok, powerState: r.powerState, latencyMs: r.durationMs, attempts: r.attempts, error: null, output: r.stderr.slice(-2048) };
    } catch (err) {
      if (!(err instanceof FenceError)) throw err;
      const r = err.result;
      return { ok: false, powerState: r.powerState, latencyMs: r.durationMs, attempts: r.attempts, error: { kind: err.kind, message: err.message }, output: r.stderr.slice(-2048) };
    }
  }

  private async viaHypervisor(agent: BuiltinAgent, request: FenceRequest): Promise<FenceOutcome> {
    const started = performance.now();
    const o = request.options;
    const secrets = Object.entries(o)
      .filter(([k]) => SECRET_KEYS.test(k))
      .map(([, v]) => v);
    const elapsed = (): number => Math.round(performance.now() - started);
    const adapter = this.adapters.get(agent.hypervisor);
    const plug = o['plug'] ?? o['port'];
    if (!adapter || !o['uri'] || (request.action !== 'monitor' && !plug)) {
      const why = !adapter ? `no ${agent.hypervisor} adapter is configured` : !o['uri'] ? 'uri is required' : 'plug (the node VM) is required';
      return { ok: false, powerState: 'unknown', latencyMs: elapsed(), attempts: 0, error: { kind: 'BAD_CONFIG', message: `${agent.name}: ${why}` }, output: '' };
    }
    const host = adapter.connect({ uri: o['uri'], username: o['username'] ?? null, password: o['password'] ?? null, insecureTls: o['ssl_insecure'] === 'true' || o['ssl_insecure'] === '1' });
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      const powerState = await this.hypervisorAction(host, request.action, plug ?? '', signal);
      return { ok: true, powerState, latencyMs: elapsed(), attempts: 1, error: null, output: '' };
    } catch (err) {
      if (!(err instanceof AdapterError)) throw err;
      return { ok: false, powerState: 'unknown', latencyMs: elapsed(), attempts: 1, error: { kind: err.kind, message: redact(err.message, secrets) }, output: '' };
    } finally {
      await host.close().catch(() => undefined);
    }
  }

  private async hypervisorAction(host: HypervisorHost, action: FenceActionName, vm: string, signal: AbortSignal): Promise<'on' | 'off' | 'unknown'> {
    switch (action) {
      case 'monitor':
        await host.probe({ signal });
        return 'unknown';
      case 'status':
        return powerOf((await host.getVm(vm, { signal })).powerState);
      case 'off':
        // fencing does not ask the guest: it cuts power at once
        await host.stopVm(vm, { signal, gracefulTimeoutMs: 0 });
        return 'off';
      case 'on':
        await host.startVm(vm, { signal });
        return 'on';
      case 'reboot':
        await host.stopVm(vm, { signal, gracefulTimeoutMs: 0 });
        await host.startVm(vm, { signal });
        return 'on';
    }
  }
}

function powerOf(state: VmPowerState): 'on' | 'off' | 'unknown' {
  if (state === 'RUNNING' || state === 'PAUSED') return 'on';
  if (state === 'STOPPED' || state === 'CRASHED') return 'off';
  return 'unknown';
}
