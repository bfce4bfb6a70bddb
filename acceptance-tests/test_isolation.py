"""Isolation between accounts: for every VPC Lattice and RAM operation that names an object,
account B gets a not-found error (no existence leak) on account A's unshared objects, its
lists never show them, and nothing B tries changes them. Then sharing opens exactly what it
shares, and cross-account traffic follows the share: a consumer VPC reaches a shared service
until the share is revoked."""

import json
import urllib.error

import botocore.exceptions
import pytest

from conftest import Echo, admin, curl, dig

A, B = "111111111111", "222222222222"
VPC_A, VPC_B = "vpc-0aaaaaaaaaaaaaaa1", "vpc-0bbbbbbbbbbbbbbb1"
NOT_FOUND = {"ResourceNotFoundException", "AccessDeniedException", "UnknownResourceException",
             "ResourceArnNotFoundException", "ResourceShareInvitationArnNotFoundException"}


@pytest.fixture
def world(backend):
    """A's objects of every kind, and clients for A and B."""
    a, b = backend.client(access_key=A), backend.client(access_key=B)
    ram_a, ram_b = backend.client("ram", access_key=A), backend.client("ram", access_key=B)
    sn = a.create_service_network(name="a-net")
    svc = a.create_service(name="a-svc")
    tg = a.create_target_group(name="a-tg", type="IP", config={"port": 80, "protocol": "HTTP", "vpcIdentifier": VPC_A})
    listener = a.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                                 defaultAction={"fixedResponse": {"statusCode": 404}})
    rule = a.create_rule(serviceIdentifier=svc["id"], listenerIdentifier=listener["id"], name="only-x", priority=1,
                         match={"httpMatch": {"pathMatch": {"match": {"prefix": "/x"}}}},
                         action={"fixedResponse": {"statusCode": 200}})
    snsa = a.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
    snva = a.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC_A)
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
    a.put_auth_policy(resourceIdentifier=svc["id"], policy=policy)
    als = a.create_access_log_subscription(resourceIdentifier=sn["id"], destinationArn="arn:aws:logs:us-east-1:111111111111:log-group:a")
    rgw = a.create_resource_gateway(name="a-gw", vpcIdentifier=VPC_A, subnetIds=["subnet-0123456789abcdef0"])
    rcfg = a.create_resource_configuration(name="a-db", type="SINGLE", resourceGatewayIdentifier=rgw["id"],
                                           portRanges=["5432"],
                                           resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
    snra = a.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                         serviceNetworkIdentifier=sn["id"])
    dv = a.start_domain_verification(domainName="a.example.com")
    share = ram_a.create_resource_share(name="a-share", resourceArns=[svc["arn"]])["resourceShare"]
    perm = ram_a.create_permission(name="a-perm", resourceType="vpc-lattice:Service",
                                   policyTemplate=json.dumps({"Effect": "Allow", "Action": "vpc-lattice:GetService"}))
    invite = ram_a.create_resource_share(name="to-c", resourceArns=[svc["arn"]], principals=["333333333333"])
    inv_arn = backend.client("ram", access_key="333333333333").get_resource_share_invitations()[
        "resourceShareInvitations"][0]["resourceShareInvitationArn"]
    b_sn = b.create_service_network(name="b-net")
    b_svc = b.create_service(name="b-svc")
    objects = dict(sn=sn, svc=svc, tg=tg, listener=listener, rule=rule, snsa=snsa, snva=snva, als=als, rgw=rgw,
                   rcfg=rcfg, snra=snra, dv=dv, share=share, perm=perm["permission"], inv=inv_arn, b_sn=b_sn,
                   b_svc=b_svc, invite=invite)
    return a, b, ram_a, ram_b, objects


def lattice_calls(o):
    """Every VPC Lattice operation that names one of A's objects, as B would call it."""
    sn, svc, tg, lis, rule = o["sn"]["id"], o["svc"]["id"], o["tg"]["id"], o["listener"]["id"], o["rule"]["id"]
    hc = {"enabled": False}
    fixed = {"fixedResponse": {"statusCode": 200}}
    return [
        ("get_service_network", dict(serviceNetworkIdentifier=sn)),
        ("update_service_network", dict(serviceNetworkIdentifier=sn, authType="AWS_IAM")),
        ("delete_service_network", dict(serviceNetworkIdentifier=o["sn"]["arn"])),
        ("get_service", dict(serviceIdentifier=svc)),
        ("update_service", dict(serviceIdentifier=svc, authType="AWS_IAM")),
        ("delete_service", dict(serviceIdentifier=svc)),
        ("get_target_group", dict(targetGroupIdentifier=tg)),
        ("update_target_group", dict(targetGroupIdentifier=tg, healthCheck=hc)),
        ("delete_target_group", dict(targetGroupIdentifier=tg)),
        ("register_targets", dict(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1"}])),
        ("deregister_targets", dict(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1"}])),
        ("list_targets", dict(targetGroupIdentifier=tg)),
        ("create_listener", dict(serviceIdentifier=svc, name="evil", protocol="HTTP", defaultAction=fixed)),
        ("get_listener", dict(serviceIdentifier=svc, listenerIdentifier=lis)),
        ("update_listener", dict(serviceIdentifier=svc, listenerIdentifier=lis, defaultAction=fixed)),
        ("delete_listener", dict(serviceIdentifier=svc, listenerIdentifier=lis)),
        ("list_listeners", dict(serviceIdentifier=svc)),
        ("create_rule", dict(serviceIdentifier=svc, listenerIdentifier=lis, name="evil", priority=2,
                             match={"httpMatch": {"method": "GET"}}, action=fixed)),
        ("get_rule", dict(serviceIdentifier=svc, listenerIdentifier=lis, ruleIdentifier=rule)),
        ("update_rule", dict(serviceIdentifier=svc, listenerIdentifier=lis, ruleIdentifier=rule, priority=5)),
        ("delete_rule", dict(serviceIdentifier=svc, listenerIdentifier=lis, ruleIdentifier=rule)),
        ("list_rules", dict(serviceIdentifier=svc, listenerIdentifier=lis)),
        ("batch_update_rule", dict(serviceIdentifier=svc, listenerIdentifier=lis,
                                   rules=[{"ruleIdentifier": rule, "priority": 7}])),
        ("create_service_network_service_association",
         dict(serviceIdentifier=o["b_svc"]["id"], serviceNetworkIdentifier=sn)),
        ("create_service_network_service_association",
         dict(serviceIdentifier=svc, serviceNetworkIdentifier=o["b_sn"]["id"])),
        ("get_service_network_service_association",
         dict(serviceNetworkServiceAssociationIdentifier=o["snsa"]["id"])),
        ("delete_service_network_service_association",
         dict(serviceNetworkServiceAssociationIdentifier=o["snsa"]["id"])),
        ("create_service_network_vpc_association", dict(serviceNetworkIdentifier=sn, vpcIdentifier=VPC_B)),
        ("get_service_network_vpc_association", dict(serviceNetworkVpcAssociationIdentifier=o["snva"]["id"])),
        ("update_service_network_vpc_association",
         dict(serviceNetworkVpcAssociationIdentifier=o["snva"]["id"], securityGroupIds=["sg-12345678"])),
        ("delete_service_network_vpc_association", dict(serviceNetworkVpcAssociationIdentifier=o["snva"]["id"])),
        ("put_auth_policy", dict(resourceIdentifier=svc, policy='{"Statement": []}')),
        ("get_auth_policy", dict(resourceIdentifier=svc)),
        ("delete_auth_policy", dict(resourceIdentifier=svc)),
        ("put_resource_policy", dict(resourceArn=o["sn"]["arn"], policy='{"Statement": []}')),
        ("get_resource_policy", dict(resourceArn=o["sn"]["arn"])),
        ("delete_resource_policy", dict(resourceArn=o["sn"]["arn"])),
        ("create_access_log_subscription",
         dict(resourceIdentifier=svc, destinationArn="arn:aws:logs:us-east-1:222222222222:log-group:b")),
        ("get_access_log_subscription", dict(accessLogSubscriptionIdentifier=o["als"]["id"])),
        ("update_access_log_subscription", dict(accessLogSubscriptionIdentifier=o["als"]["id"],
                                                destinationArn="arn:aws:logs:us-east-1:222222222222:log-group:c")),
        ("delete_access_log_subscription", dict(accessLogSubscriptionIdentifier=o["als"]["id"])),
        ("list_access_log_subscriptions", dict(resourceIdentifier=sn)),
        ("tag_resource", dict(resourceArn=o["svc"]["arn"], tags={"owned": "by-b"})),
        ("untag_resource", dict(resourceArn=o["svc"]["arn"], tagKeys=["x"])),
        ("list_tags_for_resource", dict(resourceArn=o["svc"]["arn"])),
        ("get_resource_gateway", dict(resourceGatewayIdentifier=o["rgw"]["id"])),
        ("update_resource_gateway", dict(resourceGatewayIdentifier=o["rgw"]["id"], securityGroupIds=["sg-12345678"])),
        ("delete_resource_gateway", dict(resourceGatewayIdentifier=o["rgw"]["id"])),
        ("create_resource_configuration",
         dict(name="b-db", type="SINGLE", resourceGatewayIdentifier=o["rgw"]["id"], portRanges=["5432"],
              resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})),
        ("get_resource_configuration", dict(resourceConfigurationIdentifier=o["rcfg"]["id"])),
        ("update_resource_configuration", dict(resourceConfigurationIdentifier=o["rcfg"]["id"], portRanges=["5433"])),
        ("delete_resource_configuration", dict(resourceConfigurationIdentifier=o["rcfg"]["id"])),
        ("create_service_network_resource_association",
         dict(resourceConfigurationIdentifier=o["rcfg"]["id"], serviceNetworkIdentifier=o["b_sn"]["id"])),
        ("get_service_network_resource_association",
         dict(serviceNetworkResourceAssociationIdentifier=o["snra"]["id"])),
        ("delete_service_network_resource_association",
         dict(serviceNetworkResourceAssociationIdentifier=o["snra"]["id"])),
        ("list_resource_endpoint_associations", dict(resourceConfigurationIdentifier=o["rcfg"]["id"])),
        ("list_service_network_vpc_endpoint_associations", dict(serviceNetworkIdentifier=sn)),
        ("get_domain_verification", dict(domainVerificationIdentifier=o["dv"]["id"])),
        ("delete_domain_verification", dict(domainVerificationIdentifier=o["dv"]["id"])),
    ]


def ram_calls(o):
    share, perm = o["share"]["resourceShareArn"], o["perm"]["arn"]
    return [
        ("update_resource_share", dict(resourceShareArn=share, name="stolen")),
        ("delete_resource_share", dict(resourceShareArn=share)),
        ("associate_resource_share", dict(resourceShareArn=share, principals=[B])),
        ("disassociate_resource_share", dict(resourceShareArn=share, resourceArns=[o["svc"]["arn"]])),
        ("get_resource_share_associations", dict(associationType="RESOURCE", resourceShareArns=[share])),
        ("list_resource_share_permissions", dict(resourceShareArn=share)),
        ("associate_resource_share_permission", dict(resourceShareArn=share, permissionArn=perm)),
        ("disassociate_resource_share_permission", dict(resourceShareArn=share, permissionArn=perm)),
        ("promote_resource_share_created_from_policy", dict(resourceShareArn=share)),
        ("tag_resource", dict(resourceShareArn=share, tags=[{"key": "k", "value": "v"}])),
        ("untag_resource", dict(resourceShareArn=share, tagKeys=["k"])),
        ("get_permission", dict(permissionArn=perm)),
        ("create_permission_version", dict(permissionArn=perm, policyTemplate='{"Effect": "Allow", "Action": "*"}')),
        ("delete_permission", dict(permissionArn=perm)),
        ("delete_permission_version", dict(permissionArn=perm, permissionVersion=1)),
        ("set_default_permission_version", dict(permissionArn=perm, permissionVersion=1)),
        ("update_permission", dict(permissionArn=perm, status="DEPRECATED")),
        ("list_permission_versions", dict(permissionArn=perm)),
        ("promote_permission_created_from_policy", dict(permissionArn=perm, name="mine")),
        ("replace_permission_associations", dict(fromPermissionArn=perm, toPermissionArn=perm)),
        ("accept_resource_share_invitation", dict(resourceShareInvitationArn=o["inv"])),
        ("reject_resource_share_invitation", dict(resourceShareInvitationArn=o["inv"])),
        ("list_pending_invitation_resources", dict(resourceShareInvitationArn=o["inv"])),
        ("get_resource_share_invitations", dict(resourceShareInvitationArns=[o["inv"]])),
        ("get_resource_policies", dict(resourceArns=[o["svc"]["arn"]])),
        ("create_resource_share", dict(name="steal", resourceArns=[o["svc"]["arn"]])),
    ]


def expect_not_found(client, op, kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        getattr(client, op)(**kwargs)
    code = err.value.response["Error"]["Code"]
    assert code in NOT_FOUND, f"{op}: {code} {err.value.response['Error'].get('Message')}"
    return err.value.response["Error"].get("Message", "")


def test_b_cannot_see_or_touch_what_a_has_not_shared(world, backend):
    a, b, ram_a, ram_b, o = world
    for op, kwargs in lattice_calls(o):
        expect_not_found(b, op, kwargs)
    for op, kwargs in ram_calls(o):
        expect_not_found(ram_b, op, kwargs)

    # Lists: B sees only its own objects.
    assert [x["id"] for x in b.list_service_networks()["items"]] == [o["b_sn"]["id"]]
    assert [x["id"] for x in b.list_services()["items"]] == [o["b_svc"]["id"]]
    for op in ("list_target_groups", "list_resource_gateways", "list_resource_configurations",
               "list_domain_verifications", "list_service_network_service_associations",
               "list_service_network_vpc_associations", "list_service_network_resource_associations"):
        assert getattr(b, op)()["items"] == [], op
    assert ram_b.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    assert ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
    assert ram_b.list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"] == []
    assert ram_b.get_resource_share_invitations()["resourceShareInvitations"] == []
    assert {p["permissionType"] for p in ram_b.list_permissions()["permissions"]} == {"AWS_MANAGED"}
    assert ram_b.list_permission_associations()["permissions"] == []
    assert ram_b.list_replace_permission_associations_work()["replacePermissionAssociationsWorks"] == []
    assert ram_b.list_source_associations()["sourceAssociations"] == []

    # The admin API keeps the same walls: B cannot see A's VPC, principal or organization.
    admin(backend, "POST", "/principals", {"name": "a-role"}, account=A)
    org = admin(backend, "POST", "/organizations", {}, account=A)
    for path in (f"/vpcs/{VPC_A}", "/principals/a-role", f"/organizations/{org['id']}"):
        with pytest.raises(urllib.error.HTTPError) as err:
            admin(backend, "GET", path, account=B)
        assert err.value.code == 404, path
        with pytest.raises(urllib.error.HTTPError) as err:
            admin(backend, "DELETE", path, account=B)
        assert err.value.code == 404, path
    assert admin(backend, "GET", "/principals", account=B)["items"] == []

    # Nothing B tried changed A's objects.
    assert a.get_service_network(serviceNetworkIdentifier=o["sn"]["id"])["authType"] == "NONE"
    assert len(a.list_rules(serviceIdentifier=o["svc"]["id"], listenerIdentifier=o["listener"]["id"])["items"]) == 1
    assert a.list_tags_for_resource(resourceArn=o["svc"]["arn"])["tags"] == {}
    assert ram_a.get_resource_shares(resourceOwner="SELF", name="a-share")["resourceShares"][0]["name"] == "a-share"
    assert len(a.list_service_network_vpc_associations()["items"]) == 1

    # A VPC id B names is B's own VPC, whoever else has one of that id: B's association joins
    # B's VPC to B's network and leaves A's VPC as it was.
    a_block = admin(backend, "GET", f"/vpcs/{VPC_A}", account=A)["cidrBlock"]
    mine = b.create_service_network_vpc_association(serviceNetworkIdentifier=o["b_sn"]["id"], vpcIdentifier=VPC_A)
    assert [x["id"] for x in b.list_service_network_vpc_associations()["items"]] == [mine["id"]]
    assert [x["id"] for x in a.list_service_network_vpc_associations()["items"]] == [o["snva"]["id"]]
    b_vpc, a_vpc = admin(backend, "GET", f"/vpcs/{VPC_A}", account=B), admin(backend, "GET", f"/vpcs/{VPC_A}", account=A)
    assert b_vpc["ownerId"] == B and b_vpc["cidrBlock"] != a_block and a_vpc["cidrBlock"] == a_block
    gw = b.create_resource_gateway(name="b-gw", vpcIdentifier=VPC_A, subnetIds=["subnet-0123456789abcdef0"])
    assert [x["id"] for x in b.list_resource_gateways()["items"]] == [gw["id"]]
    assert [x["id"] for x in a.list_resource_gateways()["items"]] == [o["rgw"]["id"]]


def test_sharing_opens_exactly_what_is_shared(world, backend):
    a, b, ram_a, ram_b, o = world
    ram_a.associate_resource_share(resourceShareArn=o["share"]["resourceShareArn"], principals=[B])
    inv = ram_b.get_resource_share_invitations()["resourceShareInvitations"][0]
    ram_b.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    # The service is B's to read and to associate with its own network...
    assert b.get_service(serviceIdentifier=o["svc"]["arn"])["name"] == "a-svc"
    snsa = b.create_service_network_service_association(serviceIdentifier=o["svc"]["arn"],
                                                        serviceNetworkIdentifier=o["b_sn"]["id"])
    # ...and A, the service's owner, sees that association.
    assert snsa["id"] in [x["id"] for x in a.list_service_network_service_associations(
        serviceIdentifier=o["svc"]["id"])["items"]]
    # Not to change, nor to look inside.
    expect_not_found(b, "update_service", dict(serviceIdentifier=o["svc"]["id"], authType="AWS_IAM"))
    expect_not_found(b, "delete_service", dict(serviceIdentifier=o["svc"]["id"]))
    expect_not_found(b, "list_listeners", dict(serviceIdentifier=o["svc"]["id"]))
    expect_not_found(b, "get_service_network", dict(serviceNetworkIdentifier=o["sn"]["id"]))
    # A shared resource configuration goes into B's own network the same way.
    ram_a.associate_resource_share(resourceShareArn=o["share"]["resourceShareArn"], resourceArns=[o["rcfg"]["arn"]])
    snra = b.create_service_network_resource_association(resourceConfigurationIdentifier=o["rcfg"]["arn"],
                                                         serviceNetworkIdentifier=o["b_sn"]["id"])
    assert b.get_resource_configuration(resourceConfigurationIdentifier=o["rcfg"]["id"])["name"] == "a-db"
    # Sharing survives a restart of the backend.
    backend.restart()
    assert b.get_service(serviceIdentifier=o["svc"]["arn"])["name"] == "a-svc"
    # Revoking the share removes B's associations made with it.
    ram_a.disassociate_resource_share(resourceShareArn=o["share"]["resourceShareArn"], principals=[B])
    expect_not_found(b, "get_service_network_resource_association",
                     dict(serviceNetworkResourceAssociationIdentifier=snra["id"]))
    expect_not_found(b, "get_service_network_service_association",
                     dict(serviceNetworkServiceAssociationIdentifier=snsa["id"]))
    expect_not_found(b, "create_service_network_service_association",
                     dict(serviceIdentifier=o["svc"]["arn"], serviceNetworkIdentifier=o["b_sn"]["id"]))


def test_a_consumer_vpc_reaches_a_shared_service_until_the_share_is_revoked(backend):
    echo = Echo("shared hello")
    try:
        a, b = backend.client(access_key=A), backend.client(access_key=B)
        ram_a, ram_b = backend.client("ram", access_key=A), backend.client("ram", access_key=B)
        tg = a.create_target_group(name="shared-tg", type="IP",
                                   config={"port": echo.port, "protocol": "HTTP", "vpcIdentifier": VPC_A})
        a.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}])
        svc = a.create_service(name="orders")
        a.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}})
        sn = a.create_service_network(name="shared")
        a.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        org = admin(backend, "POST", "/organizations", {"accounts": {B: "workloads"}}, account=A)
        admin(backend, "POST", f"/organizations/{org['id']}/accept", {}, account=B)
        ram_a.enable_sharing_with_aws_organization()
        share = ram_a.create_resource_share(name="shared", resourceArns=[sn["arn"]], principals=[B],
                                            allowExternalPrincipals=False)["resourceShare"]
        snva = b.create_service_network_vpc_association(serviceNetworkIdentifier=sn["arn"], vpcIdentifier=VPC_B)
        vpc = admin(backend, "GET", f"/vpcs/{VPC_B}", account=B)
        name = svc["dnsEntry"]["domainName"]
        assert dig(vpc["resolverAddress"], vpc["resolverPort"], name) == ("NOERROR", [vpc["serviceNetworkAddress"]])
        code, body = curl(name, 80, vpc["serviceNetworkAddress"])
        assert code == 200 and "shared hello" in body
        # A sees B's association with its network.
        assert [x["vpcId"] for x in a.list_service_network_vpc_associations(serviceNetworkIdentifier=sn["id"])["items"]] \
            == [VPC_B]

        ram_a.disassociate_resource_share(resourceShareArn=share["resourceShareArn"], principals=[B])
        assert dig(vpc["resolverAddress"], vpc["resolverPort"], name)[0] == "NXDOMAIN"
        assert curl(name, 80, vpc["serviceNetworkAddress"])[0] != 200
        expect_not_found(b, "get_service_network_vpc_association",
                         dict(serviceNetworkVpcAssociationIdentifier=snva["id"]))
        expect_not_found(b, "create_service_network_vpc_association",
                         dict(serviceNetworkIdentifier=sn["arn"], vpcIdentifier=VPC_B))
    finally:
        echo.stop()
