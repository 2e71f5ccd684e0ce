data "haaas_clusters" "prod" {
  name_contains = "prod"
}

output "prod_clusters" {
  value = [for c in data.haaas_clusters.prod.clusters : c.name]
}
