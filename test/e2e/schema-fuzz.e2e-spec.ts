import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestApi, TestApi } from './support/api';
import { seedTenant } from './support/seed';

/**
 * A schema-driven fuzz run of the GraphQL API: schemathesis 4.x (PyPI; tools/install-schemathesis.sh,
 * run by .ci/run and, if it has not run, by this test) reads the schema by introspection (on for this
 * API, off in production) and sends a bounded number of generated requests per query and mutation,
 * with an admin's token on a tenant with data. This test reads every exchange it recorded (HAR) and
 * fails on a 5xx, an INTERNAL_SERVER_ERROR, a stack trace, SQL or a file path in any response.
 * schemathesis's own checks are off: for GraphQL they count every `errors` entry as a failure, the
 * NOT_FOUND or BAD_USER_INPUT that random input is meant to get included.
 */
const VENV = process.env['HAAAS_SCHEMATHESIS_VENV'] ?? join(homedir(), '.cache', 'haaas', 'schemathesis-venv');
const BIN = join(VENV, 'bin', 'schemathesis');
const EXAMPLES_PER_OPERATION = process.env['HAAAS_FUZZ_EXAMPLES'] ?? '6';

/** What no response may contain: internals a client must never see. */
const LEAKS: [string, RegExp][] = [
  ['INTERNAL_SERVER_ERROR', /INTERNAL_SERVER_ERROR/],
  ['stack trace', /\bat [\w$.<>]+ \(|\.(ts|js):\d+:\d+|stacktrace/i],
  ['SQL', /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b.*\b(FROM|SET|VALUES|WHERE)\b|\bER_[A-Z_]+|sqlMessage|sqlState/],
  ['file path', /(\/work\/|\/home\/|\/root\/|\/tmp\/|node_modules|\/usr\/(lib|local)\/)/],
];

interface HarEntry {
  request: { postData?: { text?: string } };
  response: { status: number; content: { text?: string } };
}

describe('schema fuzz (schemathesis)', () => {
  let api: TestApi;
  let dir: string;

  beforeAll(async () => {
    // cached under ~/.cache/haaas; installs once from PyPI when .ci/run has not
    if (!existsSync(BIN)) execFileSync('bash', [resolve(__dirname, '../../tools/install-schemathesis.sh')], { stdio: 'inherit' });
    api = await startTestApi({ HAAAS_GRAPHQL_INTROSPECTION: 'true' });
    const admin = await api.token('fuzz-co', ['admin'], 'fuzzer');
    await seedTenant(api, admin, 'fuzz');
    dir = mkdtempSync(join(tmpdir(), 'haaas-fuzz-'));
  }, 180_000);
  afterAll(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers every generated request without a 5xx, an internal error, a stack trace, SQL or a path', async () => {
    const token = await api.token('fuzz-co', ['admin'], 'fuzzer');
    const har = join(dir, 'run.har');
    const args = ['run', `${api.url}/graphql`, '-H', `Authorization: Bearer ${token}`, '--max-examples', EXAMPLES_PER_OPERATION, '--phases', 'fuzzing', '--continue-on-failure', '--exclude-checks', 'all', '--seed', '12', '--no-shrink', '--workers', '2', '--generation-database', 'none', '--report', 'har', '--report-har-path', har];
    const started = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
      // its own cwd: schemathesis keeps a .schemathesis/ cache where it runs
      const child = spawn(BIN, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (c) => done({ code: c, output: out }));
    });
    const seconds = (Date.now() - started) / 1000;
    const summary = output.slice(output.lastIndexOf('SUMMARY'));
    // Its GraphQL checks stay on whatever --exclude-checks says: ST206 is any refusal of the query
    // (BAD_USER_INPUT for random input), ST113 any other error with a path (NOT_FOUND of a random id).
    // Those are answers on purpose, judged below; anything else (an error of the run itself) fails.
    const kinds = [...summary.matchAll(/❌ (\S+)[^:\n]*:/g)].map((m) => m[1]);
    expect({ code, unexpected: kinds.filter((k) => k !== 'ST113' && k !== 'ST206'), errors: /\n\s*Errors?\b/.test(summary) ? summary : '' }).toEqual({ code: kinds.length ? 1 : 0, unexpected: [], errors: '' });

    const entries = (JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries;
    expect(entries.length).toBeGreaterThan(100);
    const shown = (e: HarEntry): string => `${e.response.status} ${e.request.postData?.text?.slice(0, 200) ?? ''} -> ${(e.response.content.text ?? '').slice(0, 300)}`;
    expect(entries.filter((e) => !(e.response.status > 0)).map(shown)).toEqual([]);
    expect(entries.filter((e) => e.response.status >= 500).map(shown)).toEqual([]);
    const leaks = LEAKS.flatMap(([what, re]) => entries.filter((e) => re.test(e.response.content.text ?? '')).map((e) => `${what}: ${shown(e)}`));
    expect(leaks).toEqual([]);
    const ok = entries.filter((e) => e.response.status === 200 && !(e.response.content.text ?? '').includes('"errors"')).length;
    console.log(`schemathesis: ${entries.length} requests in ${seconds.toFixed(1)} s (${ok} answered without errors), 0 5xx, 0 leaks`);
  }, 240_000);
});
