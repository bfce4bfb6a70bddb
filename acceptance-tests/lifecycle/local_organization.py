"""The lifecycle scenario of `lattice_local_organization`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_organization.test",
    create='resource "lattice_local_organization" "test" {\n accounts = { "111111111111" = "prod" }\n}',
    update='resource "lattice_local_organization" "test" {\n'
           ' accounts = { "111111111111" = "prod", "222222222222" = "dev/web" }\n}',
    replace=None,
    import_id=lambda s: s["id"],
    admin=lambda s: f"/organizations/{s['id']}",
)
