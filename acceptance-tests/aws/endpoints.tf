# The EC2 and Route 53 neighbours of a Lattice module not in network.tf: VPC endpoints of types
# ServiceNetwork and Resource, egress rules, the default security group, and a hosted zone
# associated with a second VPC.
# Applied by test_aws_provider.py through `lattice-local terraform`.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

variable "resource_port" { type = number }
variable "egress_port" {
  type    = number
  default = 443
}

resource "aws_vpc" "central" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_vpc" "consumer" {
  cidr_block = "10.31.0.0/16"
  tags       = { Name = "consumer" }
}

resource "aws_subnet" "consumer" {
  vpc_id     = aws_vpc.consumer.id
  cidr_block = "10.31.1.0/24"
}

resource "aws_subnet" "central" {
  vpc_id     = aws_vpc.central.id
  cidr_block = "10.30.1.0/24"
}

resource "aws_security_group" "endpoint" {
  name        = "endpoint"
  description = "clients of the endpoints"
  vpc_id      = aws_vpc.consumer.id
}

resource "aws_vpc_security_group_ingress_rule" "vpc" {
  security_group_id            = aws_security_group.endpoint.id
  referenced_security_group_id = aws_security_group.endpoint.id
  ip_protocol                  = "-1"
}

resource "aws_vpc_security_group_egress_rule" "out" {
  security_group_id = aws_security_group.endpoint.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = var.egress_port
  to_port           = var.egress_port
  ip_protocol       = "tcp"
}

# The VPC's default group, managed as modules do.
resource "aws_default_security_group" "consumer" {
  vpc_id = aws_vpc.consumer.id
  ingress {
    protocol  = -1
    self      = true
    from_port = 0
    to_port   = 0
  }
}

resource "aws_vpclattice_service_network" "net" {
  name = "endpoints-net"
}

resource "aws_vpclattice_resource_gateway" "central" {
  name       = "central"
  vpc_id     = aws_vpc.central.id
  subnet_ids = [aws_subnet.central.id]
}

resource "aws_vpclattice_resource_configuration" "db" {
  name                        = "database"
  resource_gateway_identifier = aws_vpclattice_resource_gateway.central.id
  port_ranges                 = [tostring(var.resource_port)]
  protocol                    = "TCP"
  resource_configuration_definition {
    ip_resource {
      ip_address = "127.0.0.1"
    }
  }
}

resource "aws_vpc_endpoint" "network" {
  vpc_id              = aws_vpc.consumer.id
  vpc_endpoint_type   = "ServiceNetwork"
  service_network_arn = aws_vpclattice_service_network.net.arn
  subnet_ids          = [aws_subnet.consumer.id]
  security_group_ids  = [aws_security_group.endpoint.id]
  private_dns_enabled = false
  tags                = { Name = "network-endpoint" }
}

resource "aws_vpc_endpoint" "db" {
  vpc_id                     = aws_vpc.consumer.id
  vpc_endpoint_type          = "Resource"
  resource_configuration_arn = aws_vpclattice_resource_configuration.db.arn
  subnet_ids                 = [aws_subnet.consumer.id]
  security_group_ids         = [aws_security_group.endpoint.id]
}

resource "aws_route53_zone" "corp" {
  name = "corp.internal"
  vpc {
    vpc_id = aws_vpc.central.id
  }
  lifecycle {
    ignore_changes = [vpc]
  }
}

resource "aws_route53_zone_association" "consumer" {
  zone_id = aws_route53_zone.corp.zone_id
  vpc_id  = aws_vpc.consumer.id
}

resource "aws_route53_record" "db" {
  zone_id = aws_route53_zone.corp.zone_id
  name    = "db.corp.internal"
  type    = "CNAME"
  ttl     = 60
  records = [aws_vpc_endpoint.db.dns_entry[0].dns_name]
}

# What modules look up instead of passing ids around.
data "aws_vpc" "consumer" {
  tags       = { Name = "consumer" }
  depends_on = [aws_vpc.consumer]
}

data "aws_subnets" "consumer" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.consumer.id]
  }
  depends_on = [aws_subnet.consumer]
}

data "aws_security_group" "endpoint" {
  name       = "endpoint"
  vpc_id     = data.aws_vpc.consumer.id
  depends_on = [aws_security_group.endpoint]
}

data "aws_route53_zone" "corp" {
  name         = "corp.internal"
  private_zone = true
  depends_on   = [aws_route53_zone.corp]
}

output "consumer_vpc" { value = aws_vpc.consumer.id }
output "looked_up" {
  value = {
    vpc_cidr = data.aws_vpc.consumer.cidr_block
    subnets  = data.aws_subnets.consumer.ids
    group    = data.aws_security_group.endpoint.id
    zone     = data.aws_route53_zone.corp.zone_id
  }
}
output "db_endpoint" { value = aws_vpc_endpoint.db.id }
output "db_endpoint_name" { value = aws_vpc_endpoint.db.dns_entry[0].dns_name }
