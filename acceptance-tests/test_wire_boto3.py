"""Wire conformance with a real AWS client: boto3's `vpc-lattice` client against the backend
creates, lists, gets and deletes each object of the slice, and botocore parses the errors."""

import urllib.request

import botocore.exceptions
import pytest

from conftest import admin

VPC = "vpc-0123456789abcdef0"


def error_code(call):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call()
    return err.value.response


def test_objects_round_trip_through_boto3(backend):
    c = backend.client()
    sn = c.create_service_network(name="wire-net", tags={"team": "a"})
    assert sn["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert sn["id"].startswith("sn-") and len(sn["id"]) == 20
    assert sn["arn"] == f"arn:aws:vpc-lattice:us-east-1:000000000000:servicenetwork/{sn['id']}"
    svc = c.create_service(name="wire-svc")
    assert svc["dnsEntry"]["domainName"].startswith(f"wire-svc-{svc['id'][4:]}.")
    assert svc["dnsEntry"]["domainName"].endswith(".vpc-lattice-svcs.us-east-1.on.aws")
    tg = c.create_target_group(name="wire-tg", type="IP",
                               config={"port": 8080, "protocol": "HTTP", "vpcIdentifier": VPC})
    assert tg["config"]["healthCheck"]["healthCheckIntervalSeconds"] == 30
    listener = c.create_listener(serviceIdentifier=svc["arn"], name="http", protocol="HTTP",
                                 defaultAction={"fixedResponse": {"statusCode": 404}})
    assert listener["port"] == 80 and listener["serviceId"] == svc["id"]
    snsa = c.create_service_network_service_association(serviceIdentifier=svc["id"],
                                                        serviceNetworkIdentifier=sn["arn"])
    assert snsa["ResponseMetadata"]["HTTPStatusCode"] == 200 and snsa["status"] == "ACTIVE"
    snva = c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC,
                                                    securityGroupIds=["sg-12345678"])
    assert snva["securityGroupIds"] == ["sg-12345678"]

    # Gets by id and by ARN.
    assert c.get_service_network(serviceNetworkIdentifier=sn["arn"])["numberOfAssociatedServices"] == 1
    assert c.get_service(serviceIdentifier=svc["arn"])["name"] == "wire-svc"
    assert c.get_target_group(targetGroupIdentifier=tg["arn"])["type"] == "IP"
    assert c.get_listener(serviceIdentifier=svc["id"], listenerIdentifier=listener["arn"])["protocol"] == "HTTP"
    got = c.get_service_network_service_association(serviceNetworkServiceAssociationIdentifier=snsa["arn"])
    assert got["serviceName"] == "wire-svc" and got["serviceNetworkName"] == "wire-net"
    got = c.get_service_network_vpc_association(serviceNetworkVpcAssociationIdentifier=snva["id"])
    assert got["vpcId"] == VPC

    # Lists and filters.
    assert [i["id"] for i in c.list_service_networks()["items"]] == [sn["id"]]
    assert [i["id"] for i in c.list_services()["items"]] == [svc["id"]]
    assert [i["id"] for i in c.list_target_groups(vpcIdentifier=VPC)["items"]] == [tg["id"]]
    assert c.list_target_groups(targetGroupType="LAMBDA")["items"] == []
    assert [i["id"] for i in c.list_listeners(serviceIdentifier=svc["id"])["items"]] == [listener["id"]]
    assert len(c.list_service_network_service_associations(serviceNetworkIdentifier=sn["id"])["items"]) == 1
    assert len(c.list_service_network_vpc_associations(vpcIdentifier=VPC)["items"]) == 1

    # Targets.
    r = c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}, {"id": "not-an-ip"}])
    assert r["successful"] == [{"id": "127.0.0.1", "port": 8080}]
    assert r["unsuccessful"][0]["id"] == "not-an-ip"
    targets = c.list_targets(targetGroupIdentifier=tg["id"])["items"]
    assert targets[0]["status"] == "UNUSED"  # no listener forwards to this group yet
    c.deregister_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}])
    assert c.list_targets(targetGroupIdentifier=tg["id"])["items"] == []

    # Tags.
    assert c.list_tags_for_resource(resourceArn=sn["arn"])["tags"] == {"team": "a"}
    c.tag_resource(resourceArn=sn["arn"], tags={"env": "dev"})
    c.untag_resource(resourceArn=sn["arn"], tagKeys=["team"])
    assert c.list_tags_for_resource(resourceArn=sn["arn"])["tags"] == {"env": "dev"}

    # Updates.
    assert c.update_service_network(serviceNetworkIdentifier=sn["id"], authType="AWS_IAM")["authType"] == "AWS_IAM"
    assert c.update_service(serviceIdentifier=svc["id"], idleTimeoutSeconds=300)["idleTimeoutSeconds"] == 300
    c.update_listener(serviceIdentifier=svc["id"], listenerIdentifier=listener["id"],
                      defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"], "weight": 1}]}})
    assert c.get_target_group(targetGroupIdentifier=tg["id"])["serviceArns"] == [svc["arn"]]

    # Deleting what others depend on is a conflict, and changes nothing.
    r = error_code(lambda: c.delete_service_network(serviceNetworkIdentifier=sn["id"]))
    assert r["Error"]["Code"] == "ConflictException" and r["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert r["resourceId"] == sn["id"] and r["resourceType"] == "SERVICE_NETWORK"
    assert error_code(lambda: c.delete_target_group(targetGroupIdentifier=tg["id"]))["Error"]["Code"] == "ConflictException"
    assert error_code(lambda: c.create_service_network_vpc_association(
        serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC))["Error"]["Code"] == "ConflictException"

    # Deletes, in dependency order, with AWS's status codes.
    assert c.delete_service_network_vpc_association(
        serviceNetworkVpcAssociationIdentifier=snva["id"])["status"] == "DELETE_IN_PROGRESS"
    c.delete_service_network_service_association(serviceNetworkServiceAssociationIdentifier=snsa["id"])
    d = c.delete_listener(serviceIdentifier=svc["id"], listenerIdentifier=listener["id"])
    assert d["ResponseMetadata"]["HTTPStatusCode"] == 204
    c.delete_target_group(targetGroupIdentifier=tg["id"])
    c.delete_service(serviceIdentifier=svc["id"])
    assert c.delete_service_network(serviceNetworkIdentifier=sn["id"])["ResponseMetadata"]["HTTPStatusCode"] == 204

    for call in [lambda: c.get_service_network(serviceNetworkIdentifier=sn["id"]),
                 lambda: c.get_service(serviceIdentifier=svc["id"]),
                 lambda: c.get_target_group(targetGroupIdentifier=tg["id"]),
                 lambda: c.get_listener(serviceIdentifier=svc["id"], listenerIdentifier=listener["id"]),
                 lambda: c.get_service_network_vpc_association(serviceNetworkVpcAssociationIdentifier=snva["id"])]:
        r = error_code(call)
        assert r["Error"]["Code"] == "ResourceNotFoundException"
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_validation_errors_have_field_lists_and_store_nothing(backend):
    c = backend.client(client_validation=False)
    r = error_code(lambda: c.create_service(name="Bad_Name"))
    assert r["Error"]["Code"] == "ValidationException"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert r["reason"] == "fieldValidationFailed"
    assert [f["name"] for f in r["fieldList"]] == ["name"]
    r = error_code(lambda: c.create_target_group(name="tg-reserved", type="IP",
                                                 config={"port": 0, "protocol": "HTTP", "vpcIdentifier": VPC}))
    assert {f["name"] for f in r["fieldList"]} == {"name", "config.port"}
    r = error_code(lambda: c.create_listener(serviceIdentifier="svc-0123456789abcdef0", name="web", protocol="HTTP",
                                             defaultAction={"fixedResponse": {"statusCode": 404},
                                                            "forward": {"targetGroups": [{"targetGroupIdentifier": "tg-0123456789abcdef0"}]}}))
    assert r["Error"]["Code"] == "ValidationException"
    assert c.list_services()["items"] == [] and c.list_target_groups()["items"] == []


def test_pagination_and_identifiers(backend):
    c = backend.client(client_validation=False)
    created = sorted(c.create_service_network(name=f"page-net-{i}")["id"] for i in range(5))
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"maxResults": 2}
        if token:
            kwargs["nextToken"] = token
        page = c.list_service_networks(**kwargs)
        pages += 1
        seen += [i["id"] for i in page["items"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == created and pages == 3
    r = error_code(lambda: c.list_service_networks(maxResults=101))
    assert r["Error"]["Code"] == "ValidationException"


def test_state_survives_a_restart_with_the_same_ids_and_names(backend):
    c = backend.client()
    svc = c.create_service(name="durable")
    backend.restart()
    again = backend.client().get_service(serviceIdentifier=svc["id"])
    assert again["arn"] == svc["arn"] and again["dnsEntry"] == svc["dnsEntry"]


def test_accounts_are_isolated_and_unsigned_calls_refused(backend):
    mine = backend.client(access_key="111111111111")
    theirs = backend.client(access_key="222222222222")
    sn = mine.create_service_network(name="private-net")
    assert sn["arn"].split(":")[4] == "111111111111"
    assert theirs.list_service_networks()["items"] == []
    r = error_code(lambda: theirs.get_service_network(serviceNetworkIdentifier=sn["id"]))
    assert r["Error"]["Code"] == "ResourceNotFoundException"
    req = urllib.request.Request(f"{backend.endpoint}/servicenetworks", method="GET")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    assert err.value.code == 403
    # Another Region is served too, and sees none of this Region's objects; a scope whose
    # Region is not a Region name is refused.
    assert backend.client(access_key="111111111111", region="eu-west-1").list_service_networks()["items"] == []
    not_a_region = backend.client(region="local")
    assert error_code(lambda: not_a_region.list_services())["Error"]["Code"] == "InvalidSignatureException"


def test_policies_and_access_log_subscriptions(backend):
    c = backend.client()
    sn = c.create_service_network(name="policy-net", authType="AWS_IAM")
    svc = c.create_service(name="policy-svc")
    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*"}]}'

    assert c.put_auth_policy(resourceIdentifier=sn["arn"], policy=doc)["state"] == "Active"
    assert c.put_auth_policy(resourceIdentifier=svc["id"], policy=doc)["state"] == "Inactive"
    got = c.get_auth_policy(resourceIdentifier=sn["id"])
    assert got["policy"] == doc and got["createdAt"]
    r = error_code(lambda: c.put_auth_policy(resourceIdentifier=svc["id"], policy="{not json"))
    assert r["Error"]["Code"] == "ValidationException" and [f["name"] for f in r["fieldList"]] == ["policy"]
    assert c.get_auth_policy(resourceIdentifier=svc["id"])["policy"] == doc  # unchanged by the bad put

    c.put_resource_policy(resourceArn=svc["arn"], policy=doc)
    assert c.get_resource_policy(resourceArn=svc["arn"])["policy"] == doc

    als = c.create_access_log_subscription(resourceIdentifier=sn["id"],
                                           destinationArn="arn:aws:logs:us-east-1:000000000000:log-group:a")
    assert als["id"].startswith("als-") and als["serviceNetworkLogType"] == "SERVICE"
    r = error_code(lambda: c.create_access_log_subscription(
        resourceIdentifier=sn["arn"], destinationArn="arn:aws:logs:us-east-1:000000000000:log-group:b"))
    assert r["Error"]["Code"] == "ConflictException"
    c.create_access_log_subscription(resourceIdentifier=sn["id"], destinationArn="arn:aws:s3:::lattice-bucket")
    assert len(c.list_access_log_subscriptions(resourceIdentifier=sn["id"])["items"]) == 2
    c.update_access_log_subscription(accessLogSubscriptionIdentifier=als["id"],
                                     destinationArn="arn:aws:logs:us-east-1:000000000000:log-group:c")
    assert c.get_access_log_subscription(accessLogSubscriptionIdentifier=als["arn"])["destinationArn"].endswith(":c:*")  # a log group as Lattice answers it

    # Policies and subscriptions go with the object they belong to.
    c.delete_service(serviceIdentifier=svc["id"])
    c.delete_service_network(serviceNetworkIdentifier=sn["id"])
    assert error_code(lambda: c.get_access_log_subscription(
        accessLogSubscriptionIdentifier=als["id"]))["Error"]["Code"] == "ResourceNotFoundException"
    svc2 = c.create_service(name="policy-svc")
    # An object without a policy answers 200 with none, as AWS does (moto's suite expects it).
    no_policy = c.get_auth_policy(resourceIdentifier=svc2["id"])
    assert "policy" not in no_policy and "state" not in no_policy
    assert error_code(lambda: c.delete_auth_policy(resourceIdentifier=svc["id"]))["Error"]["Code"] == "ResourceNotFoundException"


def test_client_tokens_make_creates_idempotent_across_restarts(backend):
    c = backend.client()
    first = c.create_service(name="once", clientToken="retry-me")
    again = c.create_service(name="once", clientToken="retry-me")
    assert again["id"] == first["id"]
    assert len(c.list_services()["items"]) == 1
    r = error_code(lambda: c.create_service(name="other", clientToken="retry-me"))
    assert r["Error"]["Code"] == "ConflictException"
    backend.restart()
    c = backend.client()
    assert c.create_service(name="once", clientToken="retry-me")["id"] == first["id"]
    # The same token from another account is another token.
    other = backend.client(access_key="333333333333").create_service(name="once", clientToken="retry-me")
    assert other["id"] != first["id"]


def test_default_quotas(backend):
    c = backend.client()
    for i in range(50):
        c.create_service_network(name=f"quota-net-{i}")
    r = error_code(lambda: c.create_service_network(name="one-too-many"))
    assert r["Error"]["Code"] == "ServiceQuotaExceededException"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 402
    # Quotas are per account.
    backend.client(access_key="444444444444").create_service_network(name="one-too-many")

    svc = c.create_service(name="quota-svc")
    listener = c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                                 defaultAction={"fixedResponse": {"statusCode": 404}})
    ids = {"serviceIdentifier": svc["id"], "listenerIdentifier": listener["id"]}
    for i in range(10):
        c.create_rule(**ids, name=f"r{i:02d}", priority=i + 1, match={"httpMatch": {"method": "GET"}},
                      action={"fixedResponse": {"statusCode": 200}})
    r = error_code(lambda: c.create_rule(**ids, name="r10", priority=11, match={"httpMatch": {"method": "GET"}},
                                         action={"fixedResponse": {"statusCode": 200}}))
    assert r["Error"]["Code"] == "ServiceQuotaExceededException"
    assert len(c.list_rules(**ids)["items"]) == 10


def test_resource_gateways_configurations_and_associations(backend):
    c = backend.client()
    rgw = c.create_resource_gateway(name="db-gateway", vpcIdentifier="vpc-0f0f0f0f0f0f0f0f0",
                                    subnetIds=["subnet-0123456789abcdef0"], securityGroupIds=["sg-12345678"])
    assert rgw["ResponseMetadata"]["HTTPStatusCode"] == 201 and rgw["id"].startswith("rgw-")
    assert rgw["ipv4AddressesPerEni"] == 16 and rgw["resourceConfigDnsResolution"] == "PUBLIC"
    assert c.get_resource_gateway(resourceGatewayIdentifier=rgw["arn"])["vpcId"] == "vpc-0f0f0f0f0f0f0f0f0"
    assert c.update_resource_gateway(resourceGatewayIdentifier=rgw["id"],
                                     securityGroupIds=["sg-87654321"])["securityGroupIds"] == ["sg-87654321"]

    single = c.create_resource_configuration(
        name="redis", type="SINGLE", resourceGatewayIdentifier=rgw["id"], portRanges=["6379"],
        resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
    assert single["protocol"] == "TCP" and single["status"] == "ACTIVE"
    group = c.create_resource_configuration(name="databases", type="GROUP", resourceGatewayIdentifier=rgw["id"],
                                            portRanges=["5432-5433"])
    child = c.create_resource_configuration(
        name="orders-db", type="CHILD", resourceConfigurationGroupIdentifier=group["arn"],
        resourceConfigurationDefinition={"dnsResource": {"domainName": "orders.db.internal", "ipAddressType": "IPV4"}})
    assert child["resourceGatewayId"] == rgw["id"] and child["resourceConfigurationGroupId"] == group["id"]
    assert [i["id"] for i in c.list_resource_configurations(resourceConfigurationGroupIdentifier=group["id"])["items"]] == [child["id"]]

    # Type rules the model cannot express.
    for bad in [
        dict(name="bad-single", type="SINGLE", resourceGatewayIdentifier=rgw["id"], portRanges=["6379"]),
        dict(name="bad-ports", type="SINGLE", resourceGatewayIdentifier=rgw["id"], portRanges=["70000"],
             resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}}),
        dict(name="bad-range", type="SINGLE", resourceGatewayIdentifier=rgw["id"], portRanges=["90-80"],
             resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}}),
        dict(name="no-gateway", type="SINGLE", portRanges=["80"],
             resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}}),
    ]:
        assert error_code(lambda: c.create_resource_configuration(**bad))["Error"]["Code"] == "ValidationException", bad

    sn = c.create_service_network(name="resource-net")
    snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=single["id"],
                                                         serviceNetworkIdentifier=sn["id"])
    assert snra["id"].startswith("snra-") and snra["status"] == "ACTIVE"
    got = c.get_service_network_resource_association(serviceNetworkResourceAssociationIdentifier=snra["arn"])
    assert got["dnsEntry"]["domainName"].startswith(f"{snra['id']}.{single['id']}.")
    assert got["dnsEntry"]["domainName"].endswith(".vpc-lattice-rsc.us-east-1.on.aws")
    assert c.list_service_networks()["items"][0]["numberOfAssociatedResourceConfigurations"] == 1
    assert error_code(lambda: c.create_service_network_resource_association(
        resourceConfigurationIdentifier=child["id"], serviceNetworkIdentifier=sn["id"]))["Error"]["Code"] == "ValidationException"

    # Deletes that would orphan dependents are conflicts.
    for call in [lambda: c.delete_resource_gateway(resourceGatewayIdentifier=rgw["id"]),
                 lambda: c.delete_resource_configuration(resourceConfigurationIdentifier=group["id"]),
                 lambda: c.delete_resource_configuration(resourceConfigurationIdentifier=single["id"]),
                 lambda: c.delete_service_network(serviceNetworkIdentifier=sn["id"])]:
        assert error_code(call)["Error"]["Code"] == "ConflictException"

    c.update_resource_configuration(resourceConfigurationIdentifier=single["id"], portRanges=["6379-6380"])
    assert c.get_resource_configuration(resourceConfigurationIdentifier=single["id"])["portRanges"] == ["6379-6380"]
    c.tag_resource(resourceArn=single["arn"], tags={"app": "cache"})
    assert c.list_tags_for_resource(resourceArn=single["arn"])["tags"] == {"app": "cache"}

    c.delete_service_network_resource_association(serviceNetworkResourceAssociationIdentifier=snra["id"])
    for rcfg in (single, child, group):
        c.delete_resource_configuration(resourceConfigurationIdentifier=rcfg["id"])
    assert c.delete_resource_gateway(resourceGatewayIdentifier=rgw["id"])["status"] == "DELETE_IN_PROGRESS"
    assert c.list_resource_gateways()["items"] == []


def test_domain_verifications(backend):
    c = backend.client()
    dv = c.start_domain_verification(domainName="Example.COM")
    assert dv["id"].startswith("dv-") and dv["status"] == "PENDING" and dv["domainName"] == "example.com"
    assert dv["txtMethodConfig"]["name"].endswith("example.com")
    assert error_code(lambda: c.start_domain_verification(domainName="example.com"))["Error"]["Code"] == "ConflictException"
    assert [d["id"] for d in c.list_domain_verifications()["items"]] == [dv["id"]]
    rgw = c.create_resource_gateway(name="app-gateway", vpcIdentifier="vpc-0f0f0f0f0f0f0f0f0", subnetIds=["subnet-0123456789abcdef0"])
    rcfg = c.create_resource_configuration(name="app", type="SINGLE", resourceGatewayIdentifier=rgw["id"], portRanges=["443"],
                                           customDomainName="app.example.com", domainVerificationIdentifier=dv["arn"],
                                           resourceConfigurationDefinition={"dnsResource": {"domainName": "app.internal", "ipAddressType": "IPV4"}})
    assert rcfg["domainVerificationId"] == dv["id"]
    assert error_code(lambda: c.delete_domain_verification(domainVerificationIdentifier=dv["id"]))["Error"]["Code"] == "ConflictException"
    c.delete_resource_configuration(resourceConfigurationIdentifier=rcfg["id"])
    c.delete_domain_verification(domainVerificationIdentifier=dv["id"])
    assert error_code(lambda: c.get_domain_verification(domainVerificationIdentifier=dv["id"]))["Error"]["Code"] == "ResourceNotFoundException"


def test_vpc_endpoints_and_their_associations(backend):
    c = backend.client()
    sn = c.create_service_network(name="endpoint-net")
    rgw = c.create_resource_gateway(name="ep-gateway", vpcIdentifier="vpc-0f0f0f0f0f0f0f0f0",
                                    subnetIds=["subnet-0123456789abcdef0"])
    rcfg = c.create_resource_configuration(name="ep-redis", type="SINGLE", resourceGatewayIdentifier=rgw["id"],
                                           portRanges=["6379"],
                                           resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
    sne = admin(backend, "POST", "/vpcendpoints", {"vpcId": "vpc-0e0e0e0e0e0e0e0e0", "vpcEndpointType": "ServiceNetwork",
                                                "serviceNetworkArn": sn["arn"]})
    rce = admin(backend, "POST", "/vpcendpoints", {"vpcId": "vpc-0e0e0e0e0e0e0e0e0", "vpcEndpointType": "Resource",
                                                "resourceConfigurationArn": rcfg["arn"]})
    assert rce["dnsEntries"][0]["dnsName"].startswith(f"{rce['vpcEndpointId']}.{rcfg['id']}.")

    items = c.list_service_network_vpc_endpoint_associations(serviceNetworkIdentifier=sn["arn"])["items"]
    assert [(i["vpcEndpointId"], i["vpcId"], i["state"]) for i in items] == [(sne["vpcEndpointId"], "vpc-0e0e0e0e0e0e0e0e0", "ACTIVE")]
    reas = c.list_resource_endpoint_associations(resourceConfigurationIdentifier=rcfg["id"])["items"]
    assert len(reas) == 1 and reas[0]["vpcEndpointId"] == rce["vpcEndpointId"] and reas[0]["id"].startswith("rea-")

    # What endpoints reach cannot be deleted from under them.
    assert error_code(lambda: c.delete_service_network(serviceNetworkIdentifier=sn["id"]))["Error"]["Code"] == "ConflictException"
    assert error_code(lambda: c.delete_resource_configuration(
        resourceConfigurationIdentifier=rcfg["id"]))["Error"]["Code"] == "ConflictException"

    deleted = c.delete_resource_endpoint_association(resourceEndpointAssociationIdentifier=reas[0]["arn"])
    assert deleted["vpcEndpointId"] == rce["vpcEndpointId"]
    assert c.list_resource_endpoint_associations(resourceConfigurationIdentifier=rcfg["id"])["items"] == []
    c.delete_resource_configuration(resourceConfigurationIdentifier=rcfg["id"])


def test_updates_and_deletes_of_every_kind(backend):
    """The update, get and delete operations the other scenarios reach only through Terraform."""
    c = backend.client()
    sn = c.create_service_network(name="tour-net")
    svc = c.create_service(name="tour-svc")
    tg = c.create_target_group(name="tour-tg", type="IP", config={"port": 80, "protocol": "HTTP", "vpcIdentifier": VPC})
    hc = c.update_target_group(targetGroupIdentifier=tg["id"], healthCheck={"path": "/ready", "healthCheckIntervalSeconds": 10})
    assert hc["config"]["healthCheck"]["path"] == "/ready" and hc["config"]["healthCheck"]["healthyThresholdCount"] == 5

    snva = c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
    up = c.update_service_network_vpc_association(serviceNetworkVpcAssociationIdentifier=snva["id"],
                                                  securityGroupIds=["sg-12345678"])
    assert up["securityGroupIds"] == ["sg-12345678"]

    listener = c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                                 defaultAction={"fixedResponse": {"statusCode": 404}})
    ids = {"serviceIdentifier": svc["id"], "listenerIdentifier": listener["id"]}
    rule = c.create_rule(**ids, name="get-only", priority=5, match={"httpMatch": {"method": "GET"}},
                         action={"fixedResponse": {"statusCode": 200}})
    assert c.get_rule(**ids, ruleIdentifier=rule["arn"])["isDefault"] is False
    assert c.update_rule(**ids, ruleIdentifier=rule["id"], priority=7)["priority"] == 7
    c.delete_rule(**ids, ruleIdentifier=rule["id"])
    assert error_code(lambda: c.get_rule(**ids, ruleIdentifier=rule["id"]))["Error"]["Code"] == "ResourceNotFoundException"

    doc = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
    c.put_auth_policy(resourceIdentifier=svc["id"], policy=doc)
    c.delete_auth_policy(resourceIdentifier=svc["id"])
    c.put_resource_policy(resourceArn=svc["arn"], policy=doc)
    c.delete_resource_policy(resourceArn=svc["arn"])
    assert "policy" not in c.get_resource_policy(resourceArn=svc["arn"])
    als = c.create_access_log_subscription(resourceIdentifier=svc["id"],
                                           destinationArn="arn:aws:logs:us-east-1:000000000000:log-group:tour")
    c.delete_access_log_subscription(accessLogSubscriptionIdentifier=als["id"])
    assert c.list_access_log_subscriptions(resourceIdentifier=svc["id"])["items"] == []

    dv = c.start_domain_verification(domainName="tour.example.com")
    assert c.get_domain_verification(domainVerificationIdentifier=dv["id"])["status"] == "PENDING"

    rgw = c.create_resource_gateway(name="tour-gateway", vpcIdentifier=VPC, subnetIds=["subnet-0123456789abcdef0"])
    rcfg = c.create_resource_configuration(name="tour-db", type="SINGLE", resourceGatewayIdentifier=rgw["id"],
                                           portRanges=["5432"],
                                           resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
    snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                         serviceNetworkIdentifier=sn["id"])
    listed = c.list_service_network_resource_associations(serviceNetworkIdentifier=sn["id"])["items"]
    assert [a["id"] for a in listed] == [snra["id"]] and listed[0]["resourceConfigurationName"] == "tour-db"


def test_local_ca_issues_and_imports_certificates(backend, tmp_path):
    import json
    import subprocess
    import urllib.request
    from conftest import LATTICE_LOCAL
    ca = subprocess.run([str(LATTICE_LOCAL), "ca", "--endpoint", backend.endpoint], capture_output=True, text=True, check=True).stdout
    assert ca.startswith("-----BEGIN CERTIFICATE-----")
    issued = admin(backend, "POST", "/certificates", {"domainName": "App.Example.com", "subjectAlternativeNames": ["www.example.com"]})
    assert issued["type"] == "AMAZON_ISSUED" and issued["subjectAlternativeNames"] == ["app.example.com", "www.example.com"]
    assert issued["certificateArn"].startswith("arn:aws:acm:us-east-1:000000000000:certificate/")
    # The issued certificate verifies against the CA, with openssl.
    (tmp_path / "ca.pem").write_text(ca)
    (tmp_path / "leaf.pem").write_text(issued["certificate"])
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem")],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    # The same CA survives a restart (clients keep trusting it).
    backend.restart()
    again = subprocess.run([str(LATTICE_LOCAL), "ca", "--endpoint", backend.endpoint], capture_output=True, text=True).stdout
    assert again == ca
    # Import: a self-signed certificate made with openssl.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(tmp_path / "k.pem"), "-out", str(tmp_path / "c.pem"), "-days", "30",
                    "-subj", "/CN=imported.example.com"], check=True, capture_output=True)
    imported = admin(backend, "POST", "/certificates", {"certificate": (tmp_path / "c.pem").read_text(),
                                                     "privateKey": (tmp_path / "k.pem").read_text()})
    assert imported["type"] == "IMPORTED" and imported["domainName"] == "imported.example.com"
    with __import__("pytest").raises(urllib.error.HTTPError) as err:
        admin(backend, "POST", "/certificates", {"certificate": "garbage", "privateKey": "garbage"})
    assert err.value.code == 400 and json.loads(err.value.read())["__type"] == "ValidationException"
