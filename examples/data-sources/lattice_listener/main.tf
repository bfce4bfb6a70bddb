resource "lattice_service" "example" {
  name = "example-service"
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

data "lattice_listener" "example" {
  service_identifier  = lattice_service.example.arn
  listener_identifier = lattice_listener.example.arn
}

output "default_status" {
  value = data.lattice_listener.example.default_action[0].fixed_response[0].status_code
}
