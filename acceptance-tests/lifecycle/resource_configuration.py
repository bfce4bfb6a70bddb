"""The lifecycle scenario of `lattice_resource_configuration`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_resource_configuration.test",
    create=GATEWAY + 'resource "lattice_resource_configuration" "test" {\n name = "acc-db"\n'
           ' resource_gateway_identifier = lattice_resource_gateway.gw.id\n port_ranges = ["5432"]\n'
           ' resource_configuration_definition {\n dns_resource {\n domain_name = "db.internal"\n ip_address_type = "IPV4"\n }\n }\n}',
    update=GATEWAY + 'resource "lattice_resource_configuration" "test" {\n name = "acc-db"\n'
           ' resource_gateway_identifier = lattice_resource_gateway.gw.id\n port_ranges = ["5432-5433"]\n'
           ' tags = { tier = "data" }\n'
           ' resource_configuration_definition {\n dns_resource {\n domain_name = "db.internal"\n ip_address_type = "IPV4"\n }\n }\n}',
    replace=GATEWAY + 'resource "lattice_resource_configuration" "test" {\n name = "acc-db"\n'
            ' resource_gateway_identifier = lattice_resource_gateway.gw.id\n port_ranges = ["5432-5433"]\n'
            ' resource_configuration_definition {\n dns_resource {\n domain_name = "db2.internal"\n ip_address_type = "IPV4"\n }\n }\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_resource_configuration(resourceConfigurationIdentifier=s["id"]),
    delete=lambda c, s: c.delete_resource_configuration(resourceConfigurationIdentifier=s["id"]),
)
