# An HTTP service in a service network: the service, an IP target group with its targets, an
# HTTP listener forwarding to it, and the association that makes it reachable from the
# network's VPCs.

terraform {
  required_providers {
    lattice = {
      source = "lattice-local/lattice"
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
  description = "Where the service runs: IP addresses and ports."
  type = list(object({
    ip   = string
    port = number
  }))
}

variable "listener_port" {
  description = "Port clients use."
  type        = number
  default     = 80
}

resource "lattice_service" "this" {
  name = var.name
}

resource "lattice_target_group" "this" {
  name = "${var.name}-targets"
  type = "IP"

  config {
    port           = var.targets[0].port
    protocol       = "HTTP"
    vpc_identifier = var.vpc_id
  }
}

resource "lattice_target_group_attachment" "this" {
  count                   = length(var.targets)
  target_group_identifier = lattice_target_group.this.id

  target {
    id   = var.targets[count.index].ip
    port = var.targets[count.index].port
  }
}

resource "lattice_listener" "http" {
  name               = "http"
  protocol           = "HTTP"
  port               = var.listener_port
  service_identifier = lattice_service.this.id

  default_action {
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.this.id
      }
    }
  }
}

resource "lattice_service_network_service_association" "this" {
  service_identifier         = lattice_service.this.id
  service_network_identifier = var.service_network_id
}

output "service_id" {
  value = lattice_service.this.id
}

output "service_arn" {
  value = lattice_service.this.arn
}

output "dns_name" {
  description = "The name clients in the network's VPCs use."
  value       = lattice_service.this.dns_entry[0].domain_name
}
