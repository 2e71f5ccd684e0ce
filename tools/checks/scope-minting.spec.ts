// Scopes are minted in two places only (ADR 0002): a user's by the auth guard from a verified token
// (`TenantScope.of`), a system actor's by `TenantScope.system`. An admin scope made by hand
// elsewhere (`TenantScope.of(..., { roles: ['admin'] })`) is how a component used to pass for an
// admin user; this fails on a new one. Tests and test harnesses may mint what they need.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const TEST_CODE = /(\.spec\.ts|\.int-spec\.ts|\.e2e-spec\.ts|\.harness\.ts)$|(^|\/)testing\//;
/** Where TenantScope.of may be called outside tests, and why. */
const MINTS_USER_SCOPES: Readonly<Record<string, string>> = {
  'libs/auth/src/jwt-auth.guard.ts': 'the one place a verified token becomes a user scope',
  'libs/domain/src/tenancy.ts': "TenantScope.requestedBy: the user who asked for a system actor's work",
};

export function scopeMintingProblems(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of files) {
    if (TEST_CODE.test(file)) continue;
    text.split('\n').forEach((line, i) => {
      if (line.includes('TenantScope.of(') && !(file in MINTS_USER_SCOPES)) problems.push(`${file}:${i + 1}: TenantScope.of outside the auth guard: a system actor's scope is TenantScope.system(tenantId, SystemActor.X)`);
      if (/roles:\s*\[\s*'admin'\s*\]/.test(line) && file !== 'libs/domain/src/tenancy.ts') problems.push(`${file}:${i + 1}: an admin role given by hand: use TenantScope.system for a system actor`);
    });
  }
  return problems;
}

describe('scope minting', () => {
  it('no TenantScope.of or hand-made admin role outside the auth guard, the domain and tests', () => {
    const list = execFileSync('git', ['ls-files', '-z', '--', 'libs/*.ts', 'apps/*.ts'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    const files = new Map(list.map((f) => [f, readFileSync(resolve(root, f), 'utf8')]));
    expect(scopeMintingProblems(files)).toEqual([]);
  });

  it('fails on a component minting an admin scope by hand, and leaves tests alone', () => {
    const bad = "const scope = TenantScope.of(tenantId, { subject: 'system:detector', roles: ['admin'] });";
    expect(scopeMintingProblems(new Map([['libs/detector/src/x.ts', bad]]))).toEqual([
      expect.stringContaining('libs/detector/src/x.ts:1: TenantScope.of outside the auth guard'),
      expect.stringContaining('libs/detector/src/x.ts:1: an admin role given by hand'),
    ]);
    expect(scopeMintingProblems(new Map([['libs/detector/src/x.spec.ts', bad], ['libs/auth/src/jwt-auth.guard.ts', 'TenantScope.of(t, principal)']]))).toEqual([]);
  });
});
