// The registry-format docs are generated from the schemas (`npm run docs`): committed copies that
// differ from what the schemas give now fail here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docFiles } from '../src/docs';

describe('terraform-provider docs', () => {
  it.each(docFiles().map((f) => [f.path, f.text]))('%s is up to date (npm run docs in terraform-provider/)', (path, text) => {
    expect(readFileSync(join(__dirname, '..', 'docs', path), 'utf8')).toBe(text);
  });
});
