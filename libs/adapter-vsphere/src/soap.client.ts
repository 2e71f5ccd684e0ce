/**
 * A vim25 SOAP client: one keep-alive HTTPS agent, one session cookie per client, nothing else.
 *
 * Why our own and not a library: VMware's SDKs are Go, Python and Java; npm's one vim25 client
 * (node-vsphere-soap 0.0.2) is an unmaintained pre-release that downloads the WSDL at run time.
 * The calls HAaaS needs are short envelopes, built and read by @xmldom/xmldom (soap.xml.ts), over
 * Node's https with the caller's AbortSignal.
 */
import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Element } from '@xmldom/xmldom';
import { buildEnvelope, child, type MoRef, parseXml, readMoRef, readSoapFault, type SoapParam, SoapParseError, soapBody, text } from './soap.xml';
import { httpStatusKind, TransportError, transportError, VimFault } from './vim.fault';

export interface SoapClientOptions {
  /** `https://vcenter/sdk`. */
  readonly url: URL;
  readonly username: string;
  readonly password: string;
  readonly insecureTls: boolean;
  /** CAs (PEM) trusted besides the system's: a vCenter signed by a company CA. */
  readonly ca?: string;
}

/** The parts of ServiceContent the adapter uses. */
export interface ServiceContent {
  readonly rootFolder: MoRef;
  readonly propertyCollector: MoRef;
  readonly viewManager: MoRef;
  readonly sessionManager: MoRef;
  readonly searchIndex?: MoRef;
  readonly about: { readonly fullName: string; readonly apiVersion: string; readonly apiType: string; readonly instanceUuid?: string };
}

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };
const SESSION_COOKIE = 'vmware_soap_session';
// A reply larger than this is not one of ours (a property page is kilobytes): refuse rather than buffer it.
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

export class SoapClient {
  private readonly agent: Agent;
  private content?: ServiceContent;
  private cookie?: string;
  private login?: Promise<void>;
  private closed = false;
  /** Bumped at every new session: what a session owns (container views) is cached per generation. */
  private generation = 0;
  private readonly perSession = new Map<string, Promise<unknown>>();

  constructor(private readonly options: SoapClientOptions) {
    // keepAlive: vim25 calls come in bursts (retrieve, task, poll); a TLS handshake each would double them
    // a given CA adds to the system's (Node's `ca` would replace them): vCenters signed by either are trusted
    const ca = options.ca ? [...rootCertificates, options.ca] : undefined;
    this.agent = new Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: !options.insecureTls, ...(ca ? { ca } : {}) });
  }

  get sessionGeneration(): number {
    return this.generation;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** RetrieveServiceContent, once per client (it needs no session). */
  async serviceContent(signal: AbortSignal): Promise<ServiceContent> {
    if (this.content) return this.content;
    const res = await this.send('RetrieveServiceContent', SERVICE_INSTANCE, [], signal, false);
    const rv = child(res, 'returnval');
    const ref = (name: string): MoRef => {
      const r = readMoRef(rv && child(rv, name));
      if (!r) throw new SoapParseError(`ServiceContent without ${name}`);
      return r;
    };
    const about = rv && child(rv, 'about');
    const field = (name: string): string => text(about && child(about, name))?.trim() ?? '';
    this.content = {
      rootFolder: ref('rootFolder'),
      propertyCollector: ref('propertyCollector'),
      viewManager: ref('viewManager'),
      sessionManager: ref('sessionManager'),
      searchIndex: readMoRef(rv && child(rv, 'searchIndex')),
      about: { fullName: field('fullName'), apiVersion: field('apiVersion'), apiType: field('apiType'), instanceUuid: field('instanceUuid') || undefined },
    };
    return this.content;
  }

  /**
   * Calls a method in the current session, logging in first when there is none. `check` reads the
   * reply inside the session's bookkeeping, so a NotAuthenticated it finds (vcsim's missingSet)
   * ends the session like a SOAP fault does. The session that failed is forgotten (not a newer
   * one a concurrent call opened); the caller retries its whole operation once (see VsphereHost).
   */
  async invoke(method: string, self: MoRef, params: readonly SoapParam[], signal: AbortSignal, check?: (reply: Element) => void): Promise<Element> {
    await this.ensureSession(signal);
    const generation = this.generation;
    try {
      const reply = await this.send(method, self, params, signal, true);
      check?.(reply);
      return reply;
    } catch (error) {
      if (error instanceof VimFault && error.type === 'NotAuthenticated' && generation === this.generation) this.cookie = undefined;
      throw error;
    }
  }

  /** A value owned by the current session (a container view), created once per session. */
  async sessionScoped<T>(key: string, signal: AbortSignal, create: () => Promise<T>): Promise<T> {
    await this.ensureSession(signal);
    const k = `${this.generation}:${key}`;
    let v = this.perSession.get(k) as Promise<T> | undefined;
    if (!v) {
      v = create();
      this.perSession.set(k, v);
      v.catch(() => this.perSession.delete(k));
    }
    return v;
  }

  /** Logs out (best effort, bounded) and closes the sockets. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.cookie && this.content) {
        await this.send('Logout', this.content.sessionManager, [], AbortSignal.timeout(2_000), true);
      }
    } catch {
      // the session dies with its timeout on the server anyway
    } finally {
      this.cookie = undefined;
      this.agent.destroy();
    }
  }

  private async ensureSession(signal: AbortSignal): Promise<void> {
    while (!this.cookie) {
      if (this.closed) throw new TransportError('INVALID_STATE', 'the vSphere connection is closed');
      // one login at a time; a caller whose own deadline is fine retries a login that died with another's
      this.login ??= this.doLogin(signal).finally(() => (this.login = undefined));
      try {
        await raceAbort(this.login, signal);
      } catch (error) {
        if (signal.aborted || !isAbortError(error)) throw error;
      }
    }
  }

  private async doLogin(signal: AbortSignal): Promise<void> {
    const content = await this.serviceContent(signal);
    const res = await this.post(
      buildEnvelope('Login', content.sessionManager, [
        { name: 'userName', text: this.options.username },
        { name: 'password', text: this.options.password },
      ]),
      signal,
    );
    this.readReply(res.body, res.status);
    const cookie = res.setCookie.map((c) => c.split(';')[0]?.trim() ?? '').find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    if (!cookie) throw new TransportError('FAILED', 'Login answered without a session cookie');
    this.generation += 1;
    for (const k of this.perSession.keys()) if (!k.startsWith(`${this.generation}:`)) this.perSession.delete(k);
    this.cookie = cookie;
  }

  private async send(method: string, self: MoRef, params: readonly SoapParam[], signal: AbortSignal, withSession: boolean): Promise<Element> {
    const res = await this.post(buildEnvelope(method, self, params), signal, withSession ? this.cookie : undefined);
    return this.readReply(res.body, res.status);
  }

  private readReply(body: string, status: number): Element {
    let first;
    try {
      first = soapBody(parseXml(body));
    } catch (error) {
      if (status !== 200) throw new TransportError(httpStatusKind(status), `HTTP ${status} without a SOAP answer`);
      throw new TransportError('FAILED', error instanceof Error ? error.message : String(error));
    }
    if (first.localName === 'Fault') throw new VimFault(readSoapFault(first));
    if (status !== 200) throw new TransportError(httpStatusKind(status), `HTTP ${status}`);
    return first;
  }

  private post(body: string, signal: AbortSignal, cookie?: string): Promise<{ status: number; body: string; setCookie: string[] }> {
    const version = this.content?.about.apiVersion;
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const req = request(
        this.options.url,
        {
          method: 'POST',
          agent: this.agent,
          signal,
          headers: {
            'Content-Type': 'text/xml; charset=utf-8',
            // the API version this client speaks; vCenter answers in the newest it shares with us
            SOAPAction: version ? `"urn:vim25/${version}"` : '"urn:vim25"',
            'Content-Length': Buffer.byteLength(body),
            ...(cookie ? { Cookie: cookie } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_REPLY_BYTES) {
              req.destroy(new TransportError('FAILED', `reply larger than ${MAX_REPLY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.once('end', () => {
            const setCookie = res.headers['set-cookie'] ?? [];
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), setCookie });
          });
          res.once('error', (error) => reject(signal.aborted ? signal.reason : classify(error)));
        },
      );
      req.once('error', (error) => reject(signal.aborted ? signal.reason : classify(error)));
      req.end(body);
    });
  }
}

function classify(error: unknown): unknown {
  return error instanceof TransportError ? error : transportError(error);
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** The promise, or the signal's reason as soon as it fires: a caller never waits past its deadline. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
