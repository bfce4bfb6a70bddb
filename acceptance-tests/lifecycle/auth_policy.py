"""The lifecycle scenario of `lattice_auth_policy`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_auth_policy.test",
    create='resource "lattice_auth_policy" "test" {\n resource_identifier = lattice_service.base.id\n'
           ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = "*",'
           ' Action = "vpc-lattice-svcs:Invoke", Resource = "*" }] })\n}',
    update='resource "lattice_auth_policy" "test" {\n resource_identifier = lattice_service.base.id\n'
           ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Principal = "*",'
           ' Action = "vpc-lattice-svcs:Invoke", Resource = "*" }] })\n}',
    replace='resource "lattice_auth_policy" "test" {\n resource_identifier = lattice_service.other.id\n'
            ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Principal = "*",'
            ' Action = "vpc-lattice-svcs:Invoke", Resource = "*" }] })\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: policy_or_gone(c.get_auth_policy(resourceIdentifier=s["id"])),
    delete=lambda c, s: c.delete_auth_policy(resourceIdentifier=s["id"]),
)
