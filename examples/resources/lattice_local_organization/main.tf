# The provider's account is the management account. Listed accounts are invited: each joins
# with a `lattice_local_organization_accepter` under its own credentials.
resource "lattice_local_organization" "org" {
  accounts = {
    "222222222222" = "workloads/prod"
    "333333333333" = "workloads/dev"
  }
}

output "prod_ou_arn" {
  value = lattice_local_organization.org.organizational_unit_arns["workloads/prod"]
}
