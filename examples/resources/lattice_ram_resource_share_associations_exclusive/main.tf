resource "lattice_service_network" "shared" {
  name = "shared-services"
}

resource "lattice_ram_resource_share" "shared" {
  name                      = "shared-services"
  allow_external_principals = true
}

# Exactly these principals and resources: anything else added to the share is removed.
resource "lattice_ram_resource_share_associations_exclusive" "shared" {
  resource_share_arn = lattice_ram_resource_share.shared.arn
  principals         = ["222222222222", "333333333333"]
  resource_arns      = [lattice_service_network.shared.arn]
}
