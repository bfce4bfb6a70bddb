# A Lambda function behind VPC Lattice through hashicorp/aws against the backend: the zip's
# Python handler runs locally, published and reached through an alias, allowed to be invoked by
# VPC Lattice for its target group; a second function without that permission. Applied by
# test_aws_lambda.py through `lattice-local terraform` (the test writes the zips).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "greeting" {
  type    = string
  default = "hello"
}
variable "code" {
  type    = string
  default = "orders-v1.zip"
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "orders-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.lambda.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "orders" {
  function_name    = "orders"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.12"
  handler          = "app.handler"
  filename         = var.code
  source_code_hash = filebase64sha256(var.code)
  timeout          = 2
  publish          = true
  environment {
    variables = { GREETING = var.greeting }
  }
  tags = { team = "orders" }
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.orders.function_name
  function_version = aws_lambda_function.orders.version
}

resource "aws_lambda_permission" "lattice" {
  statement_id  = "vpc-lattice"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.orders.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "vpc-lattice.amazonaws.com"
  source_arn    = aws_vpclattice_target_group.orders.arn
}

resource "aws_lambda_function" "stock" {
  function_name    = "stock"
  role             = aws_iam_role.lambda.arn
  runtime          = "nodejs20.x"
  handler          = "index.handler"
  filename         = "stock.zip"
  source_code_hash = filebase64sha256("stock.zip")
}

resource "aws_vpc" "app" {
  cidr_block = "10.80.0.0/16"
}

resource "aws_vpclattice_service_network" "net" {
  name = "lambda-net"
}

resource "aws_vpclattice_service" "shop" {
  name = "shop"
}

resource "aws_vpclattice_target_group" "orders" {
  name = "orders-fn"
  type = "LAMBDA"
  config {
    lambda_event_structure_version = "V2"
  }
}

resource "aws_vpclattice_target_group_attachment" "orders" {
  target_group_identifier = aws_vpclattice_target_group.orders.id
  target {
    id = aws_lambda_alias.live.arn
  }
}

resource "aws_vpclattice_target_group" "stock" {
  name = "stock-fn"
  type = "LAMBDA"
}

resource "aws_vpclattice_target_group_attachment" "stock" {
  target_group_identifier = aws_vpclattice_target_group.stock.id
  target {
    id = aws_lambda_function.stock.arn
  }
}

resource "aws_vpclattice_listener" "http" {
  name               = "http"
  protocol           = "HTTP"
  port               = 80
  service_identifier = aws_vpclattice_service.shop.id
  default_action {
    forward {
      target_groups {
        target_group_identifier = aws_vpclattice_target_group.orders.id
      }
    }
  }
}

resource "aws_vpclattice_listener_rule" "stock" {
  name                = "stock"
  listener_identifier = aws_vpclattice_listener.http.listener_id
  service_identifier  = aws_vpclattice_service.shop.id
  priority            = 10
  match {
    http_match {
      path_match {
        match {
          prefix = "/stock"
        }
      }
    }
  }
  action {
    forward {
      target_groups {
        target_group_identifier = aws_vpclattice_target_group.stock.id
      }
    }
  }
}

resource "aws_vpclattice_service_network_service_association" "shop" {
  service_identifier         = aws_vpclattice_service.shop.id
  service_network_identifier = aws_vpclattice_service_network.net.id
}

resource "aws_vpclattice_service_network_vpc_association" "app" {
  vpc_identifier             = aws_vpc.app.id
  service_network_identifier = aws_vpclattice_service_network.net.id
}

output "vpc_id" { value = aws_vpc.app.id }
output "service_name" { value = aws_vpclattice_service.shop.dns_entry[0].domain_name }
output "version" { value = aws_lambda_function.orders.version }
output "alias_arn" { value = aws_lambda_alias.live.arn }
output "stock_arn" { value = aws_lambda_function.stock.arn }
output "target_group_arn" { value = aws_vpclattice_target_group.stock.arn }
