import type { PowerState } from '@haaas/hypervisor';
import { XMLParser } from 'fast-xml-parser';

/**
 * virsh's state words (virshDomainStateToString, LC_ALL=C). "idle" is libvirt's BLOCKED (a running
 * guest waiting on I/O); "in shutdown" is a guest still running its shutdown.
 */
const STATES: Readonly<Record<string, PowerState>> = {
  running: 'RUNNING',
  idle: 'RUNNING',
  blocked: 'RUNNING',
  'in shutdown': 'RUNNING',
  paused: 'PAUSED',
  pmsuspended: 'SUSPENDED',
  'shut off': 'STOPPED',
  crashed: 'CRASHED',
  dying: 'UNKNOWN',
  'no state': 'UNKNOWN',
};

export function powerState(word: string): PowerState {
  return STATES[word.trim().toLowerCase()] ?? 'UNKNOWN';
}

/** `domstate` (optionally `--reason`): `running`, `shut off (destroyed)`. */
export function parseDomState(stdout: string): { state: PowerState; word: string; reason?: string } {
  const line = stdout.split('\n').find((l) => l.trim().length > 0)?.trim() ?? '';
  const m = /^(.*?)(?:\s+\(([^)]*)\))?$/.exec(line);
  const word = m?.[1] ?? line;
  return { state: powerState(word), word, ...(m?.[2] ? { reason: m[2] } : {}) };
}

const STATE_WORDS = Object.keys(STATES).sort((a, b) => b.length - a.length);

export interface ListedDomain {
  readonly id?: number;
  readonly name: string;
  readonly state: PowerState;
}

/**
 * `list --all`: ` Id   Name   State` rows (a header and a dashed rule without `-q`). Names may
 * contain spaces and the state may be two words, so a row is read from both ends: the id is the
 * first field, the state is a known word at the end, the name is what lies between.
 */
export function parseListTable(stdout: string): ListedDomain[] {
  const out: ListedDomain[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trimEnd();
    if (!line.trim() || /^\s*-+\s*$/.test(line) || /^\s*Id\s+Name\s+State\s*$/.test(line)) continue;
    const m = /^\s*(-|\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const rest = m[2] ?? '';
    const word = STATE_WORDS.find((w) => rest.endsWith(` ${w}`));
    if (!word) continue;
    const name = rest.slice(0, rest.length - word.length).trim();
    if (!name) continue;
    out.push({ ...(m[1] !== '-' ? { id: Number(m[1]) } : {}), name, state: STATES[word] ?? 'UNKNOWN' });
  }
  return out;
}

/** `list --all --uuid --name`: `<uuid> <name>` per line; the UUID has a fixed form, the name is the rest. */
export function parseUuidNameList(stdout: string): Map<string, string> {
  const byName = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) (.+)$/i.exec(line.trimEnd());
    if (m?.[1] && m[2]) byName.set(m[2], m[1].toLowerCase());
  }
  return byName;
}

/** `Key:   value` lines (`dominfo`, `nodeinfo`); the key ends at the first colon, values may hold colons. */
export function parseKeyValues(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

export interface DomInfo {
  readonly id?: number;
  readonly name: string;
  readonly uuid?: string;
  readonly state: PowerState;
  readonly persistent?: boolean;
}

export function parseDomInfo(stdout: string): DomInfo {
  const kv = parseKeyValues(stdout);
  const name = kv.get('Name');
  if (!name) throw new Error(`dominfo without a Name line: ${stdout.slice(0, 200)}`);
  const id = kv.get('Id');
  const uuid = kv.get('UUID');
  const persistent = kv.get('Persistent');
  return {
    ...(id && /^\d+$/.test(id) ? { id: Number(id) } : {}),
    name,
    ...(uuid ? { uuid: uuid.toLowerCase() } : {}),
    state: powerState(kv.get('State') ?? ''),
    ...(persistent ? { persistent: persistent === 'yes' } : {}),
  };
}

/** `version --daemon`: library, driver and daemon versions. */
export function parseVersion(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(Compiled against library|Using library|Using API|Running hypervisor|Running against daemon): (.*)$/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    const key = { 'Compiled against library': 'compiledAgainst', 'Using library': 'library', 'Using API': 'api', 'Running hypervisor': 'hypervisor', 'Running against daemon': 'daemon' }[m[1]];
    if (key) out[key] = m[2].trim();
  }
  return out;
}

export interface DomainIdentity {
  readonly name: string;
  readonly uuid?: string;
  readonly type?: string;
}

// fast-xml-parser rather than a regex: the name may be escaped (&amp;, &apos;) or sit after comments
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: true, processEntities: true });

/** Name, UUID and type of a libvirt domain XML, or an Error saying why it is not one. */
export function parseDomainXml(text: string): DomainIdentity {
  let doc: unknown;
  try {
    doc = xml.parse(text, true);
  } catch (error) {
    throw new Error(`not well-formed XML: ${(error as Error).message}`);
  }
  const domain = (doc as Record<string, unknown>)['domain'];
  if (!domain || typeof domain !== 'object' || Array.isArray(domain)) throw new Error('not a libvirt domain XML (no single <domain> root)');
  const d = domain as Record<string, unknown>;
  const name = typeof d['name'] === 'string' ? d['name'] : undefined;
  if (!name) throw new Error('domain XML without <name>');
  const uuid = typeof d['uuid'] === 'string' && d['uuid'] ? d['uuid'].toLowerCase() : undefined;
  const type = typeof d['@type'] === 'string' ? d['@type'] : undefined;
  return { name, ...(uuid ? { uuid } : {}), ...(type ? { type } : {}) };
}

/** One line of `virsh event --loop --all --timestamp` this adapter reports. */
export interface KvmDomainEvent {
  /** The domain name. */
  readonly vm: string;
  /** `Started`, `Stopped`, `Suspended`, `Resumed`, `Defined`, `Undefined`, `Shutdown`, `PMSuspended`, `Crashed`; `Rebooted` for the reboot event. */
  readonly event: string;
  /** libvirt's detail: `Booted`, `Destroyed`, `Shutdown`, `Crashed`, `Migrated`, `Paused`, ...; empty for `Rebooted`. */
  readonly detail: string;
  /** When libvirt delivered it to virsh. */
  readonly at: Date;
}

const LIFECYCLE = /^(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d{4}): )?event 'lifecycle' for domain '(.*)': (\S+) (\S+)$/;
const REBOOT = /^(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d{4}): )?event 'reboot' for domain '(.*)'$/;

/** A lifecycle or reboot event line, or undefined for any other line (other event kinds, the final count). */
export function parseEventLine(line: string, now: () => Date = () => new Date()): KvmDomainEvent | undefined {
  const text = line.trimEnd();
  const lc = LIFECYCLE.exec(text);
  if (lc?.[2] !== undefined && lc[3] && lc[4]) return { vm: lc[2], event: lc[3], detail: lc[4], at: eventTime(lc[1], now) };
  const rb = REBOOT.exec(text);
  if (rb?.[2] !== undefined) return { vm: rb[2], event: 'Rebooted', detail: '', at: eventTime(rb[1], now) };
  return undefined;
}

function eventTime(stamp: string | undefined, now: () => Date): Date {
  if (!stamp) return now();
  // 2026-11-21 23:51:03.361+0000 → ISO 8601
  const iso = stamp.replace(' ', 'T').replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? now() : at;
}
