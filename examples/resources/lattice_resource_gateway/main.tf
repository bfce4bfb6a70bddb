resource "lattice_resource_gateway" "example" {
  name       = "example-gateway"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0"]

  resource_config_dns_resolution = "IN_VPC"
}
