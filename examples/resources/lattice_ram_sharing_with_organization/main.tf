resource "lattice_local_organization" "org" {
  accounts = {
    "222222222222" = "workloads/prod"
  }
}

resource "lattice_ram_sharing_with_organization" "this" {
  depends_on = [lattice_local_organization.org]
}
