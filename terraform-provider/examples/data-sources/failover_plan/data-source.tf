# What would happen if n1 failed now
data "haaas_failover_plan" "n1" {
  node_id = haaas_node.n1.id
}

output "n1_failover_blockers" {
  value = data.haaas_failover_plan.n1.blockers
}
