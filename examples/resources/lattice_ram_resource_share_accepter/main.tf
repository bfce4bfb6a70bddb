# The shared-services account offers a service network to this (the default provider's)
# account, which is outside its organization...
provider "lattice" {
  alias      = "shared_services"
  access_key = "111111111111"
}

resource "lattice_service_network" "shared" {
  provider = lattice.shared_services
  name     = "shared-services"
}

resource "lattice_ram_resource_share" "shared" {
  provider                  = lattice.shared_services
  name                      = "shared-services"
  allow_external_principals = true
}

resource "lattice_ram_resource_association" "shared" {
  provider           = lattice.shared_services
  resource_share_arn = lattice_ram_resource_share.shared.arn
  resource_arn       = lattice_service_network.shared.arn
}

resource "lattice_ram_principal_association" "consumer" {
  provider           = lattice.shared_services
  resource_share_arn = lattice_ram_resource_share.shared.arn
  principal          = "000000000000"
}

# ...and this account accepts the invitation.
resource "lattice_ram_resource_share_accepter" "consumer" {
  share_arn  = lattice_ram_principal_association.consumer.resource_share_arn
  depends_on = [lattice_ram_resource_association.shared]
}
