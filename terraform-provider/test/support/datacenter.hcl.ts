import type { SimulatedHost } from '@haaas/fencing/testing';

// The datacenter e2e's HCL and its fixtures (kept apart so the spec reads as its steps).

export const CLUSTER = 'tf-dc';
/** The demo's services: name, priority, home host (index), recovery action. */
export const SERVICES = [
  { name: 'db', priority: 1000, home: 0, action: 'RESTART' },
  { name: 'web-a', priority: 800, home: 1, action: 'RELOCATE' },
  { name: 'web-b', priority: 800, home: 1, action: 'RELOCATE' },
  { name: 'queue', priority: 500, home: 2, action: 'RELOCATE' },
  { name: 'batch', priority: 100, home: 1, action: 'RELOCATE' },
] as const;

export const hostname = (i: number): string => `host${i + 1}.${CLUSTER}.local`;

/** The HCL: what a platform team would write for this datacenter. */
export interface DcOptions {
  /**
   * HA through haaas_cluster_ha (services RUNNING, after it), or through the cluster's `ha_enabled`
   * (unset: as it is), the services' state then unset (as they are).
   */
  readonly ha: { readonly via: 'resource' } | { readonly via: 'ha_enabled'; readonly enabled?: boolean };
  /**
   * Healthy nodes HA needs to start: 3 at first, so that it starts (and places the services) only
   * once every host's agent is up (the VMs are defined on their home hosts only); 2 after a host crashed.
   */
  readonly minHealthy: 2 | 3;
}

export function datacenterHcl(sims: readonly SimulatedHost[], o: DcOptions = { ha: { via: 'resource' }, minHealthy: 3 }): string {
  const viaResource = o.ha.via === 'resource';
  const n = sims.length;
  const hosts = sims
    .map((sim, i) => {
      const { password: _password, ...options } = sim.bmc.fenceOptions();
      const opts = Object.entries(options)
        .map(([k, v]) => `    ${k} = "${String(v)}"`)
        .join('\n');
      return `
resource "haaas_node" "h${i}" {
  cluster_id   = haaas_cluster.dc.id
  hostname     = "${hostname(i)}"
  kind         = "PHYSICAL"
  endpoint_uri = "${sim.host.uri}"
  cpus         = 16
  memory_mb    = 65536
}

resource "haaas_fencing_device" "h${i}" {
  cluster_id = haaas_cluster.dc.id
  name       = "host${i + 1}-bmc"
  agent      = "fence_ipmilan"
  options = {
${opts}
  }
  secret_options = { password = var.bmc_passwords[${i}] }
}

resource "haaas_fencing_association" "h${i}" {
  device_id = haaas_fencing_device.h${i}.id
  node_id   = haaas_node.h${i}.id
  level     = 1
}

resource "haaas_failover_domain" "prefer_h${i}" {
  cluster_id = haaas_cluster.dc.id
  name       = "prefer-host${i + 1}"
  ordered    = true
  restricted = true
  members = [
${Array.from({ length: n }, (_, k) => `    { node_id = haaas_node.h${(i + k) % n}.id, priority = ${k + 1} },`).join('\n')}
  ]
}
`;
    })
    .join('');
  const services = SERVICES.map(
    (s) => `
resource "haaas_resource" "${s.name}" {
  cluster_id = haaas_cluster.dc.id
  name       = "${s.name}-vm"
  type       = "VM"
  vm { hypervisor_ref = "${s.name}-vm" }
}

resource "haaas_service" "${s.name}" {
  cluster_id         = haaas_cluster.dc.id
  name               = "${s.name}"
  resources          = [haaas_resource.${s.name}.id]
  failover_domain_id = haaas_failover_domain.prefer_h${s.home % n}.id
  priority           = ${s.priority}
  recovery_action    = "${s.action}"
  autostart          = true
${viaResource ? '  state              = "RUNNING"\n  depends_on         = [haaas_cluster_ha.dc]\n' : ''}}
`,
  ).join('');
  return `terraform {
  required_providers {
    haaas = { source = "haaas/haaas" }
  }
}

provider "haaas" {}

variable "bmc_passwords" {
  type      = list(string)
  sensitive = true
}

resource "haaas_cluster" "dc" {
  name                       = "${CLUSTER}"
  hypervisor                 = "KVM"
  heartbeat_interval_seconds = 1
  deadtime_seconds           = 3
  fencing_required           = true
  min_healthy_nodes          = ${o.minHealthy}
${o.ha.via === 'ha_enabled' && o.ha.enabled !== undefined ? `  ha_enabled                 = ${o.ha.enabled}\n` : ''}}
${hosts}${
    viaResource
      ? `
resource "haaas_cluster_ha" "dc" {
  cluster_id = haaas_cluster.dc.id
  depends_on = [${sims.map((_, i) => `haaas_fencing_association.h${i}`).join(', ')}]
  timeouts { create = "3m" }
}
`
      : ''
  }${services}`;
}
