import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';

/**
 * When the host booted (ms since the epoch). /proc/stat's `btime` is exact and the same on every
 * read; now minus os.uptime() (other systems) moves by a second between reads, so it is rounded.
 */
export function bootTime(procStat = '/proc/stat'): number {
  try {
    const m = /^btime\s+(\d+)$/m.exec(readFileSync(procStat, 'utf8'));
    if (m?.[1]) return Number(m[1]) * 1000;
  } catch {
    // not Linux: fall through
  }
  return Math.round(Date.now() / 1000 - uptime()) * 1000;
}
