data "haaas_fence_agent" "ipmi" {
  name = "fence_ipmilan"
}

output "ipmi_secret_parameters" {
  value = [for p in data.haaas_fence_agent.ipmi.parameters : p.name if p.secret]
}
