"""The lifecycle scenario of `lattice_local_dns_zone`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_dns_zone.test",
    create=f'resource "lattice_local_dns_zone" "test" {{\n name = "example.internal"\n vpc {{\n vpc_id = "{VPC}"\n }}\n}}',
    update=f'resource "lattice_local_dns_zone" "test" {{\n name = "example.internal"\n comment = "shared names"\n'
           f' vpc {{\n vpc_id = "{VPC}"\n }}\n vpc {{\n vpc_id = "{VPC2}"\n }}\n tags = {{ a = "b" }}\n}}',
    replace=f'resource "lattice_local_dns_zone" "test" {{\n name = "corp.internal"\n vpc {{\n vpc_id = "{VPC}"\n }}\n}}',
    import_id=lambda s: s["id"],
    admin=lambda s: f"/dnszones/{s['id']}",
)
