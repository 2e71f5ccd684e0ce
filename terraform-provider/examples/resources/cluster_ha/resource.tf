# HA starts once the nodes and their fencing exist; services meant to run depend on it
resource "haaas_cluster_ha" "east" {
  cluster_id = haaas_cluster.east.id
  depends_on = [haaas_fencing_association.n1, haaas_fencing_association.n2]
  timeouts {
    create = "5m"
  }
}
