resource "lattice_service_network" "example" {
  name = "example-network"
}

resource "lattice_resource_policy" "example" {
  resource_arn = lattice_service_network.example.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "111122223333" }
      Action    = ["vpc-lattice:CreateServiceNetworkVpcAssociation", "vpc-lattice:GetServiceNetwork"]
      Resource  = lattice_service_network.example.arn
    }]
  })
}
