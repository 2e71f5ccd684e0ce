/**
 * What the application layer hands to transports: the stored rows, as types only. Transports may
 * not import the persistence library (lint), so they see these names and never a repository.
 */
export type {
  ClusterEntity as ClusterRecord,
  NodeEntity as NodeRecord,
  ResourceEntity as ResourceRecord,
  ServiceEntity as ServiceRecord,
  FailoverDomainEntity as FailoverDomainRecord,
  FailoverDomainMemberEntity as FailoverDomainMemberRecord,
  FencingDeviceEntity as FencingDeviceRecord,
  FencingAssociationEntity as FencingAssociationRecord,
  EventEntity as EventRecord,
  TenantEntity as TenantRecord,
  Page,
  PageArgs,
} from '@haaas/persistence';
