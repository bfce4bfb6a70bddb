# Shared services: a shared-services VPC offers a logging service (HTTP on 5044, AWS_IAM, only
# principals of the organization) and a Redis cache (TCP, behind a resource gateway) to the
# production and development VPCs through one service network, by the custom names
# logging.example.com and redis.example.com. Each VPC association carries a security group that
# admits only that VPC's own clients; the network's access logs go to CloudWatch Logs.
# From the AWS blog "Securing Service Communications: Combining VPC Lattice with Network
# Firewall". Written for AWS (hashicorp/aws); locally: `lattice-local terraform -- apply`.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

variable "logging_port" {
  description = "Port of the logging service (locally: on 127.0.0.1, e.g. `lattice-local echo --message logging`)."
  type        = number
}

variable "redis_port" {
  description = "Port of Redis (locally: a redis-server on 127.0.0.1)."
  type        = number
  default     = 6379
}

variable "services_address" {
  description = "The address of the logging instance and of Redis in the shared VPC (locally 127.0.0.1)."
  type        = string
  default     = "127.0.0.1"
}

data "aws_caller_identity" "me" {}

resource "aws_organizations_organization" "acme" {
  feature_set = "ALL"
}

locals {
  cidrs = { shared = "10.1.0.0/16", production = "10.2.0.0/16", development = "10.3.0.0/16" }
  envs  = toset(["production", "development"])
}

resource "aws_vpc" "vpc" {
  for_each   = local.cidrs
  cidr_block = each.value
  tags       = { Name = each.key }
}

resource "aws_subnet" "shared" {
  vpc_id     = aws_vpc.vpc["shared"].id
  cidr_block = "10.1.1.0/24"
}

# The web tiers' roles: their identity policies let them call Lattice services.
data "aws_iam_policy_document" "web_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.me.account_id}:root"]
    }
  }
}

resource "aws_iam_role" "web" {
  for_each           = local.envs
  name               = "${each.key}-web"
  assume_role_policy = data.aws_iam_policy_document.web_trust.json
}

resource "aws_iam_role_policy_attachment" "web" {
  for_each   = local.envs
  role       = aws_iam_role.web[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess"
}

resource "aws_vpclattice_service_network" "shared" {
  name      = "shared-services"
  auth_type = "AWS_IAM"
}

locals {
  org_only = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = [aws_organizations_organization.acme.id] } }
    }]
  })
}

resource "aws_vpclattice_auth_policy" "shared" {
  resource_identifier = aws_vpclattice_service_network.shared.arn
  policy              = local.org_only
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/vpc-lattice/shared-services"
  retention_in_days = 30
}

resource "aws_vpclattice_access_log_subscription" "shared" {
  resource_identifier = aws_vpclattice_service_network.shared.id
  destination_arn     = aws_cloudwatch_log_group.access.arn
}

# One security group per consumer VPC association: the VPC's own clients only.
resource "aws_security_group" "clients" {
  for_each    = local.envs
  name        = "${each.key}-to-shared-services"
  description = "Inbound from ${each.key} to the shared-services network"
  vpc_id      = aws_vpc.vpc[each.key].id

  ingress {
    description = "logging"
    from_port   = 5044
    to_port     = 5044
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.vpc[each.key].cidr_block]
  }

  ingress {
    description = "redis"
    from_port   = var.redis_port
    to_port     = var.redis_port
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.vpc[each.key].cidr_block]
  }
}

resource "aws_vpclattice_service_network_vpc_association" "consumer" {
  for_each                   = local.envs
  vpc_identifier             = aws_vpc.vpc[each.key].id
  service_network_identifier = aws_vpclattice_service_network.shared.id
  security_group_ids         = [aws_security_group.clients[each.key].id]
}

# ---- the logging service (Layer 7) ----------------------------------------------------------

resource "aws_vpclattice_service" "logging" {
  name               = "logging"
  auth_type          = "AWS_IAM"
  custom_domain_name = "logging.example.com"
}

resource "aws_vpclattice_auth_policy" "logging" {
  resource_identifier = aws_vpclattice_service.logging.arn
  policy              = local.org_only
}

resource "aws_vpclattice_target_group" "logging" {
  name = "logging"
  type = "IP"
  config {
    port           = var.logging_port
    protocol       = "HTTP"
    vpc_identifier = aws_vpc.vpc["shared"].id
  }
}

resource "aws_vpclattice_target_group_attachment" "logging" {
  target_group_identifier = aws_vpclattice_target_group.logging.id
  target {
    id   = var.services_address
    port = var.logging_port
  }
}

resource "aws_vpclattice_listener" "logging" {
  name               = "logstash"
  protocol           = "HTTP"
  port               = 5044
  service_identifier = aws_vpclattice_service.logging.id
  default_action {
    forward {
      target_groups {
        target_group_identifier = aws_vpclattice_target_group.logging.id
      }
    }
  }
}

resource "aws_vpclattice_service_network_service_association" "logging" {
  service_identifier         = aws_vpclattice_service.logging.id
  service_network_identifier = aws_vpclattice_service_network.shared.id
}

# ---- the Redis cache (Layer 4) --------------------------------------------------------------

# The gateway's own security group: it may open connections to Redis's port and nowhere else.
resource "aws_security_group" "gateway" {
  name        = "shared-services-gateway"
  description = "The resource gateway reaches Redis only"
  vpc_id      = aws_vpc.vpc["shared"].id
}

resource "aws_vpc_security_group_egress_rule" "redis" {
  security_group_id = aws_security_group.gateway.id
  description       = "Redis"
  cidr_ipv4         = "${var.services_address}/32"
  from_port         = var.redis_port
  to_port           = var.redis_port
  ip_protocol       = "tcp"
}

resource "aws_vpclattice_resource_gateway" "shared" {
  name               = "shared-services"
  vpc_id             = aws_vpc.vpc["shared"].id
  subnet_ids         = [aws_subnet.shared.id]
  security_group_ids = [aws_security_group.gateway.id]
}

resource "aws_vpclattice_resource_configuration" "redis" {
  name                        = "redis"
  resource_gateway_identifier = aws_vpclattice_resource_gateway.shared.id
  port_ranges                 = [tostring(var.redis_port)]
  protocol                    = "TCP"

  resource_configuration_definition {
    ip_resource {
      ip_address = var.services_address
    }
  }
}

resource "aws_vpclattice_service_network_resource_association" "redis" {
  resource_configuration_identifier = aws_vpclattice_resource_configuration.redis.id
  service_network_identifier        = aws_vpclattice_service_network.shared.id
}

# ---- the names: a private hosted zone of the consumer VPCs -----------------------------------

resource "aws_route53_zone" "example" {
  name = "example.com"

  dynamic "vpc" {
    for_each = local.envs
    content {
      vpc_id = aws_vpc.vpc[vpc.value].id
    }
  }
}

resource "aws_route53_record" "logging" {
  zone_id = aws_route53_zone.example.zone_id
  name    = "logging.example.com"
  type    = "A"

  alias {
    name                   = aws_vpclattice_service.logging.dns_entry[0].domain_name
    zone_id                = aws_vpclattice_service.logging.dns_entry[0].hosted_zone_id
    evaluate_target_health = false
  }
}

resource "aws_route53_record" "redis" {
  zone_id = aws_route53_zone.example.zone_id
  name    = "redis.example.com"
  type    = "CNAME"
  ttl     = 60
  records = [aws_vpclattice_service_network_resource_association.redis.dns_entry[0].domain_name]
}

# ---- what clients need ----------------------------------------------------------------------

output "vpc_ids" {
  value = { for k in local.envs : k => aws_vpc.vpc[k].id }
}

output "role_arns" {
  value = { for k, r in aws_iam_role.web : k => r.arn }
}

output "shared_vpc_id" { value = aws_vpc.vpc["shared"].id }
output "account" { value = data.aws_caller_identity.me.account_id }
output "log_group" { value = aws_cloudwatch_log_group.access.name }
