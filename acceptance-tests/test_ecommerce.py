"""The ecommerce example end to end: Terraform applies it across two accounts, then signed and
unsigned requests from the storefront VPC get exactly the answers its README shows."""

import json
import shutil
import subprocess

import pytest

from conftest import ROOT, Echo, dig, terraform_versions


def call(name, vpc, path, method="GET", creds=None):
    """(status, body) of curl from the storefront VPC, signed as `creds` when given."""
    args = ["curl", "-sS", "--max-time", "20", "-X", method, "--resolve", f"{name}:80:{vpc['service_network_address']}",
            "-o", "-", "-w", "\n%{http_code}"]
    if creds:
        args += ["--aws-sigv4", "aws:amz:us-east-1:vpc-lattice-svcs", "--user",
                 f"{creds['access_key_id']}:{creds['secret_access_key']}", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    p = subprocess.run(args + [f"http://{name}{path}"], capture_output=True, text=True, timeout=30)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


@pytest.mark.parametrize("terraform", terraform_versions())
def test_ecommerce_layout(terraform, backend, tf_factory):
    echoes = {k: Echo(k) for k in ("inventory-v1", "inventory-v2", "delivery", "payment")}
    try:
        tf = tf_factory(terraform)
        for f in ("main.tf", "order.py"):
            shutil.copy(ROOT / "examples" / "ecommerce" / f, tf.dir / f)
        variables = [f"-var={k.replace('-', '_')}_port={e.port}" for k, e in echoes.items()]
        tf.apply(*variables)
        tf.assert_empty_plan(*variables)

        names = json.loads(tf.run("output", "-json", "service_names").stdout)
        vpc = json.loads(tf.run("output", "-json", "storefront_vpc").stdout)
        role = json.loads(tf.run("output", "-json", "order_role").stdout)
        resolver, port = vpc["resolver"].rsplit(":", 1)
        for name in names.values():
            assert dig(resolver, port, name) == ("NOERROR", [vpc["service_network_address"]])

        # Unsigned: the network's policy wants a principal of the organization.
        status, body = call(names["inventory"], vpc, "/stock")
        assert status == 403 and "because no network-based policy allows" in body, body

        # The order role: GET /stock on inventory only, split 80/20 across its versions.
        seen = [call(names["inventory"], vpc, "/stock", creds=role) for _ in range(20)]
        assert {s for s, _ in seen} == {200}
        versions = [json.loads(b)["message"] for _, b in seen]
        assert versions.count("inventory-v1") == 16 and versions.count("inventory-v2") == 4, versions
        assert ":assumed-role/order/" in json.loads(seen[0][1])["headers"]["x-amzn-lattice-identity"]
        for method, path in (("POST", "/stock"), ("GET", "/prices")):
            status, body = call(names["inventory"], vpc, path, method, creds=role)
            assert status == 403 and "because no service-based policy allows" in body, (method, path, body)

        # Delivery: anything. Payment: AWS_IAM without a policy denies everyone.
        assert call(names["delivery"], vpc, "/delivery/42", "PUT", creds=role)[0] == 200
        status, body = call(names["payment"], vpc, "/charge", "POST", creds=role)
        assert status == 403 and "because no service-based policy allows" in body, body

        # Order: a local function receives the Lattice event with the caller's identity.
        status, body = call(names["order"], vpc, "/orders", "POST", creds=role)
        assert status == 200, body
        answer = json.loads(body)
        assert answer["service"] == "order" and answer["caller"].endswith(":assumed-role/order/lattice-local")
        assert answer["sourceVpcArn"].endswith(f"vpc/{vpc['id']}")

        tf.destroy(*variables)
        for account in ("111111111111", "222222222222"):
            c = backend.client(access_key=account)
            assert c.list_services()["items"] == [] and c.list_service_networks()["items"] == []
    finally:
        for e in echoes.values():
            e.stop()
