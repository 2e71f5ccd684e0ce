import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { NodeStatus } from '@haaas/domain';

@InputType({ description: 'A host failure seen by an external monitor (a Pacemaker alert agent, a masakari host monitor, any monitoring system).' })
export class ReportNodeFailureInput {
  @Field(() => ID)
  nodeId!: string;

  @Field({ description: 'Who reports: `pacemaker`, `masakari-hostmonitor`, ... (1-64 letters, digits, spaces and ._:/@-).' })
  source!: string;

  @Field(() => String, { nullable: true, description: 'What the monitor saw (at most 512 characters), kept in the cluster log.' })
  reason?: string | null;
}

@ObjectType({
  description:
    "The answer to a failure report: the node as the detector sees it now. A report declares nothing by itself: the detector checks it through the second channel and declares a failure only as it would on its own (one incident however many reports).",
})
export class NodeFailureReport {
  @Field(() => ID)
  nodeId!: string;

  @Field(() => NodeStatus, { description: 'The status the detector last wrote.' })
  status!: NodeStatus;

  @Field(() => String, { nullable: true })
  statusReason!: string | null;

  @Field({ description: "The node's cluster is STARTED, so the detector watches it and will check the report; false for STOPPED or SUSPENDED clusters." })
  monitored!: boolean;

  @Field(() => Int, { description: 'Reports of this node the detector has not checked yet, this one included.' })
  pendingReports!: number;

  @Field({ description: 'The node has an incident that is still being handled.' })
  incidentExists!: boolean;

  @Field(() => ID, { nullable: true, description: 'That incident.' })
  incidentId!: string | null;

  @Field(() => String, { nullable: true, description: "That incident's state (DETECTED, FENCING, AWAITING_OPERATOR, RECOVERING)." })
  incidentState!: string | null;
}
