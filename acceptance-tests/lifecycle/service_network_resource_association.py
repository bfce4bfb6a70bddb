"""The lifecycle scenario of `lattice_service_network_resource_association`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_service_network_resource_association.test",
    create=RCFG + 'resource "lattice_service_network_resource_association" "test" {\n'
           ' resource_configuration_identifier = lattice_resource_configuration.redis.id\n'
           ' service_network_identifier = lattice_service_network.base.id\n}',
    update=RCFG + 'resource "lattice_service_network_resource_association" "test" {\n'
           ' resource_configuration_identifier = lattice_resource_configuration.redis.id\n'
           ' service_network_identifier = lattice_service_network.base.id\n tags = { a = "b" }\n}',
    replace=RCFG + 'resource "lattice_service_network_resource_association" "test" {\n'
            ' resource_configuration_identifier = lattice_resource_configuration.redis.arn\n'
            ' service_network_identifier = lattice_service_network.other.id\n tags = { a = "b" }\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_service_network_resource_association(serviceNetworkResourceAssociationIdentifier=s["id"]),
    delete=lambda c, s: c.delete_service_network_resource_association(serviceNetworkResourceAssociationIdentifier=s["id"]),
)
