import { DOMParser, type Element, onErrorStopParsing } from '@xmldom/xmldom';
import { isSecretOption } from '@haaas/domain';

/**
 * How an agent reads `key=value` lines on stdin:
 * - `fencing-py`: the agents built on fence-agents' fencing.py. A name is matched against the long
 *   option with `-` and `_` interchanged (`ipmitool-path` = `ipmitool_path`), else it must be an
 *   internal key exactly (`ipaddr`, `login`, `passwd`); `ip`, `username`, `password` are the long
 *   options of those keys, which is why metadata lists them as `obsoletes`.
 * - `exact`: the C agents (fence_virt, fence_xvm): the names listed, compared case-insensitively.
 * Told apart by the metadata itself: only fencing.py prints long options (`--ip=[ip]`) in `getopt`.
 */
export type OptionSyntax = 'fencing-py' | 'exact';

export interface AgentParameter {
  readonly name: string;
  /** `string`, `integer`, `second`, `boolean`, `select` (or whatever else an agent prints). */
  readonly type: string;
  readonly required: boolean;
  readonly default?: string;
  readonly description: string;
  /** Holds a credential (password, key, token, community) or the path to one: redacted, never shown. */
  readonly secret: boolean;
  /** An old spelling kept for compatibility; another parameter `obsoletes` it. */
  readonly deprecated: boolean;
  /** The deprecated parameter this one replaces (`password` obsoletes `passwd`): both are one option. */
  readonly obsoletes?: string;
  /** For `select`: the accepted values. */
  readonly choices?: readonly string[];
  /** The command-line long option without dashes (`ipmitool-path`), when the agent has one. */
  readonly longOption?: string;
}

export interface AgentMetadata {
  readonly name: string;
  readonly shortdesc: string;
  readonly longdesc: string;
  /** Other agent names that run the same code (fence_ipmilan: fence_idrac, fence_ilo3, ...). */
  readonly symlinks: readonly string[];
  readonly parameters: readonly AgentParameter[];
  readonly actions: readonly string[];
  readonly optionSyntax: OptionSyntax;
}

export class MetadataParseError extends Error {
  override name = 'MetadataParseError';
}

// Credentials by name, beyond the domain's list (ADR 0005): SNMP communities, IPMI Kg keys, API
// keys of cloud agents, and the paths of key files, which are as good as the key to whoever reads
// the host. `_script` forms of passwords are paths too; the domain treats them as secret, so do we.
const SECRET_NAME = /(^|_)(passwd|password)(_|$)|(^|_)(identity|key|token)_file$|^(community|hexadecimal_kg|apikey|api_key|secret_key|access_key|token|secret|tlskey)$/;

/** Whether an option name holds a credential; `a-b` and `a_b` alike, as the agents read them. */
export function isSecretParameterName(name: string): boolean {
  const n = name.toLowerCase().replace(/-/g, '_');
  return isSecretOption(n) || SECRET_NAME.test(n);
}

/**
 * Parses the XML that `fence_X -o metadata` prints. @xmldom/xmldom rather than a regex or a
 * hand-written reader: the agents print entities (`&quot;`, `&lt;`) and free text in descriptions,
 * it is a small standard DOM with no dependencies, and it reports malformed input instead of
 * guessing.
 */
export function parseAgentMetadata(xml: string): AgentMetadata {
  let doc;
  try {
    // Stop on errors too, not only fatal ones: a half-read parameter list would validate wrongly.
    doc = new DOMParser({ onError: (level) => (level === 'warning' ? undefined : onErrorStopParsing()) }).parseFromString(xml, 'text/xml');
  } catch (error) {
    throw new MetadataParseError(`agent metadata is not well-formed XML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const root = doc.documentElement;
  if (!root || root.tagName !== 'resource-agent') throw new MetadataParseError('agent metadata has no <resource-agent> root');
  const name = root.getAttribute('name') ?? '';
  if (!name) throw new MetadataParseError('agent metadata has no name');

  const parametersEl = children(root, 'parameters')[0];
  const parameters = parametersEl ? children(parametersEl, 'parameter').map(parseParameter) : [];
  const actionsEl = children(root, 'actions')[0];
  const actions = actionsEl ? children(actionsEl, 'action').map((a) => a.getAttribute('name') ?? '').filter(Boolean) : [];

  return {
    name,
    // fencing.py prints it as an attribute; OCF-style agents as an element
    shortdesc: root.getAttribute('shortdesc') ?? text(children(root, 'shortdesc')[0]),
    longdesc: text(children(root, 'longdesc')[0]),
    symlinks: children(root, 'symlink').map((s) => s.getAttribute('name') ?? '').filter(Boolean),
    parameters,
    actions,
    optionSyntax: parameters.some((p) => p.longOption !== undefined) ? 'fencing-py' : 'exact',
  };
}

function parseParameter(el: Element): AgentParameter {
  const name = el.getAttribute('name') ?? '';
  if (!name) throw new MetadataParseError('agent metadata has a parameter without a name');
  const content = children(el, 'content')[0];
  const type = content?.getAttribute('type') || 'string';
  const def = content?.getAttribute('default') ?? undefined;
  const choices = content ? children(content, 'option').map((o) => o.getAttribute('value') ?? '') : [];
  const mixed = children(el, 'getopt')[0]?.getAttribute('mixed') ?? '';
  const longOption = /--([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(mixed)?.[1];
  const obsoletes = el.getAttribute('obsoletes') || undefined;
  return {
    name,
    type,
    required: el.getAttribute('required') === '1',
    ...(def !== undefined && def !== '' ? { default: def } : {}),
    description: text(children(el, 'shortdesc')[0]),
    secret: type === 'password' || isSecretParameterName(name) || (obsoletes !== undefined && isSecretParameterName(obsoletes)),
    deprecated: el.getAttribute('deprecated') === '1',
    ...(obsoletes ? { obsoletes } : {}),
    ...(type === 'select' ? { choices } : {}),
    ...(longOption ? { longOption } : {}),
  };
}

function children(parent: Element, tag: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).tagName === tag) out.push(n as Element);
  }
  return out;
}

function text(el: Element | undefined): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
