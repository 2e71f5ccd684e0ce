import { HeartbeatSource, Hypervisor } from './enums';
import { BadInputError, Problems } from './errors';
import { checkHeartbeatSource, usesAgentHeartbeats, usesManagerHeartbeats } from './heartbeat-source';

describe('heartbeat source', () => {
  const problems = (h: Hypervisor, s: HeartbeatSource | undefined): string[] => {
    const p = new Problems();
    checkHeartbeatSource(p, 'heartbeatSource', h, s);
    try {
      p.throwIfAny();
      return [];
    } catch (err) {
      return (err as BadInputError).problems.map((x) => x.message);
    }
  };

  it('accepts AGENT everywhere and MANAGER/BOTH where a manager channel exists', () => {
    for (const h of Object.values(Hypervisor)) expect(problems(h, HeartbeatSource.AGENT)).toEqual([]);
    expect(problems(Hypervisor.VSPHERE, HeartbeatSource.MANAGER)).toEqual([]);
    expect(problems(Hypervisor.VSPHERE, HeartbeatSource.BOTH)).toEqual([]);
    expect(problems(Hypervisor.HYPERV, HeartbeatSource.MANAGER)).toEqual([]);
    expect(problems(Hypervisor.KVM, undefined)).toEqual([]);
  });

  it('refuses MANAGER on KVM with a message that says what to use', () => {
    expect(problems(Hypervisor.KVM, HeartbeatSource.MANAGER)).toEqual([expect.stringContaining('use AGENT')]);
    expect(problems(Hypervisor.KVM, 'NOPE' as HeartbeatSource)).toEqual([expect.stringContaining('unknown heartbeat source')]);
  });

  it('says which channels a source reads', () => {
    expect([usesAgentHeartbeats(HeartbeatSource.AGENT), usesManagerHeartbeats(HeartbeatSource.AGENT)]).toEqual([true, false]);
    expect([usesAgentHeartbeats(HeartbeatSource.MANAGER), usesManagerHeartbeats(HeartbeatSource.MANAGER)]).toEqual([false, true]);
    expect([usesAgentHeartbeats(HeartbeatSource.BOTH), usesManagerHeartbeats(HeartbeatSource.BOTH)]).toEqual([true, true]);
  });
});
