"""The lifecycle scenario of `lattice_local_organization_accepter`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_organization_accepter.test",
    create=INVITING_ORGS + 'resource "lattice_local_organization_accepter" "test" {\n'
                           ' organization_id = lattice_local_organization.first.id\n}',
    update=None,
    replace=INVITING_ORGS + 'resource "lattice_local_organization_accepter" "test" {\n'
                            ' organization_id = lattice_local_organization.second.id\n}',
    import_id=lambda s: s["id"],
    check=lambda b, s: member_of(b, s["id"]),
    remove=lambda b, s: admin(b, "POST", f"/organizations/{s['id']}/leave", {}),
)
