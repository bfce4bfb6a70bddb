resource "lattice_local_vpc" "consumer" {}

resource "lattice_local_dns_zone" "corp" {
  name = "corp.internal"

  vpc {
    vpc_id = lattice_local_vpc.consumer.id
  }
}
