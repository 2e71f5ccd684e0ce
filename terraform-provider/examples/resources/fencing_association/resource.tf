resource "haaas_fencing_association" "n1" {
  device_id = haaas_fencing_device.n1_bmc.id
  node_id   = haaas_node.n1.id
  level     = 1
}
