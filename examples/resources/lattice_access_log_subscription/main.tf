resource "lattice_service_network" "example" {
  name = "example-network"
}

resource "lattice_access_log_subscription" "example" {
  resource_identifier = lattice_service_network.example.id
  destination_arn     = "arn:aws:logs:us-east-1:000000000000:log-group:lattice-access-logs"
}
