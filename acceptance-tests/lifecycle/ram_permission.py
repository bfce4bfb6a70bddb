"""The lifecycle scenario of `lattice_ram_permission`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_ram_permission.test",
    create=permission("acc-read", TEMPLATE_V1),
    update=permission("acc-read", TEMPLATE_V2, ' tags = { a = "b" }\n'),
    replace=permission("acc-read-2", TEMPLATE_V2),
    import_id=lambda s: s["id"],
    ignore={"policy_template"},
    check=lambda b, s: exists_via(lambda: ram(b).get_permission(permissionArn=s["id"])),
    remove=lambda b, s: ram(b).delete_permission(permissionArn=s["id"]),
)
