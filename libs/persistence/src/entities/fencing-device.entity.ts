import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { TenantOwnedEntity } from './base.entity';
import { ClusterEntity } from './cluster.entity';
import { NodeEntity } from './node.entity';

@Entity('fencing_devices')
@Index(['tenantId', 'clusterId', 'name'], { unique: true })
@Index(['tenantId', 'clusterId', 'id'])
export class FencingDeviceEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  /** `fence_ipmilan`, `fence_redfish`, ... or `builtin:<hypervisor>`. */
  @Column({ type: 'varchar', length: 64 })
  agent!: string;

  /** Non-secret options, key=value as the agent reads them. */
  @Column({ type: 'json' })
  options!: Record<string, string>;

  /**
   * Secret options: `{"v":1,"keys":[names],"sealed":"<SecretBox ciphertext of the JSON object>"}`
   * (management's sealed-options codec). Names beside the ciphertext answer `secretOptionKeys`
   * without decrypting; the values are never returned.
   */
  @Column({ type: 'text', nullable: true })
  secretOptions!: string | null;
}

/** A device fencing a node at a level of the node's fencing topology, with per-node options (plug/port). */
@Entity('fencing_associations')
@Index(['deviceId', 'nodeId'], { unique: true })
@Index(['tenantId', 'nodeId', 'level'])
export class FencingAssociationEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  deviceId!: string;

  @ManyToOne(() => FencingDeviceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'device_id' })
  device?: FencingDeviceEntity;

  @Column({ type: 'char', length: 36 })
  nodeId!: string;

  @ManyToOne(() => NodeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'node_id' })
  node?: NodeEntity;

  /** Topology level: 1 is tried first; all devices of a level must succeed. */
  @Column({ type: 'int' })
  level!: number;

  @Column({ type: 'json' })
  options!: Record<string, string>;

  @Column({ type: 'text', nullable: true })
  secretOptions!: string | null;
}
