"""A short scripted session with the real AWS CLI (`aws vpc-lattice … --endpoint-url`)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

AWS = shutil.which("aws") or str(Path(__file__).resolve().parent.parent / ".tools" / "venv" / "bin" / "aws")


def aws(backend, tmp_path, *args, service="vpc-lattice", key="test"):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_PAGER="")
    p = subprocess.run([AWS, service, *args, "--endpoint-url", backend.endpoint, "--output", "json"],
                       capture_output=True, text=True, env=env, timeout=60)
    return p.returncode, (json.loads(p.stdout) if p.stdout.strip() else None), p.stderr


@pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by scripts/setup")
def test_aws_cli_session(backend, tmp_path):
    code, sn, _ = aws(backend, tmp_path, "create-service-network", "--name", "cli-net", "--tags", "team=platform")
    assert code == 0 and sn["name"] == "cli-net"
    code, svc, _ = aws(backend, tmp_path, "create-service", "--name", "cli-svc", "--auth-type", "NONE")
    assert code == 0
    code, assoc, _ = aws(backend, tmp_path, "create-service-network-service-association",
                         "--service-identifier", svc["id"], "--service-network-identifier", sn["arn"])
    assert code == 0 and assoc["status"] == "ACTIVE"
    code, listed, _ = aws(backend, tmp_path, "list-service-networks")
    assert [i["name"] for i in listed["items"]] == ["cli-net"]
    code, got, _ = aws(backend, tmp_path, "get-service", "--service-identifier", svc["arn"])
    assert got["dnsEntry"]["domainName"].startswith("cli-svc-")
    code, tags, _ = aws(backend, tmp_path, "list-tags-for-resource", "--resource-arn", sn["arn"])
    assert tags["tags"] == {"team": "platform"}

    code, _, err = aws(backend, tmp_path, "delete-service-network", "--service-network-identifier", sn["id"])
    assert code != 0 and "ConflictException" in err
    code, _, err = aws(backend, tmp_path, "create-service", "--name", "Bad_Name")
    assert code != 0 and "ValidationException" in err

    assert aws(backend, tmp_path, "delete-service-network-service-association",
               "--service-network-service-association-identifier", assoc["id"])[0] == 0
    assert aws(backend, tmp_path, "delete-service", "--service-identifier", svc["id"])[0] == 0
    assert aws(backend, tmp_path, "delete-service-network", "--service-network-identifier", sn["id"])[0] == 0
    code, _, err = aws(backend, tmp_path, "get-service", "--service-identifier", svc["id"])
    assert code != 0 and "ResourceNotFoundException" in err


@pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by scripts/setup")
def test_aws_cli_ram_share_across_accounts(backend, tmp_path):
    owner, consumer = "111111111111", "333333333333"
    code, sn, _ = aws(backend, tmp_path, "create-service-network", "--name", "cli-shared", key=owner)
    assert code == 0
    code, share, err = aws(backend, tmp_path, "create-resource-share", "--name", "cli-share", "--resource-arns",
                           sn["arn"], "--principals", consumer, service="ram", key=owner)
    assert code == 0, err
    arn = share["resourceShare"]["resourceShareArn"]
    code, invitations, _ = aws(backend, tmp_path, "get-resource-share-invitations", service="ram", key=consumer)
    inv = invitations["resourceShareInvitations"][0]["resourceShareInvitationArn"]
    code, accepted, _ = aws(backend, tmp_path, "accept-resource-share-invitation", "--resource-share-invitation-arn",
                            inv, service="ram", key=consumer)
    assert accepted["resourceShareInvitation"]["status"] == "ACCEPTED"
    code, got, _ = aws(backend, tmp_path, "get-service-network", "--service-network-identifier", sn["arn"],
                       key=consumer)
    assert code == 0 and got["name"] == "cli-shared"
    assert aws(backend, tmp_path, "delete-resource-share", "--resource-share-arn", arn, service="ram", key=owner)[0] == 0
    code, _, err = aws(backend, tmp_path, "get-service-network", "--service-network-identifier", sn["arn"],
                       key=consumer)
    assert code != 0 and "ResourceNotFoundException" in err
    code, _, err = aws(backend, tmp_path, "delete-resource-share", "--resource-share-arn", arn, service="ram", key=owner)
    assert code != 0 and "UnknownResourceException" in err


@pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by scripts/setup")
def test_aws_cli_speaks_sts_ec2_and_route53(backend, tmp_path):
    code, me, _ = aws(backend, tmp_path, "get-caller-identity", service="sts", key="111111111111")
    assert code == 0 and me["Account"] == "111111111111" and me["Arn"] == "arn:aws:iam::111111111111:root"
    code, vpc, err = aws(backend, tmp_path, "create-vpc", "--cidr-block", "10.9.0.0/16",
                         "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=cli}]", service="ec2")
    assert code == 0, err
    vpc_id = vpc["Vpc"]["VpcId"]
    code, found, _ = aws(backend, tmp_path, "describe-vpcs", "--filters", "Name=tag:Name,Values=cli", service="ec2")
    assert [v["VpcId"] for v in found["Vpcs"]] == [vpc_id] and found["Vpcs"][0]["CidrBlock"] == "10.9.0.0/16"
    code, _, err = aws(backend, tmp_path, "describe-vpcs", "--vpc-ids", "vpc-0123456789abcdef0", service="ec2")
    assert code != 0 and "InvalidVpcID.NotFound" in err, err
    code, zone, err = aws(backend, tmp_path, "create-hosted-zone", "--name", "cli.internal", "--caller-reference", "c1",
                          "--vpc", f"VPCRegion=us-east-1,VPCId={vpc_id}", service="route53")
    assert code == 0 and zone["HostedZone"]["Config"]["PrivateZone"] is True, err
    code, _, err = aws(backend, tmp_path, "delete-vpc", "--vpc-id", vpc_id, service="ec2")
    assert code == 0, "a hosted zone does not keep its VPC from being deleted in EC2"
    code, _, err = aws(backend, tmp_path, "list-queues", service="sqs")
    assert code != 0 and "does not emulate the AWS service 'sqs'" in err, err
    code, got, _ = aws(backend, tmp_path, "get-hosted-zone", "--id", zone["HostedZone"]["Id"], service="route53")
    assert code == 0 and got.get("VPCs", []) == [], "the deleted VPC's association went with it"
