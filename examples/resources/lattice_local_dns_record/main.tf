resource "lattice_local_vpc" "consumer" {}

resource "lattice_service" "billing" {
  name               = "billing"
  custom_domain_name = "billing.corp.internal"
}

resource "lattice_local_dns_zone" "corp" {
  name = "corp.internal"

  vpc {
    vpc_id = lattice_local_vpc.consumer.id
  }
}

# billing.corp.internal → the service's generated Lattice name, as a Route 53 CNAME would.
resource "lattice_local_dns_record" "billing" {
  zone_id = lattice_local_dns_zone.corp.zone_id
  name    = "billing"
  type    = "CNAME"
  records = [lattice_service.billing.dns_entry[0].domain_name]
}
