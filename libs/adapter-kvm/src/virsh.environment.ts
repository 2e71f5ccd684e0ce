import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdapterError } from '@haaas/hypervisor';
import { findExecutable, type VirshEnvironment } from './virsh.transport';

export interface HostEnvironment extends VirshEnvironment {
  /** The private directory (0700) holding the auth file; removed by dispose(). */
  readonly dir: string;
  dispose(): void;
}

export interface EnvironmentInput {
  readonly uri: string;
  readonly username?: string | null;
  readonly password?: string | null;
  /** virsh to run; default: found in PATH. */
  readonly virshPath?: string;
  /** Extra variables (e.g. SSH_AUTH_SOCK for qemu+ssh); never credentials. */
  readonly env?: Readonly<Record<string, string>>;
}

// readline reads ~/.inputrc and /etc/inputrc in the interactive session: a user's key bindings or
// meta settings must not change what virsh reads. 8-bit input stays 8-bit (UTF-8 VM names).
const INPUTRC = ['set convert-meta off', 'set input-meta on', 'set output-meta on', 'set disable-completion on', 'set enable-bracketed-paste off', ''].join('\n');

/**
 * Everything the virsh processes of one host need: LC_ALL=C.UTF-8 (messages are matched in English),
 * credentials in a libvirt auth file (0600, in a 0700 directory of its own; never on a command line,
 * never in the environment), readline and virsh's history kept in that directory.
 */
export function createHostEnvironment(input: EnvironmentInput): HostEnvironment {
  const virsh = input.virshPath ?? findExecutable('virsh');
  if (!virsh) throw new AdapterError('FAILED', 'virsh not found: install the Debian package libvirt-clients', 'connect');
  for (const [what, value] of [
    ['username', input.username],
    ['password', input.password],
  ] as const) {
    // the auth file is line based: a newline would end the value early and start another key
    if (value && /[\r\n\0]/.test(value)) throw new AdapterError('FAILED', `the ${what} of ${input.uri} contains a line break, which libvirt's auth file cannot carry`, 'connect');
  }
  const dir = mkdtempSync(join(tmpdir(), 'haaas-kvm-'));
  try {
    writeFileSync(join(dir, 'inputrc'), INPUTRC, { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: process.env['HOME'] ?? dir,
      ...(process.env['SSH_AUTH_SOCK'] ? { SSH_AUTH_SOCK: process.env['SSH_AUTH_SOCK'] } : {}),
      ...input.env,
      // C.UTF-8, not plain C: messages stay untranslated English (matched by virsh.errors), while in
      // plain C virsh's tables print each byte of a UTF-8 VM name as \xNN
      LC_ALL: 'C.UTF-8',
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      INPUTRC: join(dir, 'inputrc'),
      XDG_CACHE_HOME: join(dir, 'cache'),
      VIRSH_HISTSIZE: '0',
    };
    if (input.username || input.password) {
      const authFile = join(dir, 'auth.conf');
      // libvirt's client auth file (https://libvirt.org/auth.html#client-configuration): used for
      // SASL (tcp, tls, unix) and libssh/libssh2 credentials of any host this virsh connects to
      const lines = ['[credentials-haaas]'];
      if (input.username) lines.push(`authname=${input.username}`, `username=${input.username}`);
      if (input.password) lines.push(`password=${input.password}`);
      lines.push('', '[auth-libvirt-default]', 'credentials=haaas', '', '[auth-ssh-default]', 'credentials=haaas', '');
      writeFileSync(authFile, lines.join('\n'), { mode: 0o600 });
      env['LIBVIRT_AUTH_FILE'] = authFile;
    }
    return {
      virsh,
      uri: input.uri,
      env,
      setpriv: findExecutable('setpriv'),
      dir,
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
