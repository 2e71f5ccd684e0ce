# Change rotation_triggers to issue a new token (the old one stops working)
resource "haaas_node_agent_token" "n1" {
  node_id           = haaas_node.n1.id
  rotation_triggers = { rotated = "2026-12" }
}

output "n1_agent_token" {
  value     = haaas_node_agent_token.n1.token
  sensitive = true
}
