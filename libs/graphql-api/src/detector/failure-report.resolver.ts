import { Optional } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { PreconditionFailedError, TenantScope } from '@haaas/domain';
import { FailureReportService } from '@haaas/detector';
import { NodeService } from '@haaas/management';
import { NodeFailureReport, ReportNodeFailureInput } from './failure-report.model';

@Resolver()
export class FailureReportResolver {
  // optional: an API process without FailureReportsModule still starts, and this mutation says why it cannot answer
  constructor(
    private readonly nodes: NodeService,
    @Optional() private readonly reports?: FailureReportService,
  ) {}

  @Mutation(() => NodeFailureReport, {
    description:
      'Reports that an external monitor saw the node fail (Pacemaker alerts, masakari-monitors style). Logged (`node.failure_reported`); the failure detector probes the node on its next tick and declares a failure only through its own confirmation (heartbeats missing past the deadtime and the hypervisor manager agreeing). Returns the node as the detector sees it and its open incident, if any. Members and admins.',
  })
  async reportNodeFailure(@CurrentScope() scope: TenantScope, @Args('input') input: ReportNodeFailureInput): Promise<NodeFailureReport> {
    if (!this.reports) {
      await this.nodes.get(scope, input.nodeId); // another tenant's node stays NOT_FOUND, whatever the wiring
      throw new PreconditionFailedError('failure reports are not enabled in this API process (FailureReportsModule is not configured)');
    }
    const r = await this.reports.report(scope, input);
    return {
      nodeId: r.nodeId,
      status: r.status,
      statusReason: r.statusReason,
      monitored: r.monitored,
      pendingReports: r.pendingReports,
      incidentExists: r.incident !== null,
      incidentId: r.incident?.id ?? null,
      incidentState: r.incident?.state ?? null,
    };
  }
}
