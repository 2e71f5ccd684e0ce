import { readFileSync } from 'node:fs';
import type { LibvirtHosts } from '@haaas/adapter-kvm/testing';

// What the surviving hosts' libvirt says about a domain, read from their `virsh event` logs.

const escaped = (vm: string): string => vm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const startedPattern = (vm: string): RegExp => new RegExp(`for domain '${escaped(vm)}': Started `);

/** `Started` lifecycle events of a domain in one surviving host's libvirt event log (0 when there is none). */
export function startsOn(hosts: LibvirtHosts, vm: string, host: string): number {
  const pattern = startedPattern(vm);
  try {
    return readFileSync(hosts.host(host).eventsLog, 'utf8').split('\n').filter((l) => pattern.test(l)).length;
  } catch {
    return 0;
  }
}

/** The surviving hosts' event logs, skipping those not written yet. */
function eventLogs(hosts: LibvirtHosts): string[] {
  const texts: string[] = [];
  for (const h of hosts.hosts) {
    try {
      texts.push(readFileSync(h.eventsLog, 'utf8'));
    } catch {
      continue;
    }
  }
  return texts;
}

/** `Started` lifecycle events of a domain in all surviving hosts' libvirt event logs. */
export function startsOf(hosts: LibvirtHosts, vm: string): number {
  const pattern = startedPattern(vm);
  return eventLogs(hosts).reduce((n, text) => n + text.split('\n').filter((l) => pattern.test(l)).length, 0);
}

/** When the surviving hosts' libvirt logged `Started` for a domain (ms, from `virsh event --timestamp`), earliest first. */
export function startTimes(hosts: LibvirtHosts, vm: string): number[] {
  const pattern = new RegExp(`^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+)([+-]\\d{4}): .*for domain '${escaped(vm)}': Started `);
  const times: number[] = [];
  for (const text of eventLogs(hosts)) {
    for (const line of text.split('\n')) {
      const m = pattern.exec(line);
      if (m) times.push(Date.parse(`${(m[1] as string).replace(' ', 'T')}${(m[2] as string).replace(/(\d\d)(\d\d)$/, '$1:$2')}`));
    }
  }
  return times.sort((x, y) => x - y);
}
