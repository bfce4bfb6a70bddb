resource "lattice_service" "example" {
  name = "example-service"
}

resource "lattice_resource_policy" "example" {
  resource_arn = lattice_service.example.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "111122223333" }
      Action    = "vpc-lattice:CreateServiceNetworkServiceAssociation"
      Resource  = lattice_service.example.arn
    }]
  })
}

data "lattice_resource_policy" "example" {
  resource_arn = lattice_resource_policy.example.resource_arn
}
