// Bundles the `haaas` command (apps/cli/src with @haaas/sdk, yargs, cli-table3, yaml, ws and
// graphql-ws) into one file, dist/haaas.js, so that the packed tarball installs with no
// dependency at all (`npm install -g haaas-cli-*.tgz` works offline). The repository's own bin
// (bin/haaas.js) runs the sources instead. The bundling shared with the agent: tools/bundle-executable.mjs.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleExecutable } from '../../../tools/bundle-executable.mjs';

await bundleExecutable({
  root: join(dirname(fileURLToPath(import.meta.url)), '..'),
  outFile: 'haaas.js',
  entry: { stdin: "require('./src/main.ts').main();" },
  label: 'haaas',
  // ws's optional native speed-ups: absent is fine (ws falls back to JS)
  options: { external: ['bufferutil', 'utf-8-validate'] },
});
