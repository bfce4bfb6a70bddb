"""The multi-account example end to end, with three provider aliases: a shared-services
account shares a service network and a service with RAM; production (in its organization)
gets access at once, development (outside it) accepts an invitation; both consumers' VPCs
resolve and reach the service. Revoking development's access from the owner's side cuts its
VPC off (NXDOMAIN, no traffic), the API refuses a new association, and Terraform sees the
development side as gone; production keeps working."""

import json
import shutil

import botocore.exceptions
import pytest

from conftest import ROOT, curl, dig, terraform_versions

SHARED, PRODUCTION, DEVELOPMENT = "111111111111", "222222222222", "333333333333"


def reach(vpc, name):
    resolver, port = vpc["resolver"].rsplit(":", 1)
    status, answers = dig(resolver, port, name)
    code, body = curl(name, 80, vpc["service_network_address"]) if status == "NOERROR" else (0, "")
    return status, answers, code, body


@pytest.mark.parametrize("terraform", terraform_versions())
def test_three_accounts_share_through_ram_and_revocation_cuts_access(terraform, backend, echo, tf_factory):
    tf = tf_factory(terraform)
    shutil.copy(ROOT / "examples" / "multi-account" / "main.tf", tf.dir / "main.tf")
    var = f"-var=echo_port={echo.port}"
    tf.apply(var)
    tf.assert_empty_plan(var)

    name = tf.output("service_dns_name")
    production = json.loads(tf.run("output", "-json", "production_vpc").stdout)
    development = json.loads(tf.run("output", "-json", "development_vpc").stdout)
    for vpc in (production, development):
        status, answers, code, body = reach(vpc, name)
        assert (status, answers) == ("NOERROR", [vpc["service_network_address"]])
        assert code == 200 and "hello from the echo target" in body, body
        assert f'"x-amzn-source-vpc": "{vpc["id"]}"' in body

    state = tf.state()
    share = state["lattice_ram_resource_share.shared"]["arn"]
    shared = json.loads(tf.run("output", "-json", "shared_with_development").stdout)
    assert sorted(shared) == sorted([state["lattice_service_network.shared"]["arn"],
                                     state["lattice_service.orders"]["arn"]])
    assert state["lattice_ram_resource_share_accepter.development[0]"]["status"] == "ACCEPTED"
    assert state["lattice_ram_resource_share_accepter.development[0]"]["sender_account_id"] == SHARED
    # Production's access needed no invitation; development's did.
    ram_prod = backend.client("ram", access_key=PRODUCTION)
    assert ram_prod.get_resource_share_invitations()["resourceShareInvitations"] == []
    ram_dev = backend.client("ram", access_key=DEVELOPMENT)
    assert [i["status"] for i in ram_dev.get_resource_share_invitations()["resourceShareInvitations"]] == ["ACCEPTED"]

    # The shared-services account revokes development's access.
    backend.client("ram", access_key=SHARED).disassociate_resource_share(resourceShareArn=share,
                                                                         principals=[DEVELOPMENT])
    assert reach(development, name)[0] == "NXDOMAIN"
    assert curl(name, 80, development["service_network_address"])[0] != 200
    status, answers, code, _ = reach(production, name)
    assert (status, code) == ("NOERROR", 200)
    sn_arn = state["lattice_service_network.shared"]["arn"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        backend.client(access_key=DEVELOPMENT).create_service_network_vpc_association(
            serviceNetworkIdentifier=sn_arn, vpcIdentifier=development["id"])
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"

    # Terraform sees the development side gone; removing it from the configuration converges.
    code, out = tf.plan_exitcode(var)
    assert code == 2
    assert "lattice_service_network_vpc_association.development[0] will be created" in out, out
    assert "lattice_ram_principal_association.development[0] will be created" in out, out
    tf.apply(var, "-var=development_access=false")
    tf.assert_empty_plan(var, "-var=development_access=false")
    assert reach(production, name)[2] == 200

    tf.destroy(var, "-var=development_access=false")
    for account in (SHARED, PRODUCTION, DEVELOPMENT):
        c = backend.client(access_key=account)
        assert c.list_service_networks()["items"] == [] and c.list_services()["items"] == []
        assert backend.client("ram", access_key=account).get_resource_shares(resourceOwner="SELF")[
            "resourceShares"] == []
