import { FailoverPlanResolver, IncidentsResolver, PlannedServiceRecoveryResolver, ServiceRecoveryResolver } from './incidents.resolver';
import { LiveResolver } from './live.resolver';
import { OperationsResolver } from './operations.resolver';

/** Operations (the seed's actions), incidents, the failover dry run and the live subscriptions. */
export const OPERATION_RESOLVERS = [OperationsResolver, IncidentsResolver, ServiceRecoveryResolver, FailoverPlanResolver, PlannedServiceRecoveryResolver, LiveResolver];
