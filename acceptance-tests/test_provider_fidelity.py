"""The `lattice` provider's mirror of the AWS provider's schemas, where the AWS provider's own
test configurations and a public module found it differed: validation that waits for unknown
values, identifiers given as ARNs, `tags_all` known at plan time and `default_tags`, `tags = {}`,
`timeouts` blocks, and data sources read by a RAM consumer. Run with Terraform on PATH and 1.0.3."""

import json

import pytest

from conftest import admin, terraform_versions

VPC = "vpc-0f1e2d3c4b5a69788"
CONSUMER = "222222222222"


@pytest.mark.parametrize("terraform", terraform_versions())
def test_a_target_group_whose_type_is_unknown_plans_and_destroys(terraform, backend, tf_factory):
    tf = tf_factory(binary=terraform)
    # The type is known only after the service exists, as with `type = each.value.type` over
    # values computed elsewhere: what config needs cannot be judged at plan time.
    tf.write('resource "lattice_service" "s" {\n name = "tg-type-source"\n}\n'
             'resource "lattice_target_group" "tg" {\n name = "type-later"\n'
             ' type = lattice_service.s.id != "" ? "LAMBDA" : "IP"\n}\n')
    tf.apply()
    assert [g["type"] for g in backend.client().list_target_groups()["items"]] == ["LAMBDA"]
    tf.assert_empty_plan()
    tf.destroy()
    assert backend.client().list_target_groups()["items"] == []


@pytest.mark.parametrize("terraform", terraform_versions())
def test_identifiers_given_as_arns_survive_import_without_replacement(terraform, backend, tf_factory):
    tf = tf_factory(binary=terraform)
    tf.write('resource "lattice_service" "s" {\n name = "arn-svc"\n}\n'
             'resource "lattice_service_network" "n" {\n name = "arn-net"\n}\n'
             'resource "lattice_service_network_service_association" "a" {\n'
             ' service_identifier = lattice_service.s.arn\n'
             ' service_network_identifier = lattice_service_network.n.arn\n}\n')
    tf.apply()
    tf.assert_empty_plan()
    association = tf.state()["lattice_service_network_service_association.a"]["id"]
    tf.run("state", "rm", "lattice_service_network_service_association.a")
    tf.import_("lattice_service_network_service_association.a", association)
    code, plan = tf.plan_exitcode()
    assert "must be replaced" not in plan and "forces replacement" not in plan, plan
    tf.apply()
    assert tf.state()["lattice_service_network_service_association.a"]["id"] == association
    tf.assert_empty_plan()
    tf.destroy()


@pytest.mark.parametrize("terraform", terraform_versions())
def test_default_tags_and_tags_all_are_known_at_plan_time(terraform, backend, tf_factory):
    tf = tf_factory(binary=terraform)
    provider = 'provider "lattice" {\n default_tags {\n  tags = { team = "platform", env = "dev" }\n }\n}\n'
    body = lambda env: (
        f'resource "lattice_service_network" "n" {{\n name = "tagged-net"\n tags = {{ env = "{env}", app = "mesh" }}\n}}\n'
        # A module's `try(obj, null)` pattern: nothing here may become unknown on a tag change.
        'locals {\n sn = try(lattice_service_network.n, null)\n}\n'
        'resource "lattice_service_network_vpc_association" "a" {\n'
        ' service_network_identifier = local.sn == null ? "sn-00000000000000000" : local.sn.id\n'
        f' vpc_identifier = "{VPC}"\n}}\n'
        'resource "lattice_service" "untagged" {\n name = "untagged-svc"\n tags = {}\n}\n')
    tf.write(body("prod"), provider)
    tf.apply()
    c = backend.client()
    sn = c.list_service_networks()["items"][0]
    assert c.list_tags_for_resource(resourceArn=sn["arn"])["tags"] == {"team": "platform", "env": "prod", "app": "mesh"}
    state = tf.state()["lattice_service_network.n"]
    assert state["tags"] == {"env": "prod", "app": "mesh"}, "tags in state are the configuration's"
    assert state["tags_all"] == {"team": "platform", "env": "prod", "app": "mesh"}
    tf.assert_empty_plan()
    association = tf.state()["lattice_service_network_vpc_association.a"]["id"]
    # A tag change: tags_all is planned, not unknown, and the association is not replaced.
    tf.write(body("stage"), provider)
    tf.run("plan", "-out", "tfplan", "-input=false")
    plan = json.loads(tf.run("show", "-json", "tfplan").stdout)
    change = next(r for r in plan["resource_changes"] if r["address"] == "lattice_service_network.n")["change"]
    assert change["after"]["tags_all"] == {"team": "platform", "env": "stage", "app": "mesh"}
    assert not change["after_unknown"].get("tags_all"), change["after_unknown"]
    actions = {r["address"]: r["change"]["actions"] for r in plan["resource_changes"]}
    assert actions["lattice_service_network_vpc_association.a"] == ["no-op"], actions
    tf.apply()
    assert tf.state()["lattice_service_network_vpc_association.a"]["id"] == association
    assert c.list_tags_for_resource(resourceArn=sn["arn"])["tags"]["env"] == "stage"
    # `tags = {}` reads back as {} (import included): no diff.
    svc = tf.state()["lattice_service.untagged"]
    assert svc["tags"] == {} and svc["tags_all"] == {"team": "platform", "env": "dev"}
    tf.run("state", "rm", "lattice_service.untagged")
    tf.import_("lattice_service.untagged", svc["id"])
    tf.assert_empty_plan()
    tf.destroy()


def test_timeouts_blocks_are_accepted_where_the_aws_provider_has_them(backend, tf_factory):
    tf = tf_factory()
    t = ' timeouts {\n  create = "5m"\n  delete = "5m"\n }\n'
    tf.write('resource "lattice_service" "s" {\n name = "timed-svc"\n' + t + '}\n'
             'resource "lattice_service_network" "n" {\n name = "timed-net"\n}\n'
             'resource "lattice_target_group" "tg" {\n name = "timed-tg"\n type = "IP"\n'
             f' config {{\n  port = 80\n  protocol = "HTTP"\n  vpc_identifier = "{VPC}"\n }}\n' + t + '}\n'
             'resource "lattice_target_group_attachment" "t" {\n target_group_identifier = lattice_target_group.tg.id\n'
             ' target {\n  id = "10.0.0.1"\n }\n' + t + '}\n'
             'resource "lattice_listener" "l" {\n name = "web"\n protocol = "HTTP"\n service_identifier = lattice_service.s.id\n'
             ' default_action {\n  fixed_response {\n   status_code = 404\n  }\n }\n' + t + '}\n'
             'resource "lattice_listener_rule" "r" {\n name = "api"\n priority = 10\n'
             ' service_identifier = lattice_service.s.id\n listener_identifier = lattice_listener.l.listener_id\n'
             ' match {\n  http_match {\n   path_match {\n    match {\n     prefix = "/api"\n    }\n   }\n  }\n }\n'
             ' action {\n  fixed_response {\n   status_code = 418\n  }\n }\n' + t + '}\n'
             'resource "lattice_service_network_service_association" "sa" {\n service_identifier = lattice_service.s.id\n'
             ' service_network_identifier = lattice_service_network.n.id\n' + t + '}\n'
             'resource "lattice_service_network_vpc_association" "va" {\n service_network_identifier = lattice_service_network.n.id\n'
             f' vpc_identifier = "{VPC}"\n' + t + '}\n'
             'resource "lattice_auth_policy" "p" {\n resource_identifier = lattice_service.s.arn\n'
             ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = "*",'
             ' Action = "*", Resource = "*" }] })\n' + t + '}\n')
    tf.apply()
    tf.assert_empty_plan()
    tf.destroy()


def test_data_sources_read_a_shared_service_network_from_the_consumer(backend, tf_factory):
    owner = backend.client(access_key="111111111111")
    sn = owner.create_service_network(name="shared-net", tags={"owner": "secret-team"})
    svc = owner.create_service(name="shared-svc", tags={"owner": "secret-team"})
    ram = backend.client("ram", access_key="111111111111")
    ram.create_resource_share(name="to-consumer", principals=[CONSUMER], resourceArns=[sn["arn"], svc["arn"]])
    invitation = backend.client("ram", access_key=CONSUMER).get_resource_share_invitations()["resourceShareInvitations"][0]
    backend.client("ram", access_key=CONSUMER).accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    # Lattice does not show a consumer the owner's tags.
    with pytest.raises(Exception) as denied:
        backend.client(access_key=CONSUMER).list_tags_for_resource(resourceArn=sn["arn"])
    assert "AccessDeniedException" in str(denied.value)
    tf = tf_factory()
    tf.write(f'data "lattice_service_network" "n" {{\n service_network_identifier = "{sn["arn"]}"\n}}\n'
             f'data "lattice_service" "s" {{\n service_identifier = "{svc["arn"]}"\n}}\n'
             'output "sn" {\n value = data.lattice_service_network.n\n}\n'
             'output "svc" {\n value = data.lattice_service.s\n}\n',
             f'provider "lattice" {{\n access_key = "{CONSUMER}"\n}}\n')
    tf.apply()
    got = json.loads(tf.run("output", "-json", "sn").stdout)
    assert got["id"] == sn["id"] and got["tags"] == {}
    assert json.loads(tf.run("output", "-json", "svc").stdout)["name"] == "shared-svc"


@pytest.mark.parametrize("terraform", terraform_versions())
def test_target_groups_import_as_created_and_alb_targets_read_back(terraform, backend, tf_factory):
    alb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/50dc6c495c0c9188"
    tf = tf_factory(binary=terraform)
    tf.write('resource "lattice_target_group" "fn" {\n name = "fn-tg"\n type = "LAMBDA"\n}\n'
             'resource "lattice_target_group" "ip" {\n name = "ip-tg"\n type = "IP"\n'
             f' config {{\n  port = 80\n  protocol = "HTTP"\n  vpc_identifier = "{VPC}"\n }}\n}}\n'
             'resource "lattice_target_group" "alb" {\n name = "alb-tg"\n type = "ALB"\n'
             f' config {{\n  port = 443\n  protocol = "HTTPS"\n  vpc_identifier = "{VPC}"\n }}\n}}\n'
             'resource "lattice_target_group_attachment" "alb" {\n target_group_identifier = lattice_target_group.alb.arn\n'
             f' target {{\n  id = "{alb}"\n  port = 443\n }}\n}}\n')
    tf.apply()
    tf.assert_empty_plan()  # the attachment of an ALB (an ARN with slashes) reads back
    state = tf.state()
    got = backend.client().get_target_group(targetGroupIdentifier=state["lattice_target_group.alb"]["id"])
    assert "healthCheck" not in got["config"] and "ipAddressType" not in got["config"], got["config"]
    for name in ("fn", "ip", "alb"):
        address = f"lattice_target_group.{name}"
        tf.run("state", "rm", address)
        tf.import_(address, state[address]["id"])
    tf.assert_empty_plan()
    tf.destroy()
    assert backend.client().list_target_groups()["items"] == []


@pytest.mark.parametrize("terraform", terraform_versions())
def test_groups_children_log_groups_aliases_and_data_source_ids(terraform, backend, tf_factory):
    tf = tf_factory(binary=terraform)
    tf.write(f'resource "lattice_resource_gateway" "gw" {{\n name = "fid-gateway"\n vpc_id = "{VPC}"\n'
             ' subnet_ids = ["subnet-0123456789abcdef0"]\n}\n'
             # A GROUP may leave its ports to its children; a CHILD's gateway is its group's.
             'resource "lattice_resource_configuration" "group" {\n name = "db-group"\n type = "GROUP"\n'
             ' resource_gateway_identifier = lattice_resource_gateway.gw.id\n}\n'
             'resource "lattice_resource_configuration" "child" {\n name = "db-child"\n type = "CHILD"\n'
             ' resource_configuration_group_id = lattice_resource_configuration.group.id\n port_ranges = ["5432"]\n'
             ' resource_configuration_definition {\n  dns_resource {\n   domain_name = "primary.db.internal"\n'
             '   ip_address_type = "IPV4"\n  }\n }\n}\n'
             'resource "lattice_service" "s" {\n name = "logged-svc"\n}\n'
             'resource "lattice_access_log_subscription" "logs" {\n resource_identifier = lattice_service.s.id\n'
             ' destination_arn = "arn:aws:logs:us-east-1:000000000000:log-group:fidelity"\n}\n'
             'resource "lattice_auth_policy" "p" {\n resource_identifier = lattice_service.s.arn\n'
             ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = "*",'
             ' Action = "*", Resource = "*" }] })\n}\n'
             'data "lattice_auth_policy" "p" {\n resource_identifier = lattice_auth_policy.p.resource_identifier\n}\n'
             'output "policy_id" {\n value = data.lattice_auth_policy.p.id\n}\n'
             'resource "lattice_local_dns_zone" "z" {\n name = "internal.example"\n'
             f' vpc {{\n  vpc_id = "{VPC}"\n }}\n}}\n'
             'resource "lattice_local_dns_record" "alias" {\n zone_id = lattice_local_dns_zone.z.id\n name = "api"\n type = "A"\n'
             ' alias {\n  name = lattice_service.s.dns_entry[0].domain_name\n  zone_id = lattice_service.s.dns_entry[0].hosted_zone_id\n }\n}\n')
    tf.apply()
    tf.assert_empty_plan()
    state = tf.state()
    child, group = state["lattice_resource_configuration.child"], state["lattice_resource_configuration.group"]
    assert child["resource_gateway_identifier"] == state["lattice_resource_gateway.gw"]["id"]
    assert group["port_ranges"] == []
    c = backend.client()
    als = c.get_access_log_subscription(accessLogSubscriptionIdentifier=state["lattice_access_log_subscription.logs"]["id"])
    assert als["destinationArn"] == "arn:aws:logs:us-east-1:000000000000:log-group:fidelity:*"
    assert state["lattice_access_log_subscription.logs"]["destination_arn"].endswith(":log-group:fidelity")
    assert tf.output("policy_id") == state["lattice_service.s"]["arn"]
    record = state["lattice_local_dns_record.alias"]
    assert record["records"] is None and record["alias"][0]["name"] == state["lattice_service.s"]["dns_entry"][0]["domain_name"]
    # The alias answers what the service name answers, in the zone's VPC.
    vpc = admin(backend, "GET", f"/vpcs/{VPC}")
    from conftest import dig
    rcode, answers = dig(vpc["resolverAddress"], vpc["resolverPort"], "api.internal.example")
    assert rcode == "NOERROR" and answers, (rcode, answers)
    for address in ("lattice_resource_configuration.child", "lattice_access_log_subscription.logs"):
        tf.run("state", "rm", address)
        tf.import_(address, state[address]["id"])
    code, plan = tf.plan_exitcode()
    assert "must be replaced" not in plan, plan
    tf.destroy()


def test_import_ids_and_target_ids_are_checked_before_anything_changes(backend, tf_factory):
    tf = tf_factory()
    tf.write('resource "lattice_listener" "l" {\n name = "web"\n protocol = "HTTP"\n'
             ' service_identifier = "svc-0123456789abcdef0"\n'
             ' default_action {\n  fixed_response {\n   status_code = 404\n  }\n }\n}\n'
             'resource "lattice_target_group_attachment" "t" {\n target_group_identifier = "tg-0123456789abcdef0"\n'
             ' target {\n  id = "127.0.0.l"\n }\n}\n')
    p = tf.run("plan", "-input=false", check=False)
    said = " ".join(p.stderr.split())
    assert p.returncode == 1 and "127.0.0.l" in said and "is not an IP address" in said, said
    p = tf.run("import", "-input=false", "lattice_listener.l", "listener-0123456789abcdef0", check=False)
    said = " ".join(p.stderr.split())
    assert p.returncode == 1 and "expected <svc id>/<listener id> (or the ARN)" in said, said
