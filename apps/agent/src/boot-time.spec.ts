import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootTime } from './boot-time';

describe('bootTime', () => {
  it('reads btime from /proc/stat and stays the same between reads', () => {
    const a = bootTime();
    expect(a).toBeLessThan(Date.now());
    expect(a % 1000).toBe(0);
    expect(bootTime()).toBe(a);
  });

  it('parses btime out of a stat file, and falls back to the uptime when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'boot-time-'));
    try {
      writeFileSync(join(dir, 'stat'), 'cpu  1 2 3\nbtime 1769860800\nprocesses 42\n');
      expect(bootTime(join(dir, 'stat'))).toBe(1769860800000);
      const fallback = bootTime(join(dir, 'missing'));
      expect(Math.abs(fallback - bootTime())).toBeLessThanOrEqual(2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
