import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Environment variables the wrapper reads. */
export const IPMI_PASSWORD_ENV = 'IPMI_PASSWORD';
export const REAL_IPMITOOL_ENV = 'HAAAS_IPMITOOL';

/*
 * fence_ipmilan (and fence_idrac, fence_ilo3/4/5, fence_imm, fence_ipmilanplus: the same script)
 * runs `ipmitool ... -P <password>`, so the password sits in ipmitool's argv, readable by every
 * local user in `ps` while it runs, however the agent itself got it. ipmitool can read it from
 * IPMI_PASSWORD instead (-E), and the environment of a process is readable by its owner only. So
 * the runner gives the agent no password, sets IPMI_PASSWORD in the agent's environment (inherited
 * by ipmitool) and points `ipmitool_path` at this wrapper, which drops the `-P ''` pair the agent
 * then passes and adds -E. A shell script because it must be an executable the agent can run; it
 * is written once per process into a private directory (0700).
 */
const SCRIPT = `#!/bin/sh
# Written by @haaas/fencing: ipmitool with the password from $${IPMI_PASSWORD_ENV} (-E), not argv (-P).
n=$#
skip=
for a do
  if [ -n "$skip" ]; then skip=; continue; fi
  if [ "$a" = "-P" ]; then skip=1; continue; fi
  set -- "$@" "$a"
done
shift "$n"
exec "\${${REAL_IPMITOOL_ENV}:-/usr/bin/ipmitool}" -E "$@"
`;

let wrapperPath: string | undefined;

/** Path of the wrapper, created on first use and removed when the process exits. */
export function ipmitoolEnvWrapper(): string {
  if (wrapperPath) return wrapperPath;
  const dir = mkdtempSync(join(tmpdir(), 'haaas-fencing-'));
  chmodSync(dir, 0o700);
  const file = join(dir, 'ipmitool-env');
  writeFileSync(file, SCRIPT, { mode: 0o700 });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  wrapperPath = file;
  return file;
}
