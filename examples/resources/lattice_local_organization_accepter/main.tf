# The management account invites this provider's account (000000000000) ...
provider "lattice" {
  alias      = "management"
  access_key = "111111111111"
}

resource "lattice_local_organization" "org" {
  provider = lattice.management
  accounts = {
    "000000000000" = "workloads/prod"
  }
}

# ... and the invited account joins, with its own credentials.
resource "lattice_local_organization_accepter" "join" {
  organization_id = lattice_local_organization.org.id
}

output "org_path" {
  value = lattice_local_organization_accepter.join.org_path
}
