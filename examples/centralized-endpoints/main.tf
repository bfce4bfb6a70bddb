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

# ---- spoke accounts (one module-like block each: providers cannot be chosen per instance) ----

resource "lattice_ram_resource_share_accepter" "spoke_a" {
  provider   = lattice.spoke_a
  share_arn  = lattice_ram_principal_association.spoke["222222222222"].resource_share_arn
  depends_on = [lattice_ram_resource_association.network]
}

resource "lattice_local_vpc" "spoke_a" {
  provider = lattice.spoke_a
  tags     = { Name = "spoke-a" }
}

resource "lattice_service_network_vpc_association" "spoke_a" {
  provider                   = lattice.spoke_a
  vpc_identifier             = lattice_local_vpc.spoke_a.id
  service_network_identifier = lattice_service_network.endpoints.arn
  depends_on                 = [lattice_ram_resource_share_accepter.spoke_a]
}

resource "lattice_local_dns_zone" "spoke_a" {
  provider = lattice.spoke_a
  name     = "partner.internal"

  vpc {
    vpc_id = lattice_local_vpc.spoke_a.id
  }
}

resource "lattice_local_dns_record" "spoke_a" {
  provider = lattice.spoke_a
  zone_id  = lattice_local_dns_zone.spoke_a.zone_id
  name     = "api.partner.internal"
  type     = "CNAME"
  records  = [local.api_lattice_name]
}

resource "lattice_ram_resource_share_accepter" "spoke_b" {
  provider   = lattice.spoke_b
  share_arn  = lattice_ram_principal_association.spoke["333333333333"].resource_share_arn
  depends_on = [lattice_ram_resource_association.network]
}

resource "lattice_local_vpc" "spoke_b" {
  provider = lattice.spoke_b
  tags     = { Name = "spoke-b" }
}

resource "lattice_service_network_vpc_association" "spoke_b" {
  provider                   = lattice.spoke_b
  vpc_identifier             = lattice_local_vpc.spoke_b.id
  service_network_identifier = lattice_service_network.endpoints.arn
  depends_on                 = [lattice_ram_resource_share_accepter.spoke_b]
}

resource "lattice_local_dns_zone" "spoke_b" {
  provider = lattice.spoke_b
  name     = "partner.internal"

  vpc {
    vpc_id = lattice_local_vpc.spoke_b.id
  }
}

resource "lattice_local_dns_record" "spoke_b" {
  provider = lattice.spoke_b
  zone_id  = lattice_local_dns_zone.spoke_b.zone_id
  name     = "api.partner.internal"
  type     = "CNAME"
  records  = [local.api_lattice_name]
}

output "api_lattice_name" {
  value = local.api_lattice_name
}

output "spokes" {
  value = {
    for name, vpc in { "spoke-a" = lattice_local_vpc.spoke_a, "spoke-b" = lattice_local_vpc.spoke_b } : name => {
      id                         = vpc.id
      resolver                   = "${vpc.resolver_address}:${vpc.resolver_port}"
    }
  }
}
