# An HTTP service in a VPC Lattice service network, written for AWS (hashicorp/aws): the
# service, an IP target group per route with its targets, an HTTP listener whose default action
# forwards to the default targets and whose rules send path prefixes to their own targets, and
# the association that makes it reachable from the network's VPCs.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

variable "name" {
  description = "Name of the service (3–40 lower-case letters, digits and hyphens)."
  type        = string
}

variable "service_network_id" {
  description = "The service network that serves it."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the targets."
  type        = string
}

variable "targets" {
  description = "Where the service runs by default: IP addresses and ports."
  type = list(object({
    ip   = string
    port = number
  }))
}

variable "routes" {
  description = "Path prefixes sent to other targets, by priority (1 first)."
  type = list(object({
    path_prefix = string
    targets = list(object({
      ip   = string
      port = number
    }))
  }))
  default = []
}

variable "listener_port" {
  description = "Port clients use."
  type        = number
  default     = 80
}

variable "custom_domain_name" {
  description = "A name of your own for the service (clients then send it as Host; point it at dns_name)."
  type        = string
  default     = null
}

variable "auth_type" {
  description = "NONE, or AWS_IAM to require SigV4-signed requests allowed by auth policies."
  type        = string
  default     = "NONE"
}

locals {
  groups = concat([{ key = "default", targets = var.targets }],
  [for i, r in var.routes : { key = "route-${i + 1}", targets = r.targets }])
  attachments = flatten([for g in local.groups : [for t in g.targets : { key = "${g.key}/${t.ip}:${t.port}", group = g.key, target = t }]])
}

resource "aws_vpclattice_service" "this" {
  name               = var.name
  auth_type          = var.auth_type
  custom_domain_name = var.custom_domain_name
}

resource "aws_vpclattice_target_group" "this" {
  for_each = { for g in local.groups : g.key => g }
  name     = "${var.name}-${each.key}"
  type     = "IP"

  config {
    port           = each.value.targets[0].port
    protocol       = "HTTP"
    vpc_identifier = var.vpc_id
  }
}

resource "aws_vpclattice_target_group_attachment" "this" {
  for_each                = { for a in local.attachments : a.key => a }
  target_group_identifier = aws_vpclattice_target_group.this[each.value.group].id

  target {
    id   = each.value.target.ip
    port = each.value.target.port
  }
}

resource "aws_vpclattice_listener" "http" {
  name               = "http"
  protocol           = "HTTP"
  port               = var.listener_port
  service_identifier = aws_vpclattice_service.this.id

  default_action {
    forward {
      target_groups {
        target_group_identifier = aws_vpclattice_target_group.this["default"].id
      }
    }
  }
}

resource "aws_vpclattice_listener_rule" "route" {
  count               = length(var.routes)
  name                = "route-${count.index + 1}"
  listener_identifier = aws_vpclattice_listener.http.listener_id
  service_identifier  = aws_vpclattice_service.this.id
  priority            = count.index + 1

  match {
    http_match {
      path_match {
        match {
          prefix = var.routes[count.index].path_prefix
        }
      }
    }
  }

  action {
    forward {
      target_groups {
        target_group_identifier = aws_vpclattice_target_group.this["route-${count.index + 1}"].id
      }
    }
  }
}

resource "aws_vpclattice_service_network_service_association" "this" {
  service_identifier         = aws_vpclattice_service.this.id
  service_network_identifier = var.service_network_id
}

output "service_id" {
  value = aws_vpclattice_service.this.id
}

output "service_arn" {
  value = aws_vpclattice_service.this.arn
}

output "dns_name" {
  description = "The name clients in the network's VPCs use."
  value       = aws_vpclattice_service.this.dns_entry[0].domain_name
}

output "hosted_zone_id" {
  description = "The zone of dns_name, for alias records."
  value       = aws_vpclattice_service.this.dns_entry[0].hosted_zone_id
}

output "association_status" {
  value = aws_vpclattice_service_network_service_association.this.status
}
