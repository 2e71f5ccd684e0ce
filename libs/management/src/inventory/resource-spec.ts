import { isIP } from 'node:net';
import { Problems, ResourceType } from '@haaas/domain';
import { hasControlChars } from './node.validation';

// Addresses are checked with Node.js's `net.isIP`: the platform already parses IPv4 and IPv6 the
// way the sockets using them will, so no library is needed.

/** A VM on the cluster's hypervisor. */
export interface VmSpec {
  /** Name, UUID or managed-object reference (vSphere `vm-42`) of the VM on the hypervisor. */
  readonly hypervisorRef: string;
  /** Grace period of a clean shutdown before the VM is powered off; null: the service's stop timeout. */
  readonly shutdownTimeoutSeconds: number | null;
}

/** A virtual (floating) IP address. */
export interface IpSpec {
  readonly address: string;
  readonly prefixLength: number;
  /** Interface to bring it up on; null: the one whose network contains the address. */
  readonly interface: string | null;
}

/** An application or process, driven by commands. */
export interface ApplicationSpec {
  readonly startCommand: string;
  readonly stopCommand: string;
  /** Exit 0 while healthy; null: the process is only started and stopped. */
  readonly monitorCommand: string | null;
  readonly user: string | null;
}

/** A volume (disk, LUN, share) mounted where its service runs. */
export interface VolumeSpec {
  /** Storage identifier or path: device, LUN id, NFS export, datastore path. */
  readonly ref: string;
  readonly mountPoint: string | null;
  readonly fsType: string | null;
}

/** The type-specific part of a resource: exactly the member of its type is set. */
export interface ResourceSpecs {
  readonly vm?: VmSpec | null;
  readonly ip?: IpSpec | null;
  readonly application?: ApplicationSpec | null;
  readonly volume?: VolumeSpec | null;
}

/** What callers give: the same shape, with optional fields that may be left out. */
export interface ResourceSpecInput {
  readonly vm?: { hypervisorRef: string; shutdownTimeoutSeconds?: number | null } | null;
  readonly ip?: { address: string; prefixLength: number; interface?: string | null } | null;
  readonly application?: { startCommand: string; stopCommand: string; monitorCommand?: string | null; user?: string | null } | null;
  readonly volume?: { ref: string; mountPoint?: string | null; fsType?: string | null } | null;
}

type SpecKey = keyof ResourceSpecs;

/** The input field holding each type's spec (GraphQL has no input unions, so one field per type). */
export const SPEC_FIELD: Readonly<Record<ResourceType, SpecKey>> = {
  [ResourceType.VM]: 'vm',
  [ResourceType.IP]: 'ip',
  [ResourceType.APPLICATION]: 'application',
  [ResourceType.VOLUME]: 'volume',
};

const TYPE_OF_FIELD: Readonly<Record<SpecKey, ResourceType>> = { vm: ResourceType.VM, ip: ResourceType.IP, application: ResourceType.APPLICATION, volume: ResourceType.VOLUME };

export const MAX_REF_LENGTH = 255;
export const MAX_VOLUME_REF_LENGTH = 1024;
export const MAX_COMMAND_LENGTH = 4096;
export const MAX_PATH_LENGTH = 1024;
export const MAX_SHUTDOWN_TIMEOUT_SECONDS = 3600;

/** Interface names: Linux allows 15 bytes; Windows guests (Hyper-V) have longer ones with spaces. */
const INTERFACE = /^[A-Za-z0-9][A-Za-z0-9 _.:@-]{0,63}$/;
/** POSIX user names, and DOMAIN\user or user@domain for Windows guests. */
const RUN_AS_USER = /^[A-Za-z_][A-Za-z0-9_.@\\-]{0,63}$/;
const FS_TYPE = /^[a-z0-9][a-z0-9_.+-]{0,31}$/;
const ABSOLUTE_PATH = /^(\/|[A-Za-z]:\\)/;

/** `allowTab`: a command line may contain tabs, never line breaks or NUL. */
function checkText(p: Problems, field: string, value: string, max: number, allowTab = false): void {
  p.check(value.trim().length > 0 && value.length <= max && !hasControlChars(value, allowTab), field, `must be 1-${max} characters, not blank, without control characters`);
}

/**
 * Validates the spec sub-inputs against the resource type: the type's own is required, every
 * other one is refused on its own field. Returns the normalized spec (optional fields as null).
 * `prefix` is the field path of the input object (e.g. `input` → `input.vm.hypervisorRef`; empty for none).
 */
export function checkResourceSpec(p: Problems, type: ResourceType, input: ResourceSpecInput, prefix = ''): Record<string, unknown> | null {
  const at = (f: string): string => (prefix ? `${prefix}.${f}` : f);
  const own = SPEC_FIELD[type] as SpecKey | undefined;
  if (!own) return null; // an unknown type is reported on `type` by the caller
  for (const key of Object.keys(TYPE_OF_FIELD) as SpecKey[]) {
    if (key !== own && input[key] != null) p.add(at(key), `only for resources of type ${TYPE_OF_FIELD[key]}; this one is ${type}`);
  }
  const spec = input[own];
  if (spec == null) {
    p.add(at(own), `is required for a resource of type ${type}`);
    return null;
  }
  switch (type) {
    case ResourceType.VM:
      return checkVm(p, at('vm'), spec as NonNullable<ResourceSpecInput['vm']>);
    case ResourceType.IP:
      return checkIp(p, at('ip'), spec as NonNullable<ResourceSpecInput['ip']>);
    case ResourceType.APPLICATION:
      return checkApplication(p, at('application'), spec as NonNullable<ResourceSpecInput['application']>);
    case ResourceType.VOLUME:
      return checkVolume(p, at('volume'), spec as NonNullable<ResourceSpecInput['volume']>);
  }
}

function checkVm(p: Problems, field: string, vm: NonNullable<ResourceSpecInput['vm']>): VmSpec & Record<string, unknown> {
  checkText(p, `${field}.hypervisorRef`, vm.hypervisorRef, MAX_REF_LENGTH);
  const timeout = vm.shutdownTimeoutSeconds ?? null;
  if (timeout !== null) {
    p.check(
      Number.isInteger(timeout) && timeout >= 1 && timeout <= MAX_SHUTDOWN_TIMEOUT_SECONDS,
      `${field}.shutdownTimeoutSeconds`,
      `must be an integer from 1 to ${MAX_SHUTDOWN_TIMEOUT_SECONDS}`,
    );
  }
  return { hypervisorRef: vm.hypervisorRef, shutdownTimeoutSeconds: timeout };
}

function checkIp(p: Problems, field: string, ip: NonNullable<ResourceSpecInput['ip']>): IpSpec & Record<string, unknown> {
  const family = isIP(ip.address);
  p.check(family !== 0, `${field}.address`, 'must be an IPv4 or IPv6 address');
  if (family !== 0) {
    const max = family === 4 ? 32 : 128;
    p.check(Number.isInteger(ip.prefixLength) && ip.prefixLength >= 0 && ip.prefixLength <= max, `${field}.prefixLength`, `must be an integer from 0 to ${max} for an IPv${family} address`);
  }
  const iface = ip.interface ?? null;
  if (iface !== null) p.check(INTERFACE.test(iface), `${field}.interface`, 'must be an interface name: 1-64 letters, digits, spaces, "_", ".", ":", "@" or "-"');
  return { address: ip.address, prefixLength: ip.prefixLength, interface: iface };
}

function checkApplication(p: Problems, field: string, app: NonNullable<ResourceSpecInput['application']>): ApplicationSpec & Record<string, unknown> {
  checkText(p, `${field}.startCommand`, app.startCommand, MAX_COMMAND_LENGTH, true);
  checkText(p, `${field}.stopCommand`, app.stopCommand, MAX_COMMAND_LENGTH, true);
  const monitor = app.monitorCommand ?? null;
  if (monitor !== null) checkText(p, `${field}.monitorCommand`, monitor, MAX_COMMAND_LENGTH, true);
  const user = app.user ?? null;
  if (user !== null) p.check(RUN_AS_USER.test(user), `${field}.user`, 'must be a user name (POSIX, DOMAIN\\user or user@domain), up to 64 characters');
  return { startCommand: app.startCommand, stopCommand: app.stopCommand, monitorCommand: monitor, user };
}

function checkVolume(p: Problems, field: string, volume: NonNullable<ResourceSpecInput['volume']>): VolumeSpec & Record<string, unknown> {
  checkText(p, `${field}.ref`, volume.ref, MAX_VOLUME_REF_LENGTH);
  const mountPoint = volume.mountPoint ?? null;
  if (mountPoint !== null) {
    p.check(
      ABSOLUTE_PATH.test(mountPoint) && mountPoint.length <= MAX_PATH_LENGTH && !hasControlChars(mountPoint),
      `${field}.mountPoint`,
      `must be an absolute path (/srv/data or C:\\data), up to ${MAX_PATH_LENGTH} characters`,
    );
  }
  const fsType = volume.fsType ?? null;
  if (fsType !== null) p.check(FS_TYPE.test(fsType), `${field}.fsType`, 'must be a file system type such as ext4, xfs, nfs4 or ntfs');
  return { ref: volume.ref, mountPoint, fsType };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function intOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

/** Reads a stored spec back as the typed member of its type (the others null), for transports. */
export function readResourceSpec(type: ResourceType, spec: Readonly<Record<string, unknown>>): ResourceSpecs {
  switch (type) {
    case ResourceType.VM:
      return { vm: { hypervisorRef: str(spec['hypervisorRef']), shutdownTimeoutSeconds: intOrNull(spec['shutdownTimeoutSeconds']) } };
    case ResourceType.IP:
      return { ip: { address: str(spec['address']), prefixLength: intOrNull(spec['prefixLength']) ?? 0, interface: strOrNull(spec['interface']) } };
    case ResourceType.APPLICATION:
      return {
        application: {
          startCommand: str(spec['startCommand']),
          stopCommand: str(spec['stopCommand']),
          monitorCommand: strOrNull(spec['monitorCommand']),
          user: strOrNull(spec['user']),
        },
      };
    case ResourceType.VOLUME:
      return { volume: { ref: str(spec['ref']), mountPoint: strOrNull(spec['mountPoint']), fsType: strOrNull(spec['fsType']) } };
    default:
      return {};
  }
}
