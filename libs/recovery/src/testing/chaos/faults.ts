import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The faults the campaign injects, one per round, while host `a` fails and its services are recovered. */
export enum FaultKind {
  /** The host crash alone: the baseline every other kind adds to. */
  HOST_CRASH = 'host-crash',
  /** A recovery worker holding a service is killed (SIGKILL); a replacement is started. */
  WORKER_SIGKILL = 'worker-sigkill',
  /** A recovery worker is frozen (SIGSTOP) for longer than its job lock, then continued. */
  WORKER_SIGSTOP = 'worker-sigstop',
  /** Redis is stopped and started empty during the recovery (jobs and heartbeats lost). */
  REDIS_LOST = 'redis-restart-empty',
  /** MariaDB is restarted during the recovery. */
  MARIADB_RESTART = 'mariadb-restart',
  /** The failed host's BMC does not answer (ipmi_sim frozen) when fencing starts, then answers again. */
  BMC_SILENT = 'bmc-silent',
  /** The first fencing level's BMC credentials are refused; the second level's are right. */
  BMC_WRONG_PASSWORD = 'bmc-wrong-password',
  /** A survivor's agent goes silent (no heartbeats) while its host stays up. */
  AGENT_SILENCED = 'agent-silenced',
  /** A survivor's libvirtd is frozen (SIGSTOP) during the recovery, then continued. */
  HYPERVISOR_PAUSED = 'hypervisor-paused',
  /** A survivor (`c`) crashes while the failed host's services are being started: a second incident, fenced by an operator's confirmation. */
  SURVIVOR_CRASH = 'survivor-crash-during-recovery',
  /** A recovery worker restarted with its clock shifted (within the documented tolerance: fencing times only). */
  WORKER_CLOCK_SHIFT = 'worker-clock-shift',
  /** One of the two API replicas is killed (SIGKILL) while a client writes through them, then started again. */
  API_SIGKILL = 'api-sigkill',
  /** One of the two API replicas is frozen (SIGSTOP) for 2 to 5 s while a client writes through them. */
  API_SIGSTOP = 'api-sigstop',
}

export const FAULT_KINDS: readonly FaultKind[] = Object.values(FaultKind);

/** mulberry32: a small seeded PRNG, so a campaign is replayed exactly from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The order of the faults: every kind once in a shuffled order, then again, so a short run covers
 * every kind and a long one spreads them evenly; the shuffles come from the seed.
 */
export function faultSchedule(count: number, random: () => number, kinds: readonly FaultKind[] = FAULT_KINDS): FaultKind[] {
  const out: FaultKind[] = [];
  while (out.length < count) {
    const deck = [...kinds];
    for (let i = deck.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deck[i], deck[j]] = [deck[j] as FaultKind, deck[i] as FaultKind];
    }
    out.push(...deck);
  }
  return out.slice(0, count);
}

/** The pid in a peer's pid file (ipmi_sim.pid of a BMC's dir). */
export function pidIn(dir: string, file: string): number {
  const pid = Number(readFileSync(join(dir, file), 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${join(dir, file)}`);
  return pid;
}

/** When the BMC powered the chassis off (`set power 0`), from its own chassis log (seconds.nanos), at or after `sinceMs`. */
export function bmcPowerOffTimes(bmcDir: string, sinceMs: number): number[] {
  let text = '';
  try {
    text = readFileSync(join(bmcDir, 'chassis.log'), 'utf8');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+\.\d+) set power 0\b/.exec(line);
    if (m) {
      const at = Math.round(Number(m[1]) * 1000);
      if (at >= sinceMs) out.push(at);
    }
  }
  return out;
}
