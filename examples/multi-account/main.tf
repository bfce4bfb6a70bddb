# A shared-services account owns a service network and an HTTP service and shares both with
# AWS RAM: with the production account, a member of its organization (sharing takes effect at
# once), and with the development account, outside the organization (it accepts an invitation).
# Each consumer associates its own VPC with the shared network and reaches the service by its
# Lattice name. Set `development_access = false` to revoke the development account's access:
# its VPC stops resolving the name and the API refuses its association.

terraform {
  required_providers {
    lattice = {
      source = "lattice-local/lattice"
    }
  }
}

variable "echo_port" {
  description = "Port of the HTTP target on 127.0.0.1 (start one with `lattice-local echo`)."
  type        = number
}

variable "development_access" {
  description = "Whether the development account keeps access to the shared network."
  type        = bool
  default     = true
}

# One provider per account: a 12-digit access key acts as that account.
provider "lattice" {
  alias      = "shared_services"
  access_key = "111111111111"
}

provider "lattice" {
  alias      = "production"
  access_key = "222222222222"
}

provider "lattice" {
  alias      = "development"
  access_key = "333333333333"
}

# ---- shared-services account -------------------------------------------------------------------

resource "lattice_local_organization" "org" {
  provider = lattice.shared_services
  accounts = {
    "222222222222" = "workloads/prod"
  }
}

# Production joins the organization it was invited to, with its own credentials.
resource "lattice_local_organization_accepter" "production" {
  provider        = lattice.production
  organization_id = lattice_local_organization.org.id
}

resource "lattice_ram_sharing_with_organization" "org" {
  provider   = lattice.shared_services
  depends_on = [lattice_local_organization.org]
}

resource "lattice_service_network" "shared" {
  provider = lattice.shared_services
  name     = "shared-services"
}

resource "lattice_service" "orders" {
  provider = lattice.shared_services
  name     = "orders"
}

resource "lattice_local_vpc" "services" {
  provider = lattice.shared_services
  tags     = { Name = "shared-services" }
}

resource "lattice_target_group" "orders" {
  provider = lattice.shared_services
  name     = "orders-targets"
  type     = "IP"

  config {
    port           = var.echo_port
    protocol       = "HTTP"
    vpc_identifier = lattice_local_vpc.services.id
  }
}

resource "lattice_target_group_attachment" "orders" {
  provider                = lattice.shared_services
  target_group_identifier = lattice_target_group.orders.id

  target {
    id   = "127.0.0.1"
    port = var.echo_port
  }
}

resource "lattice_listener" "orders" {
  provider           = lattice.shared_services
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.orders.id

  default_action {
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.orders.id
      }
    }
  }
}

resource "lattice_service_network_service_association" "orders" {
  provider                   = lattice.shared_services
  service_identifier         = lattice_service.orders.id
  service_network_identifier = lattice_service_network.shared.id
}

resource "lattice_ram_resource_share" "shared" {
  provider                  = lattice.shared_services
  name                      = "shared-services"
  allow_external_principals = true
}

resource "lattice_ram_resource_association" "network" {
  provider           = lattice.shared_services
  resource_share_arn = lattice_ram_resource_share.shared.arn
  resource_arn       = lattice_service_network.shared.arn
}

resource "lattice_ram_resource_association" "orders" {
  provider           = lattice.shared_services
  resource_share_arn = lattice_ram_resource_share.shared.arn
  resource_arn       = lattice_service.orders.arn
}

resource "lattice_ram_principal_association" "production" {
  provider           = lattice.shared_services
  resource_share_arn = lattice_ram_resource_share.shared.arn
  principal          = "222222222222"
  depends_on         = [lattice_ram_sharing_with_organization.org, lattice_local_organization_accepter.production]
}

resource "lattice_ram_principal_association" "development" {
  count              = var.development_access ? 1 : 0
  provider           = lattice.shared_services
  resource_share_arn = lattice_ram_resource_share.shared.arn
  principal          = "333333333333"
}

# ---- production account (same organization: no invitation) -----------------------------------

resource "lattice_local_vpc" "production" {
  provider = lattice.production
  tags     = { Name = "production" }
}

resource "lattice_service_network_vpc_association" "production" {
  provider                   = lattice.production
  vpc_identifier             = lattice_local_vpc.production.id
  service_network_identifier = lattice_service_network.shared.arn
  depends_on                 = [lattice_ram_principal_association.production, lattice_ram_resource_association.network]
}

# ---- development account (outside the organization: accepts the invitation) ------------------

resource "lattice_local_vpc" "development" {
  provider = lattice.development
  tags     = { Name = "development" }
}

resource "lattice_ram_resource_share_accepter" "development" {
  count      = var.development_access ? 1 : 0
  provider   = lattice.development
  share_arn  = lattice_ram_principal_association.development[0].resource_share_arn
  depends_on = [lattice_ram_resource_association.network, lattice_ram_resource_association.orders]
}

resource "lattice_service_network_vpc_association" "development" {
  count                      = var.development_access ? 1 : 0
  provider                   = lattice.development
  vpc_identifier             = lattice_local_vpc.development.id
  service_network_identifier = lattice_service_network.shared.arn
  depends_on                 = [lattice_ram_resource_share_accepter.development]
}

# What the development account sees shared with it.
data "lattice_ram_resource_share" "offered" {
  count          = var.development_access ? 1 : 0
  provider       = lattice.development
  name           = "shared-services"
  resource_owner = "OTHER-ACCOUNTS"
  depends_on     = [lattice_ram_resource_share_accepter.development]
}

output "shared_with_development" {
  value = one(data.lattice_ram_resource_share.offered[*].resource_arns)
}

# ---- how to reach the service from each consumer VPC ---------------------------------------------

output "service_dns_name" {
  value = lattice_service.orders.dns_entry[0].domain_name
}

output "production_vpc" {
  value = {
    id                      = lattice_local_vpc.production.id
    resolver                = "${lattice_local_vpc.production.resolver_address}:${lattice_local_vpc.production.resolver_port}"
    service_network_address = lattice_local_vpc.production.service_network_address
  }
}

output "development_vpc" {
  value = {
    id                      = lattice_local_vpc.development.id
    resolver                = "${lattice_local_vpc.development.resolver_address}:${lattice_local_vpc.development.resolver_port}"
    service_network_address = lattice_local_vpc.development.service_network_address
  }
}

# Ready-to-run commands (`eval "$(terraform output -raw production_curl)"`).
output "production_dig" {
  value = "dig +short @${lattice_local_vpc.production.resolver_address} -p ${lattice_local_vpc.production.resolver_port} ${lattice_service.orders.dns_entry[0].domain_name}"
}

output "production_curl" {
  value = "curl -sS --resolve ${lattice_service.orders.dns_entry[0].domain_name}:80:${lattice_local_vpc.production.service_network_address} http://${lattice_service.orders.dns_entry[0].domain_name}/"
}

output "revoke_development" {
  description = "Revokes the development account's access, from the shared-services side."
  value       = "AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws ram disassociate-resource-share --endpoint-url $${LATTICE_ENDPOINT:-http://127.0.0.1:4599} --resource-share-arn ${lattice_ram_resource_share.shared.arn} --principals 333333333333"
}
