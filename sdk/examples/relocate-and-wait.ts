/**
 * Moves a service to another node and follows the operation to its end, printing its progress.
 *
 *   HAAAS_URL=... HAAAS_TOKEN=... npx tsx relocate-and-wait.ts <serviceId> [targetNodeId]
 */
import { HaaasClient, OperationFailedError, PreconditionFailedError, TimeoutError } from '@haaas/sdk';

const client = new HaaasClient({ url: process.env['HAAAS_URL'] ?? 'http://127.0.0.1:4000', token: process.env['HAAAS_TOKEN'] ?? '' });

async function main(serviceId: string, targetNodeId?: string): Promise<void> {
  // without a target, placement picks the best node of the service's failover domain
  const op = await client.services.relocate(serviceId, targetNodeId ? { targetNodeId } : {});
  console.log(`operation ${op.id} ${op.state}`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted (the operation goes on)')));
  try {
    const done = await client.waitForOperation(op.id, {
      signal: controller.signal,
      timeoutMs: 10 * 60_000,
      onProgress: (o) => console.log(`${String(o.progress).padStart(3)}% ${o.state} ${o.steps.find((s) => s.state === 'RUNNING')?.name ?? ''}`),
    });
    console.log(`done: the service runs on ${done.targetNodeId}`);
  } catch (e) {
    if (e instanceof OperationFailedError) console.error(`failed: ${e.operation.error}`);
    else if (e instanceof TimeoutError) console.error(`still ${e.operation?.state} after 10 minutes`);
    else if (e instanceof PreconditionFailedError) console.error(`refused: ${e.message}`);
    else throw e;
    process.exitCode = 1;
  }
}

const [serviceId, targetNodeId] = process.argv.slice(2);
if (!serviceId) {
  console.error('usage: relocate-and-wait <serviceId> [targetNodeId]');
  process.exit(2);
}
main(serviceId, targetNodeId).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
