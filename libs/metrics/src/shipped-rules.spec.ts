import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { findBinary } from '@haaas/devstack';
import { HaaasMetrics } from './haaas.metrics';
import { METRIC } from './metric-names';

const ROOT = join(__dirname, '..', '..', '..');
const ALERTS = join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
const ALERT_TESTS = join(ROOT, 'deploy', 'prometheus', 'alerts.test.yml');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'haaas.json');
const DOCS = join(ROOT, 'docs', 'observability.md');

function promtool(...args: string[]): { status: number | null; out: string } {
  const bin = findBinary('promtool');
  if (!bin) throw new Error('promtool not found: install the Debian package prometheus (test/peers/debian-packages.txt)');
  const run = spawnSync(bin, args, { encoding: 'utf8', cwd: join(ROOT, 'deploy', 'prometheus') });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/** Metric names in a PromQL expression (ours and the Node.js process metrics), histogram series folded to their metric. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:haaas|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => (m[1] ?? '').replace(/_(bucket|sum|count)$/, ''));
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
}
const rules = (parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; type: string; targets?: { expr: string }[] }[] };
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

describe('shipped alert rules and dashboard (deploy/)', () => {
  it('pass promtool check rules', () => {
    const r = promtool('check', 'rules', ALERTS);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it('fire as their unit tests expect (promtool test rules)', () => {
    const r = promtool('test', 'rules', ALERT_TESTS);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('cover what issue 15 asks to be alerted on', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining(['HaaasNodeFailed', 'HaaasIncidentAwaitingOperator', 'HaaasFencingFailed', 'HaaasRtoMissed', 'HaaasQueueJobsStalled', 'HaaasQueueNotDraining', 'HaaasDetectorNotRunning']),
    );
  });

  it('name only metrics the registry has (rules, dashboard, rule tests)', () => {
    const registry = new HaaasMetrics({ process: 'bench' }).registry;
    const tests = readFileSync(ALERT_TESTS, 'utf8');
    const named = new Set([...rules.flatMap((r) => metricsIn(r.expr)), ...exprs.flatMap(metricsIn), ...metricsIn(tests)]);
    expect(named.size).toBeGreaterThan(15);
    expect([...named].filter((n) => !registry.getSingleMetric(n))).toEqual([]);
  });

  it('the dashboard shows every metric of ours, and the docs list them all', () => {
    const shown = new Set(exprs.flatMap(metricsIn));
    const docs = readFileSync(DOCS, 'utf8');
    for (const name of Object.values(METRIC)) {
      expect({ name, shown: shown.has(name) }).toEqual({ name, shown: true });
      expect({ name, documented: docs.includes(name) }).toEqual({ name, documented: true });
    }
  });
});
