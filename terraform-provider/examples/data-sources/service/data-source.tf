data "haaas_service" "web" {
  id = haaas_service.web.id
}

output "web_runs_on" {
  value = data.haaas_service.web.current_node_hostname
}
