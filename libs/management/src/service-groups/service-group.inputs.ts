import type { AttributeChange } from '@haaas/domain';
import type { ServicePolicyChange, ServiceRowFilter } from './service-groups.rules';

/* What ServiceGroupService's methods take. */

export interface CreateService {
  readonly clusterId: string;
  readonly name: string;
  readonly policy?: ServicePolicyChange | null;
  /** Resource ids in start order. */
  readonly resources?: readonly string[] | null;
  readonly attributes?: AttributeChange['set'];
}

export interface AddServiceResource {
  readonly serviceId: string;
  readonly resourceId: string;
  /** 0-based start position; null or omitted: last. */
  readonly position?: number | null;
}

export interface UpdateServicePolicy {
  readonly id: string;
  readonly policy: ServicePolicyChange;
}

export interface ServiceFilter extends ServiceRowFilter {
  readonly clusterId?: string | null;
}
