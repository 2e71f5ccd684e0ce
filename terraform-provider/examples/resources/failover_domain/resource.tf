resource "haaas_failover_domain" "prefer_n1" {
  cluster_id = haaas_cluster.east.id
  name       = "prefer-n1"
  ordered    = true
  restricted = true
  members = [
    { node_id = haaas_node.n1.id, priority = 1 },
    { node_id = haaas_node.n2.id, priority = 2 },
  ]
}
