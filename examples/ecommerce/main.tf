# The e-commerce layout, written for AWS (hashicorp/aws): a platform account runs the order,
# inventory, delivery and payment services, joined by one service network with AWS_IAM auth,
# and shares the network with the storefront account through AWS RAM. The storefront's VPC
# reaches every service by its Lattice name; what a caller may do is up to the auth policies:
#   - the network lets in signed principals of the storefront account only (unsigned: 403);
#   - inventory lets the order role only GET /stock (its two versions share traffic 80/20);
#   - delivery lets the order role do anything;
#   - payment lets nobody in yet;
#   - order (a Lambda function, order.zip holds order.py) serves any caller the network lets in.
# Locally: `lattice-local terraform -- apply` (the accounts are switched by assume_role).

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

variable "accounts" {
  type    = object({ platform = string, storefront = string })
  default = { platform = "111111111111", storefront = "222222222222" }
}

variable "ports" {
  description = "Where the HTTP services listen on `targets_address` (locally: `lattice-local echo`)."
  type        = object({ inventory_v1 = number, inventory_v2 = number, delivery = number, payment = number })
}

variable "targets_address" {
  description = "The address of the HTTP services' instances (locally 127.0.0.1)."
  type        = string
  default     = "127.0.0.1"
}

provider "aws" {
  alias = "platform"
  assume_role {
    role_arn = "arn:aws:iam::${var.accounts.platform}:role/terraform"
  }
}

provider "aws" {
  alias = "storefront"
  assume_role {
    role_arn = "arn:aws:iam::${var.accounts.storefront}:role/terraform"
  }
}

# ---- storefront account: the callers and their VPC ---------------------------------------------

data "aws_iam_policy_document" "invoke" {
  statement {
    actions   = ["vpc-lattice-svcs:Invoke"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "order" {
  provider = aws.storefront
  name     = "order"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::${var.accounts.storefront}:root" } }]
  })
}

resource "aws_iam_role_policy" "order" {
  provider = aws.storefront
  name     = "invoke-lattice-services"
  role     = aws_iam_role.order.id
  policy   = data.aws_iam_policy_document.invoke.json
}

# The checkout job signs with an access key of its own.
resource "aws_iam_user" "checkout" {
  provider = aws.storefront
  name     = "checkout"
}

resource "aws_iam_user_policy" "checkout" {
  provider = aws.storefront
  name     = "invoke-lattice-services"
  user     = aws_iam_user.checkout.name
  policy   = data.aws_iam_policy_document.invoke.json
}

resource "aws_iam_access_key" "checkout" {
  provider = aws.storefront
  user     = aws_iam_user.checkout.name
}

resource "aws_vpc" "storefront" {
  provider   = aws.storefront
  cidr_block = "10.40.0.0/16"
  tags       = { Name = "storefront" }
}

resource "aws_ram_resource_share_accepter" "ecommerce" {
  provider  = aws.storefront
  share_arn = aws_ram_principal_association.storefront.resource_share_arn
}

resource "aws_vpclattice_service_network_vpc_association" "storefront" {
  provider                   = aws.storefront
  vpc_identifier             = aws_vpc.storefront.id
  service_network_identifier = aws_vpclattice_service_network.ecommerce.arn
  depends_on                 = [aws_ram_resource_share_accepter.ecommerce]
}

# ---- platform account: network, services, targets ---------------------------------------------

resource "aws_vpclattice_service_network" "ecommerce" {
  provider  = aws.platform
  name      = "ecommerce"
  auth_type = "AWS_IAM"
}

resource "aws_vpclattice_auth_policy" "network" {
  provider            = aws.platform
  resource_identifier = aws_vpclattice_service_network.ecommerce.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.accounts.storefront}:root" }
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "*"
    }]
  })
}

resource "aws_ram_resource_share" "ecommerce" {
  provider                  = aws.platform
  name                      = "ecommerce"
  allow_external_principals = true
}

resource "aws_ram_resource_association" "network" {
  provider           = aws.platform
  resource_share_arn = aws_ram_resource_share.ecommerce.arn
  resource_arn       = aws_vpclattice_service_network.ecommerce.arn
}

resource "aws_ram_principal_association" "storefront" {
  provider           = aws.platform
  resource_share_arn = aws_ram_resource_share.ecommerce.arn
  principal          = var.accounts.storefront
}

resource "aws_vpc" "team" {
  for_each   = { inventory = "10.41.0.0/16", delivery = "10.42.0.0/16", payment = "10.43.0.0/16" }
  provider   = aws.platform
  cidr_block = each.value
  tags       = { Name = each.key }
}

locals {
  http_targets = {
    "inventory-v1" = { vpc = "inventory", port = var.ports.inventory_v1 }
    "inventory-v2" = { vpc = "inventory", port = var.ports.inventory_v2 }
    "delivery"     = { vpc = "delivery", port = var.ports.delivery }
    "payment"      = { vpc = "payment", port = var.ports.payment }
  }
}

resource "aws_vpclattice_target_group" "http" {
  for_each = local.http_targets
  provider = aws.platform
  name     = each.key
  type     = "IP"
  config {
    port           = each.value.port
    protocol       = "HTTP"
    vpc_identifier = aws_vpc.team[each.value.vpc].id
  }
}

resource "aws_vpclattice_target_group_attachment" "http" {
  for_each                = local.http_targets
  provider                = aws.platform
  target_group_identifier = aws_vpclattice_target_group.http[each.key].id
  target {
    id   = var.targets_address
    port = each.value.port
  }
}

# The order service: a Lambda function that VPC Lattice may invoke for its target group.
resource "aws_iam_role" "order_function" {
  provider = aws.platform
  name     = "order-function"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "order_function" {
  provider   = aws.platform
  role       = aws_iam_role.order_function.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "order" {
  provider         = aws.platform
  function_name    = "order"
  role             = aws_iam_role.order_function.arn
  runtime          = "python3.12"
  handler          = "order.handler"
  filename         = "${path.module}/order.zip"
  source_code_hash = filebase64sha256("${path.module}/order.zip")
}

resource "aws_vpclattice_target_group" "order" {
  provider = aws.platform
  name     = "order-function"
  type     = "LAMBDA"
  config {
    lambda_event_structure_version = "V2"
  }
}

resource "aws_lambda_permission" "lattice" {
  provider      = aws.platform
  statement_id  = "vpc-lattice"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.order.function_name
  principal     = "vpc-lattice.amazonaws.com"
  source_arn    = aws_vpclattice_target_group.order.arn
}

resource "aws_vpclattice_target_group_attachment" "order" {
  provider                = aws.platform
  target_group_identifier = aws_vpclattice_target_group.order.id
  target {
    id = aws_lambda_function.order.arn
  }
}

resource "aws_vpclattice_service" "svc" {
  for_each  = toset(["order", "inventory", "delivery", "payment"])
  provider  = aws.platform
  name      = each.key
  auth_type = "AWS_IAM"
}

locals {
  # Where each service's listener forwards: target group → weight.
  forwards = {
    order     = { (aws_vpclattice_target_group.order.id) = 100 }
    inventory = { (aws_vpclattice_target_group.http["inventory-v1"].id) = 80, (aws_vpclattice_target_group.http["inventory-v2"].id) = 20 }
    delivery  = { (aws_vpclattice_target_group.http["delivery"].id) = 100 }
    payment   = { (aws_vpclattice_target_group.http["payment"].id) = 100 }
  }
}

resource "aws_vpclattice_listener" "http" {
  for_each           = local.forwards
  provider           = aws.platform
  name               = "http"
  protocol           = "HTTP"
  service_identifier = aws_vpclattice_service.svc[each.key].id
  default_action {
    forward {
      dynamic "target_groups" {
        for_each = each.value
        content {
          target_group_identifier = target_groups.key
          weight                  = target_groups.value
        }
      }
    }
  }
}

resource "aws_vpclattice_auth_policy" "order" {
  provider            = aws.platform
  resource_identifier = aws_vpclattice_service.svc["order"].arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "vpc-lattice-svcs:Invoke", Resource = "*" }]
  })
}

resource "aws_vpclattice_auth_policy" "inventory" {
  provider            = aws.platform
  resource_identifier = aws_vpclattice_service.svc["inventory"].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.order.arn }
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "${aws_vpclattice_service.svc["inventory"].arn}/stock"
      Condition = { StringEquals = { "vpc-lattice-svcs:RequestMethod" = "GET" } }
    }]
  })
}

resource "aws_vpclattice_auth_policy" "delivery" {
  provider            = aws.platform
  resource_identifier = aws_vpclattice_service.svc["delivery"].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.order.arn }
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "${aws_vpclattice_service.svc["delivery"].arn}/*"
    }]
  })
}

# payment: AWS_IAM and no auth policy, so every request is denied.

resource "aws_vpclattice_service_network_service_association" "svc" {
  for_each                   = aws_vpclattice_service.svc
  provider                   = aws.platform
  service_identifier         = each.value.id
  service_network_identifier = aws_vpclattice_service_network.ecommerce.id
}

# ---- how to call the services from the storefront VPC -------------------------------------------

output "service_names" {
  value = { for k, s in aws_vpclattice_service.svc : k => s.dns_entry[0].domain_name }
}

output "storefront_vpc_id" { value = aws_vpc.storefront.id }
output "order_role_arn" { value = aws_iam_role.order.arn }
output "accounts" { value = var.accounts }

output "checkout_key" {
  value     = { access_key_id = aws_iam_access_key.checkout.id, secret_access_key = aws_iam_access_key.checkout.secret }
  sensitive = true
}
