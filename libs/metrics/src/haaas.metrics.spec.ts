import { Hypervisor } from '@haaas/domain';
import type { HypervisorAdapter, HypervisorHost } from '@haaas/hypervisor';
import { instrumentAdapters } from './adapter.metrics';
import { instrumentDetector } from './detector.metrics';
import { eventMetricsObserver } from './event.metrics';
import { HaaasMetrics } from './haaas.metrics';
import { METRIC } from './metric-names';

const fresh = () => new HaaasMetrics({ process: 'bench', processMetrics: false });
const valueOf = async (m: HaaasMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> => {
  const metric = m.registry.getSingleMetric(name);
  const data = await metric?.get();
  return data?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value;
};

describe('HaaasMetrics', () => {
  it('registers every name of the catalogue, with Prometheus naming', () => {
    const m = fresh();
    for (const name of Object.values(METRIC)) {
      expect(m.registry.getSingleMetric(name)).toBeDefined();
      expect(name).toMatch(/^haaas_[a-z_]+$/);
    }
    for (const name of Object.values(METRIC).filter((n) => n.endsWith('_total'))) expect(m.registry.getSingleMetric(name)?.constructor.name).toBe('Counter');
  });

  it('reads a failover from the committed events: incident, fence attempt, recovery against its RTO', async () => {
    const m = fresh();
    const observe = eventMetricsObserver(m);
    observe([
      { tenantId: 't1', type: 'incident.opened' },
      { tenantId: 't1', type: 'incident.fence_attempt', after: { agent: 'fence_ipmilan', ok: true, latencyMs: 812 } },
      { tenantId: 't1', type: 'incident.fence_attempt', after: { agent: 'fence; rm -rf', ok: false } },
      { tenantId: 't1', type: 'service.recovered', objectId: 's1', after: { startedAtMs: 1000, recoveredAtMs: 4000, timeToRecoverMs: 9000, rto: 'MET' } },
      { tenantId: 't1', type: 'service.recovered', objectId: 's2', after: { startedAtMs: 1000, recoveredAtMs: 90_000, timeToRecoverMs: 95_000, rto: 'MISSED' } },
      { tenantId: 't1', type: 'incident.partially_recovered' },
    ]);
    expect(await valueOf(m, METRIC.incidentsOpened)).toBe(1);
    expect(await valueOf(m, METRIC.incidentsClosed, { outcome: 'partially_recovered' })).toBe(1);
    expect(await valueOf(m, METRIC.fenceAttempts, { agent: 'fence_ipmilan', result: 'ok' })).toBe(1);
    // free text never becomes a label value
    expect(await valueOf(m, METRIC.fenceAttempts, { agent: 'other', result: 'error' })).toBe(1);
    expect(await valueOf(m, METRIC.rtoMisses)).toBe(1);
    const text = await m.registry.metrics();
    expect(text).toContain('haaas_time_to_recover_seconds_count{process="bench",rto="met"} 1');
    expect(text).toContain('haaas_time_to_recover_seconds_sum{process="bench",rto="missed"} 95');
    expect(text).toContain('haaas_recovery_duration_seconds_sum{process="bench",rto="met"} 3');
    // no object ids unless asked for
    expect(text).not.toContain('s1');
  });

  it('labels the recovery series with tenant and service only when told to', async () => {
    const m = new HaaasMetrics({ process: 'bench', processMetrics: false, objectLabels: true });
    eventMetricsObserver(m)([{ tenantId: 't1', type: 'service.recovery_failed', objectId: 's9', after: { rto: 'MISSED' } }]);
    expect(await valueOf(m, METRIC.rtoMisses, { tenant: 't1', service: 's9' })).toBe(1);
    expect(await valueOf(m, METRIC.serviceRecoveries, { result: 'failed', rto: 'missed' })).toBe(1);
  });

  it('times hypervisor calls through the adapters, passing everything else through', async () => {
    const m = fresh();
    const host = { capabilities: {}, probe: async () => ({}), startVm: async () => { throw new Error('no'); }, close: async () => undefined } as unknown as HypervisorHost;
    const adapter = { hypervisor: Hypervisor.KVM, connect: () => host, stats: () => ({ opened: 3 }) } as unknown as HypervisorAdapter & { stats(): { opened: number } };
    const wrapped = instrumentAdapters(new Map([[Hypervisor.KVM, adapter]]), m).get(Hypervisor.KVM) as typeof adapter;
    expect(wrapped.stats().opened).toBe(3);
    const h = wrapped.connect({ uri: 'test:///default' });
    await h.probe({ signal: new AbortController().signal });
    await expect(h.startVm('vm', { signal: new AbortController().signal })).rejects.toThrow('no');
    await h.close();
    expect(await valueOf(m, METRIC.hypervisorCalls, { adapter: 'kvm', call: 'probe', result: 'ok' })).toBe(1);
    expect(await valueOf(m, METRIC.hypervisorCalls, { adapter: 'kvm', call: 'startVm', result: 'error' })).toBe(1);
    expect(await valueOf(m, METRIC.hypervisorCalls, { call: 'close' })).toBeUndefined();
  });

  it('counts the detector passes it led, and when the last was', async () => {
    const m = fresh();
    let ticks = 0;
    let leading = false;
    const detector = { tick: async () => { if (leading) ticks += 1; }, stats: () => ({ leading, ticks }) };
    instrumentDetector(detector, m);
    await detector.tick();
    expect(await valueOf(m, METRIC.detectorLastPass)).toBe(0);
    leading = true;
    await detector.tick();
    await detector.tick();
    expect(await valueOf(m, METRIC.detectorPasses)).toBe(2);
    expect(await valueOf(m, METRIC.detectorLeading)).toBe(1);
    expect(Date.now() / 1000 - ((await valueOf(m, METRIC.detectorLastPass)) ?? 0)).toBeLessThan(60);
  });
});
