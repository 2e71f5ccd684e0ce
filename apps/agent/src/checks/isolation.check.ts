import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { parseIsolationAddress } from '../agent.config';
import type { CheckResult } from './check.types';

/**
 * The isolation-address check: can this host reach the address it should always reach (its
 * gateway, typically)? Answers "is it us or them?" when the API stops hearing from the host.
 *
 * ICMP echo (`ping -n -c1 -W<s>`) by default, as vSphere HA's isolation address and Pacemaker's
 * ping resource do: a gateway answers ICMP without running any TCP service, and iputils' ping
 * needs no root (it has CAP_NET_RAW or uses unprivileged ICMP sockets). `tcp://host:port` connects
 * instead, for networks that filter ICMP; only a completed connection counts, since a refusal may
 * come from a firewall on the way rather than from the host.
 */
export function isolationCheck(address: string, timeoutMs: number): () => Promise<CheckResult> {
  const target = parseIsolationAddress(address);
  if (target.kind === 'tcp') return () => tcpConnect(address, target.host, target.port, timeoutMs);
  return () => ping(target.host, timeoutMs);
}

function ping(host: string, timeoutMs: number): Promise<CheckResult> {
  const waitSeconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const started = performance.now();
  return new Promise((resolve) => {
    execFile('ping', ['-n', '-q', '-c', '1', '-W', waitSeconds, '--', host], { timeout: timeoutMs + 1000, env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LC_ALL: 'C' } }, (err, stdout, stderr) => {
      const ms = Math.round(performance.now() - started);
      if (!err) return resolve({ ok: true, address: host, detail: `ICMP echo answered in ${ms} ms` });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ ok: false, address: host, detail: 'ping not found: install iputils-ping, or use tcp://host:port' });
      const complaint = `${stderr}`.trim().split('\n').pop()?.replace(/^ping: /, '');
      const stats = /\d+ packets transmitted[^\n]*/.exec(`${stdout}`)?.[0];
      const detail = complaint ? `ping failed: ${complaint}` : `no ICMP echo reply within ${waitSeconds} s${stats ? ` (${stats})` : ''}`;
      resolve({ ok: false, address: host, detail: detail.slice(0, 400) });
    });
  });
}

function tcpConnect(address: string, host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: CheckResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, address, detail: `TCP connect timed out after ${timeoutMs} ms` }));
    socket.once('connect', () => done({ ok: true, address, detail: `TCP connect in ${Math.round(performance.now() - started)} ms` }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, address, detail: `TCP connect failed: ${err.code ?? err.message}` }));
  });
}
