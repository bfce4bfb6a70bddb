# One module, two Regions, one backend: a service in us-west-2 reached from a us-west-2 VPC, and
# a service network of the same name in eu-west-1 that the us-west-2 VPC cannot join. Applied by
# test_aws_provider.py through `lattice-local terraform` (each provider keeps its own Region).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-west-2"
}

provider "aws" {
  alias  = "eu"
  region = "eu-west-1"
}

variable "target_port" { type = number }

data "aws_region" "west" {}
data "aws_region" "eu" { provider = aws.eu }

resource "aws_vpc" "west" {
  cidr_block = "10.30.0.0/16"
  tags       = { Name = "west" }
}

resource "aws_vpc" "eu" {
  provider   = aws.eu
  cidr_block = "10.40.0.0/16"
  tags       = { Name = "eu" }
}

resource "aws_vpclattice_service_network" "west" {
  name = "shared-net"
}

resource "aws_vpclattice_service_network" "eu" {
  provider = aws.eu
  name     = "shared-net"
}

resource "aws_vpclattice_service" "api" {
  name = "api"
}

resource "aws_vpclattice_target_group" "api" {
  name = "api-targets"
  type = "IP"
  config {
    port           = var.target_port
    protocol       = "HTTP"
    vpc_identifier = aws_vpc.west.id
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
  service_network_identifier = aws_vpclattice_service_network.west.id
}

resource "aws_vpclattice_service_network_vpc_association" "west" {
  vpc_identifier             = aws_vpc.west.id
  service_network_identifier = aws_vpclattice_service_network.west.id
}

resource "aws_vpclattice_service_network_vpc_association" "eu" {
  provider                   = aws.eu
  vpc_identifier             = aws_vpc.eu.id
  service_network_identifier = aws_vpclattice_service_network.eu.id
}

output "regions" { value = join(",", [data.aws_region.west.name, data.aws_region.eu.name]) }
output "west_vpc" { value = aws_vpc.west.id }
output "eu_vpc" { value = aws_vpc.eu.id }
output "west_network" { value = aws_vpclattice_service_network.west.arn }
output "eu_network" { value = aws_vpclattice_service_network.eu.arn }
output "service_name" { value = aws_vpclattice_service.api.dns_entry[0].domain_name }
output "vpc_arns" { value = join(",", [aws_vpc.west.arn, aws_vpc.eu.arn]) }
