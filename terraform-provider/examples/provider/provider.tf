terraform {
  required_providers {
    haaas = { source = "haaas/haaas" }
  }
}

# A HAaaS token (or HAAAS_URL and HAAAS_TOKEN in the environment)
provider "haaas" {
  endpoint = "https://haaas.example.com"
  token    = var.haaas_token
}

# Or OpenStack Keystone: a cloud of clouds.yaml (OS_CLOUD), the endpoint from the catalog's `ha` service
provider "haaas" {
  alias = "keystone"
  cloud = "production"
}

variable "haaas_token" {
  type      = string
  sensitive = true
}
