import { randomUUID } from 'node:crypto';
import { type AdapterErrorKind } from '@haaas/hypervisor';
import { escapeXml, find, findAll, findText, type XmlElement } from './wsman.xml';

/**
 * The SOAP messages of the WinRM remote shell (MS-WSMV 3.1.4.1 Create, 3.1.4.11 Command,
 * 3.1.4.14 Receive, 3.1.4.12 Signal, 3.1.4.2 Delete) and the parsing of their answers and faults.
 * Written as templates: the five messages are fixed shapes, and a SOAP library would bring a WSDL
 * toolchain for what is a few lines of escaped XML each.
 */

export const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  a: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  x: 'http://schemas.xmlsoap.org/ws/2004/09/transfer',
  w: 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
  p: 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
  rsp: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
  f: 'http://schemas.microsoft.com/wbem/wsman/1/wsmanfault',
} as const;

export const SHELL_RESOURCE_URI = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd';
export const ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';

export const WsmanAction = {
  Create: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Create',
  Delete: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete',
  Command: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command',
  Receive: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive',
  Signal: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal',
} as const;

export const ShellSignal = {
  terminate: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate',
  ctrlC: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c',
} as const;

export const CommandState = {
  Done: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done',
  Running: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running',
  Pending: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Pending',
} as const;

/** WSManFault codes that change what the client does (winerror.h, ERROR_WSMAN_* / ERROR_WINRS_*). */
export const WsmanCode = {
  /** 0x80338029: no output within OperationTimeout; a Receive is simply sent again. */
  OperationTimedOut: 2150858793,
  /** 0x8033805B: the shell was not found (deleted, idle timeout, service restart). */
  ShellNotFound: 2150858843,
  /** 0x803381A6: too many shells for this user (MaxShellsPerUser). */
  ShellQuotaExceeded: 2150859174,
  /** ERROR_ACCESS_DENIED. */
  AccessDenied: 5,
} as const;

export interface HeaderOptions {
  readonly to: string;
  readonly action: string;
  readonly shellId?: string;
  readonly operationTimeoutS: number;
  readonly maxEnvelopeSize: number;
  readonly options?: Readonly<Record<string, string>>;
  readonly locale?: string;
  readonly messageId?: string;
}

export function envelope(h: HeaderOptions, body: string): string {
  const opts = h.options ? Object.entries(h.options) : [];
  const optionSet = opts.length
    ? `<w:OptionSet>${opts.map(([k, v]) => `<w:Option Name="${escapeXml(k)}">${escapeXml(v)}</w:Option>`).join('')}</w:OptionSet>`
    : '';
  const selector = h.shellId ? `<w:SelectorSet><w:Selector Name="ShellId">${escapeXml(h.shellId)}</w:Selector></w:SelectorSet>` : '';
  const locale = h.locale ?? 'en-US';
  return (
    `<s:Envelope xmlns:s="${NS.s}" xmlns:a="${NS.a}" xmlns:w="${NS.w}" xmlns:p="${NS.p}" xmlns:rsp="${NS.rsp}">` +
    '<s:Header>' +
    `<a:To>${escapeXml(h.to)}</a:To>` +
    `<w:ResourceURI s:mustUnderstand="true">${SHELL_RESOURCE_URI}</w:ResourceURI>` +
    `<a:ReplyTo><a:Address s:mustUnderstand="true">${ANONYMOUS}</a:Address></a:ReplyTo>` +
    `<a:Action s:mustUnderstand="true">${h.action}</a:Action>` +
    `<w:MaxEnvelopeSize s:mustUnderstand="true">${h.maxEnvelopeSize}</w:MaxEnvelopeSize>` +
    `<a:MessageID>uuid:${h.messageId ?? randomUUID().toUpperCase()}</a:MessageID>` +
    `<w:Locale xml:lang="${locale}" s:mustUnderstand="false"/>` +
    `<p:DataLocale xml:lang="${locale}" s:mustUnderstand="false"/>` +
    `<w:OperationTimeout>PT${h.operationTimeoutS}S</w:OperationTimeout>` +
    selector +
    optionSet +
    '</s:Header>' +
    `<s:Body>${body}</s:Body>` +
    '</s:Envelope>'
  );
}

export type Common = Pick<HeaderOptions, 'to' | 'operationTimeoutS' | 'maxEnvelopeSize' | 'locale'>;

export function createShellRequest(c: Common, o: { codepage: number; idleTimeoutS?: number }): string {
  const idle = o.idleTimeoutS ? `<rsp:IdleTimeOut>PT${o.idleTimeoutS}S</rsp:IdleTimeOut>` : '';
  return envelope(
    { ...c, action: WsmanAction.Create, options: { WINRS_NOPROFILE: 'TRUE', WINRS_CODEPAGE: String(o.codepage) } },
    `<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams>${idle}</rsp:Shell>`,
  );
}

/** The whole command line goes in rsp:Command, as pywinrm and the Go client send it. */
export function commandRequest(c: Common, shellId: string, commandLine: string): string {
  return envelope(
    { ...c, action: WsmanAction.Command, shellId, options: { WINRS_CONSOLEMODE_STDIN: 'TRUE', WINRS_SKIP_CMD_SHELL: 'FALSE' } },
    `<rsp:CommandLine><rsp:Command>${escapeXml(commandLine)}</rsp:Command></rsp:CommandLine>`,
  );
}

export function receiveRequest(c: Common, shellId: string, commandId: string): string {
  return envelope(
    { ...c, action: WsmanAction.Receive, shellId, options: { WSMAN_CMDSHELL_OPTION_KEEPALIVE: 'TRUE' } },
    `<rsp:Receive><rsp:DesiredStream CommandId="${escapeXml(commandId)}">stdout stderr</rsp:DesiredStream></rsp:Receive>`,
  );
}

export function signalRequest(c: Common, shellId: string, commandId: string, code: string): string {
  return envelope({ ...c, action: WsmanAction.Signal, shellId }, `<rsp:Signal CommandId="${escapeXml(commandId)}"><rsp:Code>${code}</rsp:Code></rsp:Signal>`);
}

export function deleteShellRequest(c: Common, shellId: string): string {
  return envelope({ ...c, action: WsmanAction.Delete, shellId }, '');
}

// ---- answers ----

/** The ShellId of a Create answer: the selector of ResourceCreated, or rsp:ShellId (Windows sends both). */
export function parseShellId(doc: XmlElement): string | undefined {
  const selector = findAll(doc, 'Selector').find((s) => s.attrs['Name'] === 'ShellId');
  return selector?.text.trim() || findText(doc, 'ShellId') || undefined;
}

export function parseCommandId(doc: XmlElement): string | undefined {
  return findText(doc, 'CommandId') || undefined;
}

export interface ReceiveChunk {
  readonly stdout: Buffer[];
  readonly stderr: Buffer[];
  readonly done: boolean;
  readonly exitCode?: number;
}

export function parseReceive(doc: XmlElement, commandId: string): ReceiveChunk {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  for (const s of findAll(doc, 'Stream')) {
    const id = s.attrs['CommandId'];
    if (id !== undefined && id !== commandId) continue;
    const text = s.text.trim();
    if (!text) continue;
    const bytes = Buffer.from(text, 'base64');
    if (s.attrs['Name'] === 'stdout') stdout.push(bytes);
    else if (s.attrs['Name'] === 'stderr') stderr.push(bytes);
  }
  const state = findAll(doc, 'CommandState').find((s) => s.attrs['CommandId'] === undefined || s.attrs['CommandId'] === commandId);
  const done = state?.attrs['State'] === CommandState.Done;
  const exitText = state ? findText(state, 'ExitCode') : undefined;
  const exitCode = exitText !== undefined && /^-?\d+$/.test(exitText) ? Number(exitText) : undefined;
  return { stdout, stderr, done, exitCode };
}

// ---- faults ----

export interface WsmanFault {
  /** s:Sender or s:Receiver. */
  readonly code?: string;
  /** e.g. w:TimedOut, w:InvalidSelectors, w:AccessDenied (local name, prefix removed). */
  readonly subcode?: string;
  readonly reason?: string;
  /** The WSManFault Code attribute (a Windows error number). */
  readonly wsmanCode?: number;
  readonly message?: string;
  readonly machine?: string;
}

const localName = (qname: string | undefined): string | undefined => qname?.slice(qname.indexOf(':') + 1) || undefined;

export function parseFault(doc: XmlElement): WsmanFault | undefined {
  const fault = find(doc, 'Fault');
  if (!fault) return undefined;
  const code = find(fault, 'Code');
  const wsman = find(fault, 'WSManFault');
  const codeAttr = wsman?.attrs['Code'];
  const message = wsman ? (findText(wsman, 'Message') ?? find(wsman, 'Message')?.children.map((c) => c.text).join(' ').trim()) : undefined;
  return {
    code: code ? localName(code.children.find((c) => c.name === 'Value')?.text.trim()) : undefined,
    subcode: localName(subcodeOf(code)),
    reason: findText(fault, 'Text') ?? findText(fault, 'Reason'),
    wsmanCode: codeAttr !== undefined && /^\d+$/.test(codeAttr) ? Number(codeAttr) : undefined,
    message: message || undefined,
    machine: wsman?.attrs['Machine'],
  };
}

function subcodeOf(code: XmlElement | undefined): string | undefined {
  const sub = code?.children.find((c) => c.name === 'Subcode');
  return sub ? findText(sub, 'Value') : undefined;
}

export function isOperationTimeout(f: WsmanFault): boolean {
  return f.wsmanCode === WsmanCode.OperationTimedOut || f.subcode === 'TimedOut';
}

/** What a fault means to the failover engine. */
export function faultKind(f: WsmanFault): AdapterErrorKind {
  if (isOperationTimeout(f)) return 'TIMEOUT';
  if (f.wsmanCode === WsmanCode.AccessDenied || f.subcode === 'AccessDenied') return 'AUTH_FAILED';
  if (f.subcode === 'ActionNotSupported' || f.subcode === 'InvalidResourceURI' || f.subcode === 'DestinationUnreachable') return 'UNSUPPORTED';
  // shell not found, quota, schema validation, internal errors: worth another try with a new shell
  return 'FAILED';
}

export function describeFault(f: WsmanFault): string {
  const parts = [f.subcode ?? f.code ?? 'fault', f.wsmanCode !== undefined ? `(${f.wsmanCode})` : '', f.message ?? f.reason ?? ''];
  return parts.filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
}
