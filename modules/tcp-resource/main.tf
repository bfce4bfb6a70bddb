# A TCP resource (a database, a cache) behind a VPC Lattice resource gateway, written for AWS
# (hashicorp/aws): the gateway in the resource's VPC, a SINGLE resource configuration for its
# address or DNS name and ports, and the association that makes it reachable from a service
# network's VPCs at its own address and `snra-…` name.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

variable "name" {
  description = "Name of the gateway and the configuration."
  type        = string
}

variable "vpc_id" {
  description = "The resource's VPC (where the gateway lives)."
  type        = string
}

variable "subnet_ids" {
  description = "The gateway's subnets."
  type        = list(string)
}

variable "security_group_ids" {
  description = "The gateway's security groups (their egress rules say where it may connect)."
  type        = list(string)
  default     = []
}

variable "ip_address" {
  description = "The resource's IPv4 address (this or domain_name)."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "The resource's DNS name (this or ip_address)."
  type        = string
  default     = null
}

variable "ports" {
  description = "Ports or ranges clients use (\"6379\", \"5432-5433\")."
  type        = list(string)
}

variable "service_network_id" {
  description = "The service network that makes it reachable."
  type        = string
}

resource "aws_vpclattice_resource_gateway" "this" {
  name               = var.name
  vpc_id             = var.vpc_id
  subnet_ids         = var.subnet_ids
  security_group_ids = length(var.security_group_ids) > 0 ? var.security_group_ids : null
}

resource "aws_vpclattice_resource_configuration" "this" {
  name                        = var.name
  resource_gateway_identifier = aws_vpclattice_resource_gateway.this.id
  port_ranges                 = var.ports
  protocol                    = "TCP"

  resource_configuration_definition {
    dynamic "ip_resource" {
      for_each = var.ip_address == null ? [] : [var.ip_address]
      content {
        ip_address = ip_resource.value
      }
    }
    dynamic "dns_resource" {
      for_each = var.domain_name == null ? [] : [var.domain_name]
      content {
        domain_name     = dns_resource.value
        ip_address_type = "IPV4"
      }
    }
  }

  lifecycle {
    precondition {
      condition     = (var.ip_address == null) != (var.domain_name == null)
      error_message = "Give exactly one of ip_address and domain_name."
    }
  }
}

resource "aws_vpclattice_service_network_resource_association" "this" {
  resource_configuration_identifier = aws_vpclattice_resource_configuration.this.id
  service_network_identifier        = var.service_network_id
}

output "resource_configuration_arn" {
  value = aws_vpclattice_resource_configuration.this.arn
}

output "dns_name" {
  description = "The name clients in the network's VPCs use."
  value       = aws_vpclattice_service_network_resource_association.this.dns_entry[0].domain_name
}
