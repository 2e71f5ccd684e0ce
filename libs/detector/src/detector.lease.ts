import type Redis from 'ioredis';
import type { LeaseKeys } from './detector.keys';

// SET NX PX and INCR in one script: a holder never has a lease without a token. `floor` lifts the
// counter above tokens already written to MySQL, for when Redis lost it (restart, FLUSHALL) and INCR
// would start again at 1, below the clusters' detector_token: every write would be refused.
const ACQUIRE_LUA = `if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local floor = tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current < floor then redis.call('SET', KEYS[2], floor) end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '#' .. token, 'PX', ARGV[2])
return token`;

// compare-and-extend / compare-and-delete: only the holder of this very acquisition may
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const RAISE_LUA = `local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`;

interface LeaseRedis extends Redis {
  haaasLeaseAcquire(lease: string, token: string, holder: string, ttlMs: number, floor: number): Promise<number | null>;
  haaasLeaseRenew(lease: string, value: string, ttlMs: number): Promise<number>;
  haaasLeaseRelease(lease: string, value: string): Promise<number>;
  haaasLeaseRaise(token: string, floor: number): Promise<number>;
}

export interface DetectorLeaseOptions {
  readonly keys: LeaseKeys;
  /** Unique per detector instance (host, pid, random). */
  readonly holder: string;
  readonly ttlMs: number;
}

/**
 * The detector's leader lease: one holder at a time, renewed by compare-and-extend, with a new,
 * higher fencing token on every acquisition. The lease alone is not enough (a holder paused past
 * its TTL still believes it holds it); the token is what MySQL checks (see DetectorStore.fenced).
 *
 * `holding` is local and conservative: it turns false a safety margin before the TTL would expire
 * counted from before the command was sent, whether or not Redis answered since.
 */
export class DetectorLease {
  private readonly redis: LeaseRedis;
  private token: number | null = null;
  private validUntil = 0;
  private suspended = false;

  constructor(
    redis: Redis,
    private readonly options: DetectorLeaseOptions,
  ) {
    if (options.ttlMs < 100) throw new Error('DetectorLease: ttlMs must be at least 100 ms');
    redis.defineCommand('haaasLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
    redis.defineCommand('haaasLeaseRenew', { numberOfKeys: 1, lua: RENEW_LUA });
    redis.defineCommand('haaasLeaseRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    redis.defineCommand('haaasLeaseRaise', { numberOfKeys: 1, lua: RAISE_LUA });
    this.redis = redis as LeaseRedis;
  }

  get holder(): string {
    return this.options.holder;
  }

  /** The token of the current acquisition while the lease is believed held, else null. */
  get currentToken(): number | null {
    return this.holding ? this.token : null;
  }

  get holding(): boolean {
    return this.token !== null && performance.now() < this.validUntil;
  }

  /** Takes the lease if nobody holds it; returns the new token, or null. */
  async acquire(floor = 0): Promise<number | null> {
    if (this.suspended) return null;
    const sent = performance.now();
    const token = await this.redis.haaasLeaseAcquire(this.options.keys.lease, this.options.keys.token, this.options.holder, this.options.ttlMs, Math.max(0, Math.floor(floor)));
    if (token === null || token === undefined) return null;
    this.token = Number(token);
    this.validUntil = sent + this.safeTtl();
    return this.token;
  }

  /** Extends the lease if this acquisition still holds it; false when it was lost (expired and taken, or Redis forgot it). */
  async renew(): Promise<boolean> {
    if (this.token === null || this.suspended) return false;
    const sent = performance.now();
    const ok = (await this.redis.haaasLeaseRenew(this.options.keys.lease, this.value(this.token), this.options.ttlMs)) === 1;
    if (ok) this.validUntil = sent + this.safeTtl();
    else this.drop();
    return ok;
  }

  /** Gives the lease up (deletes it only if still ours), so another detector takes over at once. */
  async release(): Promise<void> {
    const token = this.token;
    this.drop();
    if (token !== null) await this.redis.haaasLeaseRelease(this.options.keys.lease, this.value(token));
  }

  /** Forgets the lease locally (after a refused write: someone holds a higher token). */
  drop(): void {
    this.token = null;
    this.validUntil = 0;
  }

  /** Lifts the token counter to at least `floor`, so that the next acquisition's token is above it. */
  async raiseFloor(floor: number): Promise<void> {
    await this.redis.haaasLeaseRaise(this.options.keys.token, Math.floor(floor));
  }

  /** Who holds the lease now, as Redis says (for status and tests). */
  async currentHolder(): Promise<{ readonly holder: string; readonly token: number } | null> {
    const value = await this.redis.get(this.options.keys.lease);
    if (!value) return null;
    const at = value.lastIndexOf('#');
    return { holder: value.slice(0, at), token: Number(value.slice(at + 1)) };
  }

  /**
   * Stops renewing and acquiring without releasing: what a paused or partitioned process looks
   * like to the others. For tests and failure drills; `resume()` undoes it.
   */
  suspend(): void {
    this.suspended = true;
  }

  resume(): void {
    this.suspended = false;
  }

  get isSuspended(): boolean {
    return this.suspended;
  }

  private value(token: number): string {
    return `${this.options.holder}#${token}`;
  }

  // Redis counts the TTL from when it ran the command, we from before sending it: the margin covers
  // clock-rate differences and the time the answer took to come back
  private safeTtl(): number {
    return this.options.ttlMs - Math.max(50, Math.round(this.options.ttlMs * 0.1));
  }
}
