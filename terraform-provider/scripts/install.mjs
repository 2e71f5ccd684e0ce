// Installs the built provider (dist/mirror) into the user's implied local mirror directories:
// ~/.terraform.d/plugins (Terraform) and ~/.local/share/opentofu/plugins (OpenTofu; also read
// from ~/.terraform.d/plugins). Usage: node scripts/install.mjs [pluginsDir]
import { cpSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const mirror = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'dist', 'mirror');
if (!existsSync(mirror)) {
  process.stderr.write('No build found: run `npm run build` first\n');
  process.exit(1);
}
const targets = process.argv[2] ? [resolve(process.argv[2])] : [join(homedir(), '.terraform.d', 'plugins'), join(homedir(), '.local', 'share', 'opentofu', 'plugins')];
for (const dir of targets) {
  cpSync(mirror, dir, { recursive: true });
  process.stdout.write(`installed haaas/haaas into ${dir}\n`);
}
