import { DomainError, TenantScope } from '@haaas/domain';
import { AdapterError } from '@haaas/hypervisor';
import { appendEvent, EventDraft } from '@haaas/management';
import type { OperationEntity, OperationStepRecord, Repositories, Store } from '@haaas/persistence';
import type { LiveSignalPublisher } from './live/live-signals';
import { OperationStepState, OperationTargetType } from './operation.types';

/** A step failed in a way worth telling the operator (its message is shown as it is). */
export class OperationStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationStepError';
  }
}

/** What a step's body may say about how it went. */
export interface StepResult {
  readonly message?: string;
  /** The step had nothing to do (e.g. the VM already ran there): SKIPPED instead of SUCCEEDED. */
  readonly skipped?: boolean;
}

/**
 * One run of an operation by a worker: it records every step (PENDING, RUNNING, SUCCEEDED, FAILED,
 * SKIPPED) with its times and message, keeps `progress`, and writes each change in one transaction
 * with its event in the cluster log, then wakes the live feeds.
 *
 * Steps are named, and a step that already succeeded (a run retried after its worker died) is not
 * run again: the executors are written so that re-running from the first unfinished step is safe.
 */
export class OperationRun {
  private snapshot: OperationEntity;
  /** Changes of one run are written one after another (parallel steps share the row). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly signals: LiveSignalPublisher,
    readonly scope: TenantScope,
    operation: OperationEntity,
  ) {
    this.snapshot = operation;
  }

  get operation(): OperationEntity {
    return this.snapshot;
  }

  get params(): Readonly<Record<string, unknown>> {
    return this.snapshot.params;
  }

  stepState(name: string): OperationStepState | null {
    const s = this.snapshot.steps.find((x) => x.name === name);
    return s ? (s.state as OperationStepState) : null;
  }

  /**
   * Adds steps that are not listed yet as PENDING, so clients see what is coming: at the end, or
   * right after the step `after` (steps found on the way, e.g. one per service to move).
   */
  async plan(names: readonly string[], after?: string): Promise<void> {
    const missing = names.filter((n) => !this.snapshot.steps.some((s) => s.name === n));
    if (missing.length === 0) return;
    await this.mutate((op) => {
      const fresh = missing.filter((name) => !op.steps.some((s) => s.name === name)).map((name) => ({ name, state: OperationStepState.PENDING }));
      const at = after === undefined ? -1 : op.steps.findIndex((s) => s.name === after);
      if (at < 0) op.steps.push(...fresh);
      else op.steps.splice(at + 1, 0, ...fresh);
      op.progress = advance(op.progress, op.steps);
    });
  }

  /**
   * Runs one step: RUNNING, then SUCCEEDED (or SKIPPED) with the body's message, or FAILED with
   * the error's message, which is then thrown on. A step that succeeded or was skipped before is
   * not run again.
   */
  async step(name: string, body: () => Promise<StepResult | void>, extra: Partial<EventDraft> = {}): Promise<void> {
    const previous = this.stepState(name);
    if (previous === OperationStepState.SUCCEEDED || previous === OperationStepState.SKIPPED) return;
    const startedAt = new Date().toISOString();
    await this.mutate(
      (op) => {
        const s = upsertStep(op.steps, name);
        s.state = OperationStepState.RUNNING;
        s.startedAt = startedAt;
        delete s.finishedAt;
        delete s.message;
        op.progress = advance(op.progress, op.steps);
      },
      { type: 'operation.step_started', message: name, ...extra },
    );
    let result: StepResult | void;
    try {
      result = await body();
    } catch (err) {
      const message = describeFailure(err);
      await this.mutate(
        (op) => {
          const s = upsertStep(op.steps, name);
          s.state = OperationStepState.FAILED;
          s.finishedAt = new Date().toISOString();
          s.message = message;
          op.progress = advance(op.progress, op.steps);
        },
        { type: 'operation.step_failed', message: `${name}: ${message}`, ...extra },
      );
      throw err;
    }
    const state = result?.skipped ? OperationStepState.SKIPPED : OperationStepState.SUCCEEDED;
    await this.mutate(
      (op) => {
        const s = upsertStep(op.steps, name);
        s.state = state;
        s.finishedAt = new Date().toISOString();
        if (result?.message) s.message = result.message;
        else delete s.message;
        op.progress = advance(op.progress, op.steps);
      },
      {
        type: state === OperationStepState.SKIPPED ? 'operation.step_skipped' : 'operation.step_succeeded',
        message: result?.message ? `${name}: ${result.message}` : name,
        ...extra,
      },
    );
  }

  /** Marks a planned step SKIPPED without running anything (e.g. nothing left to do). */
  async skip(name: string, message: string): Promise<void> {
    await this.step(name, async () => ({ skipped: true, message }));
  }

  /**
   * Changes the operation row in one transaction with its event (when given), then wakes the
   * live feeds. `change` may run more than once (a deadlock retry), on a freshly read row.
   */
  mutate(change: (op: OperationEntity) => void, event?: Omit<EventDraft, 'clusterId' | 'objectType' | 'objectId'>, alsoInTx?: (repos: Repositories) => Promise<void>): Promise<void> {
    const next = this.chain.then(async () => {
      const saved = await this.store.transaction(async (repos) => {
        const row = await repos.operations.lock(this.scope, this.snapshot.id);
        change(row);
        const stored = await repos.operations.save(this.scope, row);
        if (alsoInTx) await alsoInTx(repos);
        if (event) await appendEvent(repos, this.scope, operationEvent(stored, event));
        return stored;
      });
      this.snapshot = saved;
      await Promise.all([this.signals.operation(this.scope, saved.id), event ? this.signals.clusterEvents(this.scope, saved.clusterId) : Promise.resolve()]);
    });
    // a failed write fails this call, not the ones queued after it
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** The log entry of an operation change: the operation and its target, what happened, where it stands. */
export function operationEvent(op: OperationEntity, e: Omit<EventDraft, 'clusterId' | 'objectType' | 'objectId'>): EventDraft {
  return {
    clusterId: op.clusterId,
    objectType: 'Operation',
    objectId: op.id,
    nodeId: e.nodeId !== undefined ? e.nodeId : op.targetType === OperationTargetType.NODE ? op.targetId : null,
    serviceId: e.serviceId !== undefined ? e.serviceId : op.targetType === OperationTargetType.SERVICE ? op.targetId : null,
    type: e.type,
    before: e.before ?? null,
    after: e.after ?? { kind: op.kind, targetType: op.targetType, targetId: op.targetId, state: op.state, progress: op.progress, attempts: op.attempts, requestedBy: op.requestedBy },
    message: e.message ?? null,
  };
}

function upsertStep(steps: OperationStepRecord[], name: string): OperationStepRecord {
  let s = steps.find((x) => x.name === name);
  if (!s) {
    s = { name, state: OperationStepState.PENDING };
    steps.push(s);
  }
  return s;
}

/**
 * The progress after a step change: never lower than before. Steps found on the way (one per
 * service to move, planned after the first ones settled) add to the total, and the plain ratio
 * would then go back (0, 99, 50, 99); a client showing a progress bar must not see it shrink.
 */
export function advance(progress: number, steps: readonly OperationStepRecord[]): number {
  return Math.max(progress, progressOf(steps));
}

/** Settled steps over all steps, 0-99 while any is open (100 is for the end of the operation). */
export function progressOf(steps: readonly OperationStepRecord[]): number {
  if (steps.length === 0) return 0;
  const settled = steps.filter((s) => s.state === OperationStepState.SUCCEEDED || s.state === OperationStepState.SKIPPED || s.state === OperationStepState.FAILED).length;
  return Math.min(99, Math.floor((settled / steps.length) * 100));
}

/** The words for a failed step: our own messages and adapter/domain errors as they are; nothing internal. */
export function describeFailure(err: unknown): string {
  if (err instanceof OperationStepError || err instanceof DomainError) return err.message.slice(0, 1024);
  if (err instanceof AdapterError) return `${err.kind}: ${err.message}`.slice(0, 1024);
  return 'internal error (see the worker log)';
}
