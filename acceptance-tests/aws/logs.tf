# Access logs to CloudWatch Logs through hashicorp/aws against the backend: a log group (with
# retention and tags) and a stream, and a service whose access-log subscription sends its
# records to the group. Applied by test_aws_logs.py through `lattice-local terraform`.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "target_port" { type = number }
variable "retention" {
  type    = number
  default = 7
}
variable "group_name" {
  type    = string
  default = "/lattice/api-access"
}

resource "aws_cloudwatch_log_group" "access" {
  name              = var.group_name
  retention_in_days = var.retention
  tags              = { team = "platform" }
}

resource "aws_cloudwatch_log_stream" "notes" {
  name           = "notes"
  log_group_name = aws_cloudwatch_log_group.access.name
}

data "aws_cloudwatch_log_group" "access" {
  name = aws_cloudwatch_log_group.access.name
}

resource "aws_vpc" "app" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_vpclattice_service_network" "net" {
  name = "logs-net"
}

resource "aws_vpclattice_service" "api" {
  name = "logged-api"
}

resource "aws_vpclattice_access_log_subscription" "api" {
  resource_identifier = aws_vpclattice_service.api.id
  destination_arn     = aws_cloudwatch_log_group.access.arn
}

resource "aws_vpclattice_target_group" "api" {
  name = "logged-api"
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

output "group_arn" { value = aws_cloudwatch_log_group.access.arn }
output "group_created" { value = data.aws_cloudwatch_log_group.access.creation_time }
output "vpc_id" { value = aws_vpc.app.id }
output "service_name" { value = aws_vpclattice_service.api.dns_entry[0].domain_name }
