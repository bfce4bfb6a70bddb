# Asks the local data plane, as `account`, whether a client in its VPC gets through to a URL or
# `host:port` (the lattice provider's lattice_local_reachability).
terraform {
  required_providers {
    lattice = { source = "lattice-local/lattice" }
  }
}

variable "account" { type = string }
variable "vpc_id" { type = string }
variable "address" { type = string }

provider "lattice" {
  access_key = var.account
}

data "lattice_local_reachability" "this" {
  vpc_id = var.vpc_id
  address = var.address
}

output "reachable" { value = data.lattice_local_reachability.this.reachable }
output "summary" { value = "${data.lattice_local_reachability.this.decided_by}: ${data.lattice_local_reachability.this.summary}" }
