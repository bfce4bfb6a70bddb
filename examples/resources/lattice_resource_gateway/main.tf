# The gateway may connect only to PostgreSQL on 127.0.0.1; connections to any other resource
# address or port are reset, as a security group without that egress rule would drop them.
resource "lattice_local_security_group" "gateway" {
  name   = "example-gateway-egress"
  vpc_id = "vpc-0123456789abcdef0"

  egress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["127.0.0.1/32"]
    description = "PostgreSQL"
  }
}

resource "lattice_resource_gateway" "example" {
  name               = "example-gateway"
  vpc_id             = "vpc-0123456789abcdef0"
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = [lattice_local_security_group.gateway.id]

  resource_config_dns_resolution = "IN_VPC"
}
