import { Column, Entity, Index } from 'typeorm';
import { ClusterState, HeartbeatSource, Hypervisor } from '@haaas/domain';
import { TenantOwnedEntity } from './base.entity';
import type { AttributeMap } from './base.entity';

@Entity('clusters')
@Index(['tenantId', 'name'], { unique: true })
@Index(['tenantId', 'id'])
export class ClusterEntity extends TenantOwnedEntity {
  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 16 })
  hypervisor!: Hypervisor;

  @Column({ type: 'varchar', length: 16, default: ClusterState.STOPPED })
  state!: ClusterState;

  @Column({ type: 'int' })
  heartbeatIntervalSeconds!: number;

  @Column({ type: 'int' })
  deadtimeSeconds!: number;

  @Column({ type: 'boolean' })
  fencingRequired!: boolean;

  @Column({ type: 'int' })
  minHealthyNodes!: number;

  @Column({ type: 'int', default: 300 })
  failbackStabilisationSeconds!: number;

  @Column({ type: 'int', default: 30 })
  fenceRetrySeconds!: number;

  @Column({ type: 'json' })
  attributes!: AttributeMap;

  /**
   * Where node liveness comes from: agents, the hypervisor manager, or both (docs/detector.md).
   * Optional in the type (the column defaults to AGENT), so code that creates rows without it keeps working.
   */
  @Column({ type: 'varchar', length: 16, default: HeartbeatSource.AGENT })
  heartbeatSource?: HeartbeatSource;

  /**
   * The highest failure-detector lease token that wrote to this cluster. A detector whose lease
   * was taken over holds a lower token, and its writes are refused (fencing token).
   */
  @Column({ type: 'bigint', default: 0 })
  detectorToken?: string;
}
