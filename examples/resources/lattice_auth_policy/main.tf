resource "lattice_service" "example" {
  name      = "example-service"
  auth_type = "AWS_IAM"
}

resource "lattice_auth_policy" "example" {
  resource_identifier = lattice_service.example.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "vpc-lattice-svcs:Invoke"
      Resource  = "*"
      Condition = {
        StringEquals = { "vpc-lattice-svcs:RequestMethod" = "GET" }
      }
    }]
  })
}
