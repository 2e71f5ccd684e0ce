import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({
  description:
    "What the node's agent said in its last heartbeat (kept 7 days after the node falls silent). Null on Node.agent when no agent ever sent one, e.g. a vSphere node watched through its vCenter only.",
})
export class NodeAgentStatus {
  @Field({ description: 'The version of haaas-agent on the host (`haaas-agent --version`), as its last heartbeat reported it.' })
  version!: string;

  @Field({ description: "When the API received the agent's last heartbeat (the server's clock)." })
  lastHeartbeatAt!: Date;

  @Field({ description: 'When the host booted, as the agent read it from /proc/stat.' })
  bootTime!: Date;
}
