# `lattice-local terraform -- test -var api_port=… -var redis_port=…` with a backend running (and
# the API and Redis listening): the spoke's app VPC reaches both by their friendly names through
# the shared network; the hub's own services VPC, which does not use the network, does not.

run "layout" {
  command = apply
}

run "the_app_vpc_reaches_the_api" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.accounts.spoke
    vpc_id  = run.layout.app_vpc_id
    address = "api.shared.internal:80"
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "the_app_vpc_reaches_the_cache" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.accounts.spoke
    vpc_id  = run.layout.app_vpc_id
    address = "cache.shared.internal:${var.redis_port}"
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "a_vpc_outside_the_network_does_not" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.accounts.hub
    vpc_id  = run.layout.services_vpc_id
    address = "api.shared.internal:80"
  }
  assert {
    condition     = !output.reachable
    error_message = "the services VPC is not associated with the network"
  }
}
