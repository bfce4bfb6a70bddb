# One spoke account: accepts the central share, associates its VPC with the shared network, and
# names the resource `api.partner.internal` in its own private hosted zone.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "name" {
  description = "The spoke's name (its VPC's Name tag)."
  type        = string
}

variable "cidr_block" {
  description = "The spoke VPC's block."
  type        = string
}

variable "share_arn" {
  description = "The central account's resource share."
  type        = string
}

variable "service_network_arn" {
  description = "The shared service network."
  type        = string
}

variable "api_lattice_name" {
  description = "The resource's Lattice name, which the friendly name points at."
  type        = string
}

resource "aws_ram_resource_share_accepter" "this" {
  share_arn = var.share_arn
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr_block
  tags       = { Name = var.name }
}

resource "aws_vpclattice_service_network_vpc_association" "this" {
  vpc_identifier             = aws_vpc.this.id
  service_network_identifier = var.service_network_arn
  depends_on                 = [aws_ram_resource_share_accepter.this]
}

resource "aws_route53_zone" "partner" {
  name = "partner.internal"

  vpc {
    vpc_id = aws_vpc.this.id
  }
}

resource "aws_route53_record" "api" {
  zone_id = aws_route53_zone.partner.zone_id
  name    = "api.partner.internal"
  type    = "CNAME"
  ttl     = 60
  records = [var.api_lattice_name]
}

output "vpc_id" {
  value = aws_vpclattice_service_network_vpc_association.this.vpc_identifier
}
