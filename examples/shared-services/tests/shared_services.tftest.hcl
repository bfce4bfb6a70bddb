# `lattice-local terraform -- test -var logging_port=… -var redis_port=…` with a backend running
# (and the logging service and Redis listening): production and development reach both by their
# custom names, the web roles are let in by aws:PrincipalOrgID, unsigned callers are not, and
# the shared VPC (not associated with the network) reaches neither.

run "layout" {
  command = apply
}

run "production_logs_as_its_role" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account   = run.layout.account
    vpc_id    = run.layout.vpc_ids.production
    url       = "http://logging.example.com:5044/events"
    principal = run.layout.role_arns.production
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "development_logs_as_its_role" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account   = run.layout.account
    vpc_id    = run.layout.vpc_ids.development
    url       = "http://logging.example.com:5044/events"
    principal = run.layout.role_arns.development
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "an_unsigned_caller_is_refused" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.account
    vpc_id  = run.layout.vpc_ids.production
    url     = "http://logging.example.com:5044/events"
  }
  assert {
    condition     = !output.reachable
    error_message = "the network's policy admits principals of the organization only"
  }
}

run "production_reaches_redis" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.account
    vpc_id  = run.layout.vpc_ids.production
    address = "redis.example.com:${var.redis_port}"
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "the_shared_vpc_is_not_a_consumer" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.account
    vpc_id  = run.layout.shared_vpc_id
    address = "redis.example.com:${var.redis_port}"
  }
  assert {
    condition     = !output.reachable
    error_message = "the shared VPC is not associated with the network"
  }
}
