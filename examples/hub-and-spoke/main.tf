# Shared services, hub and spoke: a hub account runs an HTTP API and a Redis cache in its services
# VPC, puts both in a service network (the API as a Lattice service, the cache as a TCP resource
# behind a resource gateway) and shares the network with a spoke account through AWS RAM. The
# spoke accepts, associates its application VPC (a security group admits only that VPC), and
# names both in its private hosted zone: api.shared.internal and cache.shared.internal.
# Written for AWS (hashicorp/aws); locally: `lattice-local terraform -- apply`.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

variable "api_port" {
  description = "Where the API listens (locally: on 127.0.0.1, e.g. `lattice-local echo`)."
  type        = number
}

variable "redis_port" {
  description = "Where Redis listens (locally: a redis-server on 127.0.0.1)."
  type        = number
}

variable "services_address" {
  description = "The address of the API and Redis in the services VPC (locally 127.0.0.1)."
  type        = string
  default     = "127.0.0.1"
}

variable "accounts" {
  type    = object({ hub = string, spoke = string })
  default = { hub = "111111111111", spoke = "222222222222" }
}

provider "aws" {
  alias = "hub"
  assume_role {
    role_arn = "arn:aws:iam::${var.accounts.hub}:role/terraform"
  }
}

provider "aws" {
  alias = "spoke"
  assume_role {
    role_arn = "arn:aws:iam::${var.accounts.spoke}:role/terraform"
  }
}

# ---- hub account ------------------------------------------------------------------------------

resource "aws_vpc" "services" {
  provider   = aws.hub
  cidr_block = "10.10.0.0/16"
  tags       = { Name = "shared-services" }
}

resource "aws_subnet" "services" {
  provider   = aws.hub
  vpc_id     = aws_vpc.services.id
  cidr_block = "10.10.1.0/24"
}

module "hub" {
  source     = "../../modules/service-network-hub"
  providers  = { aws = aws.hub }
  name       = "shared-services"
  share_with = [var.accounts.spoke]
}

module "api" {
  source             = "../../modules/http-service"
  providers          = { aws = aws.hub }
  name               = "api"
  custom_domain_name = "api.shared.internal"
  service_network_id = module.hub.id
  vpc_id             = aws_vpc.services.id
  targets            = [{ ip = var.services_address, port = var.api_port }]
}

module "cache" {
  source             = "../../modules/tcp-resource"
  providers          = { aws = aws.hub }
  name               = "cache"
  vpc_id             = aws_vpc.services.id
  subnet_ids         = [aws_subnet.services.id]
  ip_address         = var.services_address
  ports              = [tostring(var.redis_port)]
  service_network_id = module.hub.id
}

# ---- spoke account ----------------------------------------------------------------------------

resource "aws_ram_resource_share_accepter" "spoke" {
  provider  = aws.spoke
  share_arn = module.hub.share_arn
}

resource "aws_vpc" "app" {
  provider   = aws.spoke
  cidr_block = "10.20.0.0/16"
  tags       = { Name = "app" }
}

resource "aws_security_group" "lattice" {
  provider    = aws.spoke
  name        = "lattice-clients"
  description = "The app VPC's clients of the shared services"
  vpc_id      = aws_vpc.app.id

  ingress {
    description = "the API"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.app.cidr_block]
  }

  ingress {
    description = "the cache"
    from_port   = var.redis_port
    to_port     = var.redis_port
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.app.cidr_block]
  }
}

resource "aws_vpclattice_service_network_vpc_association" "app" {
  provider                   = aws.spoke
  vpc_identifier             = aws_vpc.app.id
  service_network_identifier = module.hub.arn
  security_group_ids         = [aws_security_group.lattice.id]
  depends_on                 = [aws_ram_resource_share_accepter.spoke]
}

resource "aws_route53_zone" "shared" {
  provider = aws.spoke
  name     = "shared.internal"

  vpc {
    vpc_id = aws_vpc.app.id
  }
}

resource "aws_route53_record" "api" {
  provider = aws.spoke
  zone_id  = aws_route53_zone.shared.zone_id
  name     = "api.shared.internal"
  type     = "A"

  alias {
    name                   = module.api.dns_name
    zone_id                = module.api.hosted_zone_id
    evaluate_target_health = false
  }
}

resource "aws_route53_record" "cache" {
  provider = aws.spoke
  zone_id  = aws_route53_zone.shared.zone_id
  name     = "cache.shared.internal"
  type     = "CNAME"
  ttl      = 60
  records  = [module.cache.dns_name]
}

output "app_vpc_id" {
  value = aws_vpclattice_service_network_vpc_association.app.vpc_identifier
}

output "services_vpc_id" {
  value = aws_vpc.services.id
}

output "accounts" {
  value = var.accounts
}
