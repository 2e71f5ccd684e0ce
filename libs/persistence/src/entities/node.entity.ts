import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { NodeKind, NodeStatus } from '@haaas/domain';
import { TenantOwnedEntity } from './base.entity';
import type { AttributeMap } from './base.entity';
import { ClusterEntity } from './cluster.entity';

@Entity('nodes')
// a host name belongs to one cluster of a tenant: that is what "cluster by host" looks up
@Index(['tenantId', 'hostname'], { unique: true })
@Index(['tenantId', 'clusterId', 'id'])
export class NodeEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ type: 'varchar', length: 253 })
  hostname!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: NodeKind;

  @Column({ type: 'varchar', length: 24, default: NodeStatus.OFFLINE })
  status!: NodeStatus;

  @Column({ type: 'boolean', default: false })
  maintenance!: boolean;

  /** Hypervisor endpoint, e.g. qemu+ssh://host/system or https://vcenter/sdk. */
  @Column({ type: 'varchar', length: 1024 })
  endpointUri!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  endpointUsername!: string | null;

  /** Encrypted (SecretBox); never returned by the API. */
  @Column({ type: 'text', nullable: true })
  endpointSecret!: string | null;

  /** Address whose answer tells "unreachable" (FAILED) from "isolated from us" (EXCLUDED). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  checkAddress!: string | null;

  @Column({ type: 'int' })
  cpus!: number;

  @Column({ type: 'int' })
  memoryMb!: number;

  @Column({ type: 'json' })
  attributes!: AttributeMap;

  /** SHA-256 of the node agent's token (the token itself is shown once, when issued). */
  @Column({ type: 'char', length: 64, nullable: true })
  agentTokenHash?: string | null;

  /** Why the node has its status (e.g. "no heartbeat for 12 s, hypervisor unreachable"). */
  @Column({ type: 'varchar', length: 512, nullable: true })
  statusReason?: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  statusChangedAt?: Date | null;

  /**
   * A spare (vSphere HA's "failover host"): placement uses it only when no ordinary candidate fits,
   * so capacity is kept free for failures.
   */
  @Column({ type: 'boolean', default: false })
  reserved?: boolean;
}
