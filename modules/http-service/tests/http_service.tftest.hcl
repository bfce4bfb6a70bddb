# `terraform test` against a lattice-local backend: `lattice-local terraform -- test` (it
# points hashicorp/aws at the backend; the lattice provider reads LATTICE_ENDPOINT).

# `-var target_port=…` (required) names a live server the /admin route forwards to (the
# acceptance suite starts one): a client of the network must get an answer from it, and
# `lattice_local_reachability` knows when a target refuses connections.

run "network" {
  module {
    source = "./tests/setup"
  }
}

run "service" {
  variables {
    name               = "orders"
    service_network_id = run.network.service_network_id
    vpc_id             = run.network.vpc_id
    targets            = [{ ip = "127.0.0.2", port = 8080 }, { ip = "127.0.0.3", port = 8080 }]
    routes             = [{ path_prefix = "/admin", targets = [{ ip = "127.0.0.1", port = var.target_port }] }]
  }

  assert {
    condition     = startswith(output.dns_name, "orders-") && endswith(output.dns_name, ".vpc-lattice-svcs.us-east-1.on.aws")
    error_message = "the service must get a generated Lattice name"
  }

  assert {
    condition     = length(aws_vpclattice_target_group_attachment.this) == 3
    error_message = "every target must be registered"
  }

  assert {
    condition     = output.association_status == "ACTIVE"
    error_message = "the association must be active"
  }
}

run "a_client_of_the_network_reaches_the_service" {
  module {
    source = "./tests/reachability"
  }

  variables {
    vpc_id = run.network.vpc_id
    url    = "http://${run.service.dns_name}/admin/users"
  }

  assert {
    condition     = output.reachable
    error_message = "a client of the network must reach /admin: ${output.decided_by}: ${output.summary}"
  }
}

run "a_vpc_outside_the_network_does_not" {
  module {
    source = "./tests/reachability"
  }

  variables {
    vpc_id = run.network.outsider_vpc_id
    url    = "http://${run.service.dns_name}/admin/users"
  }

  assert {
    condition     = !output.reachable
    error_message = "a VPC not associated with the network must not reach the service"
  }
}
