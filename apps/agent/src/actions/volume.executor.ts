import type { ActionKind, ExecutorResult } from './action.types';
import { commandFailed, ExecutionContext, runOptions } from './execution.context';

export interface VolumeSpec {
  readonly ref: string;
  readonly mountPoint: string;
  readonly fsType: string | null;
}

const FS_TYPE = /^[a-z0-9][a-z0-9_.+-]{0,31}$/;

export function readVolumeSpec(spec: Readonly<Record<string, unknown>>): VolumeSpec | string {
  const ref = spec['ref'];
  const mountPoint = spec['mountPoint'] ?? null;
  const fsType = spec['fsType'] ?? null;
  if (typeof ref !== 'string' || ref.trim() === '' || ref.startsWith('-')) return 'volume.ref must be a device, export or directory (not starting with "-")';
  if (mountPoint === null) return 'volume.mountPoint is not set: a volume is mounted on its node, so it needs one';
  if (typeof mountPoint !== 'string' || !mountPoint.startsWith('/') || mountPoint === '/') return 'volume.mountPoint must be an absolute path other than /';
  if (fsType !== null && (typeof fsType !== 'string' || !FS_TYPE.test(fsType))) return 'volume.fsType is not a file system type';
  return { ref, mountPoint: mountPoint.replace(/\/+$/, ''), fsType };
}

interface Mount {
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
}

/** /proc/self/mountinfo's escapes (`\040` for a space...). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fsType, source] = right.split(' ');
    if (fields[4] === undefined || !fsType) continue;
    mounts.push({ mountPoint: unescape(fields[4]), fsType, source: unescape(source ?? '') });
  }
  return mounts;
}

/**
 * A volume mounted on its mount point: `mount` (with `-t fsType`; a bind mount when ref is a
 * directory and no fsType is given) on start, `umount` on stop, "is something of it mounted there"
 * (/proc/self/mountinfo, read where the actions run) as monitor. Idempotent both ways. The mount
 * point is created when missing.
 */
export async function volumeAction(kind: ActionKind, spec: VolumeSpec, ctx: ExecutionContext): Promise<ExecutorResult> {
  const info = await ctx.shell.run(['cat', '/proc/self/mountinfo'], runOptions(ctx));
  if (info.code !== 0) return commandFailed('reading /proc/self/mountinfo', info, ctx);
  // the last mount on a path is the one seen there
  const mounted = parseMountinfo(info.stdout)
    .filter((m) => m.mountPoint === spec.mountPoint)
    .pop();

  if (kind === 'monitor') {
    return mounted
      ? { ok: true, outcome: 'DONE', exitCode: null, detail: `${mounted.source} (${mounted.fsType}) is mounted on ${spec.mountPoint}` }
      : { ok: false, outcome: 'DONE', exitCode: null, detail: `nothing is mounted on ${spec.mountPoint}` };
  }
  if (kind === 'stop') {
    if (!mounted) return { ok: true, outcome: 'ALREADY', exitCode: null, detail: `nothing was mounted on ${spec.mountPoint}` };
    const r = await ctx.shell.run(['umount', spec.mountPoint], runOptions(ctx));
    if (r.code !== 0) return commandFailed(`umount ${spec.mountPoint}`, r, ctx);
    return { ok: true, outcome: 'DONE', exitCode: 0, detail: `unmounted ${spec.mountPoint} (${mounted.source})` };
  }
  if (mounted) {
    // a bind mount shows the device of its directory, not the directory: only a device or export is compared
    if (spec.fsType !== null && mounted.source !== spec.ref) {
      return { ok: false, outcome: 'FAILED', exitCode: null, detail: `${spec.mountPoint} already has ${mounted.source} (${mounted.fsType}) mounted, not ${spec.ref}` };
    }
    return { ok: true, outcome: 'ALREADY', exitCode: null, detail: `${spec.mountPoint} is already mounted (${mounted.source}, ${mounted.fsType})` };
  }
  const mkdir = await ctx.shell.run(['mkdir', '-p', '--', spec.mountPoint], runOptions(ctx));
  if (mkdir.code !== 0) return commandFailed(`mkdir -p ${spec.mountPoint}`, mkdir, ctx);
  let argv: string[];
  let how: string;
  if (spec.fsType !== null) {
    argv = ['mount', '-t', spec.fsType, '--', spec.ref, spec.mountPoint];
    how = spec.fsType;
  } else if ((await ctx.shell.run(['test', '-d', spec.ref], runOptions(ctx))).code === 0) {
    argv = ['mount', '--bind', '--', spec.ref, spec.mountPoint];
    how = 'bind mount';
  } else {
    argv = ['mount', '--', spec.ref, spec.mountPoint];
    how = 'type detected by mount';
  }
  const r = await ctx.shell.run(argv, runOptions(ctx));
  if (r.code !== 0) return commandFailed(argv.join(' '), r, ctx);
  return { ok: true, outcome: 'DONE', exitCode: 0, detail: `mounted ${spec.ref} on ${spec.mountPoint} (${how})` };
}
