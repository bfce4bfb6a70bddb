"""A network module written for AWS, applied unmodified with the real hashicorp/aws provider
(5.100.0, from the machine's filesystem mirror) through `lattice-local terraform`: STS, EC2,
Route 53, VPC Lattice on one endpoint. Then traffic from the VPC `aws_vpc` made (dig the alias
the hosted zone holds, curl the service), an empty re-plan, updates in place (same ids, the
security group rule changing what traffic gets in), a replacement, import round trips, an
out-of-band deletion found by the next plan, and a destroy verified through the APIs."""

import json
import shutil
import subprocess

import pytest

from conftest import LATTICE_LOCAL, ROOT, TERRAFORM_1_0, dig

MODULE = ROOT / "acceptance-tests" / "aws" / "network.tf"


def curl_from(source, name, address, port=80, path="/"):
    """(status, body) of GET http://name{path} sent from `source` (a VPC client address)."""
    p = subprocess.run(["curl", "-sS", "--max-time", "5", "--interface", source, "--resolve", f"{name}:{port}:{address}",
                        "-o", "-", "-w", "\n%{http_code}", f"http://{name}:{port}{path}"], capture_output=True, text=True,
                       timeout=20)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


# What the provider's own import tests leave out (ImportStateVerifyIgnore): settings that live
# only in configuration.
IMPORT_IGNORED = {"revoke_rules_on_delete", "force_destroy", "allow_overwrite"}


def import_round_trip(tf, ids, variables, provider_of=lambda address: None, ignored=()):
    """Forgets `ids` (address → import id), imports them back with import blocks in one apply,
    and checks the plan is empty and every imported object equals what was forgotten (but for
    `ignored`: (address, attribute) pairs the provider sets differently on import)."""
    before = tf.state()
    tf.run("state", "rm", *ids)
    blocks = []
    for address, import_id in ids.items():
        provider = f"  provider = {provider_of(address)}\n" if provider_of(address) else ""
        blocks.append(f'import {{\n  to = {address}\n  id = "{import_id}"\n{provider}}}\n')
    (tf.dir / "imports.tf").write_text("".join(blocks))
    out = tf.apply(*variables).stdout
    assert f"{len(ids)} imported" in out, out
    (tf.dir / "imports.tf").unlink()
    tf.assert_empty_plan(*variables)
    after = tf.state()
    for address in ids:
        strip = lambda values: {k: v for k, v in values.items()
                                if k not in IMPORT_IGNORED and (address, k) not in ignored}
        assert strip(after[address]) == strip(before[address]), address


def test_a_network_module_for_aws_applies_and_carries_traffic(backend, echo, aws_tf_factory):
    tf = aws_tf_factory()
    shutil.copy(MODULE, tf.dir / "main.tf")
    port = [f"-var=target_port={echo.port}"]
    tf.init()
    tf.apply(*port)
    tf.assert_empty_plan(*port)
    state = tf.state()
    assert tf.output("account") == "000000000000"
    vpc_id, zone_id, service = tf.output("vpc_id"), tf.output("zone_id"), tf.output("service_name")
    vpc = backend.vpc_info(vpc_id)
    assert vpc["tags"] == {"Name": "app", "env": "dev"}
    client = vpc["serviceNetworkAddress"].rsplit(".", 1)[0] + ".250"

    # DNS in the VPC: the private zone's alias leads to the service, its TXT record is there.
    resolver, resolver_port = vpc["resolverAddress"], vpc["resolverPort"]
    assert dig(resolver, resolver_port, "api.corp.internal") == ("NOERROR", [f"{service}.", vpc["serviceNetworkAddress"]])
    txt = subprocess.run(["dig", f"@{resolver}", "-p", str(resolver_port), "owner.corp.internal", "TXT", "+short"],
                         capture_output=True, text=True, timeout=10).stdout.strip()
    assert txt == '"team=platform"'
    # Traffic: a client of the VPC reaches the service; the association's security group (its
    # rule written against the VPC's declared 10.20.0.0/16) turns away a source outside the VPC.
    status, body = curl_from(client, service, vpc["serviceNetworkAddress"])
    assert status == 200 and "hello from the echo target" in body, (status, body)
    assert curl_from("127.0.0.1", service, vpc["serviceNetworkAddress"])[0] == 0

    # Update in place: the same VPC, the same rule id; the rule now admits another block only.
    rule_id = state["aws_vpc_security_group_ingress_rule.http"]["id"]
    tf.apply(*port, "-var=env=test", "-var=allowed_cidr=192.168.0.0/16")
    after = tf.state()
    assert after["aws_vpc.app"]["id"] == vpc_id and after["aws_vpc.app"]["tags"]["env"] == "test"
    assert after["aws_vpc_security_group_ingress_rule.http"]["id"] == rule_id
    assert backend.vpc_info(vpc_id)["tags"]["env"] == "test"
    assert curl_from(client, service, vpc["serviceNetworkAddress"])[0] == 0, "the VPC is no longer admitted"
    tf.apply(*port)
    assert curl_from(client, service, vpc["serviceNetworkAddress"])[0] == 200

    # Replacement: a subnet's block is ForceNew.
    subnet = after["aws_subnet.a"]["id"]
    tf.apply(*port, "-var=subnet_cidr=10.20.2.0/24")
    assert tf.state()["aws_subnet.a"]["id"] != subnet
    tf.apply(*port)

    # Import round trip, for every type here that imports: forget them, import them back (import
    # blocks, one apply), and the plan is empty.
    imported = {
        "aws_vpc.app": vpc_id, "aws_subnet.a": tf.output("subnet_id"),
        "aws_security_group.lattice": tf.output("security_group_id"), "aws_route53_zone.internal": zone_id,
        "aws_route53_record.api": f"{zone_id}_api.corp.internal_A",
        "aws_vpc_security_group_ingress_rule.http": rule_id,
        "aws_vpclattice_service_network.net": state["aws_vpclattice_service_network.net"]["id"],
        "aws_vpclattice_service.api": state["aws_vpclattice_service.api"]["id"],
    }
    import_round_trip(tf, imported, port)

    # Out of band: the TXT record is deleted behind Terraform's back; the next plan adds it.
    route53 = backend.client("route53")
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "DELETE",
        "ResourceRecordSet": {"Name": "owner.corp.internal.", "Type": "TXT", "TTL": 60,
                              "ResourceRecords": [{"Value": '"team=platform"'}]}}]})
    code, plan = tf.plan_exitcode(*port)
    assert code == 2 and "aws_route53_record.txt will be created" in plan, plan

    # Destroy, verified through the APIs.
    tf.destroy(*port)
    ec2 = backend.client("ec2")
    assert ec2.describe_vpcs()["Vpcs"] == []
    assert ec2.describe_subnets()["Subnets"] == []
    assert route53.list_hosted_zones()["HostedZones"] == []
    lattice = backend.client()
    assert lattice.list_services()["items"] == [] and lattice.list_service_networks()["items"] == []


SHARED = ROOT / "acceptance-tests" / "aws" / "shared.tf"
# Types of shared.tf that hashicorp/aws cannot import.
NOT_IMPORTABLE = {"aws_vpclattice_target_group_attachment"}


def test_every_lattice_and_ram_type_through_hashicorp_aws(backend, echo, aws_tf_factory):
    tf = aws_tf_factory("shared", accounts=["111111111111", "consumer=222222222222"])
    shutil.copy(SHARED, tf.dir / "main.tf")
    variables = [f"-var=target_port={echo.port}", f"-var=resource_port={echo.port}"]
    tf.init()
    tf.apply(*variables)
    tf.assert_empty_plan(*variables)
    state = tf.state()
    types = {address.split(".")[0] for address in state if not address.startswith("data.")}
    lattice_and_ram = {t for t in types if t.startswith(("aws_vpclattice_", "aws_ram_"))}
    assert len(lattice_and_ram) == 18, sorted(lattice_and_ram)
    assert tf.output("network_seen_by_consumer") == "shared"
    assert tf.output("share_status") == "ACTIVE" and tf.output("listener_port") == "80"
    assert state["data.aws_vpclattice_auth_policy.shared"]["policy"] == state["aws_vpclattice_auth_policy.shared"]["policy"]

    # The consumer's VPC reaches the shared service through the rule, and the owner's TCP
    # resource through the resource gateway, by the names Lattice gives them.
    info = consumer_vpc_info(backend, tf.output("consumer_vpc"))
    client, address = info["serviceNetworkAddress"].rsplit(".", 1)[0] + ".250", info["serviceNetworkAddress"]
    service = tf.output("service_name")
    status, body = curl_from(client, service, address, path="/api/orders")
    assert status == 200 and "hello from the echo target" in body, (status, body)
    assert curl_from(client, service, address, path="/")[0] == 404, "the listener's default: a fixed 404"
    lattice = backend.client(access_key="111111111111")
    snra = lattice.get_service_network_resource_association(
        serviceNetworkResourceAssociationIdentifier=tf.output("resource_association"))
    status, answers = dig(info["resolverAddress"], info["resolverPort"], snra["dnsEntry"]["domainName"])
    assert status == "NOERROR" and len(answers) == 1, (status, answers)
    status, body = curl_from(client, answers[0], answers[0], port=echo.port)
    assert status == 200 and "hello from the echo target" in body, "the resource answers through the gateway"

    # Update in place: the rule keeps its id and routes the new path.
    rule_id = state["aws_vpclattice_listener_rule.api"]["id"]
    tf.apply(*variables, "-var=rule_path=/v2")
    assert tf.state()["aws_vpclattice_listener_rule.api"]["id"] == rule_id
    assert curl_from(client, service, address, path="/v2/orders")[0] == 200
    assert curl_from(client, service, address, path="/api/orders")[0] == 404
    tf.apply(*variables)

    # Import round trip of every importable type, in one apply of import blocks.
    state = tf.state()
    importable = {a: v["id"] for a, v in state.items()
                  if not a.startswith("data.") and a.split(".")[0] not in NOT_IMPORTABLE}
    import_round_trip(tf, importable, variables, lambda a: "aws.consumer" if a in CONSUMER_ADDRESSES else None)

    # Out of band: the owner deletes the resource association; the next plan recreates it.
    lattice.delete_service_network_resource_association(
        serviceNetworkResourceAssociationIdentifier=tf.output("resource_association"))
    code, plan = tf.plan_exitcode(*variables)
    assert code == 2 and "aws_vpclattice_service_network_resource_association.cache will be created" in plan, plan

    tf.destroy(*variables)
    assert lattice.list_service_networks()["items"] == [] and lattice.list_resource_gateways()["items"] == []
    assert backend.client("ram", access_key="111111111111").get_resource_shares(
        resourceOwner="SELF", resourceShareStatus="ACTIVE")["resourceShares"] == []
    assert backend.client("ec2", access_key="222222222222").describe_vpcs()["Vpcs"] == []


CONSUMER_ADDRESSES = {"aws_ram_resource_share_accepter.consumer", "aws_vpc.consumer",
                      "aws_vpclattice_service_network_vpc_association.consumer"}


def consumer_vpc_info(backend, vpc_id):
    out = subprocess.run([str(LATTICE_LOCAL), "vpc", "info", vpc_id, "--endpoint", backend.endpoint,
                          "--account", "222222222222"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


ENDPOINTS = ROOT / "acceptance-tests" / "aws" / "endpoints.tf"


def test_vpc_endpoints_egress_rules_and_zone_associations(backend, echo, aws_tf_factory):
    tf = aws_tf_factory("endpoints")
    shutil.copy(ENDPOINTS, tf.dir / "main.tf")
    variables = [f"-var=resource_port={echo.port}"]
    tf.init()
    tf.apply(*variables)
    tf.assert_empty_plan(*variables)
    info = backend.vpc_info(tf.output("consumer_vpc"))
    client = info["serviceNetworkAddress"].rsplit(".", 1)[0] + ".250"
    state = tf.state()
    looked_up = json.loads(tf.run("output", "-json", "looked_up").stdout)
    assert looked_up == {"vpc_cidr": "10.31.0.0/16", "subnets": [state["aws_subnet.consumer"]["id"]],
                         "group": state["aws_security_group.endpoint"]["id"],
                         "zone": state["aws_route53_zone.corp"]["zone_id"]}, looked_up
    # The zone associated with the consumer VPC names the Resource endpoint; the endpoint's
    # group (a rule naming the group itself) admits the VPC's clients and nobody else.
    status, answers = dig(info["resolverAddress"], info["resolverPort"], "db.corp.internal")
    assert status == "NOERROR" and answers[0] == tf.output("db_endpoint_name") + ".", answers
    address = answers[-1]
    status, body = curl_from(client, address, address, port=echo.port)
    assert status == 200 and "hello from the echo target" in body, (status, body)
    assert curl_from("127.0.0.1", address, address, port=echo.port)[0] == 0

    state = tf.state()
    egress = state["aws_vpc_security_group_egress_rule.out"]["id"]
    tf.apply(*variables, "-var=egress_port=8443")
    assert tf.state()["aws_vpc_security_group_egress_rule.out"]["id"] == egress, "updated in place"
    tf.apply(*variables)

    addresses = ["aws_vpc_endpoint.network", "aws_vpc_endpoint.db", "aws_route53_zone_association.consumer",
                 "aws_vpc_security_group_egress_rule.out", "aws_vpc_security_group_ingress_rule.vpc",
                 "aws_default_security_group.consumer"]
    state = tf.state()
    import_round_trip(tf, {a: state[a]["id"] for a in addresses}, variables)

    ec2 = backend.client("ec2")
    ec2.delete_vpc_endpoints(VpcEndpointIds=[tf.output("db_endpoint")])
    code, plan = tf.plan_exitcode(*variables)
    assert code == 2 and "aws_vpc_endpoint.db will be created" in plan, plan
    tf.destroy(*variables)
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == [] and ec2.describe_vpcs()["Vpcs"] == []


@pytest.mark.skipif(not TERRAFORM_1_0, reason="Terraform 1.0.3 is installed by scripts/setup")
def test_the_network_module_with_terraform_1_0(backend, echo, aws_tf_factory):
    """The oldest Terraform we support drives hashicorp/aws through the backend as well."""
    tf = aws_tf_factory("tf-1.0", binary=TERRAFORM_1_0)
    shutil.copy(MODULE, tf.dir / "main.tf")
    port = [f"-var=target_port={echo.port}"]
    tf.init()
    tf.apply(*port)
    tf.assert_empty_plan(*port)
    vpc = backend.vpc_info(tf.output("vpc_id"))
    client = vpc["serviceNetworkAddress"].rsplit(".", 1)[0] + ".250"
    status, body = curl_from(client, tf.output("service_name"), vpc["serviceNetworkAddress"])
    assert status == 200 and "hello from the echo target" in body, (status, body)
    tf.run("state", "rm", "aws_subnet.a")
    tf.import_("aws_subnet.a", subnet_of(backend, vpc["vpcId"]), *port)
    # Terraform 1.0 drops outputs of a forgotten resource until the next apply, which must
    # change nothing real.
    assert "0 added, 0 changed, 0 destroyed" in tf.apply(*port).stdout
    tf.assert_empty_plan(*port)
    tf.destroy(*port)
    assert backend.client("ec2").describe_vpcs()["Vpcs"] == []


def subnet_of(backend, vpc_id):
    subnets = backend.client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return subnets[0]["SubnetId"]
