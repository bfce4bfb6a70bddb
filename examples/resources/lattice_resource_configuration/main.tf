resource "lattice_resource_gateway" "example" {
  name       = "example-gateway"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0"]
}

# One Redis server, by address.
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

# A group of databases, each a child found by its DNS name.
resource "lattice_resource_configuration" "databases" {
  name                        = "databases"
  type                        = "GROUP"
  resource_gateway_identifier = lattice_resource_gateway.example.id
  port_ranges                 = ["5432"]
}

resource "lattice_resource_configuration" "orders_db" {
  name                            = "orders-db"
  type                            = "CHILD"
  resource_configuration_group_id = lattice_resource_configuration.databases.id

  resource_configuration_definition {
    dns_resource {
      domain_name     = "orders.db.internal"
      ip_address_type = "IPV4"
    }
  }
}
