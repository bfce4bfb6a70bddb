resource "lattice_service_network" "shared" {
  name = "shared-network"
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

# A consumer VPC reaches the shared service network through an endpoint...
resource "lattice_vpc_endpoint" "network" {
  vpc_id              = "vpc-0fedcba9876543210"
  vpc_endpoint_type   = "ServiceNetwork"
  service_network_arn = lattice_service_network.shared.arn
  subnet_ids          = ["subnet-0fedcba9876543210"]
}

# ...and one resource directly.
resource "lattice_vpc_endpoint" "redis" {
  vpc_id                     = "vpc-0fedcba9876543210"
  vpc_endpoint_type          = "Resource"
  resource_configuration_arn = lattice_resource_configuration.redis.arn
  subnet_ids                 = ["subnet-0fedcba9876543210"]
}

output "redis_name" {
  value = lattice_vpc_endpoint.redis.dns_entry[0].dns_name
}
