"""STS, EC2 and Route 53 on the backend's one endpoint, spoken by boto3 (botocore's own
serializers and parsers for the `query`, `ec2` and `rest-xml` protocols): answers parse, errors
carry AWS's codes, one account never sees another's objects, nothing is stored on rejection,
and a service the backend does not emulate says so."""

import urllib.request

import botocore.exceptions
import pytest


def code_of(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]["Code"]


def test_sts_says_who_calls_and_assumes_roles(backend):
    sts = backend.client("sts", access_key="111111111111")
    assert sts.get_caller_identity()["Account"] == "111111111111"
    creds = sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/deployer", RoleSessionName="tf")["Credentials"]
    assumed = backend.client("sts", access_key=creds["AccessKeyId"])
    assert assumed.get_caller_identity()["Account"] == "222222222222"
    assert code_of(sts.assume_role, RoleArn="arn:aws:iam::2:user/x", RoleSessionName="tf") == "ValidationError"


def test_ec2_vpcs_subnets_groups_and_rules(backend):
    ec2 = backend.client("ec2", access_key="111111111111")
    other = backend.client("ec2", access_key="222222222222")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]
    vpc_id = vpc["VpcId"]
    assert vpc["State"] == "available" and vpc["OwnerId"] == "111111111111"
    assert other.describe_vpcs()["Vpcs"] == []
    assert code_of(other.describe_vpcs, VpcIds=[vpc_id]) == "InvalidVpcID.NotFound"
    assert code_of(ec2.create_vpc, CidrBlock="10.0.0.0/8") == "InvalidVpc.Range"
    assert len(ec2.describe_vpcs()["Vpcs"]) == 1, "nothing stored on rejection"
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    assert subnet["AvailabilityZoneId"] == "use1-az2" and subnet["AvailableIpAddressCount"] == 251
    assert code_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.2.0.0/24") == "InvalidSubnet.Range"
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.1.0.0/16", "Description": "vpc"}]}])
    assert code_of(ec2.authorize_security_group_ingress, GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}]) \
        == "InvalidPermission.Duplicate"
    described = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web"]}])["SecurityGroups"]
    assert described[0]["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.1.0.0/16", "Description": "vpc"}]
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                    {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert len(default) == 1
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    assert sorted(r["IsEgress"] for r in rules) == [False, True]
    ec2.create_tags(Resources=[vpc_id, subnet["SubnetId"]], Tags=[{"Key": "env", "Value": "dev"}])
    tagged = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["env"]}])["Tags"]
    assert sorted(t["ResourceId"] for t in tagged) == sorted([vpc_id, subnet["SubnetId"]])
    assert code_of(ec2.describe_vpcs, Filters=[{"Name": "no-such-filter", "Values": ["x"]}]) == "InvalidParameterValue"
    assert [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]] == \
        ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert code_of(ec2.delete_vpc, VpcId=vpc_id) == "DependencyViolation"
    assert code_of(ec2.delete_security_group, GroupId=default[0]["GroupId"]) == "CannotDelete"
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=vpc_id)
    assert ec2.describe_vpcs()["Vpcs"] == [] and ec2.describe_security_groups()["SecurityGroups"] == []


def test_route53_zones_records_and_changes(backend):
    ec2, route53 = backend.client("ec2"), backend.client("route53")
    vpc_id = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    zone = route53.create_hosted_zone(Name="example.internal", CallerReference="one",
                                      VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id})
    zone_id = zone["HostedZone"]["Id"]
    assert zone["ChangeInfo"]["Status"] == "INSYNC" and zone["Location"].endswith(zone_id.split("/")[-1])
    assert code_of(route53.create_hosted_zone, Name="example.internal", CallerReference="one") == "HostedZoneAlreadyExists"
    change = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "db.example.internal", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "127.0.0.9"}]}}]})["ChangeInfo"]
    assert route53.get_change(Id=change["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    sets = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert [(s["Name"], s["Type"]) for s in sets] == [("example.internal.", "NS"), ("example.internal.", "SOA"),
                                                      ("db.example.internal.", "A")]
    assert code_of(route53.change_resource_record_sets, HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "db.example.internal", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "127.0.0.9"}]}}]}) == "InvalidChangeBatch"
    assert code_of(route53.delete_hosted_zone, Id=zone_id) == "HostedZoneNotEmpty"
    assert code_of(backend.client("route53", access_key="222222222222").get_hosted_zone, Id=zone_id) == "NoSuchHostedZone"
    # The resolver of the VPC answers the record.
    info = backend.vpc_info(vpc_id)
    from conftest import dig
    assert dig(info["resolverAddress"], info["resolverPort"], "db.example.internal") == ("NOERROR", ["127.0.0.9"])


def test_hashicorp_aws_is_not_given_changes_to_wait_for(backend):
    """hashicorp/aws waits a fixed time before it asks whether a change is done (15 seconds for a
    Route 53 `ChangeInfo`, 10 for a service-linked role's `DeletionTaskId`) and skips the wait when
    the answer leaves it out: its requests (told by its `User-Agent`) get neither, as changes are
    done when answered here. Other clients get both as the model has them."""
    import botocore.config
    import boto3
    agent = ("APN/1.0 HashiCorp/1.0 Terraform/1.11.4 (+https://www.terraform.io) terraform-provider-aws/5.100.0 "
             "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.36.3 ua/2.1 os/linux")
    sent = []

    def as_provider(service):
        config = botocore.config.Config(user_agent=agent, retries={"max_attempts": 1})
        client = boto3.client(service, endpoint_url=backend.endpoint, region_name="us-east-1", config=config,
                              aws_access_key_id="test", aws_secret_access_key="test")
        client.meta.events.register("before-send", lambda request, **_: sent.append(request.headers["User-Agent"]))
        return client

    route53, iam = as_provider("route53"), as_provider("iam")
    vpc_id = backend.client("ec2").create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    zone = route53.create_hosted_zone(Name="tf.internal", CallerReference="tf",
                                      VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id})
    sent = [agent.decode() if isinstance(agent, bytes) else agent for agent in sent]
    assert sent and "terraform-provider-aws/5.100.0" in sent[0], sent
    assert "ChangeInfo" not in zone and zone["HostedZone"]["Name"] == "tf.internal.", zone
    zone_id = zone["HostedZone"]["Id"]
    batch = {"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "db.tf.internal", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "127.0.0.9"}]}}]}
    change = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
    assert "ChangeInfo" not in change, change
    # The change is made all the same, and GetChange answers as it does anyone.
    info = backend.vpc_info(vpc_id)
    from conftest import dig
    assert dig(info["resolverAddress"], info["resolverPort"], "db.tf.internal") == ("NOERROR", ["127.0.0.9"])
    assert route53.get_change(Id="/change/C0000000000000000001")["ChangeInfo"]["Status"] == "INSYNC"
    batch["Changes"][0]["Action"] = "DELETE"
    assert "ChangeInfo" not in route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
    deleted = route53.delete_hosted_zone(Id=zone_id)
    assert "ChangeInfo" not in deleted, deleted
    assert backend.client("route53").list_hosted_zones()["HostedZones"] == []

    # A service-linked role's deletion: no task for the provider, a task for anyone else.
    name = iam.create_service_linked_role(AWSServiceName="ram.amazonaws.com")["Role"]["RoleName"]
    deleted = iam.delete_service_linked_role(RoleName=name)
    assert "DeletionTaskId" not in deleted, deleted
    other = backend.client("iam")
    name = other.create_service_linked_role(AWSServiceName="ram.amazonaws.com")["Role"]["RoleName"]
    task = other.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert other.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    assert other.list_roles()["Roles"] == []


def test_a_service_not_emulated_says_which_and_never_succeeds(backend):
    sqs = backend.client("sqs")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.list_queues()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    dynamodb = backend.client("dynamodb")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        dynamodb.list_tables()
    message = e.value.response["Error"]["Message"]
    assert "does not emulate the AWS service 'dynamodb'" in message and "ListTables" in message, message
    # An operation of a served service that the backend does not build is refused by name.
    ec2 = backend.client("ec2")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ec2.describe_instances()
    assert e.value.response["Error"]["Code"] == "InvalidAction"
    assert "DescribeInstances" in e.value.response["Error"]["Message"] and "does not emulate" in e.value.response["Error"]["Message"]
    # Unsigned requests are still refused before anything else.
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(backend.endpoint + "/", data=b"Action=GetCallerIdentity"))
    assert e.value.code == 403


def test_vpc_info_gives_the_declared_block_and_the_resolvers_own_port(tmp_path):
    """With `serve --dns-port` other than 53, `vpc info` reports the port the resolver has (it
    used to say null), and an EC2-made VPC shows the CIDR it was declared with beside its block."""
    import socket
    from conftest import Backend, dig
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    other = Backend(tmp_path / "other")
    other.extra_args += ["--dns-port", str(port)]
    other.start()
    try:
        ec2, route53 = other.client("ec2"), other.client("route53")
        vpc_id = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
        zone = route53.create_hosted_zone(Name="x.internal", CallerReference="x",
                                          VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id})["HostedZone"]["Id"]
        route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE",
            "ResourceRecordSet": {"Name": "a.x.internal", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "127.0.0.7"}]}}]})
        info = other.vpc_info(vpc_id)
        assert info["resolverPort"] == port and info["ec2CidrBlock"] == "10.4.0.0/16", info
        assert dig(info["resolverAddress"], info["resolverPort"], "a.x.internal") == ("NOERROR", ["127.0.0.7"])
    finally:
        other.close()
