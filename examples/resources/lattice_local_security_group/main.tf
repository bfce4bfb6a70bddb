resource "lattice_local_vpc" "consumer" {}

resource "lattice_service_network" "example" {
  name = "guarded"
}

# Clients of the consumer VPC (namespace clients, its forward proxy) and the host's 127.0.0.1
# may reach HTTP services on port 80 and a PostgreSQL resource on 5432; nothing else.
resource "lattice_local_security_group" "clients" {
  name   = "lattice-clients"
  vpc_id = lattice_local_vpc.consumer.id

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = [lattice_local_vpc.consumer.cidr_block, "127.0.0.1/32"]
    description = "HTTP services"
  }

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [lattice_local_vpc.consumer.cidr_block]
  }
}

resource "lattice_service_network_vpc_association" "consumer" {
  vpc_identifier             = lattice_local_vpc.consumer.id
  service_network_identifier = lattice_service_network.example.id
  security_group_ids         = [lattice_local_security_group.clients.id]
}
