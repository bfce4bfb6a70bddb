"""Organizations through the real hashicorp/aws provider against the backend: an
organization with an OU and an account created in it, RAM's trusted access
(`aws_ram_sharing_with_organization`), a service network shared with the organization, and an
auth policy that admits callers by `aws:PrincipalOrgID` — the created account's IAM user gets
through, an account outside the organization is refused. Apply, empty re-plan, update in place,
import round trips, destroy verified through the APIs."""

import shutil

from conftest import ROOT
from helpers import send
from test_aws_provider import import_round_trip

MODULE = ROOT / "acceptance-tests" / "aws" / "organizations.tf"


def user_keys(backend, account, name):
    """An IAM user of `account` with an access key (made through IAM, signed as the account)."""
    iam = backend.client("iam", access_key=account)
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="invoke", PolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"vpc-lattice-svcs:Invoke","Resource":"*"}]}'))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_an_organization_through_hashicorp_aws(backend, echo, aws_tf_factory):
    tf = aws_tf_factory("organizations")
    shutil.copy(MODULE, tf.dir / "main.tf")
    port = [f"-var=target_port={echo.port}"]
    tf.init()
    tf.apply(*port)
    tf.assert_empty_plan(*port)
    org_id, web = tf.output("org_id"), tf.output("web_account")
    assert org_id.startswith("o-") and len(web) == 12 and tf.output("accounts") == "2"
    orgs = backend.client("organizations")
    assert orgs.describe_organization()["Organization"]["Id"] == org_id
    principals = [p["ServicePrincipal"] for p in orgs.list_aws_service_access_for_organization()["EnabledServicePrincipals"]]
    assert principals == ["ram.amazonaws.com"]
    assert orgs.list_parents(ChildId=web)["Parents"][0]["Id"] == tf.output("ou_id")

    # The created account is a member: the organization's share reaches it without an invitation.
    as_web = backend.client(access_key=web)
    assert [n["arn"] for n in as_web.list_service_networks()["items"]] == [tf.output("network_arn")]
    assert backend.client(access_key="999999999999").list_service_networks()["items"] == []

    # aws:PrincipalOrgID: a user of the member account gets through, an outsider's is refused.
    vpc = backend.vpc_info(tf.output("vpc_id"))
    service, address = tf.output("service_name"), vpc["serviceNetworkAddress"]
    status, body = send(address, service, "GET", "/", creds=user_keys(backend, web, "caller"))
    assert status == 200 and "hello from the echo target" in body, (status, body)
    status, body = send(address, service, "GET", "/", creds=user_keys(backend, "999999999999", "outsider"))
    assert status == 403, (status, body)

    # Update in place: the OU is renamed, same id.
    ou = tf.output("ou_id")
    tf.apply(*port, "-var=ou_name=production")
    assert tf.output("ou_id") == ou
    assert orgs.describe_organizational_unit(OrganizationalUnitId=ou)["OrganizationalUnit"]["Name"] == "production"
    tf.apply(*port)

    imported = {
        "aws_organizations_organization.org": org_id,
        "aws_organizations_organizational_unit.prod": ou,
        "aws_organizations_account.web": web,
        "aws_ram_sharing_with_organization.this": "000000000000",
    }
    # The account's `close_on_deletion`, `create_govcloud` and `govcloud_id` live only in configuration.
    ignored = {("aws_organizations_account.web", k) for k in ("close_on_deletion", "create_govcloud", "govcloud_id")}
    import_round_trip(tf, imported, port, ignored=ignored)

    # The users made outside Terraform go first: nothing else holds the accounts.
    for account, name in ((web, "caller"), ("999999999999", "outsider")):
        iam = backend.client("iam", access_key=account)
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        iam.delete_user_policy(UserName=name, PolicyName="invoke")
        iam.delete_user(UserName=name)
    tf.destroy(*port)
    assert backend.client("ram").get_resource_shares(resourceOwner="SELF", resourceShareStatus="ACTIVE")["resourceShares"] == []
    try:
        orgs.describe_organization()
        raise AssertionError("the organization is gone")
    except orgs.exceptions.AWSOrganizationsNotInUseException:
        pass
