import { Initial1795303558781 } from './1795303558781-Initial';
import { FailoverEngine1795306287614 } from './1795306287614-FailoverEngine';
import { RecoveryRetries1795307245594 } from './1795307245594-RecoveryRetries';
import { ReservedHosts1795310415050 } from './1795310415050-ReservedHosts';
import { ResourceVmSize1795312997648 } from './1795312997648-ResourceVmSize';
import { ClusterEngineTimings1795320000009 } from './1795320000009-ClusterEngineTimings';
import { HeartbeatSource1796608936701 } from './1796608936701-HeartbeatSource';
import { Webhooks1796648283903 } from './1796648283903-Webhooks';
import { AuditLog1796658242212 } from './1796658242212-AuditLog';

/** Every migration, in order. `npm run migration:generate -- <Name>` writes new ones. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration classes
export const MIGRATIONS: Function[] = [Initial1795303558781, FailoverEngine1795306287614, RecoveryRetries1795307245594, ReservedHosts1795310415050, ResourceVmSize1795312997648, ClusterEngineTimings1795320000009, HeartbeatSource1796608936701, Webhooks1796648283903, AuditLog1796658242212];
