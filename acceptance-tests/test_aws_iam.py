"""IAM through the real hashicorp/aws provider, unmodified, against the backend: roles with
trust policies, inline and managed policies and their attachments, users with access keys,
instance profiles, the data sources — apply, an empty re-plan, updates in place, a
replacement, import round trips, an out-of-band deletion, destroy verified through the API.
And what IAM decides: a request signed with the access key of a user whose policy allows
invoking the service gets through Lattice's AWS_IAM auth; a user without one is refused with
Lattice's 403; the role, assumed through STS, gets through with its session keys."""

import json
import shutil

import botocore.exceptions
import pytest

from conftest import ROOT
from helpers import send
from test_aws_provider import import_round_trip

MODULE = ROOT / "acceptance-tests" / "aws" / "iam.tf"


def test_iam_through_hashicorp_aws_decides_lattice_auth(backend, echo, aws_tf_factory):
    tf = aws_tf_factory("iam")
    shutil.copy(MODULE, tf.dir / "main.tf")
    port = [f"-var=target_port={echo.port}"]
    tf.init()
    tf.apply(*port)
    tf.assert_empty_plan(*port)
    state = tf.state()
    assert tf.output("role_arn") == "arn:aws:iam::000000000000:role/api-caller"
    assert tf.output("role_id").startswith("AROA")
    assert json.loads(tf.output("managed_policy"))["Statement"][0]["Action"][0] == "vpc-lattice-svcs:Invoke"
    assert state["aws_iam_role.caller"]["tags"] == {"team": "web"}

    # Lattice auth: the identity policy of whoever signed decides with the auth policy.
    vpc = backend.vpc_info(tf.output("vpc_id"))
    service, address = tf.output("service_name"), vpc["serviceNetworkAddress"]
    ci = (tf.output("ci_key"), tf.output("ci_secret"))
    status, body = send(address, service, "GET", "/orders", creds=ci)
    assert status == 200 and "hello from the echo target" in body, (status, body)
    status, body = send(address, service, "GET", "/orders", creds=(tf.output("intruder_key"), tf.output("intruder_secret")))
    assert status == 403 and "AccessDeniedException" in body, (status, body)
    assert send(address, service, "GET", "/orders")[0] == 403, "unsigned"
    # The role, assumed through STS (its trust policy names the account), gets through too.
    creds = backend.client("sts").assume_role(RoleArn=tf.output("role_arn"), RoleSessionName="test")["Credentials"]
    assert send(address, service, "GET", "/x", creds=(creds["AccessKeyId"], creds["SecretAccessKey"]))[0] == 200
    other = backend.client("sts", access_key="222222222222")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        other.assume_role(RoleArn=tf.output("role_arn"), RoleSessionName="test")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    # The key signs the AWS APIs as its user, too.
    iam_as_ci = backend.client("iam", access_key=ci[0])
    iam_as_ci._request_signer._credentials.secret_key = ci[1]
    assert iam_as_ci.get_user()["User"]["UserName"] == "ci"

    # Update in place: same ids.
    role_id, policy_id = state["aws_iam_role.caller"]["unique_id"], state["aws_iam_policy.invoke"]["policy_id"]
    tf.apply(*port, "-var=role_description=calls the api, v2")
    after = tf.state()
    assert after["aws_iam_role.caller"]["unique_id"] == role_id
    assert backend.client("iam").get_role(RoleName="api-caller")["Role"]["Description"] == "calls the api, v2"
    # Replacement: a policy's path is ForceNew.
    tf.apply(*port, "-var=policy_path=/lattice/")
    replaced = tf.state()["aws_iam_policy.invoke"]
    assert replaced["policy_id"] != policy_id and replaced["arn"].endswith(":policy/lattice/invoke-api")
    assert send(address, service, "GET", "/orders", creds=ci)[0] == 200
    tf.apply(*port)
    # The role's computed `managed_policy_arns` was read before the attachment was replaced.
    tf.apply(*port, "-refresh-only")

    # Import round trips.
    state = tf.state()
    imported = {
        "aws_iam_role.caller": "api-caller",
        "aws_iam_policy.invoke": state["aws_iam_policy.invoke"]["arn"],
        "aws_iam_role_policy_attachment.caller": f"api-caller/{state['aws_iam_policy.invoke']['arn']}",
        "aws_iam_role_policy.extra": "api-caller:read-only-extra",
        "aws_iam_user.ci": "ci",
        "aws_iam_user_policy.ci": "ci:invoke",
        "aws_iam_instance_profile.caller": "api-caller",
        "aws_iam_user_policy_attachment.reader": "reader/arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess",
    }
    # Attachments made by the provider get a generated id; imported ones, their import id.
    generated = {("aws_iam_role_policy_attachment.caller", "id"), ("aws_iam_user_policy_attachment.reader", "id")}
    import_round_trip(tf, imported, port, ignored=generated)

    # Out of band: the user's inline policy is deleted; the next plan puts it back.
    backend.client("iam").delete_user_policy(UserName="ci", PolicyName="invoke")
    assert send(address, service, "GET", "/orders", creds=ci)[0] == 403, "no identity policy allows it any more"
    code, plan = tf.plan_exitcode(*port)
    assert code == 2 and "aws_iam_user_policy.ci will be created" in plan, plan
    tf.apply(*port)
    assert send(address, service, "GET", "/orders", creds=ci)[0] == 200

    tf.destroy(*port)
    iam = backend.client("iam")
    assert iam.list_roles()["Roles"] == [] and iam.list_users()["Users"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert backend.client("ec2").describe_vpcs()["Vpcs"] == []
