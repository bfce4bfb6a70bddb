"""The lifecycle scenario of `lattice_service_network_service_association`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_service_network_service_association.test",
    create='resource "lattice_service_network_service_association" "test" {\n service_identifier = lattice_service.base.id\n'
           ' service_network_identifier = lattice_service_network.base.id\n tags = { a = "1" }\n}',
    update='resource "lattice_service_network_service_association" "test" {\n service_identifier = lattice_service.base.id\n'
           ' service_network_identifier = lattice_service_network.base.id\n tags = { a = "2" }\n}',
    replace='resource "lattice_service_network_service_association" "test" {\n service_identifier = lattice_service.other.id\n'
            ' service_network_identifier = lattice_service_network.base.arn\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_service_network_service_association(serviceNetworkServiceAssociationIdentifier=s["id"]),
    delete=lambda c, s: c.delete_service_network_service_association(serviceNetworkServiceAssociationIdentifier=s["id"]),
)
