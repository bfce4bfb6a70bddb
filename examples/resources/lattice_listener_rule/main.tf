resource "lattice_service" "example" {
  name = "example-service"
}

resource "lattice_target_group" "api" {
  name = "api-targets"
  type = "IP"

  config {
    port           = 8080
    protocol       = "HTTP"
    vpc_identifier = "vpc-0123456789abcdef0"
  }
}

resource "lattice_listener" "example" {
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.example.id

  default_action {
    fixed_response {
      status_code = 404
    }
  }
}

# POST /api/orders with x-tenant: blue goes to the API targets; everything else gets the
# listener's 404.
resource "lattice_listener_rule" "example" {
  name                = "orders"
  priority            = 10
  service_identifier  = lattice_service.example.id
  listener_identifier = lattice_listener.example.listener_id

  match {
    http_match {
      method = "POST"

      header_matches {
        name = "x-tenant"
        match {
          exact = "blue"
        }
      }

      path_match {
        match {
          prefix = "/api/orders"
        }
      }
    }
  }

  action {
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.api.id
        weight                  = 100
      }
    }
  }
}
