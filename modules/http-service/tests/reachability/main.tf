# Asks the local data plane whether a client in a VPC gets through to a URL (the lattice
# provider's lattice_local_reachability: the decision real traffic gets).
terraform {
  required_providers {
    lattice = { source = "lattice-local/lattice" }
  }
}

variable "vpc_id" { type = string }
variable "url" { type = string }

data "lattice_local_reachability" "this" {
  vpc_id = var.vpc_id
  url    = var.url
}

output "reachable" { value = data.lattice_local_reachability.this.reachable }
output "decided_by" { value = data.lattice_local_reachability.this.decided_by }
output "summary" { value = data.lattice_local_reachability.this.summary }
