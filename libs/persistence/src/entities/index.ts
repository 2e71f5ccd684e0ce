import { AuditEntryEntity } from './audit-entry.entity';
import { ClusterEntity } from './cluster.entity';
import { EventEntity } from './event.entity';
import { FailoverDomainEntity, FailoverDomainMemberEntity } from './failover-domain.entity';
import { FencingAssociationEntity, FencingDeviceEntity } from './fencing-device.entity';
import { IncidentEntity, ServiceRecoveryEntity } from './incident.entity';
import { OperationEntity } from './operation.entity';
import { NodeEntity } from './node.entity';
import { ResourceEntity } from './resource.entity';
import { ServiceEntity } from './service.entity';
import { TenantEntity } from './tenant.entity';
import { WebhookDeliveryEntity, WebhookEntity } from './webhook.entity';

export * from './base.entity';
export type { OperationStepRecord } from './operation.entity';
export {
  AuditEntryEntity,
  ClusterEntity,
  EventEntity,
  FailoverDomainEntity,
  FailoverDomainMemberEntity,
  FencingAssociationEntity,
  FencingDeviceEntity,
  IncidentEntity,
  NodeEntity,
  OperationEntity,
  ResourceEntity,
  ServiceEntity,
  ServiceRecoveryEntity,
  TenantEntity,
  WebhookDeliveryEntity,
  WebhookEntity,
};

export const ENTITIES = [
  TenantEntity,
  ClusterEntity,
  NodeEntity,
  ResourceEntity,
  ServiceEntity,
  FailoverDomainEntity,
  FailoverDomainMemberEntity,
  FencingDeviceEntity,
  FencingAssociationEntity,
  EventEntity,
  IncidentEntity,
  ServiceRecoveryEntity,
  OperationEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  AuditEntryEntity,
];
