import { mayNotify, webhookEventsOf } from './webhook-events';

describe('webhook events from the cluster log', () => {
  it('maps incident and service events, and an RTO miss from the recovery outcome', () => {
    expect(webhookEventsOf({ type: 'incident.opened' })).toEqual(['incident.opened']);
    expect(webhookEventsOf({ type: 'incident.recovery_started' })).toEqual(['incident.fenced']);
    expect(webhookEventsOf({ type: 'incident.partially_recovered' })).toEqual(['incident.failed']);
    expect(webhookEventsOf({ type: 'service.recovered', after: { rto: 'MET' } })).toEqual([]);
    expect(webhookEventsOf({ type: 'service.recovered', after: { rto: 'MISSED' } })).toEqual(['service.rto_missed']);
    expect(webhookEventsOf({ type: 'service.recovery_failed', after: { rto: 'MISSED' } })).toEqual(['service.failed', 'service.rto_missed']);
  });
  it('lets appendEvents skip other events without a query', () => {
    expect(mayNotify('operation.step_started')).toBe(false);
    expect(mayNotify('service.recovered')).toBe(true);
  });
});
