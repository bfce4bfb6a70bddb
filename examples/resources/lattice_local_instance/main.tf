resource "lattice_local_instance" "web" {
  ip_address = "127.0.0.1"
}

resource "lattice_target_group" "web" {
  name = "web-instances"
  type = "INSTANCE"

  config {
    port           = 8080
    protocol       = "HTTP"
    vpc_identifier = "vpc-0123456789abcdef0"
  }
}

resource "lattice_target_group_attachment" "web" {
  target_group_identifier = lattice_target_group.web.id

  target {
    id = lattice_local_instance.web.id
  }
}
