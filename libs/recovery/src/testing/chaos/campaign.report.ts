import type { CampaignReport } from './fault-campaign';
import { FAULT_KINDS } from './faults';
import { Answer } from './api-writer';
import { Invariant } from './invariants';

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const s = (ms: number | null): string => (ms === null ? '-' : (ms / 1000).toFixed(1));

/** The campaign's table (Markdown): faults by kind with their outcomes and recovery times, then the invariants. */
export function formatReport(r: CampaignReport): string {
  const lines = [
    `Fault campaign, seed ${r.seed}: ${r.rounds.length} faults, ${r.rounds.reduce((n, x) => n + x.services, 0)} services failed over, ${(r.durationMs / 1000).toFixed(0)} s`,
    '',
    '| fault | count | landed mid-recovery | incidents RECOVERED | other outcomes | violations | crash → settled, median (s) | p95 (s) | max (s) | API writes acked / refused / unclean |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const row = (label: string, rounds: CampaignReport['rounds']): string => {
    const times = rounds.map((x) => x.recoveryMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
    const other = new Map<string, number>();
    for (const x of rounds) if (x.outcome !== 'RECOVERED') other.set(x.outcome, (other.get(x.outcome) ?? 0) + 1);
    const api = (a: Answer): number => rounds.reduce((n, x) => n + x.api[a], 0);
    return `| ${label} | ${rounds.length} | ${rounds.filter((x) => x.midRecovery).length} | ${rounds.filter((x) => x.outcome === 'RECOVERED').length} | ${[...other].map(([k, n]) => `${k} ${n}`).join(', ') || '-'} | ${rounds.reduce((n, x) => n + x.violations.length, 0)} | ${s(percentile(times, 50))} | ${s(percentile(times, 95))} | ${s(times[times.length - 1] ?? null)} | ${api(Answer.ACKED)} / ${api(Answer.REFUSED)} / ${api(Answer.UNCLEAN)} |`;
  };
  for (const kind of FAULT_KINDS) {
    const rounds = r.rounds.filter((x) => x.kind === kind);
    if (rounds.length > 0) lines.push(row(kind, rounds));
  }
  lines.push(row('**all**', r.rounds));
  const restarts = r.rounds.filter((x) => x.database !== undefined);
  if (restarts.length > 0) {
    const back = restarts.map((x) => x.database).filter((x): x is NonNullable<typeof x> => x !== null && x !== undefined);
    const times = back.map((x) => x.backMs).sort((a, b) => a - b);
    lines.push('', `Database restarts: ${restarts.length}, back ${back.length}/${restarts.length} (${back[0]?.back ?? 'none back'}); kill → back median ${s(percentile(times, 50))} s, max ${s(times[times.length - 1] ?? null)} s`);
  }
  lines.push('', '| invariant (checked after every fault, against libvirt and the BMC) | violations |', '| --- | ---: |');
  for (const inv of Object.values(Invariant)) lines.push(`| ${inv} | ${r.violations.filter((v) => v.invariant === inv).length} |`);
  for (const v of r.violations) lines.push(`- round ${v.round + 1}: ${v.invariant}: ${v.detail}`);
  return lines.join('\n');
}
