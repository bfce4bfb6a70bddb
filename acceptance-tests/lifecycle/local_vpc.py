"""The lifecycle scenario of `lattice_local_vpc`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_vpc.test",
    create='resource "lattice_local_vpc" "test" {\n tags = { Name = "one" }\n}',
    update='resource "lattice_local_vpc" "test" {\n tags = { Name = "two" }\n}',
    replace='resource "lattice_local_vpc" "test" {\n vpc_id = "vpc-00000000000000abc"\n tags = { Name = "two" }\n}',
            import_id=lambda s: s["id"],
    admin=lambda s: f"/vpcs/{s['id']}",
)
