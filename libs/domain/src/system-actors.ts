import { TenantScope } from './tenancy';

/**
 * The components that act on their own (no user behind them), in one place: their subject is what
 * the cluster log's `actor` shows and what operations' `requestedBy` says.
 */
export const SystemActor = {
  Detector: 'system:detector',
  Recovery: 'system:recovery',
  AgentApi: 'system:agent-api',
  Operations: 'system:operations',
  Failback: 'system:failback',
  ServiceWatch: 'system:service-watch',
  Webhooks: 'system:webhooks',
  /** Reads counts across tenants for Prometheus (nodes by status, incidents by state); writes nothing. */
  Metrics: 'system:metrics',
} as const;
export type SystemActor = (typeof SystemActor)[keyof typeof SystemActor];

export const SYSTEM_ACTORS = Object.values(SystemActor) as readonly SystemActor[];

export function isSystemActor(subject: string): subject is SystemActor {
  return (SYSTEM_ACTORS as readonly string[]).includes(subject);
}

/** A system component's scope in a tenant: admin, as it must read and change every object there. */
export function systemScope(tenantId: string, actor: SystemActor): TenantScope {
  return TenantScope.of(tenantId, { subject: actor, roles: ['admin'] });
}
