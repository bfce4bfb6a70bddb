# Shared services: a shared-services VPC offers a logging service (HTTP on 5044, AWS_IAM, only
# principals of the organization) and a Redis cache (TCP 6379, behind a resource gateway) to the
# production and development VPCs through one service network, by the custom names
# logging.example.com and redis.example.com. Each VPC association carries a security group that
# admits only that VPC's own clients (and the host's 127.0.0.1) on 5044 and 6379.
# From the AWS blog "Securing Service Communications: Combining VPC Lattice with Network Firewall".

terraform {
  required_providers {
    lattice = {
      source = "lattice-local/lattice"
    }
  }
}

provider "lattice" {}

variable "logging_port" {
  description = "Port of the logging service on 127.0.0.1 (e.g. `lattice-local echo --message logging`)."
  type        = number
}

variable "redis_port" {
  description = "Port of redis-server on 127.0.0.1."
  type        = number
  default     = 6379
}

resource "lattice_local_organization" "acme" {}

# The web tiers' roles: their identity policies let them call Lattice services.
resource "lattice_local_principal" "web" {
  for_each = toset(["production", "development"])
  name     = "${each.key}-web"
  type     = "role"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "vpc-lattice-svcs:Invoke", Resource = "*" }]
  })
  depends_on = [lattice_local_organization.acme]
}

resource "lattice_local_vpc" "vpc" {
  for_each = toset(["shared", "production", "development"])
  tags     = { Name = each.key }
}

resource "lattice_service_network" "shared" {
  name      = "shared-services"
  auth_type = "AWS_IAM"
}

resource "lattice_auth_policy" "shared" {
  resource_identifier = lattice_service_network.shared.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = [lattice_local_organization.acme.id] } }
    }]
  })
}

# One security group per consumer VPC association: the VPC's own clients and the host.
resource "lattice_local_security_group" "clients" {
  for_each    = toset(["production", "development"])
  name        = "${each.key}-to-shared-services"
  description = "Inbound from ${each.key} to the shared-services network"
  vpc_id      = lattice_local_vpc.vpc[each.key].id

  ingress {
    from_port   = 5044
    to_port     = 5044
    protocol    = "tcp"
    cidr_blocks = [lattice_local_vpc.vpc[each.key].cidr_block, "127.0.0.1/32"]
    description = "logging"
  }

  ingress {
    from_port   = var.redis_port
    to_port     = var.redis_port
    protocol    = "tcp"
    cidr_blocks = [lattice_local_vpc.vpc[each.key].cidr_block, "127.0.0.1/32"]
    description = "redis"
  }
}

resource "lattice_service_network_vpc_association" "consumer" {
  for_each                   = toset(["production", "development"])
  vpc_identifier             = lattice_local_vpc.vpc[each.key].id
  service_network_identifier = lattice_service_network.shared.id
  security_group_ids         = [lattice_local_security_group.clients[each.key].id]
}

# ---- the logging service (Layer 7) ----------------------------------------------------------

resource "lattice_service" "logging" {
  name               = "logging"
  auth_type          = "AWS_IAM"
  custom_domain_name = "logging.example.com"
}

resource "lattice_auth_policy" "logging" {
  resource_identifier = lattice_service.logging.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = [lattice_local_organization.acme.id] } }
    }]
  })
}

resource "lattice_target_group" "logging" {
  name = "logging"
  type = "IP"

  config {
    port           = var.logging_port
    protocol       = "HTTP"
    vpc_identifier = lattice_local_vpc.vpc["shared"].id
  }
}

resource "lattice_target_group_attachment" "logging" {
  target_group_identifier = lattice_target_group.logging.id

  target {
    id   = "127.0.0.1"
    port = var.logging_port
  }
}

resource "lattice_listener" "logging" {
  name               = "logstash"
  protocol           = "HTTP"
  port               = 5044
  service_identifier = lattice_service.logging.id

  default_action {
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.logging.id
      }
    }
  }
}

resource "lattice_service_network_service_association" "logging" {
  service_identifier         = lattice_service.logging.id
  service_network_identifier = lattice_service_network.shared.id
}

# ---- the Redis cache (Layer 4) --------------------------------------------------------------

# The gateway's own security group: it may open connections to Redis's port and nowhere else,
# the egress rule AWS recommends for a resource gateway in front of a database or cache.
resource "lattice_local_security_group" "gateway" {
  name   = "shared-services-gateway"
  vpc_id = lattice_local_vpc.vpc["shared"].id

  egress {
    from_port   = var.redis_port
    to_port     = var.redis_port
    protocol    = "tcp"
    cidr_blocks = ["127.0.0.1/32"]
    description = "Redis"
  }
}

resource "lattice_resource_gateway" "shared" {
  name               = "shared-services"
  vpc_id             = lattice_local_vpc.vpc["shared"].id
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = [lattice_local_security_group.gateway.id]
}

resource "lattice_resource_configuration" "redis" {
  name                        = "redis"
  resource_gateway_identifier = lattice_resource_gateway.shared.id
  port_ranges                 = [tostring(var.redis_port)]
  custom_domain_name          = "redis.example.com"

  resource_configuration_definition {
    ip_resource {
      ip_address = "127.0.0.1"
    }
  }
}

resource "lattice_service_network_resource_association" "redis" {
  resource_configuration_identifier = lattice_resource_configuration.redis.id
  service_network_identifier        = lattice_service_network.shared.id
  private_dns_enabled               = true
}

# ---- what clients need ----------------------------------------------------------------------

output "vpcs" {
  value = {
    for k in ["production", "development"] : k => {
      id                      = lattice_local_vpc.vpc[k].id
      resolver                = "${lattice_local_vpc.vpc[k].resolver_address}:${lattice_local_vpc.vpc[k].resolver_port}"
      service_network_address = lattice_local_vpc.vpc[k].service_network_address
    }
  }
}

output "roles" {
  value = {
    for k, p in lattice_local_principal.web : k => {
      arn               = p.arn
      access_key_id     = p.access_key_id
      secret_access_key = p.secret_access_key
    }
  }
  sensitive = true
}
