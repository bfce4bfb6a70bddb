resource "lattice_local_principal" "deployer" {
  name = "deployer"
  type = "role"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "vpc-lattice-svcs:Invoke", Resource = "*" }]
  })
  tags = {
    team = "payments"
  }
}

# A provider (or any AWS client) using this key acts as the role.
output "deployer_access_key_id" {
  value = lattice_local_principal.deployer.access_key_id
}
