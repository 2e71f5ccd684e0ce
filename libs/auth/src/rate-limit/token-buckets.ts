import type Redis from 'ioredis';

/** One bucket to take a token from: `burst` tokens at most, refilled at `perSecond`. */
export interface Bucket {
  readonly key: string;
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * Takes one token from each bucket, all or none, on Redis's clock (one clock for every API
 * replica). Returns 0 when taken, else the milliseconds until every bucket has a token again.
 * A bucket is a hash {tokens, at}; it expires once it would be full again, so idle callers cost
 * no memory.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local tokens = {}
local wait = 0
for i = 1, n do
  local burst = tonumber(ARGV[i * 2 - 1])
  local rate = tonumber(ARGV[i * 2]) / 1000
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local have = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  have = math.min(burst, have + math.max(0, now - at) * rate)
  tokens[i] = have
  if have < 1 then wait = math.max(wait, math.ceil((1 - have) / rate)) end
end
for i = 1, n do
  local burst = tonumber(ARGV[i * 2 - 1])
  local rate = tonumber(ARGV[i * 2]) / 1000
  local left = tokens[i]
  if wait == 0 then left = left - 1 end
  redis.call('HSET', KEYS[i], 'tokens', tostring(left), 'at', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - left) / rate) + 1000)
end
return wait
`;

/**
 * Token buckets kept in Redis, shared by all API replicas. Written here (one Lua script) rather
 * than taken from rate-limiter-flexible: that library counts fixed or sliding windows, not token
 * buckets, and cannot take from two buckets (tenant and subject) atomically, all or none.
 */
export class TokenBuckets {
  constructor(private readonly redis: Redis) {}

  /** 0 when a token was taken from every bucket, else how many ms to wait (nothing was taken). */
  async take(buckets: readonly Bucket[]): Promise<number> {
    const live = buckets.filter((b) => b.perSecond > 0);
    if (live.length === 0) return 0;
    const args = live.flatMap((b) => [String(b.burst), String(b.perSecond)]);
    const wait = await this.redis.eval(TAKE, live.length, ...live.map((b) => b.key), ...args);
    return Number(wait);
  }
}
