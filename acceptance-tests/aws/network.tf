# A VPC Lattice network module as it is written for AWS (hashicorp/aws, unmodified): a VPC with
# a subnet and a security group, a service network with an HTTP service behind an IP target, a
# private hosted zone with an alias to the service. Applied by test_aws_provider.py through
# `lattice-local terraform`.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "target_port" { type = number }
variable "env" {
  type    = string
  default = "dev"
}
variable "subnet_cidr" {
  type    = string
  default = "10.20.1.0/24"
}
variable "allowed_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

data "aws_caller_identity" "me" {}
data "aws_region" "here" {}
data "aws_availability_zones" "zones" {
  state = "available"
}

resource "aws_vpc" "app" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "app", env = var.env }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.app.id
  cidr_block        = var.subnet_cidr
  availability_zone = data.aws_availability_zones.zones.names[0]
  tags              = { Name = "app-a" }
}

resource "aws_security_group" "lattice" {
  name        = "lattice-clients"
  description = "who in the VPC may use the service network"
  vpc_id      = aws_vpc.app.id
  tags        = { Name = "lattice-clients" }
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  security_group_id = aws_security_group.lattice.id
  cidr_ipv4         = var.allowed_cidr
  from_port         = 80
  to_port           = 80
  ip_protocol       = "tcp"
}

resource "aws_vpclattice_service_network" "net" {
  name      = "app-net"
  auth_type = "NONE"
}

resource "aws_vpclattice_service" "api" {
  name      = "api"
  auth_type = "NONE"
}

resource "aws_vpclattice_target_group" "api" {
  name = "api-targets"
  type = "IP"
  config {
    port           = var.target_port
    protocol       = "HTTP"
    vpc_identifier = aws_vpc.app.id
  }
}

resource "aws_vpclattice_target_group_attachment" "local" {
  target_group_identifier = aws_vpclattice_target_group.api.id
  target {
    id   = "127.0.0.1"
    port = var.target_port
  }
}

resource "aws_vpclattice_listener" "http" {
  name               = "http"
  protocol           = "HTTP"
  port               = 80
  service_identifier = aws_vpclattice_service.api.id
  default_action {
    forward {
      target_groups {
        target_group_identifier = aws_vpclattice_target_group.api.id
      }
    }
  }
}

resource "aws_vpclattice_service_network_service_association" "api" {
  service_identifier         = aws_vpclattice_service.api.id
  service_network_identifier = aws_vpclattice_service_network.net.id
}

resource "aws_vpclattice_service_network_vpc_association" "app" {
  vpc_identifier             = aws_vpc.app.id
  service_network_identifier = aws_vpclattice_service_network.net.id
  security_group_ids         = [aws_security_group.lattice.id]
}

resource "aws_route53_zone" "internal" {
  name = "corp.internal"
  vpc {
    vpc_id = aws_vpc.app.id
  }
}

resource "aws_route53_record" "api" {
  zone_id = aws_route53_zone.internal.zone_id
  name    = "api.corp.internal"
  type    = "A"
  alias {
    name                   = aws_vpclattice_service.api.dns_entry[0].domain_name
    zone_id                = aws_vpclattice_service.api.dns_entry[0].hosted_zone_id
    evaluate_target_health = false
  }
}

resource "aws_route53_record" "txt" {
  zone_id = aws_route53_zone.internal.zone_id
  name    = "owner.corp.internal"
  type    = "TXT"
  ttl     = 60
  records = ["team=platform"]
}

output "account" { value = data.aws_caller_identity.me.account_id }
output "region" { value = data.aws_region.here.name }
output "vpc_id" { value = aws_vpc.app.id }
output "service_name" { value = aws_vpclattice_service.api.dns_entry[0].domain_name }
output "zone_id" { value = aws_route53_zone.internal.zone_id }
output "subnet_id" { value = aws_subnet.a.id }
output "security_group_id" { value = aws_security_group.lattice.id }
