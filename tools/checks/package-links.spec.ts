import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The project's address is decided once, in the root package.json (`repository`); every package
// that leaves the repository (published or packed) points at it, at its own folder.
const ROOT = join(__dirname, '..', '..');
const manifest = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Record<string, unknown>;

describe('the project address in package manifests', () => {
  const root = manifest('.') as { repository: { type: string; url: string }; homepage: string; bugs: { url: string } };
  const base = /^git\+(https:\/\/github\.com\/[\w-]+\/[\w-]+)\.git$/.exec(root.repository.url)?.[1];

  it('is one GitHub repository, named in the root package.json', () => {
    expect(base).toEqual(expect.stringMatching(/^https:\/\/github\.com\//));
    expect(root).toMatchObject({ homepage: `${base}#readme`, bugs: { url: `${base}/issues` } });
  });

  it.each(['sdk', 'apps/cli', 'terraform-provider'])('%s/package.json points at that repository and its own folder', (dir) => {
    expect(manifest(dir)).toMatchObject({
      repository: { type: 'git', url: root.repository.url, directory: dir },
      homepage: `${base}/tree/main/${dir}#readme`,
      bugs: { url: root.bugs.url },
    });
  });
});
