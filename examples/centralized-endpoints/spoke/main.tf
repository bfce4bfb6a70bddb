# One spoke account: accepts the central share, associates its VPC with the shared network, and
# names the resource `api.partner.internal` in its own private zone.

terraform {
  required_providers {
    lattice = {
      source = "lattice-local/lattice"
    }
  }
}

variable "name" {
  description = "The spoke's name (its VPC's Name tag)."
  type        = string
}

variable "share_arn" {
  description = "The central account's resource share."
  type        = string
}

variable "service_network_arn" {
  description = "The shared service network."
  type        = string
}

variable "api_lattice_name" {
  description = "The resource's Lattice name, which the friendly name points at."
  type        = string
}

resource "lattice_ram_resource_share_accepter" "this" {
  share_arn = var.share_arn
}

resource "lattice_local_vpc" "this" {
  tags = { Name = var.name }
}

resource "lattice_service_network_vpc_association" "this" {
  vpc_identifier             = lattice_local_vpc.this.id
  service_network_identifier = var.service_network_arn
  depends_on                 = [lattice_ram_resource_share_accepter.this]
}

resource "lattice_local_dns_zone" "partner" {
  name = "partner.internal"

  vpc {
    vpc_id = lattice_local_vpc.this.id
  }
}

resource "lattice_local_dns_record" "api" {
  zone_id = lattice_local_dns_zone.partner.zone_id
  name    = "api.partner.internal"
  type    = "CNAME"
  records = [var.api_lattice_name]
}

output "vpc" {
  value = {
    id       = lattice_local_vpc.this.id
    resolver = "${lattice_local_vpc.this.resolver_address}:${lattice_local_vpc.this.resolver_port}"
  }
}
