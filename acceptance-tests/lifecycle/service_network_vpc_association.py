"""The lifecycle scenario of `lattice_service_network_vpc_association`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_service_network_vpc_association.test",
    create=f'resource "lattice_service_network_vpc_association" "test" {{\n vpc_identifier = "{VPC2}"\n'
           ' service_network_identifier = lattice_service_network.base.id\n security_group_ids = ["sg-12345678"]\n}',
    update=f'resource "lattice_service_network_vpc_association" "test" {{\n vpc_identifier = "{VPC2}"\n'
           ' service_network_identifier = lattice_service_network.base.id\n security_group_ids = ["sg-12345678", "sg-87654321"]\n'
           ' private_dns_enabled = true\n dns_options {\n private_dns_preference = "SPECIFIED_DOMAINS_ONLY"\n'
           ' private_dns_specified_domains = ["*.example.com"]\n }\n}',
    replace=f'resource "lattice_service_network_vpc_association" "test" {{\n vpc_identifier = "{VPC2}"\n'
            ' service_network_identifier = lattice_service_network.other.id\n security_group_ids = ["sg-12345678"]\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_service_network_vpc_association(serviceNetworkVpcAssociationIdentifier=s["id"]),
    delete=lambda c, s: c.delete_service_network_vpc_association(serviceNetworkVpcAssociationIdentifier=s["id"]),
)
