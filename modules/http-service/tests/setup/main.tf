# What the module's tests need around it: a VPC whose clients use a service network.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

resource "aws_vpc" "consumer" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_vpc" "outsider" {
  cidr_block = "10.71.0.0/16"
}

resource "aws_vpclattice_service_network" "this" {
  name = "module-test-network"
}

resource "aws_vpclattice_service_network_vpc_association" "consumer" {
  vpc_identifier             = aws_vpc.consumer.id
  service_network_identifier = aws_vpclattice_service_network.this.id
}

output "service_network_id" {
  value = aws_vpclattice_service_network.this.id
}

output "vpc_id" {
  value = aws_vpclattice_service_network_vpc_association.consumer.vpc_identifier
}

output "outsider_vpc_id" {
  value = aws_vpc.outsider.id
}
