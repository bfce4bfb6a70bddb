"""The lifecycle scenario of `lattice_ram_principal_association`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_ram_principal_association.test",
    create=SHARE + 'resource "lattice_ram_principal_association" "test" {\n'
                   ' resource_share_arn = lattice_ram_resource_share.s.arn\n principal = "111111111111"\n}',
    update=None,
    replace=SHARE + 'resource "lattice_ram_principal_association" "test" {\n'
                    ' resource_share_arn = lattice_ram_resource_share.s.arn\n principal = "222222222222"\n}',
    import_id=lambda s: s["id"],
    check=association_check("PRINCIPAL"),
    remove=association_remove("principals"),
)
