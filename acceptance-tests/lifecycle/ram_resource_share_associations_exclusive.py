"""The lifecycle scenario of `lattice_ram_resource_share_associations_exclusive`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_ram_resource_share_associations_exclusive.test",
    create=SHARE + 'resource "lattice_ram_resource_share_associations_exclusive" "test" {\n'
                   ' resource_share_arn = lattice_ram_resource_share.s.arn\n principals = ["111111111111"]\n'
                   ' resource_arns = [lattice_service.base.arn]\n}',
    update=SHARE + 'resource "lattice_ram_resource_share_associations_exclusive" "test" {\n'
                   ' resource_share_arn = lattice_ram_resource_share.s.arn\n'
                   ' principals = ["111111111111", "222222222222"]\n resource_arns = [lattice_service.base.arn]\n}',
    replace=SHARE + 'resource "lattice_ram_resource_share_associations_exclusive" "test" {\n'
                    ' resource_share_arn = lattice_ram_resource_share.s2.arn\n principals = ["111111111111"]\n}',
    import_id=lambda s: s["id"],
    check=share_members,
    remove=lambda b, s: ram(b).delete_resource_share(resourceShareArn=s["id"]),
)
