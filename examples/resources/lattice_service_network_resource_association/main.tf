resource "lattice_service_network" "example" {
  name = "example-network"
}

resource "lattice_resource_gateway" "example" {
  name       = "example-gateway"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0"]
}

resource "lattice_resource_configuration" "redis" {
  name                        = "redis"
  resource_gateway_identifier = lattice_resource_gateway.example.id
  port_ranges                 = ["6379"]

  resource_configuration_definition {
    ip_resource {
      ip_address = "127.0.0.1"
    }
  }
}

resource "lattice_service_network_resource_association" "example" {
  resource_configuration_identifier = lattice_resource_configuration.redis.id
  service_network_identifier        = lattice_service_network.example.id
}

output "redis_name" {
  value = lattice_service_network_resource_association.example.dns_entry[0].domain_name
}
