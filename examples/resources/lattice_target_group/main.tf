resource "lattice_target_group" "example" {
  name = "example-targets"
  type = "IP"

  config {
    port           = 8080
    protocol       = "HTTP"
    vpc_identifier = "vpc-0123456789abcdef0"

    health_check {
      path                          = "/health"
      health_check_interval_seconds = 10

      matcher {
        value = "200-299"
      }
    }
  }
}
