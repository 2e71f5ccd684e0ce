/**
 * Waiting for an Operation: on a terminal one line redrawn in place (spinner, progress bar,
 * current step); piped, a plain line per change. Ctrl-C stops waiting, not the operation.
 */
import type { HaaasClient, Operation } from '@haaas/sdk';

const FRAMES = ['|', '/', '-', '\\'];

/** Ctrl-C ended a command that only watched (exit code 130). */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Thrown when the user stopped waiting (Ctrl-C): exit code 130, the operation goes on. */
export class WaitInterrupted extends Error {
  constructor(readonly operationId: string) {
    super(`stopped waiting; operation ${operationId} goes on. Resume with: haaas operation wait ${operationId}`);
  }
}

export interface WaitIo {
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Resolves on SIGINT. */
  readonly interrupted: AbortSignal;
}

export function describe(op: Operation): string {
  const step = [...op.steps].reverse().find((s) => s.state !== 'PENDING') ?? op.steps[0];
  return `${op.kind} ${op.state} ${op.progress}%${step ? ` ${step.name}${step.message ? `: ${step.message}` : ''}` : ''}`;
}

function bar(progress: number, width = 20): string {
  const full = Math.round((Math.max(0, Math.min(100, progress)) / 100) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export async function waitWithProgress(client: HaaasClient, op: Operation, timeoutMs: number, io: WaitIo): Promise<Operation> {
  const tty = io.stderr.isTTY === true;
  let frame = 0;
  let lastLine = '';
  let current = op;
  const draw = (): void => {
    if (!tty) return;
    const line = `${FRAMES[frame++ % FRAMES.length]} ${bar(current.progress)} ${describe(current)}`.slice(0, (io.stderr.columns ?? 80) - 1);
    io.stderr.write(`\r\x1b[K${line}`);
  };
  const spinner = tty ? setInterval(draw, 120) : undefined;
  try {
    return await client.operations.wait(op.id, {
      timeoutMs,
      signal: io.interrupted,
      resolveOnFailure: true,
      pollIntervalMs: 500,
      onProgress: (o) => {
        current = o;
        const line = describe(o);
        if (tty) draw();
        else if (line !== lastLine) io.stderr.write(`${line}\n`);
        lastLine = line;
      },
    });
  } catch (error) {
    if (io.interrupted.aborted) throw new WaitInterrupted(op.id);
    throw error;
  } finally {
    if (spinner) clearInterval(spinner);
    if (tty) io.stderr.write('\r\x1b[K');
  }
}
