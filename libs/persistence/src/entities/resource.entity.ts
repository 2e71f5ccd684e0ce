import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { ResourceType } from '@haaas/domain';
import { TenantOwnedEntity } from './base.entity';
import type { AttributeMap } from './base.entity';
import { ClusterEntity } from './cluster.entity';
import { ServiceEntity } from './service.entity';

@Entity('resources')
@Index(['tenantId', 'clusterId', 'name'], { unique: true })
@Index(['tenantId', 'clusterId', 'id'])
@Index(['tenantId', 'serviceId', 'position'])
export class ResourceEntity extends TenantOwnedEntity {
  @Column({ type: 'char', length: 36 })
  clusterId!: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: ResourceType;

  /** The type's own fields (VM reference, IP address, command lines, volume id), validated by type. */
  @Column({ type: 'json' })
  spec!: Record<string, unknown>;

  /** The service (resource group) this resource belongs to, if any; one group at a time. */
  @Column({ type: 'char', length: 36, nullable: true })
  serviceId!: string | null;

  @ManyToOne(() => ServiceEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'service_id' })
  service?: ServiceEntity;

  /** Start order inside the service (0 first); stop order is the reverse. */
  @Column({ type: 'int', nullable: true })
  position!: number | null;

  @Column({ type: 'json' })
  attributes!: AttributeMap;

  /**
   * The VM's definition as its hypervisor exported it (libvirt XML, .vmx path, Hyper-V config),
   * kept while its host is alive so that recovery can register it on another host.
   */
  @Column({ type: 'mediumtext', nullable: true })
  vmDefinition?: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  vmDefinitionFormat?: string | null;

  /**
   * The VM's size as its kept definition says (vCPUs, MiB), written with the definition: placement
   * reads these two numbers for every VM of a cluster, never the definitions themselves. Null: no
   * definition kept yet, or one that states no size.
   */
  @Column({ type: 'int', nullable: true })
  vmCpus?: number | null;

  @Column({ type: 'int', nullable: true })
  vmMemoryMb?: number | null;

  /** The node the VM was last started on by HAaaS (write-ahead, before the start call). */
  @Column({ type: 'char', length: 36, nullable: true })
  placedNodeId?: string | null;
}
