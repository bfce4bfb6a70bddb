"""The lifecycle scenario of `lattice_local_principal`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_principal.test",
    create='resource "lattice_local_principal" "test" {\n name = "deployer"\n}',
    update='resource "lattice_local_principal" "test" {\n name = "deployer"\n tags = { team = "a" }\n'
           ' policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })\n}',
    replace='resource "lattice_local_principal" "test" {\n name = "deployer2"\n type = "user"\n}',
    import_id=lambda s: s["id"],
    admin=lambda s: f"/principals/{s['name']}",
)
