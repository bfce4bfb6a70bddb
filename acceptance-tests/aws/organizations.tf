# An organization made through hashicorp/aws against the backend: an OU, an account created in
# it, trusted access for RAM (aws_ram_sharing_with_organization), a service network shared with
# the whole organization, and a service whose auth policy admits callers by aws:PrincipalOrgID.
# Applied by test_aws_organizations.py through `lattice-local terraform`.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "target_port" { type = number }
variable "ou_name" {
  type    = string
  default = "prod"
}

resource "aws_organizations_organization" "org" {
  feature_set                   = "ALL"
  aws_service_access_principals = ["ram.amazonaws.com"]
  enabled_policy_types          = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_organizational_unit" "prod" {
  name      = var.ou_name
  parent_id = aws_organizations_organization.org.roots[0].id
}

resource "aws_organizations_account" "web" {
  name      = "web"
  email     = "web@example.com"
  parent_id = aws_organizations_organizational_unit.prod.id
}

resource "aws_ram_sharing_with_organization" "this" {
  depends_on = [aws_organizations_organization.org]
}

data "aws_organizations_organization" "this" {
  depends_on = [aws_organizations_account.web]
}

resource "aws_vpc" "app" {
  cidr_block = "10.60.0.0/16"
}

resource "aws_vpclattice_service_network" "shared" {
  name = "org-net"
}

resource "aws_ram_resource_share" "net" {
  name                      = "org-net"
  allow_external_principals = false
  depends_on                = [aws_ram_sharing_with_organization.this]
}

resource "aws_ram_resource_association" "net" {
  resource_share_arn = aws_ram_resource_share.net.arn
  resource_arn       = aws_vpclattice_service_network.shared.arn
}

resource "aws_ram_principal_association" "org" {
  resource_share_arn = aws_ram_resource_share.net.arn
  principal          = data.aws_organizations_organization.this.arn
}

resource "aws_vpclattice_service" "api" {
  name      = "org-api"
  auth_type = "AWS_IAM"
}

resource "aws_vpclattice_auth_policy" "api" {
  resource_identifier = aws_vpclattice_service.api.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = data.aws_organizations_organization.this.id } }
    }]
  })
}

resource "aws_vpclattice_target_group" "api" {
  name = "org-api"
  type = "IP"
  config {
    port           = var.target_port
    protocol       = "HTTP"
    vpc_identifier = aws_vpc.app.id
  }
}

resource "aws_vpclattice_target_group_attachment" "local" {
  target_group_identifier = aws_vpclattice_target_group.api.id
  target {
    id   = "127.0.0.1"
    port = var.target_port
  }
}

resource "aws_vpclattice_listener" "http" {
  name               = "http"
  protocol           = "HTTP"
  port               = 80
  service_identifier = aws_vpclattice_service.api.id
  default_action {
    forward {
      target_groups {
        target_group_identifier = aws_vpclattice_target_group.api.id
      }
    }
  }
}

resource "aws_vpclattice_service_network_service_association" "api" {
  service_identifier         = aws_vpclattice_service.api.id
  service_network_identifier = aws_vpclattice_service_network.shared.id
}

resource "aws_vpclattice_service_network_vpc_association" "app" {
  vpc_identifier             = aws_vpc.app.id
  service_network_identifier = aws_vpclattice_service_network.shared.id
}

output "org_id" { value = data.aws_organizations_organization.this.id }
output "org_arn" { value = data.aws_organizations_organization.this.arn }
output "web_account" { value = aws_organizations_account.web.id }
output "ou_id" { value = aws_organizations_organizational_unit.prod.id }
output "network_arn" { value = aws_vpclattice_service_network.shared.arn }
output "vpc_id" { value = aws_vpc.app.id }
output "service_name" { value = aws_vpclattice_service.api.dns_entry[0].domain_name }
output "accounts" { value = length(data.aws_organizations_organization.this.accounts) }
