import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType({
  description:
    "A node agent's token, shown once: only its SHA-256 is stored, so it cannot be read again (issue a new one, which revokes this one). The agent sends it as `Authorization: Bearer <token>` to POST /v1/agent/heartbeat.",
})
export class NodeAgentToken {
  @Field(() => ID)
  nodeId!: string;

  @Field({ description: 'The token (`hna_...`). Store it in the agent\'s token file (mode 0600); it is not shown again.' })
  token!: string;

  @Field({ description: 'A non-secret name of the token (`sha256:` and 12 hex digits of its hash), as the cluster log and the agent show it.' })
  fingerprint!: string;

  @Field()
  issuedAt!: Date;
}
