resource "haaas_node" "n1" {
  cluster_id          = haaas_cluster.east.id
  hostname            = "n1.east.example.com"
  kind                = "PHYSICAL"
  endpoint_uri        = "qemu+ssh://root@n1.east.example.com/system"
  password_wo         = var.node_password # write-only: never in a plan or the state
  password_wo_version = 1
  cpus                = 32
  memory_mb           = 131072
  attributes          = { rack = "r1" }
}
