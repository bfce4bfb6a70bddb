# Every VPC Lattice and RAM resource type of hashicorp/aws, in a layout platform teams build: an
# owner account's service network (AWS_IAM, an auth policy, access logs, a resource policy) with
# an HTTP service (listener, rule, target group, attachment) and a TCP resource behind a resource
# gateway, shared with RAM to a consumer account that accepts the share and associates its VPC.
# Applied by test_aws_provider.py through `lattice-local terraform --account 111111111111
# --account consumer=222222222222`.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "consumer"
  region = "us-east-1"
}

variable "target_port" { type = number }
variable "resource_port" { type = number }
variable "rule_path" {
  type    = string
  default = "/api"
}

data "aws_caller_identity" "consumer" {
  provider = aws.consumer
}

# ---- owner account ----------------------------------------------------------------------------

resource "aws_vpc" "hub" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_subnet" "hub" {
  vpc_id     = aws_vpc.hub.id
  cidr_block = "10.50.1.0/24"
}

resource "aws_security_group" "gateway" {
  name   = "gateway"
  vpc_id = aws_vpc.hub.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpclattice_service_network" "shared" {
  name      = "shared"
  auth_type = "AWS_IAM"
}

resource "aws_vpclattice_auth_policy" "shared" {
  resource_identifier = aws_vpclattice_service_network.shared.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "vpc-lattice-svcs:Invoke", Resource = "*" }]
  })
}

resource "aws_vpclattice_access_log_subscription" "shared" {
  resource_identifier = aws_vpclattice_service_network.shared.arn
  destination_arn     = "arn:aws:logs:us-east-1:111111111111:log-group:shared-access"
}

resource "aws_vpclattice_resource_policy" "shared" {
  resource_arn = aws_vpclattice_service_network.shared.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = [data.aws_caller_identity.consumer.account_id] }
      Action    = ["vpc-lattice:CreateServiceNetworkVpcAssociation", "vpc-lattice:GetServiceNetwork"]
      Resource  = aws_vpclattice_service_network.shared.arn
    }]
  })
}

resource "aws_vpclattice_service" "web" {
  name = "web"
}

resource "aws_vpclattice_target_group" "web" {
  name = "web"
  type = "IP"
  config {
    port           = var.target_port
    protocol       = "HTTP"
    vpc_identifier = aws_vpc.hub.id
  }
}

resource "aws_vpclattice_target_group_attachment" "web" {
  target_group_identifier = aws_vpclattice_target_group.web.id
  target {
    id   = "127.0.0.1"
    port = var.target_port
  }
}

resource "aws_vpclattice_listener" "web" {
  name               = "http"
  protocol           = "HTTP"
  service_identifier = aws_vpclattice_service.web.id
  default_action {
    fixed_response {
      status_code = 404
    }
  }
}

resource "aws_vpclattice_listener_rule" "api" {
  name                = "api"
  listener_identifier = aws_vpclattice_listener.web.listener_id
  service_identifier  = aws_vpclattice_service.web.id
  priority            = 10
  match {
    http_match {
      path_match {
        match {
          prefix = var.rule_path
        }
      }
    }
  }
  action {
    forward {
      target_groups {
        target_group_identifier = aws_vpclattice_target_group.web.id
      }
    }
  }
}

resource "aws_vpclattice_service_network_service_association" "web" {
  service_identifier         = aws_vpclattice_service.web.id
  service_network_identifier = aws_vpclattice_service_network.shared.id
}

resource "aws_vpclattice_resource_gateway" "hub" {
  name               = "hub"
  vpc_id             = aws_vpc.hub.id
  subnet_ids         = [aws_subnet.hub.id]
  security_group_ids = [aws_security_group.gateway.id]
}

resource "aws_vpclattice_resource_configuration" "cache" {
  name                        = "cache"
  resource_gateway_identifier = aws_vpclattice_resource_gateway.hub.id
  port_ranges                 = [tostring(var.resource_port)]
  protocol                    = "TCP"
  resource_configuration_definition {
    ip_resource {
      ip_address = "127.0.0.1"
    }
  }
}

resource "aws_vpclattice_service_network_resource_association" "cache" {
  resource_configuration_identifier = aws_vpclattice_resource_configuration.cache.id
  service_network_identifier        = aws_vpclattice_service_network.shared.id
}

resource "aws_ram_resource_share" "shared" {
  name                      = "shared-network"
  allow_external_principals = true
}

resource "aws_ram_resource_association" "shared" {
  resource_arn       = aws_vpclattice_service_network.shared.arn
  resource_share_arn = aws_ram_resource_share.shared.arn
}

resource "aws_ram_principal_association" "consumer" {
  principal          = data.aws_caller_identity.consumer.account_id
  resource_share_arn = aws_ram_resource_share.shared.arn
}

data "aws_vpclattice_service" "web" {
  service_identifier = aws_vpclattice_service.web.id
}

data "aws_vpclattice_listener" "web" {
  service_identifier  = aws_vpclattice_service.web.id
  listener_identifier = aws_vpclattice_listener.web.listener_id
}

data "aws_vpclattice_auth_policy" "shared" {
  resource_identifier = aws_vpclattice_auth_policy.shared.resource_identifier
}

data "aws_vpclattice_resource_policy" "shared" {
  resource_arn = aws_vpclattice_resource_policy.shared.resource_arn
}

data "aws_ram_resource_share" "shared" {
  name           = aws_ram_resource_share.shared.name
  resource_owner = "SELF"
  depends_on     = [aws_ram_resource_association.shared]
}

# ---- consumer account -------------------------------------------------------------------------

resource "aws_ram_resource_share_accepter" "consumer" {
  provider  = aws.consumer
  share_arn = aws_ram_principal_association.consumer.resource_share_arn
}

data "aws_vpclattice_service_network" "shared" {
  provider                   = aws.consumer
  service_network_identifier = aws_vpclattice_service_network.shared.arn
  # The network is visible once it is in the share and the share is accepted (as in AWS).
  depends_on = [aws_ram_resource_share_accepter.consumer, aws_ram_resource_association.shared]
}

resource "aws_vpc" "consumer" {
  provider   = aws.consumer
  cidr_block = "10.60.0.0/16"
}

resource "aws_vpclattice_service_network_vpc_association" "consumer" {
  provider                   = aws.consumer
  vpc_identifier             = aws_vpc.consumer.id
  service_network_identifier = data.aws_vpclattice_service_network.shared.arn
}

output "consumer_vpc" { value = aws_vpc.consumer.id }
output "service_name" { value = data.aws_vpclattice_service.web.dns_entry[0].domain_name }
output "resource_association" { value = aws_vpclattice_service_network_resource_association.cache.id }
output "share_status" { value = data.aws_ram_resource_share.shared.status }
output "listener_port" { value = data.aws_vpclattice_listener.web.port }
output "network_seen_by_consumer" { value = data.aws_vpclattice_service_network.shared.name }
