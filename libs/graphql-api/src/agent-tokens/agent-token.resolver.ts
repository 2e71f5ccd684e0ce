import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { AgentTokenService } from '@haaas/heartbeats';
import { TenantService } from '@haaas/management';
import { NodeService } from '@haaas/management';
import { Node, toNode } from '../nodes/node.model';
import { NodeAgentToken } from './agent-token.model';

@Resolver()
export class AgentTokenResolver {
  constructor(
    private readonly tokens: AgentTokenService,
    private readonly tenants: TenantService,
    private readonly nodes: NodeService,
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

  @Mutation(() => Node, {
    description:
      "Revokes the node's agent token: its agent is refused from the next heartbeat on (the node goes silent and, with HA on, is failed over like any silent node). Logged in the cluster log by fingerprint. Without a token, changes nothing. issueNodeAgentToken gives the node a new one.",
  })
  async revokeNodeAgentToken(@CurrentScope() scope: TenantScope, @Args('nodeId', { type: () => ID }) nodeId: string): Promise<Node> {
    await this.tokens.revoke(scope, nodeId);
    return toNode(await this.nodes.get(scope, nodeId));
  }
}
