resource "haaas_cluster" "east" {
  name             = "east"
  hypervisor       = "KVM"
  description      = "East datacenter"
  deadtime_seconds = 20
  attributes       = { dc = "east" }
}
