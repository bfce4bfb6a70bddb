resource "lattice_service_network" "example" {
  name = "example-network"
}

resource "lattice_service" "example" {
  name = "example-service"
}

resource "lattice_service_network_service_association" "example" {
  service_identifier         = lattice_service.example.id
  service_network_identifier = lattice_service_network.example.id
}

data "lattice_service_network_service_associations" "example" {
  service_network_identifier = lattice_service_network.example.id

  depends_on = [lattice_service_network_service_association.example]
}

output "services" {
  value = [for a in data.lattice_service_network_service_associations.example.associations : a.service_name]
}
