resource "lattice_service" "example" {
  name = "example-service"
}

resource "lattice_target_group" "example" {
  name = "example-targets"
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
    forward {
      target_groups {
        target_group_identifier = lattice_target_group.example.id
        weight                  = 100
      }
    }
  }
}
