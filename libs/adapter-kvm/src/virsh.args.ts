import { AdapterError } from '@haaas/hypervisor';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks a VM reference before it reaches virsh. virsh resolves `--domain X` as an id first when X is
 * a number, then as a UUID, then as a name: a numeric ref would silently address whatever domain has
 * that id, so it is refused (an HA service must never stop the wrong VM). Names and UUIDs pass.
 * Control characters are refused too: they cannot be part of a name libvirt accepts, and a newline
 * would end a command line of the interactive session.
 */
export function checkRef(ref: string, operation: string): string {
  if (ref.length === 0) throw new AdapterError('FAILED', `${operation}: empty VM reference`, operation);
  if (CONTROL.test(ref)) throw new AdapterError('FAILED', `${operation}: VM reference contains control characters`, operation);
  if (/^\d+$/.test(ref)) {
    throw new AdapterError('FAILED', `${operation}: '${ref}' would be read by libvirt as a domain id, not a name; refer to this VM by its UUID`, operation);
  }
  return ref;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * One argument quoted for virsh's own command-line parser (interactive mode; not a shell): inside
 * single quotes nothing is special, and a single quote is written as '\'' like in POSIX sh.
 * Every argument is quoted, so `;`, `#`, spaces and quotes in a VM name stay part of the name.
 */
export function quoteVirshArg(arg: string): string {
  if (CONTROL.test(arg)) throw new Error('virsh argument contains control characters');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line for the interactive virsh: one line, every argument quoted. */
export function virshCommandLine(args: readonly string[]): string {
  return args.map(quoteVirshArg).join(' ');
}
