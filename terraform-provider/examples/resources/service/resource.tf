resource "haaas_service" "web" {
  cluster_id         = haaas_cluster.east.id
  name               = "web"
  resources          = [haaas_resource.web_vm.id, haaas_resource.web_ip.id] # start order
  failover_domain_id = haaas_failover_domain.prefer_n1.id
  priority           = 800
  recovery_action    = "RELOCATE"
  state              = "RUNNING"
  depends_on         = [haaas_cluster_ha.east]
  timeouts {
    create = "5m"
  }
}
