# Centralized endpoints: a central networking account owns the one way to a third-party API
# (its endpoint's DNS name, resolved by the central resource gateway) as a DNS resource configuration,
# puts it in a service network and shares the network with two spoke accounts through AWS RAM.
# Each spoke accepts the share, associates its VPC, and gives the resource a friendly name with a
# private hosted zone: `api.partner.internal` → the resource's Lattice name.
# From the AWS re:Post article "Centralized access to VPC private endpoints using VPC Lattice".
# Written for AWS (hashicorp/aws); locally: `lattice-local terraform -- apply`.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

variable "api_port" {
  description = "Port of the third-party API (locally: a stand-in on 127.0.0.1, e.g. `lattice-local echo --message partner-api`)."
  type        = number
}

variable "api_domain" {
  description = "The third-party API endpoint's DNS name (in AWS, the interface endpoint's regional name, which resolves publicly to its private addresses; locally `localhost` stands in for it)."
  type        = string
  default     = "localhost"
}

variable "accounts" {
  description = "The central and spoke accounts (each with a role Terraform assumes)."
  type        = object({ central = string, spoke_a = string, spoke_b = string })
  default     = { central = "111111111111", spoke_a = "222222222222", spoke_b = "333333333333" }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

# One provider per account, each assuming the account's deployment role.
provider "aws" {
  alias  = "central"
  region = var.region
  assume_role {
    role_arn = "arn:aws:iam::${var.accounts.central}:role/terraform"
  }
}

provider "aws" {
  alias  = "spoke_a"
  region = var.region
  assume_role {
    role_arn = "arn:aws:iam::${var.accounts.spoke_a}:role/terraform"
  }
}

provider "aws" {
  alias  = "spoke_b"
  region = var.region
  assume_role {
    role_arn = "arn:aws:iam::${var.accounts.spoke_b}:role/terraform"
  }
}

# ---- central account ------------------------------------------------------------------------

resource "aws_vpc" "central" {
  provider   = aws.central
  cidr_block = "10.100.0.0/16"
  tags       = { Name = "central-endpoints" }
}

resource "aws_subnet" "central" {
  provider   = aws.central
  vpc_id     = aws_vpc.central.id
  cidr_block = "10.100.1.0/24"
}

resource "aws_vpclattice_resource_gateway" "central" {
  provider   = aws.central
  name       = "central-endpoints"
  vpc_id     = aws_vpc.central.id
  subnet_ids = [aws_subnet.central.id]
}

resource "aws_vpclattice_resource_configuration" "partner_api" {
  provider                    = aws.central
  name                        = "partner-api"
  resource_gateway_identifier = aws_vpclattice_resource_gateway.central.id
  port_ranges                 = [tostring(var.api_port)]
  protocol                    = "TCP"

  resource_configuration_definition {
    dns_resource {
      domain_name     = var.api_domain
      ip_address_type = "IPV4"
    }
  }
}

resource "aws_vpclattice_service_network" "endpoints" {
  provider = aws.central
  name     = "centralized-endpoints"
}

resource "aws_vpclattice_service_network_resource_association" "partner_api" {
  provider                          = aws.central
  resource_configuration_identifier = aws_vpclattice_resource_configuration.partner_api.id
  service_network_identifier        = aws_vpclattice_service_network.endpoints.id
}

resource "aws_ram_resource_share" "endpoints" {
  provider                  = aws.central
  name                      = "centralized-endpoints"
  allow_external_principals = true
}

resource "aws_ram_resource_association" "network" {
  provider           = aws.central
  resource_share_arn = aws_ram_resource_share.endpoints.arn
  resource_arn       = aws_vpclattice_service_network.endpoints.arn
}

resource "aws_ram_principal_association" "spoke" {
  for_each           = toset([var.accounts.spoke_a, var.accounts.spoke_b])
  provider           = aws.central
  resource_share_arn = aws_ram_resource_share.endpoints.arn
  principal          = each.key
}

locals {
  # The resource's Lattice name: the same in every VPC associated with the network.
  api_lattice_name = aws_vpclattice_service_network_resource_association.partner_api.dns_entry[0].domain_name
}

# ---- spoke accounts: one module each, with the spoke's provider -------------------------------

module "spoke_a" {
  source              = "./spoke"
  providers           = { aws = aws.spoke_a }
  name                = "spoke-a"
  cidr_block          = "10.101.0.0/16"
  share_arn           = aws_ram_principal_association.spoke[var.accounts.spoke_a].resource_share_arn
  service_network_arn = aws_vpclattice_service_network.endpoints.arn
  api_lattice_name    = local.api_lattice_name
  depends_on          = [aws_ram_resource_association.network]
}

module "spoke_b" {
  source              = "./spoke"
  providers           = { aws = aws.spoke_b }
  name                = "spoke-b"
  cidr_block          = "10.102.0.0/16"
  share_arn           = aws_ram_principal_association.spoke[var.accounts.spoke_b].resource_share_arn
  service_network_arn = aws_vpclattice_service_network.endpoints.arn
  api_lattice_name    = local.api_lattice_name
  depends_on          = [aws_ram_resource_association.network]
}

output "api_lattice_name" {
  value = local.api_lattice_name
}

output "central_vpc_id" {
  value = aws_vpc.central.id
}

output "spokes" {
  value = {
    "spoke-a" = { vpc_id = module.spoke_a.vpc_id, account = var.accounts.spoke_a }
    "spoke-b" = { vpc_id = module.spoke_b.vpc_id, account = var.accounts.spoke_b }
  }
}
