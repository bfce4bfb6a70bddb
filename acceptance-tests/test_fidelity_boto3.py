"""What moto's own VPC Lattice and RAM suites found, asked of the backend with boto3 as they
ask moto: policies that are not there, deleted shares, RAM's words for malformed principals
and ARNs, `featureSet` in every share answer, and the conflict a service network with
associations answers."""

import botocore.exceptions
import pytest

A, B = "111111111111", "222222222222"


def refused(call):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call()
    return err.value.response["Error"]


def test_an_object_without_a_policy_answers_200_with_none(backend):
    c = backend.client(access_key=A)
    svc = c.create_service(name="no-policy")
    auth = c.get_auth_policy(resourceIdentifier=svc["id"])
    assert auth["ResponseMetadata"]["HTTPStatusCode"] == 200 and "policy" not in auth
    resource = c.get_resource_policy(resourceArn=svc["arn"])
    assert resource["ResponseMetadata"]["HTTPStatusCode"] == 200 and "policy" not in resource
    # An object that does not exist (or is another account's) is still not found.
    other = backend.client(access_key=B)
    assert refused(lambda: other.get_auth_policy(resourceIdentifier=svc["id"]))["Code"] == "ResourceNotFoundException"


def test_a_deleted_share_stays_listed_as_deleted_and_cannot_be_used(backend):
    ram = backend.client("ram", access_key=A)
    lattice = backend.client(access_key=A)
    sn = lattice.create_service_network(name="deleted-share-net")
    share = ram.create_resource_share(name="gone", principals=[B], resourceArns=[sn["arn"]])["resourceShare"]
    assert share["featureSet"] == "STANDARD"
    updated = ram.update_resource_share(resourceShareArn=share["resourceShareArn"], name="renamed")
    assert updated["resourceShare"]["featureSet"] == "STANDARD"
    ram.delete_resource_share(resourceShareArn=share["resourceShareArn"])
    by_status = ram.get_resource_shares(resourceOwner="SELF", resourceShareStatus="DELETED")["resourceShares"]
    assert [s["resourceShareArn"] for s in by_status] == [share["resourceShareArn"]]
    by_arn = ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[share["resourceShareArn"]])
    assert by_arn["resourceShares"][0]["status"] == "DELETED"
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []
    again = refused(lambda: ram.delete_resource_share(resourceShareArn=share["resourceShareArn"]))
    assert again["Code"] == "UnknownResourceException"
    assert refused(lambda: ram.associate_resource_share(
        resourceShareArn=share["resourceShareArn"], principals=[B]))["Code"] == "UnknownResourceException"
    # Its grant went with it: B sees nothing.
    b = backend.client("ram", access_key=B)
    assert b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []


def test_malformed_principals_and_arns_get_rams_words(backend):
    ram = backend.client("ram", access_key=A)
    err = refused(lambda: ram.create_resource_share(name="bad", principals=["invalid"]))
    assert (err["Code"], err["Message"]) == (
        "InvalidParameterException", "Principal ID invalid is malformed. Verify the ID and try again.")
    err = refused(lambda: ram.create_resource_share(name="bad", principals=["arn:aws:iam::nope:role/x"]))
    assert err["Code"] == "MalformedArnException" and "Verify the ARN and try again." in err["Message"]
    err = refused(lambda: ram.create_resource_share(name="bad", resourceArns=["not-an-arn"]))
    assert (err["Code"], err["Message"]) == (
        "MalformedArnException", "The specified resource ARN not-an-arn is not valid. Verify the ARN and try again.")
    err = refused(lambda: ram.create_resource_share(
        name="bad", resourceArns=[f"arn:aws:ec2:us-east-1:{A}:transit-gateway/tgw-123456789"]))
    assert err["Code"] == "MalformedArnException"
    assert err["Message"].startswith("You cannot share the selected resource type.")
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == [], "nothing stored on rejection"


def test_deleting_a_service_network_with_associations_is_worded_as_lattice_words_it(backend):
    c = backend.client(access_key=A)
    sn = c.create_service_network(name="busy-net")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier="vpc-0b1b2b3b4b5b6b7b8")
    err = refused(lambda: c.delete_service_network(serviceNetworkIdentifier=sn["id"]))
    assert (err["Code"], err["Message"]) == ("ConflictException", f"ServiceNetwork {sn['id']} has VPC(s) associated")
