import { Inject, Injectable } from '@nestjs/common';
import { AwaitingReason, fenceRetryDueAtMs, FenceStepState, IncidentState, isTerminal, quorumReport, TenantScope } from '@haaas/domain';
import {
  fencingAssociationSecretContext,
  fencingDeviceSecretContext,
  FencingExecutor,
  openFencingSecrets,
  SECRET_SEALER,
} from '@haaas/management';
import type { SecretSealer } from '@haaas/management';
import { Store } from '@haaas/persistence';
import type { JobContext, JobHandler, JobPayloads } from '@haaas/queue';
import { redact } from '@haaas/secrets';
import { FenceDeviceRecord } from './incident.codec';
import { IncidentLedger, IncidentSnapshot, recoveryScope } from './incident.ledger';
import { RECOVERY_OPTIONS } from '@haaas/engine-runtime';
import type { ResolvedRecoveryOptions } from '@haaas/engine-runtime';
import { RecoveryQueue } from './recovery.queue';

type FenceFacts = Omit<FenceDeviceRecord, 'deviceId' | 'state' | 'error' | 'atMs'>;

/**
 * `incident.recover`: drives an incident from what its rows say, so a job retried after its
 * worker was killed continues where the last one stopped. Each pass does the next step:
 * DETECTED → check quorum and begin fencing; FENCING → run the next device of the current level
 * (`off`, through the FencingExecutor, with its timeout and retries) and record its result;
 * RECOVERING → queue a `service.recover` job for every admitted service. It stops when the
 * incident waits for an operator (no quorum, fencing failed and required) or is closed. An
 * incident waiting for a failed fence is fenced again by itself on doubling waits (the cluster's
 * fenceRetrySeconds first, at most fenceRetryMaxMs): a delayed job of this handler per row
 * version, so a device fixed without telling anyone resumes the recovery.
 */
@Injectable()
export class IncidentRecoverHandler implements JobHandler<'incident.recover'> {
  readonly job = 'incident.recover' as const;

  constructor(
    private readonly store: Store,
    private readonly ledger: IncidentLedger,
    private readonly queue: RecoveryQueue,
    private readonly executor: FencingExecutor,
    @Inject(SECRET_SEALER) private readonly sealer: SecretSealer,
    @Inject(RECOVERY_OPTIONS) private readonly options: ResolvedRecoveryOptions,
  ) {}

  async handle(payload: JobPayloads['incident.recover'], context?: JobContext): Promise<void> {
    const scope = recoveryScope(payload.tenantId);
    // every pass changes the incident or returns: the bound only stops a bug from spinning
    for (let pass = 0; pass < 256; pass++) {
      if (context?.signal.aborted) return;
      const snap = await this.ledger.read(scope, payload.incidentId);
      const incident = snap.incident;
      if (isTerminal(incident.state)) return;
      switch (incident.state) {
        case IncidentState.DETECTED:
          if (!(await this.beginFencing(scope, payload.incidentId))) return;
          break;
        case IncidentState.AWAITING_OPERATOR:
          // quorum may have returned since; a failed fence is tried again when due, else later
          if (incident.awaiting === AwaitingReason.FENCING) {
            if (!(await this.retryFencingWhenDue(scope, snap))) return;
            break;
          }
          if (!(await this.beginFencing(scope, payload.incidentId))) return;
          break;
        case IncidentState.FENCING:
          await this.fenceNext(scope, snap);
          break;
        case IncidentState.RECOVERING:
          await this.queue.enqueueServices(payload.tenantId, incident);
          return;
        default:
          return;
      }
    }
    throw new Error(`incident ${payload.incidentId} did not settle in 256 steps`);
  }

  /** BEGIN_FENCING with the quorum of the cluster now (the failed node counted out). False when nothing changed. */
  private async beginFencing(scope: TenantScope, incidentId: string): Promise<boolean> {
    const t = await this.ledger.apply(scope, incidentId, async (snap) => {
      const view = snap.view;
      const nodes = view ? view.nodes.map((n) => ({ id: n.id, status: n.status, maintenance: n.maintenance })) : [];
      const quorate = quorumReport(nodes, [snap.row.nodeId]).quorate;
      return { events: [{ type: 'BEGIN_FENCING', atMs: Date.now(), quorate }] };
    }, { view: true });
    return t.changed && t.after.state !== IncidentState.AWAITING_OPERATOR;
  }

  /** RETRY_FENCING if the wait is over (true: fencing again); else a delayed job for when it is. */
  private async retryFencingWhenDue(scope: TenantScope, snap: IncidentSnapshot): Promise<boolean> {
    const cluster = await this.store.repos.clusters.findById(scope, snap.row.clusterId);
    const firstWaitMs = (cluster?.fenceRetrySeconds ?? 30) * 1000;
    const dueAtMs = fenceRetryDueAtMs(snap.incident, firstWaitMs, Math.max(firstWaitMs, this.options.fenceRetryMaxMs));
    if (dueAtMs === null) return false;
    const now = Date.now();
    if (now < dueAtMs) {
      await this.queue.enqueueFenceRetry(scope.tenantId, snap.row.id, snap.row.version, dueAtMs - now);
      return false;
    }
    const t = await this.ledger.apply(scope, snap.row.id, async () => ({ events: [{ type: 'RETRY_FENCING', atMs: now, operator: scope.actor.subject, note: 'the engine tries a failed fence again by itself' }] }));
    return t.changed;
  }

  /** Runs the next pending device of the current level and records its result. */
  private async fenceNext(scope: TenantScope, snap: IncidentSnapshot): Promise<void> {
    const level = snap.incident.fencing.levels.find((l) => l.state === FenceStepState.PENDING);
    const device = level?.devices.find((d) => d.state === FenceStepState.PENDING);
    if (!level || !device) throw new Error(`incident ${snap.row.id} is FENCING with no pending device`);
    const { ok, error, facts } = await this.fence(scope, snap.row.nodeId, device.deviceId);
    await this.ledger.apply(scope, snap.row.id, async () => ({
      events: [{ type: 'FENCE_DEVICE_RESULT', atMs: Date.now(), level: level.level, deviceId: device.deviceId, ok, ...(error ? { error } : {}) }],
      fenceDetails: new Map([[`${level.level}/${device.deviceId}`, facts]]),
    }));
  }

  /** `off` through one device, with the node's per-device options; never throws for a device failure. */
  private async fence(scope: TenantScope, nodeId: string, deviceId: string): Promise<{ ok: boolean; error: string | null; facts: FenceFacts }> {
    const device = await this.store.repos.fencingDevices.findById(scope, deviceId);
    if (!device) return { ok: false, error: 'the device was deleted', facts: {} };
    const association = await this.store.repos.fencingAssociations.findOne(scope, { deviceId, nodeId });
    let options: Record<string, string>;
    let secrets: string[];
    try {
      const deviceSecrets = openFencingSecrets(this.sealer, fencingDeviceSecretContext(scope.tenantId, device.id), device.secretOptions);
      const nodeSecrets = association ? openFencingSecrets(this.sealer, fencingAssociationSecretContext(scope.tenantId, association.id), association.secretOptions) : {};
      options = { ...device.options, ...deviceSecrets, ...(association?.options ?? {}), ...nodeSecrets };
      secrets = [...Object.values(deviceSecrets), ...Object.values(nodeSecrets)];
    } catch (err) {
      return { ok: false, error: `secret options unreadable: ${(err as Error).message}`, facts: { name: device.name, agent: device.agent } };
    }
    const outcome = await this.executor.execute({ agent: device.agent, action: 'off', options, timeoutMs: this.options.fenceTimeoutMs, retries: this.options.fenceRetries });
    const error = outcome.ok ? null : redact(`${outcome.error?.kind ?? 'FAILED'}: ${outcome.error?.message ?? 'the agent reported a failure'}`, secrets);
    return {
      ok: outcome.ok,
      error,
      facts: {
        name: device.name,
        agent: device.agent,
        powerState: outcome.powerState,
        latencyMs: outcome.latencyMs,
        attempts: outcome.attempts,
        // the runner redacted it already; once more with this device's own secrets
        output: redact(outcome.output, secrets),
      },
    };
  }
}
