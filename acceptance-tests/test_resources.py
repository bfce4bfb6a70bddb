"""The acceptance bar for every resource type, with real Terraform against the built
binaries: create, an empty plan, import + state verify, update in place (same id), replacement
on a ForceNew change, out-of-band deletion detected, and destroy verified through the API."""

import json
import subprocess
import urllib.error
import urllib.request


import botocore.exceptions
import pytest

from conftest import LATTICE_LOCAL, admin, admin_request

VPC = "vpc-0a1b2c3d4e5f60718"
VPC2 = "vpc-0a1b2c3d4e5f60719"

BASE = f"""
resource "lattice_service" "base" {{
  name = "acc-base-svc"
}}
resource "lattice_service" "other" {{
  name = "acc-other-svc"
}}
resource "lattice_service_network" "base" {{
  name = "acc-base-net"
}}
resource "lattice_service_network" "other" {{
  name = "acc-other-net"
}}
resource "lattice_target_group" "base" {{
  name = "acc-base-tg"
  type = "IP"
  config {{
    port           = 8080
    protocol       = "HTTP"
    vpc_identifier = "{VPC}"
  }}
}}
"""


LISTENER = """
resource "lattice_listener" "l" {
  name = "web"
  protocol = "HTTP"
  service_identifier = lattice_service.base.id
  default_action {
    fixed_response { status_code = 404 }
  }
}
"""


GATEWAY = """
resource "lattice_resource_gateway" "gw" {
  name = "acc-gateway"
  vpc_id = "vpc-0a1b2c3d4e5f60718"
  subnet_ids = ["subnet-0123456789abcdef0"]
}
"""

RCFG = GATEWAY + """
resource "lattice_resource_configuration" "redis" {
  name = "acc-redis"
  resource_gateway_identifier = lattice_resource_gateway.gw.id
  port_ranges = ["6379"]
  resource_configuration_definition {
    ip_resource { ip_address = "127.0.0.1" }
  }
}
"""


ZONE = f"""
resource "lattice_local_dns_zone" "z" {{
  name = "example.internal"
  vpc {{
    vpc_id = "{VPC}"
  }}
}}
"""


def not_found(call):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call()
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


class Case:
    """One resource type's scenario. Objects of the admin API give `admin` (state → path) instead
    of boto3 `get`/`delete` calls; others give `check(backend, state) -> bool` and
    `remove(backend, state)`. `replace` is None for types without a ForceNew argument."""

    def __init__(self, address, create, update, replace, import_id, get=None, delete=None, admin=None, ignore=(),
                 check=None, remove=None, destroyed=1):
        self.address, self.create, self.update, self.replace = address, create, update, replace
        self.import_id, self.get, self.delete, self.admin, self.ignore = import_id, get, delete, admin, set(ignore)
        self.check, self.remove, self.destroyed = check, remove, destroyed


# ---- RAM and local identities ------------------------------------------------------------------

OWNER = "111111111111"
OWNER_PROVIDER = f'provider "lattice" {{\n alias = "owner"\n access_key = "{OWNER}"\n}}\n'
# Two organizations of other accounts, each inviting the provider's account (000000000000).
INVITING_ORGS = "".join(
    f'provider "lattice" {{\n alias = "{name}"\n access_key = "{account}"\n}}\n'
    f'resource "lattice_local_organization" "{name}" {{\n provider = lattice.{name}\n'
    f' accounts = {{ "000000000000" = "workloads" }}\n}}\n'
    for name, account in [("first", "444444444444"), ("second", "555555555555")])
SVC_PERMISSION = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionVpcLatticeService"
SHARE = """
resource "lattice_ram_resource_share" "s" {
  name = "acc-base-share"
  allow_external_principals = true
}
resource "lattice_ram_resource_share" "s2" {
  name = "acc-other-share"
  allow_external_principals = true
}
"""


def ram(backend, account="000000000000"):
    return backend.client("ram", access_key=account)


def association_check(kind):
    def check(backend, s):
        share, entity = s["id"].split(",", 1)
        try:
            got = ram(backend).get_resource_share_associations(associationType=kind, resourceShareArns=[share])
        except botocore.exceptions.ClientError:
            return False
        return any(a["associatedEntity"] == entity for a in got["resourceShareAssociations"])
    return check


def association_remove(member):
    def remove(backend, s):
        share, entity = s["id"].split(",", 1)
        ram(backend).disassociate_resource_share(resourceShareArn=share, **{member: [entity]})
    return remove


def accepted(backend, s):
    shares = ram(backend).get_resource_shares(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[s["id"]])
    return bool(shares["resourceShares"])


def share_members(backend, s):
    try:
        got = ram(backend).get_resource_share_associations(associationType="PRINCIPAL", resourceShareArns=[s["id"]])
    except botocore.exceptions.ClientError:
        return False
    return bool(got["resourceShareAssociations"])


def org_sharing(backend, s):
    try:
        return admin(backend, "GET", "/organization").get("ramSharingEnabled") is True
    except urllib.error.HTTPError:
        return False


OFFER = """
resource "lattice_ram_resource_share" "%(n)s" {
  provider = lattice.owner
  name = "acc-%(n)s"
  allow_external_principals = true
}
resource "lattice_service" "%(n)s" {
  provider = lattice.owner
  name = "acc-%(n)s-svc"
}
resource "lattice_ram_resource_association" "%(n)s" {
  provider = lattice.owner
  resource_share_arn = lattice_ram_resource_share.%(n)s.arn
  resource_arn = lattice_service.%(n)s.arn
}
resource "lattice_ram_principal_association" "%(n)s" {
  provider = lattice.owner
  resource_share_arn = lattice_ram_resource_share.%(n)s.arn
  principal = "000000000000"
}
"""
# Two offers from the owner account; the accepter (the default provider's account) takes one.
ACCEPTER = OWNER_PROVIDER + OFFER.replace("%(n)s", "offer2") + """
resource "lattice_ram_resource_share_accepter" "test" {
  share_arn = lattice_ram_principal_association.%(take)s.resource_share_arn
  depends_on = [lattice_ram_resource_association.%(take)s]
}
"""

TEMPLATE_V1 = '{"Effect": "Allow", "Action": ["vpc-lattice:GetService"]}'
TEMPLATE_V2 = '{"Effect": "Allow", "Action": ["vpc-lattice:GetService", "vpc-lattice:CreateServiceNetworkServiceAssociation"]}'


def permission(name, template, tags=""):
    return (f'resource "lattice_ram_permission" "test" {{\n name = "{name}"\n resource_type = "vpc-lattice:Service"\n'
            f' policy_template = jsonencode({template})\n{tags}}}')


RAM_CASES = {
    "ram_resource_share": Case(
        "lattice_ram_resource_share.test",
        create='resource "lattice_ram_resource_share" "test" {\n name = "acc-share"\n tags = { env = "one" }\n}',
        update='resource "lattice_ram_resource_share" "test" {\n name = "acc-share-renamed"\n'
               ' allow_external_principals = true\n tags = { env = "two" }\n}',
        replace='resource "lattice_ram_resource_share" "test" {\n name = "acc-share-renamed"\n'
                f' allow_external_principals = true\n permission_arns = ["{SVC_PERMISSION}"]\n}}',
        import_id=lambda s: s["id"],
        check=lambda b, s: bool(ram(b).get_resource_shares(resourceOwner="SELF", resourceShareArns=[s["id"]])
                                ["resourceShares"]),
        remove=lambda b, s: ram(b).delete_resource_share(resourceShareArn=s["id"]),
    ),
    "ram_principal_association": Case(
        "lattice_ram_principal_association.test",
        create=SHARE + 'resource "lattice_ram_principal_association" "test" {\n'
                       ' resource_share_arn = lattice_ram_resource_share.s.arn\n principal = "111111111111"\n}',
        update=None,
        replace=SHARE + 'resource "lattice_ram_principal_association" "test" {\n'
                        ' resource_share_arn = lattice_ram_resource_share.s.arn\n principal = "222222222222"\n}',
        import_id=lambda s: s["id"],
        check=association_check("PRINCIPAL"),
        remove=association_remove("principals"),
    ),
    "ram_resource_association": Case(
        "lattice_ram_resource_association.test",
        create=SHARE + 'resource "lattice_ram_resource_association" "test" {\n'
                       ' resource_share_arn = lattice_ram_resource_share.s.arn\n resource_arn = lattice_service.base.arn\n}',
        update=None,
        replace=SHARE + 'resource "lattice_ram_resource_association" "test" {\n'
                        ' resource_share_arn = lattice_ram_resource_share.s.arn\n'
                        ' resource_arn = lattice_service_network.base.arn\n}',
        import_id=lambda s: s["id"],
        check=association_check("RESOURCE"),
        remove=association_remove("resourceArns"),
    ),
    "ram_resource_share_accepter": Case(
        "lattice_ram_resource_share_accepter.test",
        create=OFFER % {"n": "offer"} + ACCEPTER % {"take": "offer"},
        update=None,
        # Accepting the other offer instead; the first offer leaves the configuration.
        replace=ACCEPTER % {"take": "offer2"},
        destroyed=5,
        import_id=lambda s: s["id"],
        check=accepted,
        remove=lambda b, s: ram(b).disassociate_resource_share(resourceShareArn=s["id"], principals=["000000000000"]),
    ),
    "ram_sharing_with_organization": Case(
        "lattice_ram_sharing_with_organization.test",
        create='resource "lattice_local_organization" "org" {}\n'
               'resource "lattice_ram_sharing_with_organization" "test" {\n depends_on = [lattice_local_organization.org]\n}',
        update=None,
        replace=None,
        import_id=lambda s: s["id"],
        check=org_sharing,
        remove=lambda b, s: admin(b, "PATCH", f"/organizations/{admin(b, 'GET', '/organization')['id']}",
                                  {"ramSharingEnabled": False}),
    ),
    "ram_permission": Case(
        "lattice_ram_permission.test",
        create=permission("acc-read", TEMPLATE_V1),
        update=permission("acc-read", TEMPLATE_V2, ' tags = { a = "b" }\n'),
        replace=permission("acc-read-2", TEMPLATE_V2),
        import_id=lambda s: s["id"],
        ignore={"policy_template"},
        check=lambda b, s: _exists(lambda: ram(b).get_permission(permissionArn=s["id"])),
        remove=lambda b, s: ram(b).delete_permission(permissionArn=s["id"]),
    ),
    "ram_resource_share_associations_exclusive": Case(
        "lattice_ram_resource_share_associations_exclusive.test",
        create=SHARE + 'resource "lattice_ram_resource_share_associations_exclusive" "test" {\n'
                       ' resource_share_arn = lattice_ram_resource_share.s.arn\n principals = ["111111111111"]\n'
                       ' resource_arns = [lattice_service.base.arn]\n}',
        update=SHARE + 'resource "lattice_ram_resource_share_associations_exclusive" "test" {\n'
                       ' resource_share_arn = lattice_ram_resource_share.s.arn\n'
                       ' principals = ["111111111111", "222222222222"]\n resource_arns = [lattice_service.base.arn]\n}',
        replace=SHARE + 'resource "lattice_ram_resource_share_associations_exclusive" "test" {\n'
                        ' resource_share_arn = lattice_ram_resource_share.s2.arn\n principals = ["111111111111"]\n}',
        import_id=lambda s: s["id"],
        check=share_members,
        remove=lambda b, s: ram(b).delete_resource_share(resourceShareArn=s["id"]),
    ),
    "local_principal": Case(
        "lattice_local_principal.test",
        create='resource "lattice_local_principal" "test" {\n name = "deployer"\n}',
        update='resource "lattice_local_principal" "test" {\n name = "deployer"\n tags = { team = "a" }\n'
               ' policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })\n}',
        replace='resource "lattice_local_principal" "test" {\n name = "deployer2"\n type = "user"\n}',
        import_id=lambda s: s["id"],
        admin=lambda s: f"/principals/{s['name']}",
    ),
    "local_organization_accepter": Case(
        "lattice_local_organization_accepter.test",
        create=INVITING_ORGS + 'resource "lattice_local_organization_accepter" "test" {\n'
                               ' organization_id = lattice_local_organization.first.id\n}',
        update=None,
        replace=INVITING_ORGS + 'resource "lattice_local_organization_accepter" "test" {\n'
                                ' organization_id = lattice_local_organization.second.id\n}',
        import_id=lambda s: s["id"],
        check=lambda b, s: _member_of(b, s["id"]),
        remove=lambda b, s: admin(b, "POST", f"/organizations/{s['id']}/leave", {}),
    ),
    "local_organization": Case(
        "lattice_local_organization.test",
        create='resource "lattice_local_organization" "test" {\n accounts = { "111111111111" = "prod" }\n}',
        update='resource "lattice_local_organization" "test" {\n'
               ' accounts = { "111111111111" = "prod", "222222222222" = "dev/web" }\n}',
        replace=None,
        import_id=lambda s: s["id"],
        admin=lambda s: f"/organizations/{s['id']}",
    ),
}


def _member_of(backend, org_id):
    try:
        return admin(backend, "GET", "/organization")["id"] == org_id
    except urllib.error.HTTPError:
        return False


def _exists(call):
    try:
        call()
        return True
    except botocore.exceptions.ClientError:
        return False


CASES = {
    "service_network": Case(
        "lattice_service_network.test",
        create='resource "lattice_service_network" "test" {\n name = "acc-net"\n tags = { env = "one" }\n}',
        update='resource "lattice_service_network" "test" {\n name = "acc-net"\n auth_type = "AWS_IAM"\n tags = { env = "two" }\n}',
        replace='resource "lattice_service_network" "test" {\n name = "acc-net-renamed"\n auth_type = "AWS_IAM"\n}',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_service_network(serviceNetworkIdentifier=s["id"]),
        delete=lambda c, s: c.delete_service_network(serviceNetworkIdentifier=s["id"]),
    ),
    "service": Case(
        "lattice_service.test",
        create='resource "lattice_service" "test" {\n name = "acc-svc"\n}',
        update='resource "lattice_service" "test" {\n name = "acc-svc"\n auth_type = "AWS_IAM"\n idle_timeout_seconds = 120\n tags = { team = "a" }\n}',
        replace='resource "lattice_service" "test" {\n name = "acc-svc"\n auth_type = "AWS_IAM"\n custom_domain_name = "app.example.com"\n}',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_service(serviceIdentifier=s["id"]),
        delete=lambda c, s: c.delete_service(serviceIdentifier=s["id"]),
    ),
    "target_group": Case(
        "lattice_target_group.test",
        create=f'''resource "lattice_target_group" "test" {{
  name = "acc-tg"
  type = "IP"
  config {{
    port = 80
    protocol = "HTTP"
    vpc_identifier = "{VPC}"
    health_check {{
      path = "/health"
      matcher {{ value = "200" }}
    }}
  }}
}}''',
        update=f'''resource "lattice_target_group" "test" {{
  name = "acc-tg"
  type = "IP"
  config {{
    port = 80
    protocol = "HTTP"
    vpc_identifier = "{VPC}"
    health_check {{
      path = "/ready"
      health_check_interval_seconds = 10
      matcher {{ value = "200-299" }}
    }}
  }}
}}''',
        replace=f'''resource "lattice_target_group" "test" {{
  name = "acc-tg"
  type = "IP"
  config {{
    port = 9090
    protocol = "HTTP"
    vpc_identifier = "{VPC}"
  }}
}}''',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_target_group(targetGroupIdentifier=s["id"]),
        delete=lambda c, s: c.delete_target_group(targetGroupIdentifier=s["id"]),
    ),
    "target_group_attachment": Case(
        "lattice_target_group_attachment.test",
        create='resource "lattice_target_group_attachment" "test" {\n target_group_identifier = lattice_target_group.base.id\n target {\n id = "127.0.0.1"\n }\n}',
        update=None,
        replace='resource "lattice_target_group_attachment" "test" {\n target_group_identifier = lattice_target_group.base.id\n target {\n id = "127.0.0.1"\n port = 9000\n }\n}',
        import_id=None,
        get=lambda c, s: _target(c, s),
        delete=lambda c, s: c.deregister_targets(
            targetGroupIdentifier=s["target_group_identifier"],
            targets=[{"id": s["target"][0]["id"], "port": s["target"][0]["port"]}]),
    ),
    "listener": Case(
        "lattice_listener.test",
        create='resource "lattice_listener" "test" {\n name = "web"\n protocol = "HTTP"\n service_identifier = lattice_service.base.id\n'
               ' default_action {\n fixed_response {\n status_code = 404\n }\n }\n}',
        update='resource "lattice_listener" "test" {\n name = "web"\n protocol = "HTTP"\n service_identifier = lattice_service.base.id\n'
               ' default_action {\n forward {\n target_groups {\n target_group_identifier = lattice_target_group.base.arn\n weight = 5\n }\n }\n }\n}',
        replace='resource "lattice_listener" "test" {\n name = "web"\n protocol = "HTTP"\n port = 8080\n service_identifier = lattice_service.base.id\n'
                ' default_action {\n fixed_response {\n status_code = 503\n }\n }\n}',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_listener(serviceIdentifier=s["service_identifier"], listenerIdentifier=s["listener_id"]),
        delete=lambda c, s: c.delete_listener(serviceIdentifier=s["service_identifier"], listenerIdentifier=s["listener_id"]),
    ),
    "service_network_service_association": Case(
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
    ),
    "service_network_vpc_association": Case(
        "lattice_service_network_vpc_association.test",
        create=f'resource "lattice_service_network_vpc_association" "test" {{\n vpc_identifier = "{VPC2}"\n'
               ' service_network_identifier = lattice_service_network.base.id\n security_group_ids = ["sg-12345678"]\n}',
        update=f'resource "lattice_service_network_vpc_association" "test" {{\n vpc_identifier = "{VPC2}"\n'
               ' service_network_identifier = lattice_service_network.base.id\n security_group_ids = ["sg-12345678", "sg-87654321"]\n'
               ' private_dns_enabled = true\n dns_options {\n private_dns_preference = "SPECIFIED_DOMAINS_ONLY"\n'
               ' private_dns_specified_domains = ["*.example.com"]\n }\n}',
        replace=f'resource "lattice_service_network_vpc_association" "test" {{\n vpc_identifier = "{VPC2}"\n'
                ' service_network_identifier = lattice_service_network.other.id\n security_group_ids = ["sg-12345678"]\n}',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_service_network_vpc_association(serviceNetworkVpcAssociationIdentifier=s["id"]),
        delete=lambda c, s: c.delete_service_network_vpc_association(serviceNetworkVpcAssociationIdentifier=s["id"]),
    ),
        "listener_rule": Case(
        "lattice_listener_rule.test",
        create=LISTENER + '''resource "lattice_listener_rule" "test" {
  name = "api"
  priority = 10
  service_identifier = lattice_service.base.id
  listener_identifier = lattice_listener.l.listener_id
  match {
    http_match {
      path_match {
        match { prefix = "/api" }
      }
    }
  }
  action {
    forward {
      target_groups { target_group_identifier = lattice_target_group.base.id }
    }
  }
}''',
        update=LISTENER + '''resource "lattice_listener_rule" "test" {
  name = "api"
  priority = 20
  service_identifier = lattice_service.base.id
  listener_identifier = lattice_listener.l.listener_id
  match {
    http_match {
      method = "POST"
      header_matches {
        name = "x-tenant"
        match { exact = "blue" }
      }
      path_match {
        case_sensitive = true
        match { exact = "/api/orders" }
      }
    }
  }
  action {
    fixed_response { status_code = 418 }
  }
}''',
        replace=LISTENER + '''resource "lattice_listener_rule" "test" {
  name = "api-v2"
  priority = 20
  service_identifier = lattice_service.base.id
  listener_identifier = lattice_listener.l.listener_id
  match {
    http_match { method = "GET" }
  }
  action {
    fixed_response { status_code = 418 }
  }
}''',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_rule(**_rule_ids(s)),
        delete=lambda c, s: c.delete_rule(**_rule_ids(s)),
    ),
    "auth_policy": Case(
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
        get=lambda c, s: c.get_auth_policy(resourceIdentifier=s["id"]),
        delete=lambda c, s: c.delete_auth_policy(resourceIdentifier=s["id"]),
    ),
    "resource_policy": Case(
        "lattice_resource_policy.test",
        create='resource "lattice_resource_policy" "test" {\n resource_arn = lattice_service_network.base.arn\n'
               ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",'
               ' Principal = { AWS = "111122223333" }, Action = "vpc-lattice:CreateServiceNetworkVpcAssociation",'
               ' Resource = lattice_service_network.base.arn }] })\n}',
        update='resource "lattice_resource_policy" "test" {\n resource_arn = lattice_service_network.base.arn\n'
               ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",'
               ' Principal = { AWS = "111122223333" }, Action = "vpc-lattice:GetServiceNetwork",'
               ' Resource = lattice_service_network.base.arn }] })\n}',
        replace='resource "lattice_resource_policy" "test" {\n resource_arn = lattice_service_network.other.arn\n'
                ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",'
                ' Principal = { AWS = "111122223333" }, Action = "vpc-lattice:GetServiceNetwork",'
                ' Resource = lattice_service_network.other.arn }] })\n}',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_resource_policy(resourceArn=s["id"]),
        delete=lambda c, s: c.delete_resource_policy(resourceArn=s["id"]),
    ),
    "access_log_subscription": Case(
        "lattice_access_log_subscription.test",
        create='resource "lattice_access_log_subscription" "test" {\n resource_identifier = lattice_service_network.base.id\n'
               ' destination_arn = "arn:aws:logs:us-east-1:000000000000:log-group:lattice"\n}',
        update='resource "lattice_access_log_subscription" "test" {\n resource_identifier = lattice_service_network.base.id\n'
               ' destination_arn = "arn:aws:logs:us-east-1:000000000000:log-group:lattice"\n tags = { team = "net" }\n}',
        replace='resource "lattice_access_log_subscription" "test" {\n resource_identifier = lattice_service_network.base.id\n'
                ' destination_arn = "arn:aws:s3:::lattice-logs"\n tags = { team = "net" }\n}',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_access_log_subscription(accessLogSubscriptionIdentifier=s["id"]),
        delete=lambda c, s: c.delete_access_log_subscription(accessLogSubscriptionIdentifier=s["id"]),
    ),
        "resource_gateway": Case(
        "lattice_resource_gateway.test",
        create='resource "lattice_resource_gateway" "test" {\n name = "acc-rgw"\n vpc_id = "vpc-0a1b2c3d4e5f60718"\n'
               ' subnet_ids = ["subnet-0123456789abcdef0"]\n}',
        update='resource "lattice_resource_gateway" "test" {\n name = "acc-rgw"\n vpc_id = "vpc-0a1b2c3d4e5f60718"\n'
               ' subnet_ids = ["subnet-0123456789abcdef0"]\n security_group_ids = ["sg-12345678"]\n tags = { a = "b" }\n}',
        replace='resource "lattice_resource_gateway" "test" {\n name = "acc-rgw-2"\n vpc_id = "vpc-0a1b2c3d4e5f60718"\n'
                ' subnet_ids = ["subnet-0123456789abcdef0"]\n security_group_ids = ["sg-12345678"]\n'
                ' timeouts {\n create = "5m"\n }\n}',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_resource_gateway(resourceGatewayIdentifier=s["id"]),
        delete=lambda c, s: c.delete_resource_gateway(resourceGatewayIdentifier=s["id"]),
    ),
    "resource_configuration": Case(
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
    ),
    "service_network_resource_association": Case(
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
    ),
    "domain_verification": Case(
        "lattice_domain_verification.test",
        create='resource "lattice_domain_verification" "test" {\n domain_name = "example.com"\n}',
        update='resource "lattice_domain_verification" "test" {\n domain_name = "example.com"\n tags = { owner = "net" }\n}',
        replace='resource "lattice_domain_verification" "test" {\n domain_name = "example.org"\n tags = { owner = "net" }\n}',
        import_id=lambda s: s["id"],
        get=lambda c, s: c.get_domain_verification(domainVerificationIdentifier=s["id"]),
        delete=lambda c, s: c.delete_domain_verification(domainVerificationIdentifier=s["id"]),
    ),
    "local_dns_zone": Case(
        "lattice_local_dns_zone.test",
        create=f'resource "lattice_local_dns_zone" "test" {{\n name = "example.internal"\n vpc {{\n vpc_id = "{VPC}"\n }}\n}}',
        update=f'resource "lattice_local_dns_zone" "test" {{\n name = "example.internal"\n comment = "shared names"\n'
               f' vpc {{\n vpc_id = "{VPC}"\n }}\n vpc {{\n vpc_id = "{VPC2}"\n }}\n tags = {{ a = "b" }}\n}}',
        replace=f'resource "lattice_local_dns_zone" "test" {{\n name = "corp.internal"\n vpc {{\n vpc_id = "{VPC}"\n }}\n}}',
        import_id=lambda s: s["id"],
        admin=lambda s: f"/dnszones/{s['id']}",
    ),
    "local_dns_record": Case(
        "lattice_local_dns_record.test",
        create=ZONE + 'resource "lattice_local_dns_record" "test" {\n zone_id = lattice_local_dns_zone.z.zone_id\n'
               ' name = "db.example.internal"\n type = "A"\n records = ["127.0.0.5"]\n}',
        update=ZONE + 'resource "lattice_local_dns_record" "test" {\n zone_id = lattice_local_dns_zone.z.zone_id\n'
               ' name = "db.example.internal"\n type = "A"\n ttl = 60\n records = ["127.0.0.5", "127.0.0.6"]\n}',
        replace=ZONE + 'resource "lattice_local_dns_record" "test" {\n zone_id = lattice_local_dns_zone.z.zone_id\n'
                ' name = "app.example.internal."\n type = "CNAME"\n records = ["db.example.internal."]\n}',
        import_id=lambda s: s["id"],
        admin=lambda s: f"/dnsrecords/{s['id']}",
        ignore={"name"},
    ),
    "local_instance": Case(
        "lattice_local_instance.test",
        create='resource "lattice_local_instance" "test" {\n ip_address = "127.0.0.7"\n}',
        update='resource "lattice_local_instance" "test" {\n ip_address = "127.0.0.8"\n tags = { role = "web" }\n'
               ' resource_arns = ["arn:aws:rds:us-east-1:000000000000:db:orders"]\n}',
        replace='resource "lattice_local_instance" "test" {\n instance_id = "i-0123456789abcdef0"\n ip_address = "127.0.0.8"\n}',
        import_id=lambda s: s["id"],
        admin=lambda s: f"/instances/{s['id']}",
    ),
    "local_function": Case(
        "lattice_local_function.test",
        create='resource "lattice_local_function" "test" {\n function_name = "orders"\n url = "http://127.0.0.1:9000/invoke"\n}',
        update='resource "lattice_local_function" "test" {\n function_name = "orders"\n command = ["python3", "orders.py"]\n}',
        replace='resource "lattice_local_function" "test" {\n function_name = "orders-v2"\n command = ["python3", "orders.py"]\n}',
        import_id=lambda s: s["id"],
        admin=lambda s: f"/functions/{s['id']}",
    ),
    "local_certificate": Case(
        "lattice_local_certificate.test",
        create='resource "lattice_local_certificate" "test" {\n domain_name = "app.example.com"\n}',
        update='resource "lattice_local_certificate" "test" {\n domain_name = "app.example.com"\n tags = { a = "b" }\n}',
        replace='resource "lattice_local_certificate" "test" {\n domain_name = "api.example.com"\n'
                ' subject_alternative_names = ["api.example.com", "www.example.com"]\n}',
        import_id=lambda s: s["id"],
        admin=lambda s: f"/certificates/{s['id'].rsplit('/', 1)[1]}",
    ),
    "local_vpc": Case(
        "lattice_local_vpc.test",
        create='resource "lattice_local_vpc" "test" {\n tags = { Name = "one" }\n}',
        update='resource "lattice_local_vpc" "test" {\n tags = { Name = "two" }\n}',
        replace='resource "lattice_local_vpc" "test" {\n vpc_id = "vpc-00000000000000abc"\n tags = { Name = "two" }\n}',
                import_id=lambda s: s["id"],
        admin=lambda s: f"/vpcs/{s['id']}",
    ),
    "local_security_group": Case(
        "lattice_local_security_group.test",
        create=f'resource "lattice_local_security_group" "test" {{\n name = "web"\n vpc_id = "{VPC}"\n'
               ' ingress {\n from_port = 80\n to_port = 80\n protocol = "tcp"\n cidr_blocks = ["127.77.0.0/16"]\n }\n'
               ' egress {\n from_port = 6379\n to_port = 6379\n protocol = "tcp"\n cidr_blocks = ["127.0.0.1/32"]\n }\n}',
        update=f'resource "lattice_local_security_group" "test" {{\n name = "web"\n vpc_id = "{VPC}"\n'
               ' ingress {\n from_port = 80\n to_port = 443\n protocol = "TCP"\n cidr_blocks = ["127.0.0.1/32"]\n'
               ' description = "host"\n }\n ingress {\n from_port = 0\n to_port = 0\n protocol = "-1"\n'
               ' ipv6_cidr_blocks = ["::1/128"]\n }\n egress {\n from_port = 5432\n to_port = 5433\n protocol = "6"\n'
               ' cidr_blocks = ["127.0.0.0/8"]\n description = "databases"\n }\n tags = { tier = "web" }\n}',
        replace=f'resource "lattice_local_security_group" "test" {{\n name = "web-2"\n vpc_id = "{VPC}"\n}}',
        import_id=lambda s: s["id"],
        admin=lambda s: f"/securitygroups/{s['id']}",
    ),
    **RAM_CASES,
    "vpc_endpoint": Case(
        "lattice_vpc_endpoint.test",
        create=f'resource "lattice_vpc_endpoint" "test" {{\n vpc_id = "{VPC2}"\n vpc_endpoint_type = "ServiceNetwork"\n'
               ' service_network_arn = lattice_service_network.base.arn\n subnet_ids = ["subnet-0123456789abcdef0"]\n}',
        update=f'resource "lattice_vpc_endpoint" "test" {{\n vpc_id = "{VPC2}"\n vpc_endpoint_type = "ServiceNetwork"\n'
               ' service_network_arn = lattice_service_network.base.arn\n subnet_ids = ["subnet-0123456789abcdef0"]\n'
               ' security_group_ids = ["sg-12345678"]\n tags = { a = "b" }\n}',
        replace=f'resource "lattice_vpc_endpoint" "test" {{\n vpc_id = "{VPC2}"\n vpc_endpoint_type = "ServiceNetwork"\n'
                ' service_network_arn = lattice_service_network.other.arn\n subnet_ids = ["subnet-0123456789abcdef0"]\n'
                ' security_group_ids = ["sg-12345678"]\n}',
        import_id=lambda s: s["id"],
        admin=lambda s: f"/vpcendpoints/{s['id']}",
    ),
}


def _rule_ids(state):
    svc, listener, rule = state["id"].split("/")
    return {"serviceIdentifier": svc, "listenerIdentifier": listener, "ruleIdentifier": rule}


def _target(c, s):
    items = c.list_targets(targetGroupIdentifier=s["target_group_identifier"],
                           targets=[{"id": s["target"][0]["id"], "port": s["target"][0]["port"]}])["items"]
    if not items:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ResourceNotFoundException", "Message": "target not registered"}}, "ListTargets")
    return items


def admin_call(backend, method, path):
    req = admin_request(backend.endpoint, method, path)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def exists(backend, case, state):
    if case.check:
        return case.check(backend, state)
    if case.admin:
        return admin_call(backend, "GET", case.admin(state)) == 200
    try:
        case.get(backend.client(), state)
        return True
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFoundException", e
        return False


def delete_out_of_band(backend, case, state):
    if case.remove:
        case.remove(backend, state)
    elif case.admin:
        assert admin_call(backend, "DELETE", case.admin(state)) == 204
    else:
        case.delete(backend.client(), state)


@pytest.mark.parametrize("name", list(CASES))
def test_resource_lifecycle(name, backend, tf_factory):
    case = CASES[name]
    tf = tf_factory()

    # Create, then nothing left to do.
    tf.write(BASE + case.create)
    tf.apply()
    tf.assert_empty_plan()
    created = tf.state()[case.address]
    assert exists(backend, case, created)

    # Import into a fresh state entry and verify it matches what apply stored.
    if case.import_id:
        tf.run("state", "rm", case.address)
        tf.import_(case.address, case.import_id(created))
        imported = tf.state()[case.address]
        differing = {k for k in created if created[k] != imported.get(k)} - case.ignore
        assert not differing, {k: (created[k], imported.get(k)) for k in differing}
        tf.assert_empty_plan()

    # Update in place keeps the id.
    if case.update:
        tf.write(BASE + case.update)
        tf.apply()
        tf.assert_empty_plan()
        updated = tf.state()[case.address]
        assert updated["id"] == created["id"], "an in-place update must not replace the object"
        assert updated != created

    # A ForceNew change replaces the object, and the old one is gone.
    replaced = tf.state()[case.address]
    if case.replace:
        tf.write(BASE + case.replace)
        out = tf.apply().stdout
        assert "1 added" in out and f"{case.destroyed} destroyed" in out, out
        replaced = tf.state()[case.address]
        assert replaced["id"] != created["id"]
        assert not exists(backend, case, created)
        tf.assert_empty_plan()

    # Deleted behind Terraform's back: the plan wants to create it again, without error.
    delete_out_of_band(backend, case, replaced)
    code, out = tf.plan_exitcode()
    assert code == 2 and "will be created" in out, out

    # Re-create, destroy, and check through the API.
    tf.apply()
    final = tf.state()[case.address]
    tf.destroy()
    assert not exists(backend, case, final)


def test_data_sources_read_what_resources_created(backend, tf_factory):
    tf = tf_factory()
    tf.write(BASE + """
data "lattice_service_network" "by_id" {
  service_network_identifier = lattice_service_network.base.id
  depends_on = [lattice_service_network_service_association.a]
}
data "lattice_service" "by_name" {
  name = lattice_service.base.name
}
data "lattice_service" "by_arn" {
  service_identifier = lattice_service.other.arn
}
resource "lattice_service_network_service_association" "a" {
  service_identifier = lattice_service.base.id
  service_network_identifier = lattice_service_network.base.id
}
data "lattice_service_network_service_associations" "of_net" {
  service_network_identifier = lattice_service_network.base.id
  depends_on = [lattice_service_network_service_association.a]
}
output "assocs" { value = data.lattice_service_network_service_associations.of_net.associations }
output "sn" { value = data.lattice_service_network.by_id }
output "by_name" { value = data.lattice_service.by_name }
output "by_arn" { value = data.lattice_service.by_arn }
""")
    tf.apply()
    state = tf.state()
    sn = json.loads(tf.run("output", "-json", "sn").stdout)
    assert sn["name"] == "acc-base-net" and sn["arn"] == state["lattice_service_network.base"]["arn"]
    assert sn["number_of_associated_services"] == 1
    assocs = json.loads(tf.run("output", "-json", "assocs").stdout)
    assert [(a["service_name"], a["service_network_name"], a["status"]) for a in assocs] == [("acc-base-svc", "acc-base-net", "ACTIVE")]
    assert assocs[0]["dns_entry"] == state["lattice_service.base"]["dns_entry"]
    by_name = json.loads(tf.run("output", "-json", "by_name").stdout)
    assert by_name["id"] == state["lattice_service.base"]["id"]
    assert by_name["dns_entry"] == state["lattice_service.base"]["dns_entry"]
    by_arn = json.loads(tf.run("output", "-json", "by_arn").stdout)
    assert by_arn["name"] == "acc-other-svc"
    tf.assert_empty_plan()
    tf.destroy()


def test_invalid_input_is_rejected_at_plan_time_with_its_path(backend, tf_factory):
    tf = tf_factory()
    tf.write('resource "lattice_service" "bad" {\n  name = "Bad_Name"\n}\n'
             'resource "lattice_target_group" "bad" {\n name = "acc-tg"\n type = "IP"\n config {\n'
             '  port = 70000\n  protocol = "HTTP"\n  vpc_identifier = "vpc-12345678"\n }\n}\n')
    p = tf.run("plan", "-input=false", check=False)
    assert p.returncode == 1
    assert "Invalid name" in p.stderr and 'resource "lattice_service" "bad"' in p.stderr
    assert "Invalid port" in p.stderr and "70000" in p.stderr
    assert backend.client().list_services()["items"] == []


def test_api_conflict_surfaces_as_a_terraform_error_and_stores_nothing(backend, tf_factory):
    backend.client().create_service(name="taken")
    tf = tf_factory()
    tf.write('resource "lattice_service" "dup" {\n  name = "taken"\n}\n')
    p = tf.run("apply", "-auto-approve", "-input=false", check=False)
    assert p.returncode == 1
    assert "Error: creating VPC Lattice Service (taken)" in p.stderr
    assert "ConflictException: A service named 'taken' already exists" in p.stderr
    assert len(backend.client().list_services()["items"]) == 1
    assert tf.state() == {}


def test_quota_breach_is_a_clear_terraform_error_and_stores_nothing(backend, tf_factory):
    tf = tf_factory()
    rules = "".join(
        f'resource "lattice_listener_rule" "r{i}" {{\n name = "rule{i:02d}"\n priority = {i + 1}\n'
        ' service_identifier = lattice_service.base.id\n listener_identifier = lattice_listener.l.listener_id\n'
        ' match {\n http_match { method = "GET" }\n }\n action {\n fixed_response { status_code = 200 }\n }\n}\n'
        for i in range(11))
    tf.write(BASE + LISTENER + rules)
    p = tf.run("apply", "-auto-approve", "-input=false", "-parallelism=1", check=False)
    assert p.returncode == 1
    assert "Error: creating VPC Lattice Listener Rule" in p.stderr and "ServiceQuotaExceededException" in p.stderr
    svc = tf.state()["lattice_service.base"]["id"]
    listener = tf.state()["lattice_listener.l"]["listener_id"]
    listed = backend.client().list_rules(serviceIdentifier=svc, listenerIdentifier=listener)["items"]
    assert len(listed) == 10
    assert sum(1 for k in tf.state() if k.startswith("lattice_listener_rule.")) == 10


def test_conflicting_delete_is_a_clear_terraform_error_and_changes_nothing(backend, tf_factory):
    tf = tf_factory()
    tf.write('resource "lattice_service_network" "net" {\n  name = "held-net"\n}\n')
    tf.apply()
    sn = tf.state()["lattice_service_network.net"]["id"]
    c = backend.client()
    svc = c.create_service(name="outside-terraform")
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)
    p = tf.run("destroy", "-auto-approve", "-input=false", check=False)
    assert p.returncode == 1
    assert "Error: deleting VPC Lattice Service Network" in p.stderr and "ConflictException" in p.stderr
    assert c.get_service_network(serviceNetworkIdentifier=sn)["numberOfAssociatedServices"] == 1
    assert "lattice_service_network.net" in tf.state()
