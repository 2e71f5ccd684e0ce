import { Redis, type RedisOptions } from 'ioredis';

/**
 * Connection URLs with several hosts, for a control plane without a single point of failure
 * (docs/adr/0015-ha-control-plane-connections.md):
 * - `mysql://user:pass@h1:3306,h2:3306,h3:3306/db`: the nodes of a Galera cluster, tried in order
 *   (the host-list form of Connector/J and libpq);
 * - `redis-sentinel://[user:pass@]s1:26379,s2:26379,s3:26379[/db]?name=mymaster[&sentinelPassword=…]`:
 *   the Sentinels of a Redis primary, for every ioredis and BullMQ connection.
 * WHATWG `URL` refuses a host list, so the host part is split off by hand here.
 */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_LIST_URL = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#]*)(.*)$/i;

/** `url` with its host part split: the hosts in order and the same URL with only the first host. */
export function splitHostList(url: string, defaultPort: number): { readonly hosts: HostPort[]; readonly firstHostUrl: string } | undefined {
  const m = HOST_LIST_URL.exec(url);
  if (!m) return undefined;
  const [, scheme, userInfo, hostList = '', rest] = m;
  const hosts: HostPort[] = [];
  for (const item of hostList.split(',')) {
    const hm = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(item.trim());
    if (!hm?.[1]) return undefined;
    const port = hm[2] ? Number(hm[2]) : defaultPort;
    if (port < 1 || port > 65535) return undefined;
    hosts.push({ host: hm[1].replace(/^\[(.*)\]$/, '$1'), port });
  }
  const first = hostList.split(',')[0]?.trim() ?? '';
  return { hosts, firstHostUrl: `${scheme}://${userInfo !== undefined ? `${userInfo}@` : ''}${first}${rest}` };
}

export const SENTINEL_SCHEME = 'redis-sentinel:';

export function isSentinelUrl(url: string): boolean {
  return url.toLowerCase().startsWith(`${SENTINEL_SCHEME}//`);
}

/** ioredis options for a `redis-sentinel://` URL; undefined when it is not one or is malformed. */
export function sentinelOptions(url: string): RedisOptions | undefined {
  if (!isSentinelUrl(url)) return undefined;
  const split = splitHostList(url, 26379);
  if (!split) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(split.firstHostUrl);
  } catch {
    return undefined;
  }
  const name = parsed.searchParams.get('name');
  const path = parsed.pathname.replace(/^\//, '');
  if (!name || (path !== '' && !/^\d+$/.test(path))) return undefined;
  const sentinelPassword = parsed.searchParams.get('sentinelPassword');
  return {
    sentinels: split.hosts.map((h) => ({ host: h.host, port: h.port })),
    name,
    ...(path ? { db: Number(path) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
    // a +switch-master from any Sentinel moves the connection at once, not at its next error
    failoverDetector: true,
    // the Sentinels may be down for a moment too: keep asking them rather than give up
    sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  };
}

/**
 * An ioredis client for `redis://`, `rediss://` or `redis-sentinel://` URLs: the one way the
 * product opens Redis connections, so that every connection (BullMQ's duplicates included) follows
 * a Sentinel failover. `options` are the caller's (timeouts, retries, connection name).
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  if (!isSentinelUrl(url)) return new Redis(url, options);
  const sentinel = sentinelOptions(url);
  if (!sentinel) throw new Error('malformed redis-sentinel:// URL: redis-sentinel://[user:pass@]host:26379[,host:port…][/db]?name=<master name>');
  return new Redis({ ...options, ...sentinel });
}
