"""AWS RAM on the wire: boto3's `ram` client drives every operation against the backend, with
three accounts — a shared-services owner (A), a member of its organization (B) and an outside
account (C) — and RAM's semantics: immediate sharing inside an organization with sharing
enabled, invitations outside it, refusals, permissions, and shares created from resource
policies."""

import json

import botocore.exceptions
import pytest

from conftest import admin

A, B, C = "111111111111", "222222222222", "333333333333"


def error(call):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call()
    return err.value.response["Error"]["Code"]


def associations(ram, share_arn, kind="PRINCIPAL"):
    got = ram.get_resource_share_associations(associationType=kind, resourceShareArns=[share_arn])
    return {a["associatedEntity"]: a for a in got["resourceShareAssociations"]}


@pytest.fixture
def accounts(backend):
    ram = {acct: backend.client("ram", access_key=acct) for acct in (A, B, C)}
    lattice = {acct: backend.client(access_key=acct) for acct in (A, B, C)}
    return ram, lattice


def test_shares_inside_the_organization_take_effect_at_once_and_outside_need_an_invitation(backend, accounts):
    ram, lattice = accounts
    sn = lattice[A].create_service_network(name="shared-net")
    svc = lattice[A].create_service(name="shared-svc")
    org = admin(backend, "POST", "/organizations", {"accounts": {B: "prod"}}, account=A)
    assert org["invited"] == [B], "B is invited, not a member, until it accepts"
    org = admin(backend, "POST", f"/organizations/{org['id']}/accept", {}, account=B)
    assert org["id"].startswith("o-") and org["orgPaths"][B].startswith(f"{org['id']}/r-")

    # Sharing with the organization needs it enabled, by the management account only.
    assert error(lambda: ram[B].enable_sharing_with_aws_organization()) == "OperationNotPermittedException"
    share = ram[A].create_resource_share(name="platform", resourceArns=[sn["arn"]], allowExternalPrincipals=False,
                                         tags=[{"key": "team", "value": "platform"}])["resourceShare"]
    arn = share["resourceShareArn"]
    assert arn.startswith(f"arn:aws:ram:us-east-1:{A}:resource-share/") and share["status"] == "ACTIVE"
    assert error(lambda: ram[A].associate_resource_share(resourceShareArn=arn, principals=[org["arn"]])) \
        == "OperationNotPermittedException"
    assert ram[A].enable_sharing_with_aws_organization()["returnValue"] is True

    # B is in the organization: associated at once, no invitation.
    answer = ram[A].associate_resource_share(resourceShareArn=arn, principals=[B])
    assert answer["resourceShareAssociations"][0]["status"] == "ASSOCIATING"
    assert associations(ram[A], arn)[B]["status"] == "ASSOCIATED"
    assert associations(ram[A], arn)[B]["external"] is False
    assert ram[B].get_resource_share_invitations()["resourceShareInvitations"] == []
    assert [s["name"] for s in ram[B].get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]] \
        == ["platform"]
    assert lattice[B].get_service_network(serviceNetworkIdentifier=sn["arn"])["name"] == "shared-net"

    # C is outside it: refused while the share allows no external principals...
    assert error(lambda: ram[A].associate_resource_share(resourceShareArn=arn, principals=[C])) \
        == "OperationNotPermittedException"
    assert C not in associations(ram[A], arn)
    ram[A].update_resource_share(resourceShareArn=arn, allowExternalPrincipals=True, name="platform-shared")
    # ...then invited: nothing is shared until C accepts.
    ram[A].associate_resource_share(resourceShareArn=arn, principals=[C], resourceArns=[svc["arn"]])
    assert associations(ram[A], arn)[C]["status"] == "ASSOCIATING"
    assert associations(ram[A], arn)[C]["external"] is True
    assert error(lambda: lattice[C].get_service_network(serviceNetworkIdentifier=sn["arn"])) \
        == "ResourceNotFoundException"
    invitation = ram[C].get_resource_share_invitations()["resourceShareInvitations"][0]
    assert invitation["status"] == "PENDING" and invitation["senderAccountId"] == A
    assert invitation["receiverAccountId"] == C and invitation["resourceShareName"] == "platform-shared"
    pending = ram[C].list_pending_invitation_resources(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    assert sorted(r["arn"] for r in pending["resources"]) == sorted([sn["arn"], svc["arn"]])
    assert ram[C].get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    accepted = ram[C].accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"])["resourceShareInvitation"]
    assert accepted["status"] == "ACCEPTED"
    assert error(lambda: ram[C].accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"])) \
        == "ResourceShareInvitationAlreadyAcceptedException"
    assert associations(ram[A], arn)[C]["status"] == "ASSOCIATED"
    assert lattice[C].get_service(serviceIdentifier=svc["arn"])["name"] == "shared-svc"
    # Shared objects show up in the consumer's lists, with the owner's ARNs.
    assert [s["arn"] for s in lattice[C].list_service_networks()["items"]] == [sn["arn"]]
    assert [s["arn"] for s in lattice[C].list_services()["items"]] == [svc["arn"]]

    # Listings from both sides.
    assert sorted(r["arn"] for r in ram[C].list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]) \
        == sorted([sn["arn"], svc["arn"]])
    assert [r["type"] for r in ram[A].list_resources(resourceOwner="SELF", resourceType="vpc-lattice:Service")
            ["resources"]] == ["vpc-lattice:Service"]
    assert [p["id"] for p in ram[C].list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"]] == [A]
    assert sorted(p["id"] for p in ram[A].list_principals(resourceOwner="SELF")["principals"]) == [B, C]
    assert {t["resourceType"] for t in ram[A].list_resource_types()["resourceTypes"]} \
        == {"vpc-lattice:ServiceNetwork", "vpc-lattice:Service", "vpc-lattice:ResourceConfiguration"}
    policy = json.loads(ram[A].get_resource_policies(resourceArns=[sn["arn"]])["policies"][0])
    assert f"arn:aws:iam::{B}:root" in policy["Statement"][0]["Principal"]["AWS"]
    assert error(lambda: ram[B].get_resource_policies(resourceArns=[sn["arn"]])) == "ResourceArnNotFoundException"

    # Tags, by owner only.
    ram[A].tag_resource(resourceShareArn=arn, tags=[{"key": "env", "value": "dev"}])
    ram[A].untag_resource(resourceShareArn=arn, tagKeys=["team"])
    tags = ram[A].get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"][0]["tags"]
    assert tags == [{"key": "env", "value": "dev"}]
    assert error(lambda: ram[B].tag_resource(resourceShareArn=arn, tags=[{"key": "x", "value": "y"}])) \
        == "UnknownResourceException"

    # A receiver leaves; the owner revokes the rest; then deletes the share.
    ram[C].disassociate_resource_share(resourceShareArn=arn, principals=[C])
    assert error(lambda: lattice[C].get_service(serviceIdentifier=svc["arn"])) == "ResourceNotFoundException"
    ram[A].disassociate_resource_share(resourceShareArn=arn, principals=[B], resourceArns=[svc["arn"]])
    assert error(lambda: lattice[B].get_service_network(serviceNetworkIdentifier=sn["arn"])) \
        == "ResourceNotFoundException"
    assert ram[A].delete_resource_share(resourceShareArn=arn)["returnValue"] is True
    assert ram[A].get_resource_shares(resourceOwner="SELF")["resourceShares"] == []
    assert error(lambda: ram[A].delete_resource_share(resourceShareArn=arn)) == "UnknownResourceException"


def test_rejected_invitations_and_sources(backend, accounts):
    ram, lattice = accounts
    svc = lattice[A].create_service(name="rejected-svc")
    share = ram[A].create_resource_share(name="offer", resourceArns=[svc["arn"]], principals=[C])["resourceShare"]
    invitation = ram[C].get_resource_share_invitations(resourceShareArns=[share["resourceShareArn"]])
    inv_arn = invitation["resourceShareInvitations"][0]["resourceShareInvitationArn"]
    assert error(lambda: ram[B].reject_resource_share_invitation(resourceShareInvitationArn=inv_arn)) \
        == "ResourceShareInvitationArnNotFoundException"
    assert ram[C].reject_resource_share_invitation(resourceShareInvitationArn=inv_arn)[
        "resourceShareInvitation"]["status"] == "REJECTED"
    assert error(lambda: ram[C].accept_resource_share_invitation(resourceShareInvitationArn=inv_arn)) \
        == "ResourceShareInvitationAlreadyRejectedException"
    assert C not in associations(ram[A], share["resourceShareArn"])
    assert error(lambda: lattice[C].get_service(serviceIdentifier=svc["arn"])) == "ResourceNotFoundException"

    # Lattice resources go to accounts, organizations and OUs; sources go with service principals.
    assert error(lambda: ram[A].associate_resource_share(
        resourceShareArn=share["resourceShareArn"], principals=[f"arn:aws:iam::{C}:role/app"])) \
        == "InvalidParameterException"
    other = ram[A].create_resource_share(name="for-a-service", principals=["elasticloadbalancing.amazonaws.com"],
                                         sources=[B])["resourceShare"]
    got = ram[A].list_source_associations(resourceShareArns=[other["resourceShareArn"]])["sourceAssociations"]
    assert [(s["sourceId"], s["status"]) for s in got] == [(B, "ASSOCIATED")]
    assert error(lambda: ram[A].create_resource_share(name="x", principals=[B], sources=[C])) \
        == "InvalidParameterException"
    # Another account's resource, and malformed ARNs.
    assert error(lambda: ram[B].create_resource_share(name="steal", resourceArns=[svc["arn"]])) \
        == "UnknownResourceException"
    assert error(lambda: ram[A].get_resource_shares(resourceOwner="SELF", resourceShareArns=["nope"])) \
        == "MalformedArnException"
    assert ram[B].get_resource_shares(resourceOwner="SELF")["resourceShares"] == []


def test_permissions_managed_and_customer(backend, accounts):
    ram, lattice = accounts
    svc = lattice[A].create_service(name="perm-svc")
    template = json.dumps({"Effect": "Allow", "Action": ["vpc-lattice:GetService"]})
    perm = ram[A].create_permission(name="svc-read", resourceType="vpc-lattice:Service", policyTemplate=template,
                                    tags=[{"key": "k", "value": "v"}])["permission"]
    assert perm["arn"] == f"arn:aws:ram:us-east-1:{A}:permission/svc-read" and perm["version"] == "1"
    assert error(lambda: ram[A].create_permission(name="svc-read", resourceType="vpc-lattice:Service",
                                                  policyTemplate=template)) == "PermissionAlreadyExistsException"
    assert error(lambda: ram[A].create_permission(name="bad", resourceType="vpc-lattice:Service",
                                                  policyTemplate="{}")) == "MalformedPolicyTemplateException"
    v2 = ram[A].create_permission_version(
        permissionArn=perm["arn"],
        policyTemplate=json.dumps({"Effect": "Allow", "Action": ["vpc-lattice:GetService",
                                                                 "vpc-lattice:CreateServiceNetworkServiceAssociation"]}))
    assert v2["permission"]["version"] == "2"
    ram[A].set_default_permission_version(permissionArn=perm["arn"], permissionVersion=2)
    assert [p["version"] for p in ram[A].list_permission_versions(permissionArn=perm["arn"])["permissions"]] \
        == ["1", "2"]
    assert "GetService" in ram[A].get_permission(permissionArn=perm["arn"], permissionVersion=1)["permission"]["permission"]
    ram[A].delete_permission_version(permissionArn=perm["arn"], permissionVersion=1)
    ram[A].update_permission(permissionArn=perm["arn"], status="DEPRECATED")
    ram[A].update_permission(permissionArn=perm["arn"], status="ATTACHABLE")
    ram[A].tag_resource(resourceArn=perm["arn"], tags=[{"key": "owner", "value": "me"}])
    ram[A].untag_resource(resourceArn=perm["arn"], tagKeys=["k"])
    listed = ram[A].list_permissions(resourceType="vpc-lattice:Service")["permissions"]
    assert {p["permissionType"] for p in listed} == {"AWS_MANAGED", "CUSTOMER_MANAGED"}
    managed = next(p["arn"] for p in listed if p["permissionType"] == "AWS_MANAGED")
    assert error(lambda: ram[B].get_permission(permissionArn=perm["arn"])) == "UnknownResourceException"

    share = ram[A].create_resource_share(name="with-perm", resourceArns=[svc["arn"]],
                                         permissionArns=[perm["arn"]])["resourceShare"]
    arn = share["resourceShareArn"]
    assert [p["arn"] for p in ram[A].list_resource_share_permissions(resourceShareArn=arn)["permissions"]] \
        == [perm["arn"]]
    assert len(ram[A].list_permission_associations(permissionArn=perm["arn"])["permissions"]) == 1
    assert error(lambda: ram[A].delete_permission(permissionArn=perm["arn"])) == "OperationNotPermittedException"
    assert error(lambda: ram[A].associate_resource_share_permission(resourceShareArn=arn, permissionArn=managed)) \
        == "InvalidParameterException"
    work = ram[A].replace_permission_associations(fromPermissionArn=perm["arn"], toPermissionArn=managed)
    assert work["replacePermissionAssociationsWork"]["status"] == "COMPLETED"
    assert len(ram[A].list_replace_permission_associations_work()["replacePermissionAssociationsWorks"]) == 1
    assert [p["arn"] for p in ram[A].list_resource_share_permissions(resourceShareArn=arn)["permissions"]] \
        == [managed]
    ram[A].associate_resource_share_permission(resourceShareArn=arn, permissionArn=perm["arn"], replace=True)
    # A permission for a type the share holds no resources of can come and go.
    rcfg_perm = next(p["arn"] for p in ram[A].list_permissions(
        resourceType="vpc-lattice:ResourceConfiguration")["permissions"])
    ram[A].associate_resource_share_permission(resourceShareArn=arn, permissionArn=rcfg_perm)
    assert ram[A].disassociate_resource_share_permission(resourceShareArn=arn, permissionArn=rcfg_perm)["returnValue"]
    assert error(lambda: ram[A].disassociate_resource_share_permission(resourceShareArn=arn,
                                                                       permissionArn=perm["arn"])) \
        == "InvalidStateTransitionException"
    ram[A].delete_resource_share(resourceShareArn=arn)
    assert ram[A].delete_permission(permissionArn=perm["arn"])["returnValue"] is True


def test_a_resource_policy_makes_a_share_that_can_be_promoted(backend, accounts):
    ram, lattice = accounts
    sn = lattice[A].create_service_network(name="policy-net")
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{C}:root"]},
        "Action": ["vpc-lattice:CreateServiceNetworkVpcAssociation", "vpc-lattice:GetServiceNetwork"],
        "Resource": sn["arn"]}]}
    lattice[A].put_resource_policy(resourceArn=sn["arn"], policy=json.dumps(policy))
    share = ram[A].get_resource_shares(resourceOwner="SELF")["resourceShares"][0]
    assert share["featureSet"] == "CREATED_FROM_POLICY"
    assert lattice[C].get_service_network(serviceNetworkIdentifier=sn["id"])["arn"] == sn["arn"]
    arn = share["resourceShareArn"]
    assert error(lambda: ram[A].associate_resource_share(resourceShareArn=arn, principals=[B])) \
        == "OperationNotPermittedException"
    assert error(lambda: ram[A].promote_resource_share_created_from_policy(resourceShareArn=arn)) \
        == "UnmatchedPolicyPermissionException"
    from_policy = ram[A].list_resource_share_permissions(resourceShareArn=arn)["permissions"][0]
    assert from_policy["featureSet"] == "CREATED_FROM_POLICY"
    promoted = ram[A].promote_permission_created_from_policy(permissionArn=from_policy["arn"], name="net-consumer")
    assert promoted["permission"]["featureSet"] == "STANDARD"
    assert ram[A].promote_resource_share_created_from_policy(resourceShareArn=arn)["returnValue"] is True
    assert ram[A].get_resource_shares(resourceOwner="SELF")["resourceShares"][0]["featureSet"] == "STANDARD"
    # Promoted, the share is RAM's: it outlives the policy and takes new principals.
    lattice[A].delete_resource_policy(resourceArn=sn["arn"])
    assert lattice[C].get_service_network(serviceNetworkIdentifier=sn["id"])["name"] == "policy-net"
    ram[A].associate_resource_share(resourceShareArn=arn, principals=[B])
    assert ram[B].get_resource_share_invitations()["resourceShareInvitations"][0]["status"] == "PENDING"


def test_a_local_principal_signs_with_its_own_secret(backend):
    role = admin(backend, "POST", "/principals", {"name": "deployer", "type": "role"}, account=A)
    assert role["arn"] == f"arn:aws:iam::{A}:role/deployer" and role["accessKeyId"].startswith("AKIA")
    import boto3
    good = boto3.client("ram", endpoint_url=backend.endpoint, region_name="us-east-1",
                        aws_access_key_id=role["accessKeyId"], aws_secret_access_key=role["secretAccessKey"])
    share = good.create_resource_share(name="from-role")["resourceShare"]
    assert share["owningAccountId"] == A
    bad = boto3.client("ram", endpoint_url=backend.endpoint, region_name="us-east-1",
                       aws_access_key_id=role["accessKeyId"], aws_secret_access_key="wrong")
    assert error(lambda: bad.get_resource_shares(resourceOwner="SELF")) == "InvalidSignatureException"
