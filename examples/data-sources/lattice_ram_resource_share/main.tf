resource "lattice_ram_resource_share" "shared" {
  name = "shared-services"
  tags = {
    team = "platform"
  }
}

data "lattice_ram_resource_share" "shared" {
  name           = lattice_ram_resource_share.shared.name
  resource_owner = "SELF"

  filter {
    name   = "team"
    values = ["platform"]
  }
}
