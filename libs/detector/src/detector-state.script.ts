import type Redis from 'ioredis';

const TOKEN_FIELD = '~token';

// Saves a cluster's node records unless a detector with a higher token wrote them already (the
// Redis side of the fencing token: a paused ex-leader cannot overwrite its successor's state), and
// drops the external reports it consumed, each only if no newer report replaced it meanwhile.
// ARGV: token, ttl, number of records, then id/record pairs, then id/report pairs to consume.
export const SAVE_STATE_LUA = `local current = tonumber(redis.call('HGET', KEYS[1], '${TOKEN_FIELD}') or '0')
local token = tonumber(ARGV[1])
if current > token then return {0, current} end
redis.call('HSET', KEYS[1], '${TOKEN_FIELD}', ARGV[1])
local n = tonumber(ARGV[3])
for i = 0, n - 1 do redis.call('HSET', KEYS[1], ARGV[4 + 2 * i], ARGV[5 + 2 * i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 4 + 2 * n, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
return {1, token}`;

/** The client with the detector's script defined (FailureDetector's constructor defines it). */
export interface StateRedis extends Redis {
  haaasDetectorSave(stateKey: string, reportsKey: string, ...args: (string | number)[]): Promise<[number, number]>;
}

