resource "haaas_fencing_device" "n1_bmc" {
  cluster_id                = haaas_cluster.east.id
  name                      = "n1-bmc"
  agent                     = "fence_ipmilan" # options are checked against its metadata when planning
  options                   = { ip = "10.0.0.11", username = "admin", lanplus = "1" }
  secret_options_wo         = { password = var.bmc_password }
  secret_options_wo_version = 1
}
