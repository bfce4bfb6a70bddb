resource "lattice_service_network" "example" {
  name = "reachability-example"
}

resource "lattice_local_vpc" "client" {}

resource "lattice_service_network_vpc_association" "client" {
  vpc_identifier             = lattice_local_vpc.client.id
  service_network_identifier = lattice_service_network.example.id
}

resource "lattice_service" "hello" {
  name = "hello"
}

resource "lattice_listener" "http" {
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.hello.id
  default_action {
    fixed_response {
      status_code = 204
    }
  }
}

resource "lattice_service_network_service_association" "hello" {
  service_identifier         = lattice_service.hello.id
  service_network_identifier = lattice_service_network.example.id
}

# Can a client in the VPC reach the service? A failed postcondition stops the run and names the
# step that refused (DNS view, listener, auth policy, rule, targets...). In a `check` block the
# same data source warns instead, after every apply.
data "lattice_local_reachability" "hello" {
  vpc_id = lattice_service_network_vpc_association.client.vpc_identifier
  url    = "http://${lattice_service.hello.dns_entry[0].domain_name}/"

  depends_on = [lattice_listener.http, lattice_service_network_service_association.hello]

  lifecycle {
    postcondition {
      condition     = self.reachable
      error_message = "${self.decided_by}: ${self.summary}"
    }
  }
}
