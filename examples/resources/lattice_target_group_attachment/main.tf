resource "lattice_target_group" "example" {
  name = "example-targets"
  type = "IP"

  config {
    port           = 8080
    protocol       = "HTTP"
    vpc_identifier = "vpc-0123456789abcdef0"
  }
}

resource "lattice_target_group_attachment" "example" {
  target_group_identifier = lattice_target_group.example.id

  target {
    id   = "127.0.0.1"
    port = 8080
  }
}
