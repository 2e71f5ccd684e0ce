import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { startRedis } from '@haaas/devstack';
import { TenantScope } from '@haaas/domain';
import { FenceAgentRunner } from '@haaas/fencing';
import { FencingExecutor, NodeService } from '@haaas/management';
import type { OperationEntity } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { createTestDatabase } from '@haaas/testing';
import { hypervisorAdapters, ServiceRunner } from '@haaas/engine-runtime';
import { Lab, LAB_TENANT, labSecrets, startLab } from '@haaas/recovery/testing';
import type { RecoveryModuleOptions } from '@haaas/engine-runtime';
import { LiveSignalPublisher } from '../live/live-signals';
import { createOperationRunHandler } from '../operation-run.factory';
import { OperationsService } from '../operations.service';
import { OperationState } from '../operation.types';
import { ServiceWatch } from '../service-watch';

/** The recovery lab (hosts b, c; host a with an ipmi_sim BMC) with operation workers and a service watch, as an operator's actions need them. */
export interface OperatorLab {
  readonly lab: Lab;
  readonly operations: OperationsService;
  /** Passes are run by the test (runCluster), never by a timer. */
  readonly watch: ServiceWatch;
  /** A member of the lab's tenant: who asks for the operations. */
  readonly member: TenantScope;
  settled(opId: string, timeoutMs?: number): Promise<OperationEntity>;
  close(): Promise<void>;
}

export async function startOperatorLab(recovery: RecoveryModuleOptions = {}): Promise<OperatorLab> {
  const lab = await startLab({ database: createTestDatabase, startRedis, workers: true, recovery: { concurrency: 4, fenceTimeoutMs: 20_000, fenceRetries: 0, claimTtlMs: 10_000, ...recovery } });
  const commands = new Redis(lab.redisUrl, { maxRetriesPerRequest: 3 });
  const workerRedis = new Redis(lab.redisUrl, { maxRetriesPerRequest: null });
  const producer = new JobProducer(commands);
  const signals = new LiveSignalPublisher(commands);
  const operations = new OperationsService(lab.store, producer, signals);
  const adapters = hypervisorAdapters();
  const nodes = lab.app.get(NodeService);
  const handler = createOperationRunHandler({
    store: lab.store,
    signals,
    nodes,
    executor: new FencingExecutor(new FenceAgentRunner(), adapters),
    adapters,
    sealer: labSecrets().sealer,
    // the lab's process's one runner (its RecoveryModule's), as in the worker
    runner: lab.app.get(ServiceRunner),
    claimWaitMs: 5000,
    incidents: lab.commands,
  });
  const workers: Worker[] = startWorkers(workerRedis, [QUEUES.operations], new JobRegistry().register(handler), { concurrency: 2 });
  return {
    lab,
    operations,
    watch: new ServiceWatch(lab.store, operations, nodes, adapters, {}, null),
    member: TenantScope.of(LAB_TENANT, { subject: 'alice@example.com', roles: ['member'] }),
    async settled(opId, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const op = await lab.store.repos.operations.get(lab.scope, opId);
        if (op.state === OperationState.SUCCEEDED || op.state === OperationState.FAILED) return op;
        if (Date.now() > until) throw new Error(`operation ${opId} still ${op.state}: ${JSON.stringify(op.steps)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await producer.close();
      await commands.quit();
      await workerRedis.quit();
      await lab.close();
    },
  };
}
