# A service-network hub, written for AWS (hashicorp/aws): the network (optionally AWS_IAM with an
# auth policy), shared with other accounts through AWS RAM, and associated with the hub
# account's own VPCs (each association guarded by its security groups).

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

variable "name" {
  description = "Name of the service network and of its share."
  type        = string
}

variable "auth_policy" {
  description = "An auth policy (JSON): the network is AWS_IAM when given, NONE otherwise."
  type        = string
  default     = null
}

variable "share_with" {
  description = "Account ids (or an organization / OU ARN) the network is shared with."
  type        = list(string)
  default     = []
}

variable "vpc_associations" {
  description = "The hub's own VPCs that use the network, with the security groups guarding each."
  type = map(object({
    vpc_id             = string
    security_group_ids = optional(list(string), [])
  }))
  default = {}
}

resource "aws_vpclattice_service_network" "this" {
  name      = var.name
  auth_type = var.auth_policy == null ? "NONE" : "AWS_IAM"
}

resource "aws_vpclattice_auth_policy" "this" {
  count               = var.auth_policy == null ? 0 : 1
  resource_identifier = aws_vpclattice_service_network.this.arn
  policy              = var.auth_policy
}

resource "aws_vpclattice_service_network_vpc_association" "this" {
  for_each                   = var.vpc_associations
  vpc_identifier             = each.value.vpc_id
  service_network_identifier = aws_vpclattice_service_network.this.id
  security_group_ids         = length(each.value.security_group_ids) > 0 ? each.value.security_group_ids : null
}

resource "aws_ram_resource_share" "this" {
  count                     = length(var.share_with) > 0 ? 1 : 0
  name                      = var.name
  allow_external_principals = true
}

resource "aws_ram_resource_association" "this" {
  count              = length(var.share_with) > 0 ? 1 : 0
  resource_arn       = aws_vpclattice_service_network.this.arn
  resource_share_arn = aws_ram_resource_share.this[0].arn
}

resource "aws_ram_principal_association" "this" {
  for_each           = toset(var.share_with)
  principal          = each.key
  resource_share_arn = aws_ram_resource_share.this[0].arn
}

output "id" {
  value = aws_vpclattice_service_network.this.id
}

output "arn" {
  value = aws_vpclattice_service_network.this.arn
}

output "share_arn" {
  description = "The RAM share consumers accept (null when shared with nobody)."
  value       = length(var.share_with) > 0 ? aws_ram_resource_share.this[0].arn : null
  depends_on  = [aws_ram_resource_association.this, aws_ram_principal_association.this]
}
