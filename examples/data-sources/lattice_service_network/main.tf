resource "lattice_service_network" "example" {
  name = "example-network"
}

data "lattice_service_network" "example" {
  service_network_identifier = lattice_service_network.example.arn
}

output "associated_vpcs" {
  value = data.lattice_service_network.example.number_of_associated_vpcs
}
