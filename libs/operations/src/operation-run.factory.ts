import type { FencingExecutor, HypervisorAdapters, NodeService, SecretSealer } from '@haaas/management';
import type { Store } from '@haaas/persistence';
import type { IncidentCommands } from '@haaas/recovery';
import type { ServiceRunner } from '@haaas/engine-runtime';
import { ClusterOperations } from './cluster.operations';
import { IncidentOperations } from './incident.operations';
import type { LiveSignalPublisher } from './live/live-signals';
import { NodeOperations } from './node.operations';
import { NodePower } from './node-power';
import { OperationRunHandler } from './operation-run.handler';
import { RunnerServiceActions } from './runner-service-actions';
import { ServiceOperations } from './service.operations';

export interface OperationRunDeps {
  readonly store: Store;
  readonly signals: LiveSignalPublisher;
  readonly nodes: NodeService;
  readonly executor: FencingExecutor;
  readonly adapters: HypervisorAdapters;
  readonly sealer: SecretSealer;
  /** The process's one ServiceRunner (the recovery module's): service actions follow the same claims and rules as recovery. */
  readonly runner: ServiceRunner;
  /** How long a service action waits for another actor's claim (the recovery options' claimWaitMs). */
  readonly claimWaitMs: number;
  readonly bootTimeoutMs?: number;
  readonly bootPollMs?: number;
  /** The incidents' commands (the recovery module's); null: incident operations are refused. */
  readonly incidents: IncidentCommands | null;
}

/** The `operation.run` handler with its executors: service actions through the ServiceRunner, node power through NodePower. */
export function createOperationRunHandler(d: OperationRunDeps): OperationRunHandler {
  const actions = new RunnerServiceActions(d.store, d.runner, { claimWaitMs: d.claimWaitMs });
  const services = new ServiceOperations(d.store, actions);
  const power = new NodePower(d.store, d.nodes, d.adapters, d.executor, d.sealer);
  return new OperationRunHandler(
    d.store,
    d.signals,
    new ClusterOperations(d.store, d.signals, services),
    new NodeOperations(d.store, d.nodes, power, actions, { ...(d.bootTimeoutMs ? { bootTimeoutMs: d.bootTimeoutMs } : {}), ...(d.bootPollMs ? { bootPollMs: d.bootPollMs } : {}) }),
    services,
    new IncidentOperations(d.store, d.incidents),
  );
}
