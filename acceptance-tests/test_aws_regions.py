"""One backend serves every Region, as one AWS account does: a module with providers in
us-west-2 and eu-west-1 applies through `lattice-local terraform` (each provider keeps its own
Region); objects carry their Region in ARNs and generated names, each Region lists only its own,
a VPC joins only its Region's service networks, and traffic flows in the VPC's Region."""

import shutil

import botocore.exceptions
import pytest

from conftest import ROOT
from test_aws_provider import curl_from

MODULE = ROOT / "acceptance-tests" / "aws" / "regions.tf"


def test_a_module_in_two_regions(backend, echo, aws_tf_factory):
    tf = aws_tf_factory("regions")
    shutil.copy(MODULE, tf.dir / "main.tf")
    port = [f"-var=target_port={echo.port}"]
    tf.init()
    tf.apply(*port)
    tf.assert_empty_plan(*port)
    assert tf.output("regions") == "us-west-2,eu-west-1"
    west_net, eu_net = tf.output("west_network"), tf.output("eu_network")
    assert west_net.startswith("arn:aws:vpc-lattice:us-west-2:000000000000:servicenetwork/sn-")
    assert eu_net.startswith("arn:aws:vpc-lattice:eu-west-1:000000000000:servicenetwork/sn-")
    assert [arn.split(":")[3] for arn in tf.output("vpc_arns").split(",")] == ["us-west-2", "eu-west-1"]
    service = tf.output("service_name")
    assert service.startswith("api-") and service.endswith(".vpc-lattice-svcs.us-west-2.on.aws"), service

    # Each Region lists its own objects only; the home Region (us-east-1) has none of them.
    listed = lambda region: [n["arn"] for n in backend.client(region=region).list_service_networks()["items"]]
    assert listed("us-west-2") == [west_net] and listed("eu-west-1") == [eu_net] and listed("us-east-1") == []
    vpcs = lambda region: [v["VpcId"] for v in backend.client("ec2", region=region).describe_vpcs()["Vpcs"]]
    assert vpcs("us-west-2") == [tf.output("west_vpc")] and vpcs("eu-west-1") == [tf.output("eu_vpc")]
    assert vpcs("us-east-1") == []
    # An ARN from another Region is not found there; a VPC joins only its own Region's networks.
    eu = backend.client(region="eu-west-1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        eu.get_service_network(serviceNetworkIdentifier=west_net)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        eu.create_service_network_vpc_association(serviceNetworkIdentifier=eu_net.rsplit("/", 1)[1],
                                                  vpcIdentifier=tf.output("west_vpc"))
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # RAM shares stay in their Region: an eu-west-1 share cannot hold a us-west-2 network.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        backend.client("ram", region="eu-west-1").create_resource_share(name="x", resourceArns=[west_net])
    assert e.value.response["Error"]["Code"] == "UnknownResourceException"

    # Traffic in the VPC's Region: the us-west-2 VPC reaches the us-west-2 service by its name.
    vpc = backend.vpc_info(tf.output("west_vpc"))
    assert vpc["region"] == "us-west-2" and vpc["arn"].startswith("arn:aws:ec2:us-west-2:")
    client = vpc["serviceNetworkAddress"].rsplit(".", 1)[0] + ".250"
    status, body = curl_from(client, service, vpc["serviceNetworkAddress"])
    assert status == 200 and "hello from the echo target" in body, (status, body)

    tf.destroy(*port)
    assert listed("us-west-2") == [] and listed("eu-west-1") == []
    assert vpcs("us-west-2") == [] and vpcs("eu-west-1") == []
