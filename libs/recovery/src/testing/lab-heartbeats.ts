import { connectRedis } from '@haaas/config';
import { HeartbeatStore } from '@haaas/heartbeats';
import { LAB_TENANT, type Seeded } from './lab-types';

/** The nodes' agents of the lab: one beat a second for each beating node (cluster id → node ids). */
export interface LabHeartbeats {
  /** Every node of a new cluster beats from now on; the first beat is written before this resolves. */
  beatCluster(clusterId: string, nodeIds: readonly string[]): Promise<void>;
  /** Starts (`on`) or stops one host's beats. */
  beats(seeded: Seeded, host: string, on: boolean): void;
  stop(): void;
}

export function startLabHeartbeats(redisUrl: string): LabHeartbeats {
  const hbRedis = connectRedis(redisUrl, { maxRetriesPerRequest: 1, connectionName: 'lab-heartbeats' });
  hbRedis.on('error', () => undefined); // the Redis of the lab is stopped on purpose in some tests
  const heartbeats = new HeartbeatStore(hbRedis);
  const beating = new Map<string, Set<string>>();
  const bootTime = Date.now() - 3_600_000;
  const beatAll = async (): Promise<void> => {
    const now = Date.now();
    await Promise.all(
      [...beating].flatMap(([clusterId, ids]) =>
        [...ids].map((nodeId) => heartbeats.record({ tenantId: LAB_TENANT, clusterId, nodeId }, { sentAt: now, bootTime, checks: {}, agentVersion: 'lab' }).catch(() => undefined)),
      ),
    );
  };
  const ticker = setInterval(() => void beatAll(), 1000);
  return {
    async beatCluster(clusterId, nodeIds) {
      beating.set(clusterId, new Set(nodeIds));
      await beatAll();
    },
    beats(seeded, host, on) {
      const id = seeded.nodes[host];
      if (!id) throw new Error(`no host ${host}`);
      const set = beating.get(seeded.clusterId) ?? new Set<string>();
      if (on) set.add(id);
      else set.delete(id);
      beating.set(seeded.clusterId, set);
    },
    stop() {
      clearInterval(ticker);
      hbRedis.disconnect();
    },
  };
}
