"""The acceptance bar for every resource type, with real Terraform against the built
binaries: create, an empty plan, import + state verify, update in place (same id), replacement
on a ForceNew change, out-of-band deletion detected, and destroy verified through the API."""

import json
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

from conftest import admin_request
from lifecycle import CASES
from lifecycle.common import BASE, LISTENER


def admin_call(backend, method, path):
    req = admin_request(backend.endpoint, method, path)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def exists(backend, case, state):
    if case.check:
        return case.check(backend, state)
    if case.admin:
        return admin_call(backend, "GET", case.admin(state)) == 200
    try:
        case.get(backend.client(), state)
        return True
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFoundException", e
        return False


def delete_out_of_band(backend, case, state):
    if case.remove:
        case.remove(backend, state)
    elif case.admin:
        assert admin_call(backend, "DELETE", case.admin(state)) == 204
    else:
        case.delete(backend.client(), state)


@pytest.mark.parametrize("name", list(CASES))
def test_resource_lifecycle(name, backend, tf_factory):
    case = CASES[name]
    tf = tf_factory()

    # Create, then nothing left to do.
    tf.write(BASE + case.create)
    tf.apply()
    tf.assert_empty_plan()
    created = tf.state()[case.address]
    assert exists(backend, case, created)

    # Import into a fresh state entry and verify it matches what apply stored.
    if case.import_id:
        tf.run("state", "rm", case.address)
        tf.import_(case.address, case.import_id(created))
        imported = tf.state()[case.address]
        differing = {k for k in created if created[k] != imported.get(k)} - case.ignore
        assert not differing, {k: (created[k], imported.get(k)) for k in differing}
        tf.assert_empty_plan()

    # Update in place keeps the id.
    if case.update:
        tf.write(BASE + case.update)
        tf.apply()
        tf.assert_empty_plan()
        updated = tf.state()[case.address]
        assert updated["id"] == created["id"], "an in-place update must not replace the object"
        assert updated != created

    # A ForceNew change replaces the object, and the old one is gone.
    replaced = tf.state()[case.address]
    if case.replace:
        tf.write(BASE + case.replace)
        out = tf.apply().stdout
        assert "1 added" in out and f"{case.destroyed} destroyed" in out, out
        replaced = tf.state()[case.address]
        assert replaced["id"] != created["id"]
        assert not exists(backend, case, created)
        tf.assert_empty_plan()

    # Deleted behind Terraform's back: the plan wants to create it again, without error.
    delete_out_of_band(backend, case, replaced)
    code, out = tf.plan_exitcode()
    assert code == 2 and "will be created" in out, out

    # Re-create, destroy, and check through the API.
    tf.apply()
    final = tf.state()[case.address]
    tf.destroy()
    assert not exists(backend, case, final)


def test_data_sources_read_what_resources_created(backend, tf_factory):
    tf = tf_factory()
    tf.write(BASE + """
data "lattice_service_network" "by_id" {
  service_network_identifier = lattice_service_network.base.id
  depends_on = [lattice_service_network_service_association.a]
}
data "lattice_service" "by_name" {
  name = lattice_service.base.name
}
data "lattice_service" "by_arn" {
  service_identifier = lattice_service.other.arn
}
resource "lattice_service_network_service_association" "a" {
  service_identifier = lattice_service.base.id
  service_network_identifier = lattice_service_network.base.id
}
data "lattice_service_network_service_associations" "of_net" {
  service_network_identifier = lattice_service_network.base.id
  depends_on = [lattice_service_network_service_association.a]
}
output "assocs" { value = data.lattice_service_network_service_associations.of_net.associations }
output "sn" { value = data.lattice_service_network.by_id }
output "by_name" { value = data.lattice_service.by_name }
output "by_arn" { value = data.lattice_service.by_arn }
""")
    tf.apply()
    state = tf.state()
    sn = json.loads(tf.run("output", "-json", "sn").stdout)
    assert sn["name"] == "acc-base-net" and sn["arn"] == state["lattice_service_network.base"]["arn"]
    assert sn["number_of_associated_services"] == 1
    assocs = json.loads(tf.run("output", "-json", "assocs").stdout)
    assert [(a["service_name"], a["service_network_name"], a["status"]) for a in assocs] == [("acc-base-svc", "acc-base-net", "ACTIVE")]
    assert assocs[0]["dns_entry"] == state["lattice_service.base"]["dns_entry"]
    by_name = json.loads(tf.run("output", "-json", "by_name").stdout)
    assert by_name["id"] == state["lattice_service.base"]["id"]
    assert by_name["dns_entry"] == state["lattice_service.base"]["dns_entry"]
    by_arn = json.loads(tf.run("output", "-json", "by_arn").stdout)
    assert by_arn["name"] == "acc-other-svc"
    tf.assert_empty_plan()
    tf.destroy()


def test_invalid_input_is_rejected_at_plan_time_with_its_path(backend, tf_factory):
    tf = tf_factory()
    tf.write('resource "lattice_service" "bad" {\n  name = "Bad_Name"\n}\n'
             'resource "lattice_target_group" "bad" {\n name = "acc-tg"\n type = "IP"\n config {\n'
             '  port = 70000\n  protocol = "HTTP"\n  vpc_identifier = "vpc-12345678"\n }\n}\n'
             # Checked from the botocore model, nested blocks included.
             'resource "lattice_listener" "bad" {\n name = "web"\n protocol = "UDP"\n'
             ' service_identifier = "svc-0123456789abcdef0"\n'
             ' default_action {\n  fixed_response {\n   status_code = 42\n  }\n }\n}\n'
             # A rule forwards to at most 2 target groups in hashicorp/aws (a listener to 10).
             'resource "lattice_listener_rule" "bad" {\n name = "three"\n priority = 1\n'
             ' service_identifier = "svc-0123456789abcdef0"\n listener_identifier = "listener-0123456789abcdef0"\n'
             ' match {\n  http_match {\n   method = "GET"\n  }\n }\n action {\n  forward {\n'
             + '   target_groups {\n    target_group_identifier = "tg-0123456789abcdef0"\n   }\n' * 3
             + '  }\n }\n}\n')
    p = tf.run("plan", "-input=false", check=False)
    assert p.returncode == 1
    assert "Invalid name" in p.stderr and 'resource "lattice_service" "bad"' in p.stderr
    assert "Invalid port" in p.stderr and "70000" in p.stderr
    said = " ".join(p.stderr.split())  # Terraform wraps long lines
    assert "Invalid protocol" in said and "enum value set: [HTTP, HTTPS, TLS_PASSTHROUGH]" in said
    assert "Invalid status_code" in said and "greater than or equal to 100" in said
    assert "status_code = 42" in p.stderr  # Terraform points at the nested attribute
    assert "Too many target_groups blocks" in said and "No more than 2" in said, said
    assert backend.client().list_services()["items"] == []


def test_api_conflict_surfaces_as_a_terraform_error_and_stores_nothing(backend, tf_factory):
    backend.client().create_service(name="taken")
    tf = tf_factory()
    tf.write('resource "lattice_service" "dup" {\n  name = "taken"\n}\n')
    p = tf.run("apply", "-auto-approve", "-input=false", check=False)
    assert p.returncode == 1
    assert "Error: creating VPC Lattice Service (taken)" in p.stderr
    assert "ConflictException: A service named 'taken' already exists" in p.stderr
    assert len(backend.client().list_services()["items"]) == 1
    assert tf.state() == {}


def test_quota_breach_is_a_clear_terraform_error_and_stores_nothing(backend, tf_factory):
    tf = tf_factory()
    rules = "".join(
        f'resource "lattice_listener_rule" "r{i}" {{\n name = "rule{i:02d}"\n priority = {i + 1}\n'
        ' service_identifier = lattice_service.base.id\n listener_identifier = lattice_listener.l.listener_id\n'
        ' match {\n http_match { method = "GET" }\n }\n action {\n fixed_response { status_code = 200 }\n }\n}\n'
        for i in range(11))
    tf.write(BASE + LISTENER + rules)
    p = tf.run("apply", "-auto-approve", "-input=false", "-parallelism=1", check=False)
    assert p.returncode == 1
    assert "Error: creating VPC Lattice Listener Rule" in p.stderr and "ServiceQuotaExceededException" in p.stderr
    svc = tf.state()["lattice_service.base"]["id"]
    listener = tf.state()["lattice_listener.l"]["listener_id"]
    listed = backend.client().list_rules(serviceIdentifier=svc, listenerIdentifier=listener)["items"]
    assert len(listed) == 10
    assert sum(1 for k in tf.state() if k.startswith("lattice_listener_rule.")) == 10


def test_conflicting_delete_is_a_clear_terraform_error_and_changes_nothing(backend, tf_factory):
    tf = tf_factory()
    tf.write('resource "lattice_service_network" "net" {\n  name = "held-net"\n}\n')
    tf.apply()
    sn = tf.state()["lattice_service_network.net"]["id"]
    c = backend.client()
    svc = c.create_service(name="outside-terraform")
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)
    p = tf.run("destroy", "-auto-approve", "-input=false", check=False)
    assert p.returncode == 1
    assert "Error: deleting VPC Lattice Service Network" in p.stderr and "ConflictException" in p.stderr
    assert c.get_service_network(serviceNetworkIdentifier=sn)["numberOfAssociatedServices"] == 1
    assert "lattice_service_network.net" in tf.state()
