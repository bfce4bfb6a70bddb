"""The lifecycle scenario of `lattice_local_instance`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_instance.test",
    create='resource "lattice_local_instance" "test" {\n ip_address = "127.0.0.7"\n}',
    update='resource "lattice_local_instance" "test" {\n ip_address = "127.0.0.8"\n tags = { role = "web" }\n'
           ' resource_arns = ["arn:aws:rds:us-east-1:000000000000:db:orders"]\n}',
    replace='resource "lattice_local_instance" "test" {\n instance_id = "i-0123456789abcdef0"\n ip_address = "127.0.0.8"\n}',
    import_id=lambda s: s["id"],
    admin=lambda s: f"/instances/{s['id']}",
)
