import { execFile } from 'node:child_process';
import { request } from 'node:https';

export interface AddressAnswer {
  /** true: answered; false: did not answer in time; null: could not ask (no ping binary, bad address): no opinion. */
  readonly answers: boolean | null;
  readonly detail: string;
}

const SAFE_ADDRESS = /^[A-Za-z0-9.:-]{1,253}$/;

/**
 * Asks a node's check address (seed 001's verification IP) whether it is there, from the control
 * plane: one ICMP echo with a deadline, as the node agent's isolation check does (apps/agent: an
 * address answers ICMP without running any service, and iputils' ping needs no root). Stored check
 * addresses are IP addresses or host names (the node validation), never options or URLs.
 */
export function pingCheckAddress(address: string, timeoutMs: number): Promise<AddressAnswer> {
  if (!SAFE_ADDRESS.test(address) || address.startsWith('-')) return Promise.resolve({ answers: null, detail: `not a pingable address: ${address.slice(0, 64)}` });
  const waitSeconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      'ping',
      ['-n', '-q', '-c', '1', '-W', waitSeconds, '--', address],
      { timeout: timeoutMs + 1000, killSignal: 'SIGKILL', env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const ms = Math.round(performance.now() - started);
        if (!err) return resolve({ answers: true, detail: `check address ${address} answered ICMP in ${ms} ms` });
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ answers: null, detail: 'ping is not installed on this worker (iputils-ping): the check address cannot be asked' });
        const complaint = `${stderr}`.trim().split('\n').pop()?.replace(/^ping: /, '');
        // a name that does not resolve is our problem (DNS), not the node's answer
        if (complaint && /Name or service not known|Temporary failure in name resolution|unknown host/i.test(complaint)) {
          return resolve({ answers: null, detail: `check address ${address} does not resolve: ${complaint.slice(0, 200)}` });
        }
        const stats = /\d+ packets transmitted[^\n]*/.exec(`${stdout}`)?.[0];
        resolve({ answers: false, detail: `check address ${address} silent: ${complaint ? complaint.slice(0, 200) : `no ICMP echo reply within ${waitSeconds} s${stats ? ` (${stats})` : ''}`}` });
      },
    );
  });
}

/**
 * Asks a node's check address: an `https://` URL by an HTTPS request (`askCheckUrl`), anything
 * else by an ICMP echo (`pingCheckAddress`).
 */
export function askCheckAddress(address: string, timeoutMs: number): Promise<AddressAnswer> {
  return address.startsWith('https://') ? askCheckUrl(address, timeoutMs) : pingCheckAddress(address, timeoutMs);
}

/**
 * A check address that is an endpoint of the host's own, independent of its manager (an ESXi host's
 * `/sdk`, not vCenter's): any HTTP answer within the deadline is the host answering, whatever the
 * status (ESXi answers a bare GET of /sdk with an error page). The certificate is not verified, on
 * purpose: this answer can only make a silent node EXCLUDED (nothing relocated), never declare it,
 * so a forged answer could delay a failover but not cause two copies; and ESXi hosts serve
 * self-signed certificates far more often than vCenter. Nothing is sent but a GET without
 * credentials.
 */
export function askCheckUrl(address: string, timeoutMs: number): Promise<AddressAnswer> {
  const started = performance.now();
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return Promise.resolve({ answers: null, detail: `not a URL: ${address.slice(0, 64)}` });
  }
  const shown = `${url.host}${url.pathname}`;
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: AddressAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = request(url, { method: 'GET', rejectUnauthorized: false, agent: false, headers: { Connection: 'close' } }, (res) => {
      res.resume();
      req.destroy();
      done({ answers: true, detail: `check address ${shown} answered HTTPS ${res.statusCode ?? '?'} in ${Math.round(performance.now() - started)} ms` });
    });
    const timer = setTimeout(() => {
      req.destroy();
      done({ answers: false, detail: `check address ${shown} silent: no HTTPS answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) => {
      // a name that does not resolve is our problem (DNS), not the node's answer
      if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return done({ answers: null, detail: `check address ${url.hostname} does not resolve (${err.code})` });
      done({ answers: false, detail: `check address ${shown} silent: ${err.code ?? err.message}` });
    });
    req.end();
  });
}
