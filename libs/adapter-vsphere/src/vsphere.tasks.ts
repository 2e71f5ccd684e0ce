import type { Element } from '@xmldom/xmldom';
import { AdapterError, deadline, isAdapterError, sleep } from '@haaas/hypervisor';
import { type ObjectContent, ref, retrieveOne, str } from './property.collector';
import { type SoapClient } from './soap.client';
import { child, type MoRef, readLocalizedFault, readMoRef, type SoapParam } from './soap.xml';
import { VimFault } from './vim.fault';
import { HOST_PATHS, hostFacts } from './vsphere.inventory';

/** vSphere tasks and the power steps VsphereHost builds on them: run a task, a guest shutdown, a stale registration removed. */

const TASK_PATHS = ['info.state', 'info.error', 'info.result'];
// Faults after which a graceful stop gives up on the guest and powers off at once.
const NO_GUEST_SHUTDOWN = new Set(['ToolsUnavailable', 'InvalidState', 'NotSupported', 'NotImplemented', 'MethodNotFound']);

/** Starts a task and waits for it: polls Task.info (state, error, result) with a growing pause, within the deadline. */
export async function runTask(client: SoapClient, method: string, self: MoRef, params: readonly SoapParam[], signal: AbortSignal): Promise<Element | undefined> {
  const reply = await client.invoke(method, self, params, signal);
  const task = readMoRef(child(reply, 'returnval'));
  if (!task) throw new VimFault({ type: 'InvalidResponse', message: `${method} returned no task` });
  // most vCenter tasks end within a second or two and vcsim's within milliseconds: look again
  // soon, then less and less often (at most every 500 ms, so completion is seen within that)
  for (let pause = 2; ; pause = Math.min(pause * 1.5, 500)) {
    const info = await retrieveOne(client, task, TASK_PATHS, signal);
    const state = str(info, 'info.state');
    if (state === 'success') return info.props.get('info.result');
    if (state === 'error') {
      const error = info.props.get('info.error');
      throw new VimFault(error ? readLocalizedFault(error) : { type: 'Fault', message: `${method} failed` });
    }
    await sleep(pause, signal, method);
  }
}

/** After InvalidPowerState: whether the VM is already where the call wanted it (idempotent success). */
export async function alreadyIn(client: SoapClient, error: unknown, vm: MoRef, wanted: string, signal: AbortSignal): Promise<boolean> {
  if (!(error instanceof VimFault && error.type === 'InvalidPowerState')) return false;
  const existing = error.field('existingState');
  if (existing) return existing === wanted;
  return str(await retrieveOne(client, vm, ['runtime.powerState'], signal), 'runtime.powerState') === wanted;
}

/**
 * ShutdownGuest, then waits for poweredOff within the grace period. False when the guest would
 * not (no tools) or did not stop in time: the caller powers off. The caller's own deadline and
 * an expired session still end the operation.
 */
export async function shutdownGuest(client: SoapClient, vm: MoRef, graceMs: number, signal: AbortSignal): Promise<boolean> {
  const grace = deadline(graceMs, signal);
  try {
    await client.invoke('ShutdownGuest', vm, [], grace);
    for (let pause = 20; ; pause = Math.min(pause * 2, 1_000)) {
      const state = str(await retrieveOne(client, vm, ['runtime.powerState'], grace), 'runtime.powerState');
      if (state === 'poweredOff') return true;
      await sleep(pause, grace, 'stopVm');
    }
  } catch (error) {
    if (signal.aborted) throw error;
    if (error instanceof VimFault && error.type === 'NotAuthenticated') throw error;
    if (grace.aborted || isAdapterError(error, 'TIMEOUT')) return false;
    if (error instanceof VimFault && error.type === 'InvalidPowerState') return false; // stopped meanwhile: the power-off path settles it
    if (error instanceof VimFault && NO_GUEST_SHUTDOWN.has(error.type)) return false;
    throw error;
  }
}

/**
 * Removes another host's registration of the same .vmx, when that cannot be a running VM: stopped,
 * or on a host vCenter has lost. The latter is the failover case, reached only once the host is
 * fenced (the engine starts no copy while a reachable node reports the VM active): vCenter still
 * shows the VM as it was last seen, powered on, and will not unregister a powered-on VM, so its
 * record is powered off first. A vCenter that refuses that too gets the advice below.
 */
export async function unregisterStale(client: SoapClient, vm: ObjectContent, signal: AbortSignal): Promise<void> {
  const hostRef = ref(vm, 'runtime.host');
  const host = hostRef ? hostFacts(await retrieveOne(client, hostRef, HOST_PATHS, signal)) : undefined;
  const name = str(vm, 'name') ?? vm.obj.value;
  const where = host?.name ?? 'another host';
  const lost = host?.connectionState !== 'connected';
  if (str(vm, 'runtime.powerState') === 'poweredOn') {
    if (!lost) throw new AdapterError('INVALID_STATE', `registerVm: ${name} is registered and running on ${where}: stop or fence it first`, 'registerVm');
    await runTask(client, 'PowerOffVM_Task', vm.obj, [], signal).catch((error: unknown) => {
      if (error instanceof VimFault && error.type === 'InvalidPowerState') return undefined;
      throw lostHostAdvice(name, where, host?.connectionState, error);
    });
  }
  try {
    await client.invoke('UnregisterVM', vm.obj, [], signal);
  } catch (error) {
    if (!(error instanceof VimFault) || !lost) throw error;
    throw lostHostAdvice(name, where, host?.connectionState, error);
  }
}

/** vCenter keeps a lost host's VMs as they were last seen and may refuse to let them go. */
function lostHostAdvice(name: string, where: string, state: string | undefined, error: unknown): unknown {
  if (!(error instanceof VimFault)) return error;
  return new AdapterError(
    'INVALID_STATE',
    `registerVm: vSphere will not unregister ${name} from ${where} (${state ?? 'unknown'}): ${error.message}; remove the failed host from the inventory, or reconnect it`,
    'registerVm',
    { cause: error },
  );
}
