import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { FenceAgentDirectoryService, FencingTestService } from '@haaas/management';
import { FenceAgent, FenceAgentParameter, FencingTestResult } from './fencing-test.model';

@Resolver(() => FenceAgent)
export class FenceAgentResolver {
  constructor(
    private readonly agents: FenceAgentDirectoryService,
    private readonly tests: FencingTestService,
  ) {}

  @Query(() => [FenceAgent], { description: 'Every fencing device type available: the installed fence agents and the built-in ones.' })
  async fenceAgents(@CurrentScope() _scope: TenantScope): Promise<FenceAgent[]> {
    // names first; parameters are read (and cached) only for the agents a client asks about
    return (await this.agents.names()).map((name) => ({ name }) as FenceAgent);
  }

  @Query(() => FenceAgent, { description: 'One fencing device type, with its parameters.' })
  async fenceAgent(@CurrentScope() _scope: TenantScope, @Args('name') name: string): Promise<FenceAgent> {
    return { ...(await this.agents.describe(name)) } as FenceAgent;
  }

  @ResolveField(() => String)
  async shortdesc(@Parent() agent: FenceAgent): Promise<string> {
    return agent.shortdesc ?? (await this.agents.describe(agent.name)).shortdesc;
  }

  @ResolveField(() => Boolean)
  async builtin(@Parent() agent: FenceAgent): Promise<boolean> {
    return agent.builtin ?? (await this.agents.describe(agent.name)).builtin;
  }

  @ResolveField(() => [String])
  async actions(@Parent() agent: FenceAgent): Promise<string[]> {
    return [...(agent.actions ?? (await this.agents.describe(agent.name)).actions)];
  }

  @ResolveField(() => [FenceAgentParameter])
  async parameters(@Parent() agent: FenceAgent): Promise<FenceAgentParameter[]> {
    return (agent.parameters ?? (await this.agents.describe(agent.name)).parameters).map((p) => ({ ...p, choices: [...p.choices] }));
  }

  @Mutation(() => FencingTestResult, {
    description:
      'Tests a fencing device without fencing: `status` of a node it fences (with that node\'s plug/port), or `monitor` of the device when no node is given. The result and latency are logged.',
  })
  async testFencingDevice(
    @CurrentScope() scope: TenantScope,
    @Args('id', { type: () => ID }) id: string,
    @Args('nodeId', { type: () => ID, nullable: true }) nodeId?: string | null,
  ): Promise<FencingTestResult> {
    return this.tests.test(scope, id, nodeId ?? null);
  }
}
