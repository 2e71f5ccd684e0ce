resource "haaas_resource" "web_vm" {
  cluster_id = haaas_cluster.east.id
  name       = "web-vm"
  type       = "VM"
  vm {
    hypervisor_ref           = "web"
    shutdown_timeout_seconds = 120
  }
}

resource "haaas_resource" "web_ip" {
  cluster_id = haaas_cluster.east.id
  name       = "web-ip"
  type       = "IP"
  ip {
    address       = "192.0.2.10"
    prefix_length = 24
  }
}
