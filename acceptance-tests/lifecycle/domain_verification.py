"""The lifecycle scenario of `lattice_domain_verification`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_domain_verification.test",
    create='resource "lattice_domain_verification" "test" {\n domain_name = "example.com"\n}',
    update='resource "lattice_domain_verification" "test" {\n domain_name = "example.com"\n tags = { owner = "net" }\n}',
    replace='resource "lattice_domain_verification" "test" {\n domain_name = "example.org"\n tags = { owner = "net" }\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_domain_verification(domainVerificationIdentifier=s["id"]),
    delete=lambda c, s: c.delete_domain_verification(domainVerificationIdentifier=s["id"]),
)
