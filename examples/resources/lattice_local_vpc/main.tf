resource "lattice_local_vpc" "example" {
  tags = {
    Name = "example"
  }
}

output "dig_with" {
  value = "dig @${lattice_local_vpc.example.resolver_address} -p ${lattice_local_vpc.example.resolver_port}"
}
