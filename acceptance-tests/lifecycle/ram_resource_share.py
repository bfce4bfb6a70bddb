"""The lifecycle scenario of `lattice_ram_resource_share`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_ram_resource_share.test",
    create='resource "lattice_ram_resource_share" "test" {\n name = "acc-share"\n tags = { env = "one" }\n}',
    update='resource "lattice_ram_resource_share" "test" {\n name = "acc-share-renamed"\n'
           ' allow_external_principals = true\n tags = { env = "two" }\n}',
    replace='resource "lattice_ram_resource_share" "test" {\n name = "acc-share-renamed"\n'
            f' allow_external_principals = true\n permission_arns = ["{SVC_PERMISSION}"]\n}}',
    import_id=lambda s: s["id"],
    # A deleted share stays listed, as DELETED (as in RAM).
    check=lambda b, s: any(sh["status"] != "DELETED" for sh in ram(b).get_resource_shares(
        resourceOwner="SELF", resourceShareArns=[s["id"]])["resourceShares"]),
    remove=lambda b, s: ram(b).delete_resource_share(resourceShareArn=s["id"]),
)
