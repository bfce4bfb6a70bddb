resource "lattice_service_network" "example" {
  name      = "example-network"
  auth_type = "NONE"

  tags = {
    Environment = "dev"
  }
}
