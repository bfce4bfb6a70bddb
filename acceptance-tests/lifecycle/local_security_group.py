"""The lifecycle scenario of `lattice_local_security_group`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_security_group.test",
    create=f'resource "lattice_local_security_group" "test" {{\n name = "web"\n vpc_id = "{VPC}"\n'
           ' ingress {\n from_port = 80\n to_port = 80\n protocol = "tcp"\n cidr_blocks = ["127.77.0.0/16"]\n }\n'
           ' egress {\n from_port = 6379\n to_port = 6379\n protocol = "tcp"\n cidr_blocks = ["127.0.0.1/32"]\n }\n}',
    update=f'resource "lattice_local_security_group" "test" {{\n name = "web"\n vpc_id = "{VPC}"\n'
           ' ingress {\n from_port = 80\n to_port = 443\n protocol = "TCP"\n cidr_blocks = ["127.0.0.1/32"]\n'
           ' description = "host"\n }\n ingress {\n from_port = 0\n to_port = 0\n protocol = "-1"\n'
           ' ipv6_cidr_blocks = ["::1/128"]\n }\n egress {\n from_port = 5432\n to_port = 5433\n protocol = "6"\n'
           ' cidr_blocks = ["127.0.0.0/8"]\n description = "databases"\n }\n tags = { tier = "web" }\n}',
    replace=f'resource "lattice_local_security_group" "test" {{\n name = "web-2"\n vpc_id = "{VPC}"\n}}',
    import_id=lambda s: s["id"],
    admin=lambda s: f"/securitygroups/{s['id']}",
)
