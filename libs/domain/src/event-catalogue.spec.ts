import { EVENT_CATALOGUE, EVENT_OBJECT_TYPES, EVENT_TYPES, isEventType } from './event-catalogue';
import { isSystemActor, SYSTEM_ACTORS, SystemActor } from './system-actors';
import { systemScope } from './tenancy';

// the prefix of a type names its object, except where the catalogue says otherwise on purpose
const PREFIX_OBJECT: Record<string, string> = {
  cluster: 'Cluster',
  node: 'Node',
  service: 'Service',
  resource: 'Resource',
  fencing_device: 'FencingDevice',
  failover_domain: 'FailoverDomain',
  incident: 'Incident',
  operation: 'Operation',
};

describe('the event catalogue', () => {
  it('names every type as object.verb in snake case, each once, with a summary and a known object type', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    for (const t of EVENT_TYPES) {
      expect(t).toMatch(/^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$/);
      const { objectType, summary } = EVENT_CATALOGUE[t];
      expect(EVENT_OBJECT_TYPES).toContain(objectType);
      expect(summary).toMatch(/^[A-Z].*\.$/);
      expect([t, objectType]).toEqual([t, PREFIX_OBJECT[t.split('.')[0] ?? '']]);
    }
  });

  it('tells its types from other strings', () => {
    expect(isEventType('node.failed')).toBe(true);
    expect(isEventType('service.relocated')).toBe(false);
    expect(isEventType('toString')).toBe(false);
    expect(isEventType('')).toBe(false);
  });
});

describe('system actors', () => {
  it('are system:<component>, distinct, and act as admins of a tenant, never as platform admins', () => {
    expect(new Set(SYSTEM_ACTORS).size).toBe(SYSTEM_ACTORS.length);
    for (const a of SYSTEM_ACTORS) expect(a).toMatch(/^system:[a-z]+(-[a-z]+)*$/);
    const scope = systemScope('t1', SystemActor.Recovery);
    expect([scope.tenantId, scope.actor.subject, scope.isTenantAdmin, scope.canWrite, scope.isPlatformAdmin()]).toEqual(['t1', 'system:recovery', true, true, false]);
    expect(isSystemActor('system:recovery')).toBe(true);
    expect(isSystemActor('system:anything')).toBe(false);
    expect(isSystemActor('alice')).toBe(false);
  });
});
