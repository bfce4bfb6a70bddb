# Asks the local data plane, as `account`, whether a client in its VPC gets through to a URL or
# `host:port`, signed as `principal` when given (the lattice provider's lattice_local_reachability).
terraform {
  required_providers {
    lattice = { source = "lattice-local/lattice" }
  }
}

variable "account" { type = string }
variable "vpc_id" { type = string }
variable "address" {
  type    = string
  default = null
}
variable "url" {
  type    = string
  default = null
}
variable "method" {
  type    = string
  default = "GET"
}
variable "principal" {
  type    = string
  default = null
}

provider "lattice" {
  access_key = var.account
}

data "lattice_local_reachability" "this" {
  vpc_id    = var.vpc_id
  address   = var.address
  url       = var.url
  method    = var.url == null ? null : var.method
  principal = var.principal
}

output "reachable" { value = data.lattice_local_reachability.this.reachable }
output "summary" { value = "${data.lattice_local_reachability.this.decided_by}: ${data.lattice_local_reachability.this.summary}" }
