// The registry-format docs are generated from the schemas and examples/ (`npm run docs`): committed
// copies that differ from what they give now fail here. The examples are in `terraform fmt` style
// (checked with the real Terraform when it is installed; fmt needs no provider).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docFiles } from '../src/docs';
import { findTerraform } from './support/cli';

const EXAMPLES = join(__dirname, '..', 'examples');

describe('terraform-provider docs', () => {
  const files = docFiles(EXAMPLES);

  it.each(files.map((f) => [f.path, f.text]))('%s is up to date (npm run docs in terraform-provider/)', (path, text) => {
    expect(readFileSync(join(__dirname, '..', 'docs', path), 'utf8')).toBe(text);
  });

  it('has no page that the schemas no longer give', () => {
    const committed = ['index.md', ...['resources', 'data-sources'].flatMap((d) => readdirSync(join(__dirname, '..', 'docs', d)).map((f) => `${d}/${f}`))];
    expect(committed.sort()).toEqual(files.map((f) => f.path).sort());
  });

  it('the examples are formatted as `terraform fmt` writes them', () => {
    const terraform = findTerraform();
    if (!terraform) return;
    const out = execFileSync(terraform.bin, ['fmt', '-check', '-list=true', '-recursive', EXAMPLES], { encoding: 'utf8', env: { PATH: process.env['PATH'], CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' } });
    expect(out).toBe('');
  });
});
