import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from './check.types';

/**
 * The shared-storage check: writes a small file of this host's into the shared directory and
 * fsyncs it, so the write has reached the storage (an NFS COMMIT, a block device's cache flush)
 * rather than the page cache. A host that cannot do this cannot run its VMs' disks either.
 */
export function storageCheck(dir: string, host = hostname()): () => Promise<CheckResult> {
  // one file per host: hosts sharing the directory do not overwrite each other's
  const file = join(dir, `.haaas-agent-${host.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  return async () => {
    const started = performance.now();
    const handle = await open(file, 'w', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify({ host, at: new Date().toISOString() })}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { ok: true, detail: `wrote and synced ${file} in ${Math.round(performance.now() - started)} ms` };
  };
}
