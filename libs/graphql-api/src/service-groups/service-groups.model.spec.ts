import { RecoveryAction, ServiceState } from '@haaas/domain';
import type { TenantId } from '@haaas/domain';
import type { FailoverDomainMemberRecord, FailoverDomainRecord, ServiceRecord } from '@haaas/management';
import { toFailoverDomain, toFailoverDomainMember } from './failover-domain.model';
import { toService } from './service.model';

const TENANT = 't1' as TenantId;
const at = new Date('2026-01-02T03:04:05.678Z');

describe('toService', () => {
  const row = {
    id: 's1',
    tenantId: TENANT,
    clusterId: 'c1',
    name: 'db',
    state: ServiceState.STARTED,
    currentNodeId: 'n1',
    failoverDomainId: 'd1',
    priority: 900,
    recoveryAction: RecoveryAction.RESTART,
    startTimeoutSeconds: 30,
    stopTimeoutSeconds: 40,
    maxRestarts: 2,
    restartWindowSeconds: 300,
    maxRelocations: 4,
    autostart: false,
    antiAffinityGroup: 'front',
    recoveryTimeObjectiveSeconds: 60,
    attributes: { zeta: '2', alpha: '1' },
    createdAt: at,
    updatedAt: at,
    version: 3,
  } as ServiceRecord;

  it('groups the policy columns under `policy` and keeps the ids the field resolvers need', () => {
    const s = toService(row);
    expect(s).toEqual({
      id: 's1',
      clusterId: 'c1',
      currentNodeId: 'n1',
      name: 'db',
      state: ServiceState.STARTED,
      policy: {
        failoverDomainId: 'd1',
        priority: 900,
        recoveryAction: RecoveryAction.RESTART,
        startTimeoutSeconds: 30,
        stopTimeoutSeconds: 40,
        maxRestarts: 2,
        restartWindowSeconds: 300,
        maxRelocations: 4,
        autostart: false,
        antiAffinityGroup: 'front',
        recoveryTimeObjectiveSeconds: 60,
      },
      attributes: [
        { key: 'alpha', value: '1' },
        { key: 'zeta', value: '2' },
      ],
      createdAt: at,
      updatedAt: at,
    });
  });

  it('exposes nothing beyond the schema fields (no tenant, no version)', () => {
    expect(Object.keys(toService(row))).not.toContain('tenantId');
    expect(Object.keys(toService(row))).not.toContain('version');
  });
});

describe('toFailoverDomain and toFailoverDomainMember', () => {
  it('copies the flags and keeps the node id for the batched node field', () => {
    const d = { id: 'd1', tenantId: TENANT, clusterId: 'c1', name: 'web', ordered: true, restricted: false, nofailback: true, createdAt: at, updatedAt: at, version: 1 } as FailoverDomainRecord;
    expect(toFailoverDomain(d)).toEqual({ id: 'd1', clusterId: 'c1', name: 'web', ordered: true, restricted: false, nofailback: true, createdAt: at, updatedAt: at });
    const m = { domainId: 'd1', nodeId: 'n1', tenantId: TENANT, priority: 7 } as FailoverDomainMemberRecord;
    expect(toFailoverDomainMember(m)).toEqual({ nodeId: 'n1', priority: 7 });
  });
});
