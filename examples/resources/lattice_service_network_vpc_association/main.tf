resource "lattice_service_network" "example" {
  name = "example-network"
}

resource "lattice_local_vpc" "example" {}

resource "lattice_service_network_vpc_association" "example" {
  vpc_identifier             = lattice_local_vpc.example.id
  service_network_identifier = lattice_service_network.example.id
  security_group_ids         = ["sg-0123456789abcdef0"]
}
