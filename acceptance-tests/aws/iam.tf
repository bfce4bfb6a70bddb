# IAM through hashicorp/aws against the backend, deciding Lattice auth: a service with
# AWS_IAM auth whose auth policy admits the account; callers are an IAM user whose policy
# allows invoking it (signing with an aws_iam_access_key), a user without such a policy, and a
# role assumed through STS. Applied by test_aws_iam.py through `lattice-local terraform`.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "target_port" { type = number }
variable "role_description" {
  type    = string
  default = "calls the api"
}
variable "policy_path" {
  type    = string
  default = "/"
}

data "aws_caller_identity" "me" {}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.me.account_id}:root"]
    }
  }
}

data "aws_iam_policy_document" "invoke" {
  statement {
    actions   = ["vpc-lattice-svcs:Invoke"]
    resources = ["${aws_vpclattice_service.api.arn}/*"]
  }
}

resource "aws_iam_role" "caller" {
  name               = "api-caller"
  description        = var.role_description
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = { team = "web" }
}

resource "aws_iam_policy" "invoke" {
  name        = "invoke-api"
  path        = var.policy_path
  description = "invoke the api"
  policy      = data.aws_iam_policy_document.invoke.json
}

resource "aws_iam_role_policy_attachment" "caller" {
  role       = aws_iam_role.caller.name
  policy_arn = aws_iam_policy.invoke.arn
}

resource "aws_iam_role_policy" "extra" {
  name   = "read-only-extra"
  role   = aws_iam_role.caller.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "vpc-lattice:Get*", Resource = "*" }] })
}

resource "aws_iam_instance_profile" "caller" {
  name = "api-caller"
  role = aws_iam_role.caller.name
}

resource "aws_iam_user" "ci" {
  name = "ci"
  tags = { purpose = "pipeline" }
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}

resource "aws_iam_user_policy" "ci" {
  name   = "invoke"
  user   = aws_iam_user.ci.name
  policy = data.aws_iam_policy_document.invoke.json
}

resource "aws_iam_user" "intruder" {
  name = "intruder"
}

resource "aws_iam_access_key" "intruder" {
  user = aws_iam_user.intruder.name
}

resource "aws_iam_user" "reader" {
  name = "reader"
}

resource "aws_iam_user_policy_attachment" "reader" {
  user       = aws_iam_user.reader.name
  policy_arn = data.aws_iam_policy.lattice_invoke.arn
}

data "aws_iam_policy" "lattice_invoke" {
  arn = "arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess"
}

data "aws_iam_role" "caller" {
  name = aws_iam_role.caller.name
}

resource "aws_vpc" "app" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_vpclattice_service_network" "net" {
  name      = "iam-net"
  auth_type = "NONE"
}

resource "aws_vpclattice_service" "api" {
  name      = "api"
  auth_type = "AWS_IAM"
}

resource "aws_vpclattice_auth_policy" "api" {
  resource_identifier = aws_vpclattice_service.api.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "*"
    }]
  })
}

resource "aws_vpclattice_target_group" "api" {
  name = "api-targets"
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
  service_network_identifier = aws_vpclattice_service_network.net.id
}

resource "aws_vpclattice_service_network_vpc_association" "app" {
  vpc_identifier             = aws_vpc.app.id
  service_network_identifier = aws_vpclattice_service_network.net.id
}

output "vpc_id" { value = aws_vpc.app.id }
output "service_name" { value = aws_vpclattice_service.api.dns_entry[0].domain_name }
output "role_arn" { value = aws_iam_role.caller.arn }
output "role_id" { value = data.aws_iam_role.caller.unique_id }
output "policy_arn" { value = aws_iam_policy.invoke.arn }
output "managed_policy" { value = data.aws_iam_policy.lattice_invoke.policy }
output "ci_key" { value = aws_iam_access_key.ci.id }
output "ci_secret" {
  value     = aws_iam_access_key.ci.secret
  sensitive = true
}
output "intruder_key" { value = aws_iam_access_key.intruder.id }
output "intruder_secret" {
  value     = aws_iam_access_key.intruder.secret
  sensitive = true
}
