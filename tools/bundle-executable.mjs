// One esbuild bundling for the repository's shipped executables (the `haaas` CLI, the node agent):
// a single CommonJS file for Node 20 with a shebang, minified, made executable, so the packed
// tarball needs no dependency and no TypeScript at run time. Each package's scripts/build.mjs says
// what differs (entry, externals, names). Logs on stderr: `npm pack --json` runs it first and its
// stdout must stay JSON.
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const workspaceTsconfig = join(dirname(new URL(import.meta.url).pathname), '..', 'tsconfig.json');

/**
 * @param {{ root: string, outFile: string, entry: { file: string } | { stdin: string }, label: string, options?: import('esbuild').BuildOptions }} spec
 */
export async function bundleExecutable({ root, outFile, entry, label, options = {} }) {
  const out = join(root, 'dist', outFile);
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  await build({
    ...('file' in entry ? { entryPoints: [join(root, entry.file)] } : { stdin: { contents: entry.stdin, resolveDir: root, loader: 'js' } }),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    // tsconfig's paths: @haaas/* -> the workspace's sources
    tsconfig: workspaceTsconfig,
    banner: { js: '#!/usr/bin/env node' },
    minify: true,
    legalComments: 'linked',
    logLevel: 'warning',
    ...options,
  });
  chmodSync(out, 0o755);
  console.error(`built ${out} (${label})`);
  return out;
}
