import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from '@haaas/devstack';

/**
 * Runs pywinrm (Debian's python3-winrm, a widely used WinRM client) against a WinRM endpoint, to
 * prove that the project's WS-Management test server answers as the client knows Windows to
 * answer. The password goes through the environment, never the command line.
 */

export type PyWinRmStep = { readonly cmd: string; readonly args?: readonly string[] } | { readonly ps: string };

export interface PyWinRmOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly transport: 'basic' | 'ntlm';
  /** pywinrm's message_encryption: auto (NTLM over HTTP encrypts), always, never. */
  readonly messageEncryption?: 'auto' | 'always' | 'never';
  readonly steps: readonly PyWinRmStep[];
  readonly timeoutMs?: number;
}

export type PyWinRmResult = { readonly ok: true; readonly results: { stdout: string; stderr: string; status: number }[] } | { readonly ok: false; readonly error: string; readonly type: string };

// Debian's interpreter: a pyenv python3 first in PATH would not see the Debian package.
export const DEBIAN_PYTHON = '/usr/bin/python3';

const SCRIPT = String.raw`
import json, os, sys
import winrm
cfg = json.loads(sys.stdin.read())
try:
    s = winrm.Session(cfg['url'], auth=(cfg['username'], os.environ['HAAAS_WINRM_PASSWORD']), transport=cfg['transport'],
                      server_cert_validation='ignore', message_encryption=cfg['encryption'],
                      operation_timeout_sec=5, read_timeout_sec=10)
    out = []
    for step in cfg['steps']:
        r = s.run_ps(step['ps']) if 'ps' in step else s.run_cmd(step['cmd'], step.get('args', []))
        out.append({'stdout': r.std_out.decode('utf-8', 'replace'), 'stderr': r.std_err.decode('utf-8', 'replace'), 'status': r.status_code})
    print(json.dumps({'ok': True, 'results': out}))
except Exception as e:
    print(json.dumps({'ok': False, 'type': type(e).__name__, 'error': str(e)}))
`;

// ntlm-auth computes the NT hash with hashlib's MD4, which OpenSSL 3 keeps in its legacy provider:
// pywinrm users on Debian 12 enable it the same way, for that process only.
const OPENSSL_LEGACY = `openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
`;

export async function ensurePyWinRm(): Promise<void> {
  await ensureDebianPackages(['python3-winrm']);
}

export async function runPyWinRm(options: PyWinRmOptions): Promise<PyWinRmResult> {
  await ensurePyWinRm();
  const input = JSON.stringify({
    url: options.url,
    username: options.username,
    transport: options.transport,
    encryption: options.messageEncryption ?? 'auto',
    steps: options.steps,
  });
  const dir = await mkdtemp(join(tmpdir(), 'haaas-pywinrm-'));
  try {
    const opensslConf = join(dir, 'openssl.cnf');
    await writeFile(opensslConf, OPENSSL_LEGACY, { mode: 0o600 });
    return await runPython(input, options, opensslConf);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runPython(input: string, options: PyWinRmOptions, opensslConf: string): Promise<PyWinRmResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(DEBIAN_PYTHON, ['-c', SCRIPT], {
      env: { PATH: '/usr/bin:/bin', HAAAS_WINRM_PASSWORD: options.password, PYTHONDONTWRITEBYTECODE: '1', OPENSSL_CONF: opensslConf },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as PyWinRmResult);
      } catch {
        reject(new Error(`pywinrm exited with ${signal ?? code}: ${err.trim() || out.trim()}`));
      }
    });
    child.stdin.end(input);
  });
}
