terraform {
  required_providers {
    lattice = {
      source = "lattice-local/lattice"
    }
  }
}

resource "lattice_local_vpc" "consumer" {}

resource "lattice_service_network" "this" {
  name = "module-test-network"
}

resource "lattice_service_network_vpc_association" "consumer" {
  vpc_identifier             = lattice_local_vpc.consumer.id
  service_network_identifier = lattice_service_network.this.id
}

output "service_network_id" {
  value = lattice_service_network.this.id
}

output "vpc_id" {
  value = lattice_local_vpc.consumer.id
}
