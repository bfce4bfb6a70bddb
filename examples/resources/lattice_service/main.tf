resource "lattice_service" "example" {
  name                 = "example-service"
  auth_type            = "NONE"
  idle_timeout_seconds = 120
}

output "generated_name" {
  value = lattice_service.example.dns_entry[0].domain_name
}
