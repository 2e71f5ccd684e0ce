import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { AgentTokenService } from '@haaas/heartbeats';
import { TenantService } from '@haaas/management';
import { NodeAgentToken } from './agent-token.model';

@Resolver()
export class AgentTokenResolver {
  constructor(
    private readonly tokens: AgentTokenService,
    private readonly tenants: TenantService,
  ) {}

  @Mutation(() => NodeAgentToken, {
    description:
      "Creates the node's agent token, or replaces it (the previous token stops authenticating at once), and returns it this one time. Logged in the cluster log by fingerprint, never the token. Run it right after joinNode and install the token on the host.",
  })
  async issueNodeAgentToken(@CurrentScope() scope: TenantScope, @Args('nodeId', { type: () => ID }) nodeId: string): Promise<NodeAgentToken> {
    const issued = await this.tokens.issue(scope, nodeId);
    // by fingerprint: the token itself is shown once, to the caller, and stored nowhere
    await this.tenants.audit(scope, { action: 'node.agent_token_issued', targetId: nodeId, details: { fingerprint: issued.fingerprint } });
    return issued;
  }
}
