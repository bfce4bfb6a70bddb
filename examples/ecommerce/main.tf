# The e-commerce layout: a platform account runs the order, inventory, delivery and payment
# services in their own VPCs, joined by one service network with AWS_IAM auth, and shares the
# network with the storefront account through RAM (both accounts are in one organization).
# The storefront's VPC reaches every service by its Lattice name; what a caller may do is up to
# the auth policies:
#   - the network lets in signed callers from the organization only (unsigned calls: 403);
#   - inventory lets the order role only GET /stock (its two versions share traffic 80/20);
#   - delivery lets the order role do anything;
#   - payment lets nobody in yet;
#   - order (a local function) serves any caller the network lets in.

terraform {
  required_providers {
    lattice = {
      source = "lattice-local/lattice"
    }
  }
}

variable "inventory_v1_port" {
  description = "Port of inventory v1 on 127.0.0.1 (e.g. `lattice-local echo --message inventory-v1`)."
  type        = number
}

variable "inventory_v2_port" {
  description = "Port of inventory v2 on 127.0.0.1."
  type        = number
}

variable "delivery_port" {
  description = "Port of the delivery service on 127.0.0.1."
  type        = number
}

variable "payment_port" {
  description = "Port of the payment service on 127.0.0.1."
  type        = number
}

provider "lattice" {
  alias      = "platform"
  access_key = "111111111111"
}

provider "lattice" {
  alias      = "storefront"
  access_key = "222222222222"
}

# ---- platform account: organization, network, services ----------------------------------------

resource "lattice_local_organization" "shop" {
  provider = lattice.platform
  accounts = {
    "222222222222" = "storefront"
  }
}

# The storefront account joins the organization it was invited to, by its own action.
resource "lattice_local_organization_accepter" "storefront" {
  provider        = lattice.storefront
  organization_id = lattice_local_organization.shop.id
}

resource "lattice_ram_sharing_with_organization" "shop" {
  provider   = lattice.platform
  depends_on = [lattice_local_organization.shop]
}

resource "lattice_service_network" "ecommerce" {
  provider  = lattice.platform
  name      = "ecommerce"
  auth_type = "AWS_IAM"
}

resource "lattice_auth_policy" "network" {
  provider            = lattice.platform
  resource_identifier = lattice_service_network.ecommerce.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = lattice_local_organization.shop.id } }
    }]
  })
}

resource "lattice_local_vpc" "team" {
  for_each = toset(["inventory", "delivery", "payment"])
  provider = lattice.platform
  tags     = { Name = each.key }
}

locals {
  # HTTP targets on the loopback: name → (VPC, port).
  http_targets = {
    "inventory-v1" = { vpc = "inventory", port = var.inventory_v1_port }
    "inventory-v2" = { vpc = "inventory", port = var.inventory_v2_port }
    "delivery"     = { vpc = "delivery", port = var.delivery_port }
    "payment"      = { vpc = "payment", port = var.payment_port }
  }
  order_role = lattice_local_principal.order.arn
}

resource "lattice_target_group" "http" {
  for_each = local.http_targets
  provider = lattice.platform
  name     = each.key
  type     = "IP"

  config {
    port           = each.value.port
    protocol       = "HTTP"
    vpc_identifier = lattice_local_vpc.team[each.value.vpc].id
  }
}

resource "lattice_target_group_attachment" "http" {
  for_each                = local.http_targets
  provider                = lattice.platform
  target_group_identifier = lattice_target_group.http[each.key].id

  target {
    id   = "127.0.0.1"
    port = each.value.port
  }
}

resource "lattice_local_function" "order" {
  provider      = lattice.platform
  function_name = "order"
  command       = ["python3", "${abspath(path.module)}/order.py"]
}

resource "lattice_target_group" "order" {
  provider = lattice.platform
  name     = "order-function"
  type     = "LAMBDA"

  config {
    lambda_event_structure_version = "V2"
  }
}

resource "lattice_target_group_attachment" "order" {
  provider                = lattice.platform
  target_group_identifier = lattice_target_group.order.id

  target {
    id = lattice_local_function.order.arn
  }
}

resource "lattice_service" "svc" {
  for_each  = toset(["order", "inventory", "delivery", "payment"])
  provider  = lattice.platform
  name      = each.key
  auth_type = "AWS_IAM"
}

resource "lattice_listener" "order" {
  provider           = lattice.platform
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.svc["order"].id

  default_action {
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.order.id
      }
    }
  }
}

resource "lattice_listener" "inventory" {
  provider           = lattice.platform
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.svc["inventory"].id

  default_action {
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.http["inventory-v1"].id
        weight                  = 80
      }
      target_groups {
        target_group_identifier = lattice_target_group.http["inventory-v2"].id
        weight                  = 20
      }
    }
  }
}

resource "lattice_listener" "team" {
  for_each           = toset(["delivery", "payment"])
  provider           = lattice.platform
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.svc[each.key].id

  default_action {
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.http[each.key].id
      }
    }
  }
}

resource "lattice_auth_policy" "order" {
  provider            = lattice.platform
  resource_identifier = lattice_service.svc["order"].id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "vpc-lattice-svcs:Invoke", Resource = "*" }]
  })
}

resource "lattice_auth_policy" "inventory" {
  provider            = lattice.platform
  resource_identifier = lattice_service.svc["inventory"].id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = local.order_role }
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "${lattice_service.svc["inventory"].arn}/stock"
      Condition = { StringEquals = { "vpc-lattice-svcs:RequestMethod" = "GET" } }
    }]
  })
}

resource "lattice_auth_policy" "delivery" {
  provider            = lattice.platform
  resource_identifier = lattice_service.svc["delivery"].id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = local.order_role }
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "${lattice_service.svc["delivery"].arn}/*"
    }]
  })
}

# payment: AWS_IAM and no auth policy, so every request is denied.

resource "lattice_service_network_service_association" "svc" {
  for_each                   = lattice_service.svc
  provider                   = lattice.platform
  service_identifier         = each.value.id
  service_network_identifier = lattice_service_network.ecommerce.id
}

resource "lattice_ram_resource_share" "ecommerce" {
  provider                  = lattice.platform
  name                      = "ecommerce"
  allow_external_principals = false
}

resource "lattice_ram_resource_association" "network" {
  provider           = lattice.platform
  resource_share_arn = lattice_ram_resource_share.ecommerce.arn
  resource_arn       = lattice_service_network.ecommerce.arn
}

resource "lattice_ram_principal_association" "storefront" {
  provider           = lattice.platform
  resource_share_arn = lattice_ram_resource_share.ecommerce.arn
  principal          = "222222222222"
  depends_on         = [lattice_ram_sharing_with_organization.shop, lattice_local_organization_accepter.storefront]
}

# ---- storefront account: its VPC and the order role ------------------------------------------

resource "lattice_local_principal" "order" {
  provider = lattice.storefront
  name     = "order"
  type     = "role"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "vpc-lattice-svcs:Invoke", Resource = "*" }]
  })
}

resource "lattice_local_vpc" "storefront" {
  provider = lattice.storefront
  tags     = { Name = "storefront" }
}

resource "lattice_service_network_vpc_association" "storefront" {
  provider                   = lattice.storefront
  vpc_identifier             = lattice_local_vpc.storefront.id
  service_network_identifier = lattice_service_network.ecommerce.arn
  depends_on                 = [lattice_ram_principal_association.storefront, lattice_ram_resource_association.network]
}

# ---- how to call the services from the storefront VPC -------------------------------------------

output "service_names" {
  value = { for k, s in lattice_service.svc : k => s.dns_entry[0].domain_name }
}

output "storefront_vpc" {
  value = {
    id                      = lattice_local_vpc.storefront.id
    resolver                = "${lattice_local_vpc.storefront.resolver_address}:${lattice_local_vpc.storefront.resolver_port}"
    service_network_address = lattice_local_vpc.storefront.service_network_address
  }
}

output "order_role" {
  value = {
    arn               = lattice_local_principal.order.arn
    access_key_id     = lattice_local_principal.order.access_key_id
    secret_access_key = lattice_local_principal.order.secret_access_key
  }
  sensitive = true
}
