# Centralized endpoints: a central networking account owns the one way to a third-party API
# (its endpoint's DNS name, resolved inside the central VPC) as a DNS resource configuration,
# puts it in a service network and shares the network with two spoke accounts through AWS RAM.
# Each spoke accepts the share, associates its VPC, and gives the resource a friendly name with a
# private hosted zone: `api.partner.internal` → the resource's Lattice name.
# From the AWS re:Post article "Centralized access to VPC private endpoints using VPC Lattice".

terraform {
  required_providers {
    lattice = {
      source = "lattice-local/lattice"
    }
  }
}

variable "api_port" {
  description = "Port of the third-party API stand-in on 127.0.0.1 (e.g. `lattice-local echo --message partner-api`)."
  type        = number
}

provider "lattice" {
  alias      = "central"
  access_key = "111111111111"
}

provider "lattice" {
  alias      = "spoke_a"
  access_key = "222222222222"
}

provider "lattice" {
  alias      = "spoke_b"
  access_key = "333333333333"
}

# ---- central account ------------------------------------------------------------------------

resource "lattice_local_vpc" "central" {
  provider = lattice.central
  tags     = { Name = "central-endpoints" }
}

# The third-party endpoint's DNS name, as the central VPC resolves it (in AWS: the interface
# endpoint's private DNS). Here it leads to the stand-in on 127.0.0.1.
resource "lattice_local_dns_zone" "partner" {
  provider = lattice.central
  name     = "partner.example"

  vpc {
    vpc_id = lattice_local_vpc.central.id
  }
}

resource "lattice_local_dns_record" "api" {
  provider = lattice.central
  zone_id  = lattice_local_dns_zone.partner.zone_id
  name     = "api.partner.example"
  type     = "A"
  records  = ["127.0.0.1"]
}

resource "lattice_resource_gateway" "central" {
  provider                       = lattice.central
  name                           = "central-endpoints"
  vpc_id                         = lattice_local_vpc.central.id
  subnet_ids                     = ["subnet-0123456789abcdef0"]
  resource_config_dns_resolution = "IN_VPC"
}

resource "lattice_resource_configuration" "partner_api" {
  provider                    = lattice.central
  name                        = "partner-api"
  resource_gateway_identifier = lattice_resource_gateway.central.id
  port_ranges                 = [tostring(var.api_port)]

  resource_configuration_definition {
    dns_resource {
      domain_name     = "api.partner.example"
      ip_address_type = "IPV4"
    }
  }
}

resource "lattice_service_network" "endpoints" {
  provider = lattice.central
  name     = "centralized-endpoints"
}

resource "lattice_service_network_resource_association" "partner_api" {
  provider                          = lattice.central
  resource_configuration_identifier = lattice_resource_configuration.partner_api.id
  service_network_identifier        = lattice_service_network.endpoints.id
}

resource "lattice_ram_resource_share" "endpoints" {
  provider                  = lattice.central
  name                      = "centralized-endpoints"
  allow_external_principals = true
}

resource "lattice_ram_resource_association" "network" {
  provider           = lattice.central
  resource_share_arn = lattice_ram_resource_share.endpoints.arn
  resource_arn       = lattice_service_network.endpoints.arn
}

resource "lattice_ram_principal_association" "spoke" {
  for_each           = toset(["222222222222", "333333333333"])
  provider           = lattice.central
  resource_share_arn = lattice_ram_resource_share.endpoints.arn
  principal          = each.key
}

locals {
  # The resource's Lattice name: the same in every VPC associated with the network.
  api_lattice_name = lattice_service_network_resource_association.partner_api.dns_entry[0].domain_name
}

# ---- spoke accounts: one module each, with the spoke's provider -------------------------------

module "spoke_a" {
  source              = "./spoke"
  providers           = { lattice = lattice.spoke_a }
  name                = "spoke-a"
  share_arn           = lattice_ram_principal_association.spoke["222222222222"].resource_share_arn
  service_network_arn = lattice_service_network.endpoints.arn
  api_lattice_name    = local.api_lattice_name
  depends_on          = [lattice_ram_resource_association.network]
}

module "spoke_b" {
  source              = "./spoke"
  providers           = { lattice = lattice.spoke_b }
  name                = "spoke-b"
  share_arn           = lattice_ram_principal_association.spoke["333333333333"].resource_share_arn
  service_network_arn = lattice_service_network.endpoints.arn
  api_lattice_name    = local.api_lattice_name
  depends_on          = [lattice_ram_resource_association.network]
}

output "api_lattice_name" {
  value = local.api_lattice_name
}

output "spokes" {
  value = { "spoke-a" = module.spoke_a.vpc, "spoke-b" = module.spoke_b.vpc }
}
