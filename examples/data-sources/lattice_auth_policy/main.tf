resource "lattice_service_network" "example" {
  name      = "example-network"
  auth_type = "AWS_IAM"
}

resource "lattice_auth_policy" "example" {
  resource_identifier = lattice_service_network.example.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "vpc-lattice-svcs:Invoke", Resource = "*" }]
  })
}

data "lattice_auth_policy" "example" {
  resource_identifier = lattice_auth_policy.example.resource_identifier
}

output "state" {
  value = data.lattice_auth_policy.example.state
}
