import { EventLogService } from './event-log.service';

/** Application services of the cluster log. */
export const CLUSTER_LOG_SERVICES = [EventLogService];
