import { Inject, Injectable, Logger } from '@nestjs/common';
import { BadInputError, ConflictError, NotFoundError, PreconditionFailedError, Problems, TenantScope } from '@haaas/domain';
import { appendEvent } from '@haaas/management';
import { anyOf, isDuplicateKey, OperationEntity, Page, PageArgs, Repositories, Store, Where } from '@haaas/persistence';
import { JobProducer } from '@haaas/queue';
import { clusterStartCheck, clusterTransitionRefusal, incidentActionRefusal, startRefusal } from './cluster-preconditions';
import { checkIdempotencyKey, storedIdempotencyKey } from './idempotency-key';
import { LiveSignalPublisher } from './live/live-signals';
import { operationEvent } from './operation-run';
import {
  OperationFilter,
  OperationKind,
  OperationParams,
  OperationRequest,
  OperationState,
  OperationTargetType,
  TARGET_OF_KIND,
} from './operation.types';
import { OPERATIONS_PRODUCER, OPERATIONS_SIGNALS } from './operations.tokens';

/** An operation still PENDING or RUNNING but untouched this long no longer blocks its target (its worker and job are gone). */
export const STALE_OPERATION_MS = 15 * 60_000;

const ACTIVE_STATES = [OperationState.PENDING, OperationState.RUNNING];

interface ResolvedTarget {
  readonly clusterId: string;
  readonly targetType: OperationTargetType;
}

export interface SubmitOptions {
  /**
   * More to write in the transaction that creates the operation, by the request that creates it
   * only (never on a replay of its idempotency key): a requester's own log entry is then written
   * exactly once, however many requesters race.
   */
  readonly onCreate?: (repos: Repositories, op: OperationEntity) => Promise<void>;
}

/** A request's operation, and whether this request created it (false: the key's earlier request did). */
export interface Submitted {
  readonly operation: OperationEntity;
  readonly created: boolean;
}

/**
 * Requests operations (the API side): checks the request and its preconditions synchronously, so
 * that a refused action is an error of the mutation and not a FAILED operation, then writes the
 * operation with its log entry and queues `operation.run` (job id = operation id). Reads them.
 */
@Injectable()
export class OperationsService {
  private readonly logger = new Logger('Operations');

  constructor(
    private readonly store: Store,
    @Inject(OPERATIONS_PRODUCER) private readonly producer: JobProducer,
    @Inject(OPERATIONS_SIGNALS) private readonly signals: LiveSignalPublisher,
  ) {}

  get(scope: TenantScope, id: string): Promise<OperationEntity> {
    return this.store.repos.operations.get(scope, id);
  }

  byIds(scope: TenantScope, ids: readonly string[]): Promise<OperationEntity[]> {
    return this.store.repos.operations.findByIds(scope, ids);
  }

  /** Newest first. */
  page(scope: TenantScope, filter: OperationFilter, args: PageArgs): Promise<Page<OperationEntity>> {
    const where: Where<OperationEntity> = {};
    if (filter.clusterId) where.clusterId = filter.clusterId;
    if (filter.targetId) where.targetId = filter.targetId;
    if (filter.kind) where.kind = filter.kind;
    if (filter.state) where.state = filter.state;
    return this.store.repos.operations.page(scope, where, { ...args, direction: 'DESC' });
  }

  async request(scope: TenantScope, request: OperationRequest): Promise<OperationEntity> {
    return (await this.submit(scope, request)).operation;
  }

  /** `request`, telling whether this call created the operation, with more written alongside its creation. */
  async submit(scope: TenantScope, request: OperationRequest, options: SubmitOptions = {}): Promise<Submitted> {
    const p = new Problems();
    checkIdempotencyKey(p, 'idempotencyKey', request.idempotencyKey);
    p.check(Object.values(OperationKind).includes(request.kind), 'kind', 'unknown operation kind');
    const note = request.params?.note?.trim() ?? '';
    p.check(note.length <= 1000, 'note', 'at most 1000 characters');
    if (request.kind === OperationKind.INCIDENT_CONFIRM_FENCED || request.kind === OperationKind.INCIDENT_CANCEL) p.check(note !== '', 'note', 'say why (who checked the node is off, or why recovery stops): it goes to the cluster log');
    p.throwIfAny();
    const params: OperationParams = { ...(request.params?.targetNodeId ? { targetNodeId: request.params.targetNodeId } : {}), ...(note !== '' ? { note } : {}) };
    const key = request.idempotencyKey ? storedIdempotencyKey(scope, request.idempotencyKey) : null;

    if (key) {
      const existing = await this.store.repos.operations.findOne(scope, { idempotencyKey: key });
      if (existing) return { operation: await this.replay(scope, existing, request, params), created: false };
    }

    let outcome: { op: OperationEntity; created: boolean };
    try {
      outcome = await this.store.transaction(async (repos) => {
        const target = await this.checkRequest(repos, scope, request.kind, request.targetId, params);
        // the target is locked now: a request with the same key that got here first is visible
        if (key) {
          const existing = await repos.operations.findOne(scope, { idempotencyKey: key });
          if (existing) return { op: existing, created: false };
        }
        await this.assertNoActiveOperation(repos, scope, request.targetId);
        const op = await repos.operations.create(scope, {
          clusterId: target.clusterId,
          kind: request.kind,
          targetType: target.targetType,
          targetId: request.targetId,
          state: OperationState.PENDING,
          progress: 0,
          steps: [],
          params: { ...params },
          error: null,
          attempts: 0,
          requestedBy: scope.actor.subject,
          idempotencyKey: key,
          startedAt: null,
          finishedAt: null,
        });
        await appendEvent(repos, scope, operationEvent(op, { type: 'operation.requested', message: `${op.kind} requested by ${op.requestedBy}` }));
        await options.onCreate?.(repos, op);
        return { op, created: true };
      });
    } catch (err) {
      // the same key sent twice at once: the other request created it
      if (key && isDuplicateKey(err)) {
        const existing = await this.store.repos.operations.findOne(scope, { idempotencyKey: key });
        if (existing) return { operation: await this.replay(scope, existing, request, params), created: false };
      }
      throw err;
    }
    if (!outcome.created) return { operation: await this.replay(scope, outcome.op, request, params), created: false };
    const created = outcome.op;
    await this.enqueue(scope, created);
    await this.signals.clusterEvents(scope, created.clusterId);
    return { operation: created, created: true };
  }

  /** Queues the run of an operation; a job with its id already queued is kept (BullMQ dedupes by id). */
  private async enqueue(scope: TenantScope, op: OperationEntity): Promise<void> {
    try {
      await this.producer.enqueue('operation.run', { tenantId: scope.tenantId, operationId: op.id }, { jobId: op.id });
    } catch (err) {
      // the operation stays PENDING; the client's retry with the same idempotency key queues it again
      this.logger.error(`operation ${op.id} could not be queued: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  /** A request repeated with the same key: the same operation if it is the same request, else CONFLICT. */
  private async replay(scope: TenantScope, existing: OperationEntity, request: OperationRequest, params: OperationParams): Promise<OperationEntity> {
    const same =
      existing.kind === request.kind &&
      existing.targetId === request.targetId &&
      (existing.params['targetNodeId'] ?? null) === (params.targetNodeId ?? null) &&
      (existing.params['note'] ?? null) === (params.note ?? null);
    if (!same) {
      throw new ConflictError('this idempotency key was used for a different request', { operationId: existing.id, kind: existing.kind, targetId: existing.targetId });
    }
    // still waiting for a worker: make sure it is queued (the first enqueue may have failed)
    if (existing.state === OperationState.PENDING) await this.enqueue(scope, existing);
    return existing;
  }

  /** The target exists in the tenant (NOT_FOUND otherwise), the parameters fit, and the action may be asked for now. */
  private async checkRequest(repos: Repositories, scope: TenantScope, kind: OperationKind, targetId: string, params: OperationParams): Promise<ResolvedTarget> {
    const targetType = TARGET_OF_KIND[kind];
    switch (targetType) {
      case OperationTargetType.CLUSTER: {
        // locked: two concurrent requests on one cluster are decided one after the other
        const cluster = await repos.clusters.lock(scope, targetId);
        const refusal = clusterTransitionRefusal(kind, cluster);
        if (refusal) throw refusal;
        if (kind === OperationKind.CLUSTER_START && cluster.state !== 'STARTED') {
          const check = clusterStartCheck(cluster, await repos.nodes.find(scope, { clusterId: cluster.id }));
          if (!check.ok) throw startRefusal(cluster, check);
        }
        return { clusterId: cluster.id, targetType };
      }
      case OperationTargetType.NODE: {
        const node = await repos.nodes.lock(scope, targetId);
        return { clusterId: node.clusterId, targetType };
      }
      case OperationTargetType.SERVICE: {
        const service = await repos.services.lock(scope, targetId);
        if (params.targetNodeId !== undefined) {
          const node = await repos.nodes.findById(scope, params.targetNodeId);
          if (!node) throw new NotFoundError('Node', params.targetNodeId);
          if (node.clusterId !== service.clusterId) throw BadInputError.of('targetNodeId', 'is a node of another cluster than the service');
          if (kind === OperationKind.SERVICE_RELOCATE && service.currentNodeId === node.id) {
            throw new PreconditionFailedError(`service "${service.name}" already runs on that node`, { reason: 'ALREADY_THERE', nodeId: node.id });
          }
        }
        return { clusterId: service.clusterId, targetType };
      }
      case OperationTargetType.INCIDENT: {
        const incident = await repos.incidents.lock(scope, targetId);
        const refusal = incidentActionRefusal(kind, incident);
        if (refusal) throw refusal;
        return { clusterId: incident.clusterId, targetType };
      }
    }
  }

  private async assertNoActiveOperation(repos: Repositories, scope: TenantScope, targetId: string): Promise<void> {
    const active = await repos.operations.find(scope, { targetId, state: anyOf(ACTIVE_STATES) });
    const blocking = active.find((op) => Date.now() - op.updatedAt.getTime() < STALE_OPERATION_MS);
    if (blocking) {
      throw new ConflictError(`operation ${blocking.id} (${blocking.kind}) is still ${blocking.state} on this target; wait for it (operationUpdated) or query it`, {
        operationId: blocking.id,
        kind: blocking.kind,
        state: blocking.state,
      });
    }
  }
}
