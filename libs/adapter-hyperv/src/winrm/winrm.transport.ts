import { Agent as HttpAgent, type IncomingHttpHeaders, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type Socket } from 'node:net';
import { type TLSSocket } from 'node:tls';
import { AdapterError, type AdapterErrorKind } from '@haaas/hypervisor';
import { redact } from '@haaas/secrets';
import { channelBindingHash, NtlmClientContext } from '../ntlm/ntlm.client';
import { type NtlmSession } from '../ntlm/ntlm.session';
import { decryptMessage, ENCRYPTED_CONTENT_TYPE, encryptedLength, encryptMessage, isEncrypted } from './wsman.encryption';
import { describeFault, faultKind, parseFault, type WsmanFault } from './wsman.envelope';
import { parseXml, type XmlElement } from './wsman.xml';

/**
 * WS-Management over HTTP(S) with Basic or NTLM authentication (MS-WSMV 2.2.1, 2.2.9.1).
 *
 * NTLM authenticates a TCP connection, not a request: the handshake runs on one keep-alive socket
 * of a single-socket agent, later requests must go out on that same socket, and over plain HTTP
 * every message is sealed with the session's keys, one RC4 stream per direction. So NTLM requests
 * are serialized, each one checks that it got the authenticated socket before its body is sealed,
 * and any failure mid-exchange drops the socket (the key streams are then out of step).
 */

export type WinRmAuth = 'basic' | 'ntlm';

export interface WinRmTransportOptions {
  readonly url: URL;
  readonly username: string;
  readonly password: string;
  readonly auth: WinRmAuth;
  /** Accept any server certificate (labs, tests); never the default. */
  readonly insecureTls?: boolean;
  /** Trusted CA certificates (PEM) for the listener's certificate. */
  readonly ca?: string | Buffer;
  /** Largest answer accepted; default 32 MiB (MaxEnvelopeSize is far smaller). */
  readonly maxResponseBytes?: number;
}

/** A SOAP fault from the server, with its WS-Management details. */
export class WsmanFaultError extends AdapterError {
  constructor(
    readonly fault: WsmanFault,
    operation: string,
    readonly httpStatus: number,
  ) {
    super(faultKind(fault), `${operation}: WS-Management fault ${describeFault(fault)}`, operation);
    this.name = 'WsmanFaultError';
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

const TLS_TRUST_CODES = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** A request that landed on another socket than the authenticated one: nothing was sent. */
class StaleSocketError extends Error {}

interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly socket: Socket;
}

interface NtlmState {
  readonly socket: Socket;
  /** Present over HTTP, where messages are sealed; over HTTPS TLS protects them. */
  readonly session?: NtlmSession;
}

export class WinRmTransport {
  private readonly agent: HttpAgent;
  private readonly https: boolean;
  private ntlm: NtlmState | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: WinRmTransportOptions) {
    this.https = options.url.protocol === 'https:';
    // One socket for NTLM (the authenticated connection); idle sockets close before Windows' 120 s.
    const agentOptions = { keepAlive: true, maxSockets: options.auth === 'ntlm' ? 1 : 4, maxFreeSockets: 4, timeout: 60_000 };
    this.agent = this.https
      ? new HttpsAgent({ ...agentOptions, rejectUnauthorized: !options.insecureTls, ca: options.ca })
      : new HttpAgent(agentOptions);
  }

  /** Sends one SOAP message; returns the answer's XML, or throws an AdapterError (WsmanFaultError for faults). */
  send(xml: string, signal: AbortSignal, operation: string): Promise<XmlElement> {
    if (this.closed) return Promise.reject(new AdapterError('FAILED', `${operation}: the WinRM connection is closed`, operation));
    if (this.options.auth === 'basic') return this.sendBasic(xml, signal, operation);
    // NTLM: one exchange at a time on the one authenticated socket
    const run = this.queue.then(() => this.sendNtlm(xml, signal, operation));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.closed = true;
    this.dropNtlm();
    this.agent.destroy();
  }

  private async sendBasic(xml: string, signal: AbortSignal, operation: string): Promise<XmlElement> {
    const credentials = Buffer.from(`${this.options.username}:${this.options.password}`, 'utf8').toString('base64');
    const body = Buffer.from(xml, 'utf8');
    const res = await this.exchange({ Authorization: `Basic ${credentials}`, ...soapHeaders(body.length) }, () => body, signal, operation);
    return this.answer(res, res.body, operation);
  }

  private async sendNtlm(xml: string, signal: AbortSignal, operation: string): Promise<XmlElement> {
    for (let attempt = 1; ; attempt++) {
      const state = this.ntlm && !this.ntlm.socket.destroyed ? this.ntlm : await this.handshake(signal, operation);
      const plain = Buffer.from(xml, 'utf8');
      const headers = state.session
        ? { 'Content-Type': ENCRYPTED_CONTENT_TYPE, 'Content-Length': String(encryptedLength(plain.length)) }
        : soapHeaders(plain.length);
      let res: Exchange;
      try {
        res = await this.exchange(headers, () => (state.session ? encryptMessage(state.session, plain) : plain), signal, operation, state.socket);
      } catch (error) {
        this.dropNtlm();
        if (error instanceof StaleSocketError && attempt === 1) continue;
        throw error;
      }
      // 401: the server forgot the connection's authentication; it did not run the request.
      if (res.status === 401 && attempt === 1) {
        this.dropNtlm();
        continue;
      }
      let body = res.body;
      if (isEncrypted(res.headers['content-type'])) {
        if (!state.session) throw new AdapterError('FAILED', `${operation}: encrypted answer over TLS`, operation);
        try {
          body = decryptMessage(state.session, res.body);
        } catch (error) {
          this.dropNtlm();
          throw new AdapterError('FAILED', `${operation}: cannot decrypt the answer: ${(error as Error).message}`, operation, { cause: error });
        }
      }
      return this.answer(res, body, operation);
    }
  }

  /** NEGOTIATE, CHALLENGE, AUTHENTICATE on one connection (MS-NLMP over HTTP, RFC 4559 headers). */
  private async handshake(signal: AbortSignal, operation: string): Promise<NtlmState> {
    this.dropNtlm();
    const context = new NtlmClientContext({ username: this.options.username, password: this.options.password });
    const negotiate = context.negotiate();
    const first = await this.exchange(authHeaders(negotiate), () => Buffer.alloc(0), signal, operation);
    if (first.status !== 401) {
      throw new AdapterError('FAILED', `${operation}: expected an NTLM challenge, got HTTP ${first.status}`, operation);
    }
    const token = negotiateToken(first.headers['www-authenticate']);
    if (!token) {
      const offered = ([] as string[]).concat(first.headers['www-authenticate'] ?? []).join(', ') || 'nothing';
      throw new AdapterError('AUTH_FAILED', `${operation}: the server offers no NTLM (Negotiate) authentication, only ${offered}`, operation);
    }
    let bindings: Buffer | undefined;
    if (this.https) {
      const cert = (first.socket as TLSSocket).getPeerCertificate?.();
      if (cert?.raw) bindings = channelBindingHash(cert.raw);
    }
    let authenticate: ReturnType<NtlmClientContext['authenticate']>;
    try {
      authenticate = context.authenticate(token, bindings);
    } catch (error) {
      throw new AdapterError('AUTH_FAILED', `${operation}: NTLM: ${(error as Error).message}`, operation, { cause: error });
    }
    const second = await this.exchange(authHeaders(authenticate.message), () => Buffer.alloc(0), signal, operation, first.socket).catch((error: unknown) => {
      throw error instanceof StaleSocketError
        ? new AdapterError('UNREACHABLE', `${operation}: the server closed the connection during the NTLM handshake`, operation)
        : error;
    });
    if (second.status === 401) {
      throw new AdapterError('AUTH_FAILED', `${operation}: the server refused the credentials of ${this.options.username} (HTTP 401)`, operation);
    }
    if (second.status >= 400) throw this.statusError(second, second.body, operation);
    this.ntlm = { socket: second.socket, session: this.https ? undefined : authenticate.session };
    return this.ntlm;
  }

  private dropNtlm(): void {
    this.ntlm?.socket.destroy();
    this.ntlm = undefined;
  }

  private answer(res: Exchange, body: Buffer, operation: string): XmlElement {
    if (res.status === 401) {
      throw new AdapterError('AUTH_FAILED', `${operation}: the server refused the credentials of ${this.options.username} (HTTP 401)`, operation);
    }
    if (res.status !== 200) throw this.statusError(res, body, operation);
    const text = body.toString('utf8');
    if (text.trim() === '') return parseXml('');
    try {
      const doc = parseXml(text);
      const fault = parseFault(doc);
      if (fault) throw new WsmanFaultError(fault, operation, res.status);
      return doc;
    } catch (error) {
      if (error instanceof AdapterError) throw error;
      throw new AdapterError('FAILED', `${operation}: unreadable answer: ${(error as Error).message}`, operation, { cause: error });
    }
  }

  private statusError(res: Exchange, body: Buffer, operation: string): AdapterError {
    const text = body.toString('utf8');
    try {
      const fault = parseFault(parseXml(text));
      if (fault) return new WsmanFaultError(fault, operation, res.status);
    } catch {
      // not XML: report the status
    }
    const kind: AdapterErrorKind = res.status === 404 || res.status === 405 ? 'UNSUPPORTED' : 'FAILED';
    const hint = res.status === 404 ? ' (no WS-Management listener at this path)' : '';
    return new AdapterError(kind, `${operation}: HTTP ${res.status}${hint}`, operation);
  }

  /**
   * One HTTP POST. `body` is built only once the request has its socket: a sealed body advances
   * the RC4 stream, which must not happen for a request that is then not sent.
   */
  private exchange(headers: OutgoingHttpHeaders, body: () => Buffer, signal: AbortSignal, operation: string, expectSocket?: Socket): Promise<Exchange> {
    const { url } = this.options;
    const limit = this.options.maxResponseBytes ?? 32 * 1024 * 1024;
    return new Promise<Exchange>((resolve, reject) => {
      if (signal.aborted) {
        reject(new AdapterError('TIMEOUT', `${operation}: deadline passed`, operation, { cause: signal.reason }));
        return;
      }
      const request = this.https ? httpsRequest : httpRequest;
      const req = request({
        agent: this.agent,
        method: 'POST',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (this.https ? 5986 : 5985),
        path: `${url.pathname || '/wsman'}${url.search}`,
        headers: { 'User-Agent': 'HAaaS WinRM client', ...headers },
        signal,
      });
      let assigned: Socket | undefined;
      req.once('socket', (socket: Socket) => {
        assigned = socket;
        if (expectSocket && socket !== expectSocket) {
          req.destroy(new StaleSocketError('not the authenticated connection'));
          return;
        }
        req.end(body());
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) req.destroy(new AdapterError('FAILED', `${operation}: answer larger than ${limit} bytes`, operation));
          else chunks.push(chunk);
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), socket: assigned ?? res.socket }));
        res.once('error', (error) => reject(this.networkError(error, signal, operation)));
      });
      req.once('error', (error) => reject(this.networkError(error, signal, operation)));
    });
  }

  private networkError(error: Error, signal: AbortSignal, operation: string): Error {
    if (error instanceof AdapterError || error instanceof StaleSocketError) return error;
    if (signal.aborted) return new AdapterError('TIMEOUT', `${operation}: deadline passed`, operation, { cause: signal.reason });
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const where = `${this.options.url.hostname}:${this.options.url.port || (this.https ? 5986 : 5985)}`;
    const message = redact(error.message, [this.options.password]);
    if (TLS_TRUST_CODES.test(code)) {
      return new AdapterError('AUTH_FAILED', `${operation}: the TLS certificate of ${where} is not trusted (${code}): give its CA, or insecureTls in a lab`, operation);
    }
    if (UNREACHABLE_CODES.has(code) || /socket hang up/i.test(error.message)) {
      return new AdapterError('UNREACHABLE', `${operation}: ${where} unreachable (${code || message})`, operation);
    }
    return new AdapterError('FAILED', `${operation}: ${message}`, operation);
  }
}

function soapHeaders(length: number): OutgoingHttpHeaders {
  return { 'Content-Type': 'application/soap+xml;charset=UTF-8', 'Content-Length': String(length) };
}

function authHeaders(token: Buffer): OutgoingHttpHeaders {
  return { Authorization: `Negotiate ${token.toString('base64')}`, 'Content-Length': '0' };
}

/** The NTLM token of a `WWW-Authenticate: Negotiate <base64>` header (one header or several). */
export function negotiateToken(header: string | string[] | undefined): Buffer | undefined {
  for (const value of ([] as string[]).concat(header ?? [])) {
    const match = /(?:^|,\s*)(?:Negotiate|NTLM)\s+([A-Za-z0-9+/=]+)/.exec(value);
    if (match?.[1]) return Buffer.from(match[1], 'base64');
  }
  return undefined;
}
