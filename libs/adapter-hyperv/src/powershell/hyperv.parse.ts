import { type PowerState, type VmInfo } from '@haaas/hypervisor';

/**
 * Parsing of the cmdlets' JSON. ConvertTo-Json writes a single object where one might expect an
 * array, nothing at all for no objects, enums as numbers (Windows PowerShell 5.1) or names
 * (our Select-Object), and GUIDs as strings or objects: all of these are accepted.
 */

export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/** The JSON document on stdout (BOM and blank lines tolerated); undefined for no output. */
export function parseJson(stdout: string): unknown {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // a warning line before the JSON: take the last line that parses
    for (const line of text.split(/\r?\n/).reverse()) {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        // keep looking
      }
    }
    throw new OutputError(`not JSON: ${text.slice(0, 200)}`);
  }
}

export function asArray(value: unknown): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
}

/** Microsoft.HyperV.PowerShell.VMState values. */
const VM_STATE_NUMBERS: Readonly<Record<number, string>> = {
  1: 'Other',
  2: 'Running',
  3: 'Off',
  4: 'Stopping',
  6: 'Saved',
  9: 'Paused',
  10: 'Starting',
  11: 'Reset',
  32773: 'Saving',
  32776: 'Pausing',
  32777: 'Resuming',
  32779: 'FastSaved',
  32780: 'FastSaving',
  32781: 'ForceShutdown',
  32782: 'ForceReboot',
  32783: 'Hibernated',
  32784: 'ComponentServicing',
};

const POWER: Readonly<Record<string, PowerState>> = {
  Running: 'RUNNING',
  Starting: 'RUNNING',
  Reset: 'RUNNING',
  Stopping: 'RUNNING',
  ForceShutdown: 'RUNNING',
  ForceReboot: 'RUNNING',
  Saving: 'RUNNING',
  FastSaving: 'RUNNING',
  Pausing: 'RUNNING',
  Resuming: 'PAUSED',
  ComponentServicing: 'RUNNING',
  Off: 'STOPPED',
  Saved: 'SUSPENDED',
  FastSaved: 'SUSPENDED',
  Hibernated: 'SUSPENDED',
  Paused: 'PAUSED',
  Other: 'UNKNOWN',
};

/**
 * A VM state name or number as PowerState. The *Critical states (storage lost) keep the VM's
 * power when it runs; off, saved or paused and critical it cannot be resumed here: CRASHED.
 */
export function powerStateOf(state: unknown): PowerState {
  const name = typeof state === 'number' ? VM_STATE_NUMBERS[state] : typeof state === 'string' ? (/^\d+$/.test(state) ? VM_STATE_NUMBERS[Number(state)] : state) : undefined;
  if (!name) return 'UNKNOWN';
  if (name.endsWith('Critical')) return name === 'RunningCritical' ? 'RUNNING' : 'CRASHED';
  return POWER[name] ?? 'UNKNOWN';
}

/** A GUID as ConvertTo-Json may write it: a string, or an object with Guid / value. */
function guidOf(id: unknown): string | undefined {
  if (typeof id === 'string' && id) return id.toLowerCase();
  if (typeof id === 'object' && id !== null) {
    const o = id as Record<string, unknown>;
    for (const k of ['Guid', 'value', 'Value']) if (typeof o[k] === 'string') return (o[k] as string).toLowerCase();
  }
  return undefined;
}

export function vmInfoOf(raw: Record<string, unknown>): VmInfo {
  const name = typeof raw['Name'] === 'string' ? raw['Name'] : undefined;
  if (!name) throw new OutputError('a VM without a Name');
  const host = typeof raw['ComputerName'] === 'string' && raw['ComputerName'] ? raw['ComputerName'] : undefined;
  return { ref: name, name, uuid: guidOf(raw['Id']), powerState: powerStateOf(raw['State']), ...(host ? { host } : {}) };
}

export function parseVmList(stdout: string): VmInfo[] {
  return asArray(parseJson(stdout)).map(vmInfoOf);
}

export function parseVm(stdout: string): VmInfo {
  const [first] = asArray(parseJson(stdout));
  if (!first) throw new OutputError('no VM in the output');
  return vmInfoOf(first);
}

export function parseObject(stdout: string): Record<string, unknown> {
  const [first] = asArray(parseJson(stdout));
  if (!first) throw new OutputError('no object in the output');
  return first;
}
