"""The lifecycle scenario of `lattice_ram_resource_association`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_ram_resource_association.test",
    create=SHARE + 'resource "lattice_ram_resource_association" "test" {\n'
                   ' resource_share_arn = lattice_ram_resource_share.s.arn\n resource_arn = lattice_service.base.arn\n}',
    update=None,
    replace=SHARE + 'resource "lattice_ram_resource_association" "test" {\n'
                    ' resource_share_arn = lattice_ram_resource_share.s.arn\n'
                    ' resource_arn = lattice_service_network.base.arn\n}',
    import_id=lambda s: s["id"],
    check=association_check("RESOURCE"),
    remove=association_remove("resourceArns"),
)
