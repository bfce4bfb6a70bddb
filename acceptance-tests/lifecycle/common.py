"""What the resource-lifecycle scenarios share: the base configuration every scenario applies
beside its resource, other HCL pieces, the `Case` type and the helpers cases call."""

import urllib.error

import botocore.exceptions
import pytest

from conftest import admin

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


def policy_or_gone(answer):
    """A Get*Policy answer without a policy (AWS answers 200 with none) means the policy is gone."""
    if "policy" not in answer:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ResourceNotFoundException", "Message": "no policy"}}, "GetPolicy")
    return answer


class Case:
    """One resource type's scenario. Objects of the admin API give `admin` (state → path) instead
    of boto3 `get`/`delete` calls; others give `check(backend, state) -> bool` and
    `remove(backend, state)`. `replace` is None for types without a ForceNew argument."""

    def __init__(self, address, create, update, replace, import_id, get=None, delete=None, admin=None, ignore=(),
                 check=None, remove=None, destroyed=1):
        self.address, self.create, self.update, self.replace = address, create, update, replace
        self.import_id, self.get, self.delete, self.admin, self.ignore = import_id, get, delete, admin, set(ignore)
        self.check, self.remove, self.destroyed = check, remove, destroyed


OWNER = "111111111111"


OWNER_PROVIDER = f'provider "lattice" {{\n alias = "owner"\n access_key = "{OWNER}"\n}}\n'


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


def member_of(backend, org_id):
    try:
        return admin(backend, "GET", "/organization")["id"] == org_id
    except urllib.error.HTTPError:
        return False


def exists_via(call):
    try:
        call()
        return True
    except botocore.exceptions.ClientError:
        return False


def rule_ids(state):
    svc, listener, rule = state["id"].split("/")
    return {"serviceIdentifier": svc, "listenerIdentifier": listener, "ruleIdentifier": rule}


def registered_target(c, s):
    items = c.list_targets(targetGroupIdentifier=s["target_group_identifier"],
                           targets=[{"id": s["target"][0]["id"], "port": s["target"][0]["port"]}])["items"]
    if not items:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ResourceNotFoundException", "Message": "target not registered"}}, "ListTargets")
    return items
