import { execFile } from 'node:child_process';

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
