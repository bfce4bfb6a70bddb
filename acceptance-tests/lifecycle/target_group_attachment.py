"""The lifecycle scenario of `lattice_target_group_attachment`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_target_group_attachment.test",
    create='resource "lattice_target_group_attachment" "test" {\n target_group_identifier = lattice_target_group.base.id\n target {\n id = "127.0.0.1"\n }\n}',
    update=None,
    replace='resource "lattice_target_group_attachment" "test" {\n target_group_identifier = lattice_target_group.base.id\n target {\n id = "127.0.0.1"\n port = 9000\n }\n}',
    import_id=None,
    get=lambda c, s: registered_target(c, s),
    delete=lambda c, s: c.deregister_targets(
        targetGroupIdentifier=s["target_group_identifier"],
        targets=[{"id": s["target"][0]["id"], "port": s["target"][0]["port"]}]),
)
