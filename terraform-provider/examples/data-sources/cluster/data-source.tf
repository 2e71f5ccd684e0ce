data "haaas_cluster" "east" {
  name = "east"
}
