"""The lifecycle scenario of `lattice_service_network`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_service_network.test",
    create='resource "lattice_service_network" "test" {\n name = "acc-net"\n tags = { env = "one" }\n}',
    update='resource "lattice_service_network" "test" {\n name = "acc-net"\n auth_type = "AWS_IAM"\n tags = { env = "two" }\n}',
    replace='resource "lattice_service_network" "test" {\n name = "acc-net-renamed"\n auth_type = "AWS_IAM"\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_service_network(serviceNetworkIdentifier=s["id"]),
    delete=lambda c, s: c.delete_service_network(serviceNetworkIdentifier=s["id"]),
)
