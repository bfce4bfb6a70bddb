resource "lattice_service" "example" {
  name = "example-service"
}

data "lattice_service" "example" {
  name = lattice_service.example.name
}

output "generated_name" {
  value = data.lattice_service.example.dns_entry[0].domain_name
}
