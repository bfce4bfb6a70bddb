"""The lifecycle scenario of `lattice_resource_gateway`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_resource_gateway.test",
    create='resource "lattice_resource_gateway" "test" {\n name = "acc-rgw"\n vpc_id = "vpc-0a1b2c3d4e5f60718"\n'
           ' subnet_ids = ["subnet-0123456789abcdef0"]\n}',
    update='resource "lattice_resource_gateway" "test" {\n name = "acc-rgw"\n vpc_id = "vpc-0a1b2c3d4e5f60718"\n'
           ' subnet_ids = ["subnet-0123456789abcdef0"]\n security_group_ids = ["sg-12345678"]\n tags = { a = "b" }\n}',
    replace='resource "lattice_resource_gateway" "test" {\n name = "acc-rgw-2"\n vpc_id = "vpc-0a1b2c3d4e5f60718"\n'
            ' subnet_ids = ["subnet-0123456789abcdef0"]\n security_group_ids = ["sg-12345678"]\n'
            ' timeouts {\n create = "5m"\n }\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_resource_gateway(resourceGatewayIdentifier=s["id"]),
    delete=lambda c, s: c.delete_resource_gateway(resourceGatewayIdentifier=s["id"]),
)
