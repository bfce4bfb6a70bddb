# `terraform test` against a running lattice-local backend (LATTICE_ENDPOINT).

run "network" {
  module {
    source = "./tests/setup"
  }
}

run "service_is_reachable_by_its_lattice_name" {
  variables {
    name               = "orders"
    service_network_id = run.network.service_network_id
    vpc_id             = run.network.vpc_id
    targets            = [{ ip = "127.0.0.1", port = 8080 }, { ip = "127.0.0.2", port = 8080 }]
  }

  assert {
    condition     = startswith(output.dns_name, "orders-") && endswith(output.dns_name, ".vpc-lattice-svcs.us-east-1.on.aws")
    error_message = "the service must get a generated Lattice name"
  }

  assert {
    condition     = length(lattice_target_group_attachment.this) == 2
    error_message = "every target must be registered"
  }

  assert {
    condition     = lattice_service_network_service_association.this.status == "ACTIVE"
    error_message = "the association must be active"
  }
}
