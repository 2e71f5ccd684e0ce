import { execFile } from 'node:child_process';
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackages } from '@haaas/devstack';
import { NtlmAcceptorContext, NtlmAuthError } from '../ntlm/ntlm.acceptor';
import { channelBindingHash } from '../ntlm/ntlm.client';
import { ntHash } from '../ntlm/ntlm.crypto';
import { type NtlmSession } from '../ntlm/ntlm.session';
import { decryptMessage, ENCRYPTED_CONTENT_TYPE, encryptMessage, isEncrypted } from '../winrm/wsman.encryption';
import { CommandState, NS, SHELL_RESOURCE_URI, ShellSignal, WsmanAction, WsmanCode } from '../winrm/wsman.envelope';
import { escapeXml, find, findAll, findText, parseXml, type XmlElement } from '../winrm/wsman.xml';

/**
 * A WS-Management server that answers the WinRM remote shell as MS-WSMV describes it, on
 * 127.0.0.1: Create shell, Command, Receive (long poll up to OperationTimeout, then the
 * w:TimedOut fault, as Windows does), Signal, Delete, SOAP faults for unknown shells and bad
 * requests, HTTP 401 without valid credentials, Basic and NTLM (NTLMv2, MIC, channel binding over
 * TLS, sealed messages over HTTP). What a command prints is given by the test (`run`), which
 * receives the decoded PowerShell script of an -EncodedCommand.
 *
 * Third-party clients keep it honest: the tests run pywinrm against it (Basic and NTLM with
 * message encryption), so it speaks WinRM as that client knows it from Windows, not only as our
 * client expects.
 */

export interface ExecutedCommand {
  readonly shellId: string;
  readonly commandId: string;
  /** As received: rsp:Command plus any rsp:Arguments. */
  readonly commandLine: string;
  /** The script of `powershell ... -EncodedCommand <base64 UTF-16LE>`, decoded. */
  readonly script?: string;
  /** Aborted by a terminate signal or the shell's deletion. */
  readonly signal: AbortSignal;
  /** Output while the command runs (the final result is appended after these). */
  write(stream: 'stdout' | 'stderr', data: string | Buffer): void;
}

export interface CommandOutput {
  readonly stdout?: string | Buffer;
  readonly stderr?: string | Buffer;
  readonly exitCode?: number;
}

export type CommandHandler = (command: ExecutedCommand) => CommandOutput | Promise<CommandOutput>;

export interface WinRmTestServerOptions {
  /** The one account: `user` (any domain of the server, or none) and its password. */
  readonly username: string;
  readonly password: string;
  readonly run: CommandHandler;
  readonly https?: boolean;
  /** Authentication schemes offered; default both. */
  readonly basic?: boolean;
  readonly negotiate?: boolean;
  /** Unencrypted messages over HTTP (Basic, or NTLM without sealing); off by default as on Windows. */
  readonly allowUnencrypted?: boolean;
  readonly computerName?: string;
  readonly domainName?: string;
  /** MaxShellsPerUser; default 30 as on Windows Server. */
  readonly maxShells?: number;
  /** Upper bound of a Receive's long poll, whatever OperationTimeout the client asks; default 60 s. */
  readonly maxOperationTimeoutMs?: number;
  /** Called before an action is handled: a test can delay or stall the server here. */
  readonly beforeAction?: (action: string) => void | Promise<void>;
}

/** One handled request, for assertions. */
export interface ServerEvent {
  readonly action: string;
  readonly shellId?: string;
  readonly auth: 'basic' | 'ntlm';
  readonly encrypted: boolean;
  readonly fault?: string;
  /** NTLM over TLS with a channel binding that matched this listener's certificate. */
  readonly channelBound?: boolean;
}

export interface WinRmTestServer {
  /** `http(s)://127.0.0.1:PORT/wsman`. */
  readonly url: string;
  readonly port: number;
  /** PEM certificate of the HTTPS listener. */
  readonly certificate?: string;
  readonly events: readonly ServerEvent[];
  /** Shells created and not yet deleted. */
  openShells(): string[];
  /** Replaces the command handler. */
  setHandler(run: CommandHandler): void;
  /** Closes every connection at once (a host that dies). */
  close(): Promise<void>;
}

interface RunningCommand {
  readonly id: string;
  readonly controller: AbortController;
  readonly pending: { stream: 'stdout' | 'stderr'; data: Buffer }[];
  done: boolean;
  exitCode: number;
  /** Wakes a waiting Receive. */
  notify: () => void;
}

interface Shell {
  readonly id: string;
  readonly commands: Map<string, RunningCommand>;
}

interface ConnectionState {
  acceptor?: NtlmAcceptorContext;
  session?: NtlmSession;
  ntlmUser?: string;
  channelBound?: boolean;
}

class Fault extends Error {
  constructor(
    readonly subcode: string,
    readonly wsmanCode: number,
    message: string,
    readonly code: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

const RECEIVE_CHUNK = 16 * 1024;
const DELETE_RESPONSE = 'http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse';

export async function startWinRmTestServer(options: WinRmTestServerOptions): Promise<WinRmTestServer> {
  const computerName = options.computerName ?? 'HV01';
  const domainName = options.domainName ?? 'LAB';
  const machine = `${computerName.toLowerCase()}.${domainName.toLowerCase()}.local`;
  const allowUnencrypted = options.allowUnencrypted ?? false;
  const offerBasic = options.basic ?? true;
  const offerNegotiate = options.negotiate ?? true;
  const maxOpTimeout = options.maxOperationTimeoutMs ?? 60_000;
  let run = options.run;
  const shells = new Map<string, Shell>();
  const events: ServerEvent[] = [];
  const connections = new WeakMap<Socket, ConnectionState>();
  const sockets = new Set<Socket>();

  let tls: { key: string; cert: string; dir: string } | undefined;
  if (options.https) tls = await selfSignedCertificate();
  const bindings = tls ? channelBindingHash(new X509Certificate(tls.cert).raw) : undefined;

  const accountHash = ntHash(options.password);
  const domains = ['', '.', computerName, domainName, machine].map((d) => d.toLowerCase());
  const ntHashOf = (user: string, domain: string): Buffer | undefined =>
    user.toLowerCase() === options.username.toLowerCase() && domains.includes(domain.toLowerCase()) ? accountHash : undefined;

  const challengeHeaders = (): string[] => [...(offerNegotiate ? ['Negotiate'] : []), ...(offerBasic ? ['Basic realm="WSMAN"'] : [])];

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/wsman') {
      res.writeHead(req.method === 'POST' ? 404 : 405).end();
      return;
    }
    const socket = req.socket;
    let conn = connections.get(socket);
    if (!conn) connections.set(socket, (conn = {}));
    const authorization = req.headers.authorization ?? '';
    const [scheme = '', token = ''] = authorization.split(/\s+/, 2);

    let auth: 'basic' | 'ntlm';
    if (/^basic$/i.test(scheme) && offerBasic) {
      const [user = '', ...rest] = Buffer.from(token, 'base64').toString('utf8').split(':');
      const { user: name, domain } = splitAccount(user);
      if (rest.join(':') !== options.password || !ntHashOf(name, domain)) return unauthorized(res);
      if (!tls && !allowUnencrypted) return unauthorized(res); // Windows refuses Basic in clear text by default
      auth = 'basic';
    } else if (/^(negotiate|ntlm)$/i.test(scheme) && offerNegotiate) {
      const message = Buffer.from(token, 'base64');
      const type = message.length >= 12 ? message.readUInt32LE(8) : 0;
      if (type === 1) {
        conn.acceptor = new NtlmAcceptorContext({ computerName, domainName, channelBindings: bindings, ntHashOf });
        conn.session = undefined;
        conn.ntlmUser = undefined;
        let challenge: Buffer;
        try {
          challenge = conn.acceptor.challenge(message);
        } catch {
          return unauthorized(res);
        }
        res.writeHead(401, { 'WWW-Authenticate': `Negotiate ${challenge.toString('base64')}`, 'Content-Length': '0' }).end();
        return;
      }
      if (type !== 3 || !conn.acceptor) return unauthorized(res);
      try {
        const accepted = conn.acceptor.authenticate(message);
        conn.session = accepted.session;
        conn.ntlmUser = accepted.user;
        conn.channelBound = accepted.channelBound;
      } catch (error) {
        if (!(error instanceof NtlmAuthError)) throw error;
        conn.acceptor = undefined;
        return unauthorized(res);
      } finally {
        conn.acceptor = undefined;
      }
      auth = 'ntlm';
    } else if (!authorization && conn.ntlmUser) {
      auth = 'ntlm'; // NTLM authenticates the connection: later requests carry no header
    } else {
      return unauthorized(res);
    }

    const encrypted = isEncrypted(req.headers['content-type']);
    let xml: string;
    if (encrypted) {
      if (!conn.session || auth !== 'ntlm') return unauthorized(res);
      try {
        xml = decryptMessage(conn.session, body).toString('utf8');
      } catch {
        // out-of-step or forged: Windows drops the authentication of the connection
        connections.delete(socket);
        return unauthorized(res);
      }
    } else {
      if (!tls && !allowUnencrypted && body.length > 0) return unauthorized(res);
      xml = body.toString('utf8');
    }
    // The last leg of a handshake may come without a message (pywinrm and our client do that).
    if (xml.trim() === '') {
      res.writeHead(200, { 'Content-Length': '0' }).end();
      return;
    }

    const { status, answer, event } = await soap(xml, auth, encrypted);
    events.push(auth === 'ntlm' ? { ...event, channelBound: conn.channelBound === true } : event);
    const out = Buffer.from(answer, 'utf8');
    if (encrypted && conn.session) {
      const sealed = encryptMessage(conn.session, out);
      res.writeHead(status, { 'Content-Type': ENCRYPTED_CONTENT_TYPE, 'Content-Length': String(sealed.length) }).end(sealed);
    } else {
      res.writeHead(status, { 'Content-Type': 'application/soap+xml;charset=UTF-8', 'Content-Length': String(out.length) }).end(out);
    }
  }

  function unauthorized(res: ServerResponse): void {
    res.writeHead(401, { 'WWW-Authenticate': challengeHeaders(), 'Content-Length': '0' }).end();
  }

  async function soap(xml: string, auth: 'basic' | 'ntlm', encrypted: boolean): Promise<{ status: number; answer: string; event: ServerEvent }> {
    let doc: XmlElement;
    let action = '';
    let messageId = '';
    let shellId: string | undefined;
    try {
      try {
        doc = parseXml(xml);
      } catch {
        throw new Fault('SchemaValidationError', 2150858817, 'The WS-Management service cannot process the request because the XML is invalid.');
      }
      const header = find(doc, 'Header');
      const body = find(doc, 'Body');
      if (!find(doc, 'Envelope') || !header || !body) {
        throw new Fault('SchemaValidationError', 2150858817, 'The SOAP XML in the message does not match the corresponding XML schema definition.');
      }
      action = findText(header, 'Action') ?? '';
      messageId = findText(header, 'MessageID') ?? '';
      shellId = findAll(header, 'Selector').find((s) => s.attrs['Name'] === 'ShellId')?.text.trim();
      const resourceUri = findText(header, 'ResourceURI');
      if (resourceUri !== SHELL_RESOURCE_URI) {
        throw new Fault('DestinationUnreachable', 2150858778, `The WS-Management service cannot process the request. The resource URI (${resourceUri ?? ''}) was not found in the WS-Management catalog.`);
      }
      await options.beforeAction?.(action);
      const timeoutMs = Math.min(maxOpTimeout, parseDuration(findText(header, 'OperationTimeout')) ?? 60_000);
      const result = await dispatch(action, shellId, body, timeoutMs);
      return { status: 200, answer: respond(result.action, messageId, result.body), event: { action: short(action), shellId: shellId ?? result.shellId, auth, encrypted } };
    } catch (error) {
      if (!(error instanceof Fault)) throw error;
      return {
        status: 500,
        answer: faultEnvelope(error, messageId, machine),
        event: { action: short(action), shellId, auth, encrypted, fault: error.subcode },
      };
    }
  }

  async function dispatch(
    action: string,
    shellId: string | undefined,
    body: XmlElement,
    timeoutMs: number,
  ): Promise<{ action: string; body: string; shellId?: string }> {
    switch (action) {
      case WsmanAction.Create: {
        if (!find(body, 'Shell')) throw new Fault('SchemaValidationError', 2150858817, 'The Shell element is missing.');
        if (shells.size >= (options.maxShells ?? 30)) {
          throw new Fault('QuotaLimit', WsmanCode.ShellQuotaExceeded, `The WS-Management service cannot process the request. This user is allowed a maximum number of ${options.maxShells ?? 30} concurrent shells, which has been exceeded.`);
        }
        const id = randomUUID().toUpperCase();
        shells.set(id, { id, commands: new Map() });
        const created =
          `<x:ResourceCreated><a:Address>${escapeXml(`http://${machine}:5985/wsman`)}</a:Address><a:ReferenceParameters>` +
          `<w:ResourceURI>${SHELL_RESOURCE_URI}</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">${id}</w:Selector></w:SelectorSet>` +
          '</a:ReferenceParameters></x:ResourceCreated>' +
          `<rsp:Shell><rsp:ShellId>${id}</rsp:ShellId><rsp:ResourceUri>${SHELL_RESOURCE_URI}</rsp:ResourceUri><rsp:Owner>${escapeXml(options.username)}</rsp:Owner>` +
          '<rsp:ClientIP>127.0.0.1</rsp:ClientIP><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>' +
          '<rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>';
        return { action: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse', body: created, shellId: id };
      }
      case WsmanAction.Command: {
        const shell = shellOf(shellId);
        const line = find(body, 'CommandLine');
        const command = line ? findText(line, 'Command') : undefined;
        if (!line || command === undefined) throw new Fault('SchemaValidationError', 2150858817, 'The CommandLine element is missing.');
        const args = line.children.filter((c) => c.name === 'Arguments').map((c) => c.text);
        const id = start(shell, [command, ...args].join(' '));
        return { action: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse', body: `<rsp:CommandResponse><rsp:CommandId>${id}</rsp:CommandId></rsp:CommandResponse>` };
      }
      case WsmanAction.Receive: {
        const shell = shellOf(shellId);
        const commandId = find(body, 'DesiredStream')?.attrs['CommandId'];
        const command = commandId ? shell.commands.get(commandId) : undefined;
        if (!command) throw new Fault('InvalidParameter', 87, `The request for the Windows Remote Shell with ShellId ${shell.id} failed because the command with CommandId ${commandId ?? ''} was not found.`);
        if (command.pending.length === 0 && !command.done) await waitForOutput(command, timeoutMs);
        if (command.pending.length === 0 && !command.done) {
          throw new Fault('TimedOut', WsmanCode.OperationTimedOut, 'The WS-Management service cannot complete the operation within the time specified in OperationTimeout.', 'Receiver');
        }
        return { action: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse', body: receiveBody(command) };
      }
      case WsmanAction.Signal: {
        const shell = shellOf(shellId);
        const signal = find(body, 'Signal');
        const command = signal ? shell.commands.get(signal.attrs['CommandId'] ?? '') : undefined;
        const code = signal ? findText(signal, 'Code') : undefined;
        if (!command) throw new Fault('InvalidParameter', 87, 'The Signal names no command of this shell.');
        if (code === ShellSignal.terminate || code === ShellSignal.ctrlC) {
          command.controller.abort(new Error('terminated'));
          if (code === ShellSignal.terminate) shell.commands.delete(command.id);
        }
        return { action: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse', body: '<rsp:SignalResponse/>' };
      }
      case WsmanAction.Delete: {
        const shell = shellOf(shellId);
        for (const c of shell.commands.values()) c.controller.abort(new Error('shell deleted'));
        shells.delete(shell.id);
        return { action: DELETE_RESPONSE, body: '' };
      }
      default:
        throw new Fault('ActionNotSupported', 2150858758, `The action ${action} is not supported by the service.`);
    }
  }

  function shellOf(shellId: string | undefined): Shell {
    const shell = shellId ? shells.get(shellId) : undefined;
    if (!shell) {
      throw new Fault(
        'InvalidSelectors',
        WsmanCode.ShellNotFound,
        `The request for the Windows Remote Shell with ShellId ${shellId ?? ''} failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation.`,
      );
    }
    return shell;
  }

  function start(shell: Shell, commandLine: string): string {
    const id = randomUUID().toUpperCase();
    const controller = new AbortController();
    const command: RunningCommand = { id, controller, pending: [], done: false, exitCode: 0, notify: () => undefined };
    shell.commands.set(id, command);
    const push = (stream: 'stdout' | 'stderr', data: string | Buffer | undefined): void => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      if (bytes && bytes.length > 0) command.pending.push({ stream, data: bytes });
      command.notify();
    };
    const finish = (output: CommandOutput): void => {
      if (command.done) return;
      push('stdout', output.stdout);
      push('stderr', output.stderr);
      command.exitCode = output.exitCode ?? 0;
      command.done = true;
      command.notify();
    };
    const executed: ExecutedCommand = {
      shellId: shell.id,
      commandId: id,
      commandLine,
      script: decodeEncodedCommand(commandLine),
      signal: controller.signal,
      write: push,
    };
    // a terminated command ends like a killed process on Windows
    controller.signal.addEventListener('abort', () => finish({ exitCode: 0xc000013a }), { once: true });
    Promise.resolve()
      .then(() => run(executed))
      .then(finish, (error: unknown) => finish({ stderr: `${(error as Error).message}\r\n`, exitCode: 1 }));
    return id;
  }

  function waitForOutput(command: RunningCommand, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        command.notify = () => undefined;
        resolve();
      }
      command.notify = done;
    });
  }

  /** Up to RECEIVE_CHUNK bytes of pending output; Done with the exit code once all is out. */
  function receiveBody(command: RunningCommand): string {
    const streams: string[] = [];
    let budget = RECEIVE_CHUNK;
    for (let next = command.pending[0]; next && budget > 0; next = command.pending[0]) {
      const part = next.data.subarray(0, budget);
      if (part.length < next.data.length) next.data = next.data.subarray(part.length);
      else command.pending.shift();
      budget -= part.length;
      streams.push(`<rsp:Stream Name="${next.stream}" CommandId="${command.id}">${part.toString('base64')}</rsp:Stream>`);
    }
    const finished = command.done && command.pending.length === 0;
    if (finished) {
      streams.push(`<rsp:Stream Name="stdout" CommandId="${command.id}" End="true"></rsp:Stream>`);
      streams.push(`<rsp:Stream Name="stderr" CommandId="${command.id}" End="true"></rsp:Stream>`);
    }
    const state = finished
      ? `<rsp:CommandState CommandId="${command.id}" State="${CommandState.Done}"><rsp:ExitCode>${command.exitCode}</rsp:ExitCode></rsp:CommandState>`
      : `<rsp:CommandState CommandId="${command.id}" State="${CommandState.Running}"></rsp:CommandState>`;
    return `<rsp:ReceiveResponse>${streams.join('')}${state}</rsp:ReceiveResponse>`;
  }

  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 120_000; // HTTP.sys keeps idle connections two minutes
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/wsman`,
    port,
    certificate: tls?.cert,
    events,
    openShells: () => [...shells.keys()],
    setHandler: (next) => void (run = next),
    close: () =>
      (closing ??= (async () => {
        for (const shell of shells.values()) for (const c of shell.commands.values()) c.controller.abort(new Error('server closed'));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        if (tls) await rm(tls.dir, { recursive: true, force: true });
      })()),
  };
}

function respond(action: string, relatesTo: string, body: string): string {
  return (
    `<s:Envelope xml:lang="en-US" xmlns:s="${NS.s}" xmlns:a="${NS.a}" xmlns:x="${NS.x}" xmlns:w="${NS.w}" xmlns:rsp="${NS.rsp}" xmlns:p="${NS.p}">` +
    `<s:Header><a:Action>${action}</a:Action><a:MessageID>uuid:${randomUUID().toUpperCase()}</a:MessageID>` +
    `<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>${escapeXml(relatesTo)}</a:RelatesTo></s:Header>` +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

function faultEnvelope(f: Fault, relatesTo: string, machine: string): string {
  return (
    `<s:Envelope xml:lang="en-US" xmlns:s="${NS.s}" xmlns:a="${NS.a}" xmlns:x="${NS.x}" xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="${NS.w}" xmlns:p="${NS.p}">` +
    `<s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action><a:MessageID>uuid:${randomUUID().toUpperCase()}</a:MessageID>` +
    `<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>${escapeXml(relatesTo)}</a:RelatesTo></s:Header>` +
    `<s:Body><s:Fault><s:Code><s:Value>s:${f.code}</s:Value><s:Subcode><s:Value>w:${f.subcode}</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en-US">${escapeXml(f.message)} </s:Text></s:Reason>` +
    `<s:Detail><f:WSManFault xmlns:f="${NS.f}" Code="${f.wsmanCode}" Machine="${escapeXml(machine)}"><f:Message>${escapeXml(f.message)} </f:Message></f:WSManFault></s:Detail>` +
    '</s:Fault></s:Body></s:Envelope>'
  );
}

const short = (action: string): string => action.slice(action.lastIndexOf('/') + 1) || '(none)';

function splitAccount(name: string): { user: string; domain: string } {
  const slash = name.indexOf('\\');
  return slash >= 0 ? { domain: name.slice(0, slash), user: name.slice(slash + 1) } : { domain: '', user: name };
}

/** xs:duration as WS-Management uses it for OperationTimeout: PT20S, PT20.000S, PT1M. */
function parseDuration(text: string | undefined): number | undefined {
  const m = text ? /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(text) : null;
  if (!m) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** The script of `powershell ... -EncodedCommand <base64>` (also -enc, -e, -ec), or undefined. */
export function decodeEncodedCommand(commandLine: string): string | undefined {
  const m = /(?:^|\s)-(?:EncodedCommand|enc|ec|e)\s+([A-Za-z0-9+/=]+)/i.exec(commandLine);
  return m?.[1] ? Buffer.from(m[1], 'base64').toString('utf16le') : undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** A throwaway certificate for 127.0.0.1 in a private temp dir (openssl, Debian package openssl). */
async function selfSignedCertificate(): Promise<{ key: string; cert: string; dir: string }> {
  await ensureDebianPackages(['openssl'], { binaries: { openssl: ['openssl'] } });
  const dir = await mkdtemp(join(tmpdir(), 'haaas-winrm-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8'), dir };
}
