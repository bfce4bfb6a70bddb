"""The lifecycle scenario of `lattice_ram_sharing_with_organization`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_ram_sharing_with_organization.test",
    create='resource "lattice_local_organization" "org" {}\n'
           'resource "lattice_ram_sharing_with_organization" "test" {\n depends_on = [lattice_local_organization.org]\n}',
    update=None,
    replace=None,
    import_id=lambda s: s["id"],
    check=org_sharing,
    remove=lambda b, s: admin(b, "PATCH", f"/organizations/{admin(b, 'GET', '/organization')['id']}",
                              {"ramSharingEnabled": False}),
)
