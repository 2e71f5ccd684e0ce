/**
 * A CDKTF app (TypeScript) that declares a small HA datacenter with the provider's generated
 * bindings (`npm run cdktf:get` writes them into cdktf/.gen from the provider's real schema):
 * a KVM cluster, three nodes, IPMI fencing for each, an ordered failover domain and five services,
 * each with its VM. Synthesize with `cdktf synth` (or run this file: it is what synth runs) and
 * apply the JSON in cdktf.out/stacks/datacenter with Terraform or OpenTofu.
 *
 * Settings from the environment: HAAAS_EXAMPLE_NAME (cluster name, default `dc1`),
 * HAAAS_EXAMPLE_ENDPOINT (the nodes' libvirt URI, default `test:///default`), HAAAS_EXAMPLE_HA=1
 * (start HA and the services: a second apply, as HA needs the nodes that the first one joins),
 * CDKTF_OUTDIR.
 */
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { Cluster } from '../.gen/providers/haaas/cluster';
import { FailoverDomain } from '../.gen/providers/haaas/failover-domain';
import { FencingAssociation } from '../.gen/providers/haaas/fencing-association';
import { FencingDevice } from '../.gen/providers/haaas/fencing-device';
import { Node } from '../.gen/providers/haaas/node';
import { HaaasProvider } from '../.gen/providers/haaas/provider';
import { Resource } from '../.gen/providers/haaas/resource';
import { Service } from '../.gen/providers/haaas/service';

const SERVICES = [
  { name: 'db', priority: 500, action: 'RESTART' },
  { name: 'api', priority: 400, action: 'RELOCATE' },
  { name: 'web', priority: 300, action: 'RELOCATE' },
  { name: 'cache', priority: 200, action: 'RELOCATE' },
  { name: 'batch', priority: 100, action: 'RELOCATE' },
] as const;

class Datacenter extends TerraformStack {
  constructor(scope: Construct, id: string, settings: { name: string; endpoint: string; ha: boolean }) {
    super(scope, id);
    // endpoint and token from HAAAS_URL and HAAAS_TOKEN
    new HaaasProvider(this, 'haaas', {});

    const cluster = new Cluster(this, 'cluster', { name: settings.name, hypervisor: 'KVM', deadtimeSeconds: 10, fencingRequired: true, minHealthyNodes: 2, haEnabled: settings.ha, attributes: { managed_by: 'cdktf' } });
    const ipmi = new FencingDevice(this, 'ipmi', {
      clusterId: cluster.id,
      name: 'ipmi',
      agent: 'fence_ipmilan',
      options: { ip: '127.0.0.1', username: 'admin', lanplus: '1' },
      secretOptions: { password: 'change-me' },
    });
    const nodes = [1, 2, 3].map((i) => {
      const hostname = `kvm${i}.${settings.name}.example.com`;
      const node = new Node(this, `node${i}`, {
        clusterId: cluster.id,
        hostname,
        kind: 'PHYSICAL',
        endpointUri: settings.endpoint,
        cpus: 16,
        memoryMb: 65536,
      });
      new FencingAssociation(this, `fence${i}`, { deviceId: ipmi.id, nodeId: node.id, level: 1, options: { ipport: String(6230 + i) } });
      return node;
    });
    const domain = new FailoverDomain(this, 'primary', {
      clusterId: cluster.id,
      name: 'primary',
      ordered: true,
      members: nodes.map((n, i) => ({ nodeId: n.id, priority: i + 1 })),
    });
    for (const s of SERVICES) {
      const vm = new Resource(this, `${s.name}-vm`, { clusterId: cluster.id, name: `${s.name}-vm`, type: 'VM', vm: { hypervisorRef: s.name } });
      const service = new Service(this, s.name, {
        clusterId: cluster.id,
        name: s.name,
        resources: [vm.id],
        failoverDomainId: domain.id,
        priority: s.priority,
        recoveryAction: s.action,
        state: settings.ha ? 'RUNNING' : 'STOPPED',
        timeouts: { create: '5m', update: '5m' },
      });
      new TerraformOutput(this, `${s.name}_node`, { value: service.currentNodeId });
    }
    new TerraformOutput(this, 'cluster_id', { value: cluster.id });
  }
}

const app = new App(process.env['CDKTF_OUTDIR'] ? { outdir: process.env['CDKTF_OUTDIR'] } : {});
new Datacenter(app, 'datacenter', {
  name: process.env['HAAAS_EXAMPLE_NAME'] ?? 'dc1',
  endpoint: process.env['HAAAS_EXAMPLE_ENDPOINT'] ?? 'test:///default',
  ha: process.env['HAAAS_EXAMPLE_HA'] === '1',
});
app.synth();
