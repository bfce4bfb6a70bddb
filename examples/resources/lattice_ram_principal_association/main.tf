resource "lattice_ram_resource_share" "shared" {
  name                      = "shared-services"
  allow_external_principals = true
}

# An account id (outside the organization: it must accept the invitation),
# or the ARN of an organization or OU (immediate, once sharing with the organization is on).
resource "lattice_ram_principal_association" "production" {
  resource_share_arn = lattice_ram_resource_share.shared.arn
  principal          = "222222222222"
}
