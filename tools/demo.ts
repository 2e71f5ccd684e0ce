/**
 * `npm run demo -- <command>` for the simulated datacenter `npm start` runs (KVM, or vSphere on
 * vcsim with HAAAS_DEMO=vsphere):
 *   kill <host>        crash a host: KVM, its node agent and its libvirtd die at once; vSphere, its
 *                      own /sdk dies and vCenter disconnects it (vcsim has no "not responding").
 *                      Its BMC stays up, to be fenced
 *   crash-vm <service> power a service's VMs off behind HAaaS's back (its host stays up): the
 *                      service watch restarts them in place, within the service's restart budget
 *   status             where each service runs, the nodes' statuses and the last events of the cluster log
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signDevToken } from '@haaas/auth';
import { loadConfig } from '@haaas/config';
import { connectVcsimAdmin } from '@haaas/adapter-vsphere/testing';
import { GraphQLCaller, type VsphereDemoState } from '@haaas/demo';

interface KvmDemoState {
  kind?: 'kvm';
  clusterId: string;
  hosts: { name: string; nodeId: string; uri: string; dir: string; script: string; agentPid: number | null }[];
}
type DemoState = KvmDemoState | VsphereDemoState;

/** A vSphere host crash: its own /sdk (a vcsim -esx process group) killed, vCenter losing it. */
async function killVsphereHost(state: VsphereDemoState, name: string | undefined): Promise<void> {
  const host = state.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`usage: npm run demo -- kill <host>; hosts: ${state.hosts.map((h) => h.name).join(', ')}`);
  if (host.esxPid) {
    try {
      process.kill(-host.esxPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const admin = connectVcsimAdmin(state.vcenter.url, state.vcenter.username, state.vcenter.password);
  try {
    await admin.disconnectHost(host.name);
  } finally {
    await admin.close();
  }
  console.log(`${host.name} crashed (its /sdk killed, disconnected in vCenter; its BMC still answers). Watch: npm run demo -- status`);
}

/** A VM powered off in vCenter behind HAaaS's back. */
async function powerOffVsphereVm(state: VsphereDemoState, ref: string): Promise<void> {
  const admin = connectVcsimAdmin(state.vcenter.url, state.vcenter.username, state.vcenter.password);
  try {
    await admin.powerOffVm(ref);
  } finally {
    await admin.close();
  }
}

// HAAAS_DEMO_STATE: another datacenter's state file (the CLI's lifecycle e2e crashes its hosts with this command)
const STATE = process.env['HAAAS_DEMO_STATE'] ?? join(__dirname, '..', '.data', 'demo', 'demo.json');

/** A KVM host crash: its node agent and its libvirtd killed at once. */
function killKvmHost(state: KvmDemoState, name: string | undefined): void {
  const host = state.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`usage: npm run demo -- kill <host>; hosts: ${state.hosts.map((h) => h.name).join(', ')}`);
  if (host.agentPid) {
    try {
      process.kill(host.agentPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // the same script the host's BMC runs on power-off: SIGKILL libvirtd, like pulling the plug
  execFileSync('/bin/sh', [host.script, 'down', host.dir]);
  console.log(`${host.name} crashed (agent and libvirtd killed). Watch: npm run demo -- status`);
}

async function main(): Promise<void> {
  const [command, arg] = process.argv.slice(2);
  let state: DemoState;
  try {
    state = JSON.parse(readFileSync(STATE, 'utf8')) as DemoState;
  } catch {
    throw new Error(`no demo datacenter is running (${STATE} is missing): start one with \`npm start\``);
  }
  if (command === 'kill') return state.kind === 'vsphere' ? killVsphereHost(state, arg) : killKvmHost(state, arg);
  const config = loadConfig();
  const token = await signDevToken({ tenant: 'demo', roles: ['reader'], subject: 'demo-cli' }, config);
  const api = new GraphQLCaller(`http://${config.http.host}:${config.http.port}/graphql`, token);
  if (command === 'crash-vm') {
    const r = await api.call<{ cluster: { services: { nodes: { name: string; currentNode: { id: string; hostname: string } | null; resources: { vm: { hypervisorRef: string } | null }[] }[] } } }>(
      `query($id: ID!) { cluster(id: $id) { services(first: 50) { nodes { name currentNode { id hostname } resources { vm { hypervisorRef } } } } } }`,
      { id: state.clusterId },
    );
    const service = r.cluster.services.nodes.find((s) => s.name === arg);
    if (!service) throw new Error(`usage: npm run demo -- crash-vm <service>; services: ${r.cluster.services.nodes.map((s) => s.name).join(', ')}`);
    const refs = service.resources.flatMap((x) => (x.vm ? [x.vm.hypervisorRef] : []));
    if (state.kind === 'vsphere') {
      for (const ref of refs) await powerOffVsphereVm(state, ref);
      console.log(`VMs ${refs.join(', ')} of ${service.name} powered off in vCenter. Watch: npm run demo -- status`);
      return;
    }
    const host = state.hosts.find((h) => h.nodeId === service.currentNode?.id);
    if (!host) throw new Error(`service ${service.name} is not running on a demo host now`);
    for (const ref of refs) {
      // a bare virsh against the host's own libvirtd: HAaaS is not told
      execFileSync('virsh', ['-q', '-c', host.uri, 'destroy', ref], { stdio: 'inherit' });
      console.log(`VM ${ref} of ${service.name} powered off on ${service.currentNode?.hostname ?? host.name}. Watch: npm run demo -- status`);
    }
    return;
  }
  if (command === 'status' || command === undefined) {
    const r = await api.call<{
      cluster: {
        nodes: { nodes: { hostname: string; status: string }[] };
        services: { nodes: { name: string; state: string; policy: { priority: number }; currentNode: { hostname: string } | null }[] };
        log: { nodes: { at: string; type: string; message: string | null }[] };
      };
    }>(
      `query($id: ID!) { cluster(id: $id) {
         nodes(first: 50) { nodes { hostname status } }
         services(first: 50) { nodes { name state policy { priority } currentNode { hostname } } }
         log(first: 25) { nodes { at type message } } } }`,
      { id: state.clusterId },
    );
    console.log('nodes:');
    for (const n of r.cluster.nodes.nodes) console.log(`  ${n.hostname.padEnd(22)} ${n.status}`);
    console.log('services:');
    for (const s of r.cluster.services.nodes) console.log(`  ${s.name.padEnd(8)} priority ${String(s.policy.priority).padStart(4)}  ${s.state.padEnd(10)} on ${s.currentNode?.hostname ?? '-'}`);
    console.log('cluster log (newest first):');
    for (const e of r.cluster.log.nodes) console.log(`  ${e.at}  ${e.type.padEnd(28)} ${e.message ?? ''}`);
    return;
  }
  throw new Error('usage: npm run demo -- kill <host> | crash-vm <service> | status');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
