import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckRunner } from './check.runner';
import { storageCheck } from './storage.check';

describe('storage check', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-storage-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes and syncs a file of its host in the shared directory', async () => {
    const result = await storageCheck(dir, 'kvm 1/a')();
    expect(result).toMatchObject({ ok: true, detail: expect.stringMatching(/^wrote and synced .*\.haaas-agent-kvm_1_a in \d+ ms$/) });
    expect(JSON.parse(await readFile(join(dir, '.haaas-agent-kvm_1_a'), 'utf8'))).toMatchObject({ host: 'kvm 1/a' });
  });

  it('fails, saying why, when the directory is not there', async () => {
    const result = await new CheckRunner('storage write', storageCheck(join(dir, 'gone'), 'h'), 1000).run();
    expect(result).toEqual({ ok: false, detail: expect.stringMatching(/ENOENT: no such file or directory, open '.*gone\/\.haaas-agent-h'/) });
  });

  it('reports a write that hangs as failed at its deadline, and does not start another while it hangs', async () => {
    // a FIFO without a reader: open() for writing blocks in a libuv thread, as a dead NFS mount does
    const fifo = join(dir, '.haaas-agent-h');
    execFileSync('mkfifo', [fifo]);
    let calls = 0;
    const check = storageCheck(dir, 'h');
    const runner = new CheckRunner('storage write', () => (calls++, check()), 300);
    const t0 = performance.now();
    const first = await runner.run();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(first).toEqual({ ok: false, detail: expect.stringMatching(/^storage write: no answer after 0\.3 s \(timeout 300 ms\)$/) });
    const t1 = performance.now();
    const second = await runner.run();
    expect(performance.now() - t1).toBeLessThan(100);
    expect(second.ok).toBe(false);
    expect(calls).toBe(1);
    // a reader comes: the stuck open returns (and fsync on a pipe fails), so the next run is a new one
    const reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      for (let i = 0; i < 50 && calls === 1; i++) {
        await new Promise((r) => setTimeout(r, 20));
        await runner.run();
      }
      expect(calls).toBe(2);
    } finally {
      await reader.close();
    }
    await rm(fifo);
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 50; i++) {
      const r = await runner.run();
      if (r.ok) return;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error('the check did not recover once the FIFO was gone');
  });
});
