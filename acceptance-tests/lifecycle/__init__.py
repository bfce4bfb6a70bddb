"""The acceptance bar for every resource type, one scenario per file: `CASES` maps each type's
short name to its `Case` (see `common.py`)."""

import importlib

NAMES = ['service_network', 'service', 'target_group', 'target_group_attachment', 'listener', 'service_network_service_association', 'service_network_vpc_association', 'listener_rule', 'auth_policy', 'resource_policy', 'access_log_subscription', 'resource_gateway', 'resource_configuration', 'service_network_resource_association', 'domain_verification', 'local_dns_zone', 'local_dns_record', 'local_instance', 'local_function', 'local_certificate', 'local_vpc', 'local_security_group', 'ram_resource_share', 'ram_principal_association', 'ram_resource_association', 'ram_resource_share_accepter', 'ram_sharing_with_organization', 'ram_permission', 'ram_resource_share_associations_exclusive', 'local_principal', 'local_organization_accepter', 'local_organization', 'vpc_endpoint']

CASES = {name: importlib.import_module(f"lifecycle.{name}").CASE for name in NAMES}
