import { Inject, Injectable } from '@nestjs/common';
import { BadInputError, TenantScope } from '@haaas/domain';
import { Store } from '@haaas/persistence';
import { appendEvent } from '../event-log';
import { fencingAssociationSecretContext, fencingDeviceSecretContext, openFencingSecrets } from '../fencing/sealed-options.codec';
import { SECRET_SEALER } from '../management.tokens';
import type { SecretSealer } from '../management.tokens';
import { FenceOutcome, FencingExecutor } from './fencing.executor';
import { INTERACTIVE_DEADLINE_MS } from './probes.tokens';

export interface FencingTestResult extends FenceOutcome {
  readonly deviceId: string;
  readonly nodeId: string | null;
  /** `status` of the node's power through this device, or `monitor` of the device itself. */
  readonly action: 'status' | 'monitor';
  readonly at: Date;
}

/**
 * Tests a fencing device without fencing anything: `status` of a node it fences (with that node's
 * plug/port), or `monitor` of the device alone. The result and its latency go to the cluster log.
 */
@Injectable()
export class FencingTestService {
  constructor(
    private readonly store: Store,
    private readonly executor: FencingExecutor,
    @Inject(SECRET_SEALER) private readonly sealer: SecretSealer,
  ) {}

  async test(scope: TenantScope, deviceId: string, nodeId: string | null): Promise<FencingTestResult> {
    const device = await this.store.repos.fencingDevices.get(scope, deviceId);
    const options: Record<string, string> = {
      ...device.options,
      ...openFencingSecrets(this.sealer, fencingDeviceSecretContext(scope.tenantId, device.id), device.secretOptions),
    };
    if (nodeId !== null) {
      const association = await this.store.repos.fencingAssociations.findOne(scope, { deviceId, nodeId });
      if (!association) throw BadInputError.of('nodeId', 'this device does not fence that node (associate it first)');
      Object.assign(options, association.options, openFencingSecrets(this.sealer, fencingAssociationSecretContext(scope.tenantId, association.id), association.secretOptions));
    }
    const action = nodeId === null ? 'monitor' : 'status';
    // an operator is waiting: one retry at most, within the interactive deadline
    const outcome = await this.executor.execute({ agent: device.agent, action, options, timeoutMs: INTERACTIVE_DEADLINE_MS, retries: 1 });
    const result: FencingTestResult = { ...outcome, deviceId, nodeId, action, at: new Date() };
    await this.store.transaction((repos) =>
      appendEvent(repos, scope, {
        clusterId: device.clusterId,
        type: 'fencing_device.tested',
        objectType: 'FencingDevice',
        objectId: deviceId,
        nodeId,
        // the agent's stderr (redacted by the runner) is what tells an operator why a device failed
        after: { action, ok: result.ok, powerState: result.powerState, latencyMs: result.latencyMs, attempts: result.attempts, error: result.error, output: result.output },
        message: result.ok ? `${action}: ${result.powerState} in ${result.latencyMs} ms` : `${action} failed: ${result.error?.kind ?? 'FAILED'}`,
      }),
    );
    return result;
  }
}
