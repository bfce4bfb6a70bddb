"""The lifecycle scenario of `lattice_ram_resource_share_accepter`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_ram_resource_share_accepter.test",
    create=OFFER % {"n": "offer"} + ACCEPTER % {"take": "offer"},
    update=None,
    # Accepting the other offer instead; the first offer leaves the configuration.
    replace=ACCEPTER % {"take": "offer2"},
    destroyed=5,
    import_id=lambda s: s["id"],
    check=accepted,
    remove=lambda b, s: ram(b).disassociate_resource_share(resourceShareArn=s["id"], principals=["000000000000"]),
)
