# Quickstart: one service network, one local VPC associated with it, and one service whose
# HTTP listener forwards to an echo target. After `terraform apply`, the outputs print the
# `dig` and `curl` commands that reach the service by its generated Lattice name.

terraform {
  required_providers {
    lattice = {
      source = "lattice-local/lattice"
    }
  }
}

provider "lattice" {}

variable "echo_port" {
  description = "Port of the echo target on 127.0.0.1 (start one with `lattice-local echo`)."
  type        = number
}

resource "lattice_local_vpc" "client" {
  tags = { Name = "quickstart-client" }
}

resource "lattice_service_network" "demo" {
  name = "quickstart-network"
}

resource "lattice_service_network_vpc_association" "client" {
  vpc_identifier             = lattice_local_vpc.client.id
  service_network_identifier = lattice_service_network.demo.id
}

resource "lattice_service" "echo" {
  name = "echo"
}

resource "lattice_target_group" "echo" {
  name = "echo-targets"
  type = "IP"

  config {
    port           = var.echo_port
    protocol       = "HTTP"
    vpc_identifier = lattice_local_vpc.client.id
  }
}

resource "lattice_target_group_attachment" "echo" {
  target_group_identifier = lattice_target_group.echo.id

  target {
    id   = "127.0.0.1"
    port = var.echo_port
  }
}

resource "lattice_listener" "http" {
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.echo.id

  default_action {
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.echo.id
      }
    }
  }
}

resource "lattice_service_network_service_association" "echo" {
  service_identifier         = lattice_service.echo.id
  service_network_identifier = lattice_service_network.demo.id
}

output "service_dns_name" {
  value = lattice_service.echo.dns_entry[0].domain_name
}

output "vpc_resolver" {
  value = "${lattice_local_vpc.client.resolver_address}:${lattice_local_vpc.client.resolver_port}"
}

output "service_network_address" {
  value = lattice_local_vpc.client.service_network_address
}

output "dig_command" {
  value = "dig +short @${lattice_local_vpc.client.resolver_address} -p ${lattice_local_vpc.client.resolver_port} ${lattice_service.echo.dns_entry[0].domain_name}"
}

output "curl_command" {
  value = "curl -sS --resolve ${lattice_service.echo.dns_entry[0].domain_name}:80:${lattice_local_vpc.client.service_network_address} http://${lattice_service.echo.dns_entry[0].domain_name}/"
}

output "vpc_id" {
  value = lattice_local_vpc.client.id
}
