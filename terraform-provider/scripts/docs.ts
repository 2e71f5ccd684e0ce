// Writes docs/ (registry format) from the schemas; test/docs.spec.ts fails when they are stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { docFiles } from '../src/docs';

const root = join(__dirname, '..', 'docs');
const files = docFiles();
for (const f of files) {
  mkdirSync(dirname(join(root, f.path)), { recursive: true });
  writeFileSync(join(root, f.path), f.text);
}
process.stdout.write(`wrote ${files.length} docs into ${root}\n`);
