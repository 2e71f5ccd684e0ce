import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { NodeProbeService } from '@haaas/management';
import { toAttributes } from '../common/attribute.model';
import { NodeProbeResult } from './node-probe.model';

@Resolver()
export class ProbesResolver {
  constructor(private readonly probes: NodeProbeService) {}

  @Mutation(() => NodeProbeResult, {
    description: "Asks the node's hypervisor manager how the host is (reachable, connection state, latency); the answer is logged. Fails as a result, not an error, when the host does not answer.",
  })
  async probeNode(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<NodeProbeResult> {
    const r = await this.probes.probe(scope, id);
    return { ...r, details: toAttributes(r.details) };
  }
}
