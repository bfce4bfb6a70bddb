resource "lattice_service_network" "shared" {
  name = "shared-services"
}

resource "lattice_ram_resource_share" "shared" {
  name                      = "shared-services"
  allow_external_principals = true

  tags = {
    team = "platform"
  }
}

resource "lattice_ram_resource_association" "shared" {
  resource_share_arn = lattice_ram_resource_share.shared.arn
  resource_arn       = lattice_service_network.shared.arn
}

# An account outside the organization: it receives an invitation to accept.
resource "lattice_ram_principal_association" "production" {
  resource_share_arn = lattice_ram_resource_share.shared.arn
  principal          = "222222222222"
}
