"""The lifecycle scenario of `lattice_vpc_endpoint`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_vpc_endpoint.test",
    create=f'resource "lattice_vpc_endpoint" "test" {{\n vpc_id = "{VPC2}"\n vpc_endpoint_type = "ServiceNetwork"\n'
           ' service_network_arn = lattice_service_network.base.arn\n subnet_ids = ["subnet-0123456789abcdef0"]\n}',
    update=f'resource "lattice_vpc_endpoint" "test" {{\n vpc_id = "{VPC2}"\n vpc_endpoint_type = "ServiceNetwork"\n'
           ' service_network_arn = lattice_service_network.base.arn\n subnet_ids = ["subnet-0123456789abcdef0"]\n'
           ' security_group_ids = ["sg-12345678"]\n tags = { a = "b" }\n}',
    replace=f'resource "lattice_vpc_endpoint" "test" {{\n vpc_id = "{VPC2}"\n vpc_endpoint_type = "ServiceNetwork"\n'
            ' service_network_arn = lattice_service_network.other.arn\n subnet_ids = ["subnet-0123456789abcdef0"]\n'
            ' security_group_ids = ["sg-12345678"]\n}',
    import_id=lambda s: s["id"],
    admin=lambda s: f"/vpcendpoints/{s['id']}",
)
