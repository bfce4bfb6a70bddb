"""The e-commerce example (written for AWS, applied with hashicorp/aws through `lattice-local
terraform`, two accounts switched by assume_role) end to end: signed and unsigned requests from
the storefront VPC get exactly the answers its README shows — the order role's STS session keys
and the checkout user's `aws_iam_access_key` reach the order service, a Lambda function shipped
as a zip; inventory splits 80/20 and allows the role GET /stock only; payment denies everyone —
and the example's own `terraform test` suite passes."""

import json
import shutil
import subprocess
import zipfile

from conftest import LATTICE_LOCAL, ROOT, Echo, dig


def call(name, vpc, path, method="GET", creds=None):
    """(status, body) of curl from the storefront VPC, signed as `creds` (key, secret) when given."""
    args = ["curl", "-sS", "--max-time", "20", "-X", method, "--resolve", f"{name}:80:{vpc['serviceNetworkAddress']}",
            "-o", "-", "-w", "\n%{http_code}"]
    if creds:
        args += ["--aws-sigv4", "aws:amz:us-east-1:vpc-lattice-svcs", "--user", f"{creds[0]}:{creds[1]}",
                 "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    p = subprocess.run(args + [f"http://{name}{path}"], capture_output=True, text=True, timeout=30)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


def test_the_shipped_zip_holds_order_py():
    with zipfile.ZipFile(ROOT / "examples" / "ecommerce" / "order.zip") as z:
        assert z.namelist() == ["order.py"]
        assert z.read("order.py").decode() == (ROOT / "examples" / "ecommerce" / "order.py").read_text()


def test_ecommerce_layout(backend, aws_tf_factory):
    echoes = {k: Echo(k) for k in ("inventory-v1", "inventory-v2", "delivery", "payment")}
    try:
        tf = aws_tf_factory("examples/ecommerce")
        shutil.copytree(ROOT / "examples" / "ecommerce", tf.dir, dirs_exist_ok=True)
        ports = {k.replace("-", "_"): e.port for k, e in echoes.items()}
        variables = ["-var=ports=" + json.dumps(ports).replace('"', "").replace(":", "=")]
        tf.init()
        tf.apply(*variables)
        tf.assert_empty_plan(*variables)

        names = json.loads(tf.run("output", "-json", "service_names").stdout)
        vpc = json.loads(subprocess.run([str(LATTICE_LOCAL), "vpc", "info", tf.output("storefront_vpc_id"), "--endpoint",
                                         backend.endpoint, "--account", "222222222222"], check=True, capture_output=True,
                                        text=True).stdout)
        for name in names.values():
            assert dig(vpc["resolverAddress"], vpc["resolverPort"], name) == ("NOERROR", [vpc["serviceNetworkAddress"]])
        c = backend.client("sts", access_key="222222222222").assume_role(
            RoleArn=tf.output("order_role_arn"), RoleSessionName="shop")["Credentials"]
        role = (c["AccessKeyId"], c["SecretAccessKey"])
        checkout = json.loads(tf.run("output", "-json", "checkout_key").stdout)
        checkout = (checkout["access_key_id"], checkout["secret_access_key"])

        # Unsigned: the network's policy wants a principal of the storefront account.
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
        # The checkout user is in the account but not the order role: inventory refuses it.
        assert call(names["inventory"], vpc, "/stock", creds=checkout)[0] == 403

        # Delivery: anything. Payment: AWS_IAM without a policy denies everyone.
        assert call(names["delivery"], vpc, "/delivery/42", "PUT", creds=role)[0] == 200
        status, body = call(names["payment"], vpc, "/charge", "POST", creds=role)
        assert status == 403 and "because no service-based policy allows" in body, body

        # Order: the Lambda function gets the event with the caller's identity.
        for creds, caller in ((role, ":assumed-role/order/"), (checkout, ":user/checkout")):
            status, body = call(names["order"], vpc, "/orders", "POST", creds=creds)
            assert status == 200, body
            answer = json.loads(body)
            assert answer["service"] == "order" and answer["function"] == "order" and caller in answer["caller"], answer
            assert answer["sourceVpcArn"].endswith(f"vpc/{vpc['vpcId']}")

        tf.destroy(*variables)
        for account in ("111111111111", "222222222222"):
            c = backend.client(access_key=account)
            assert c.list_services()["items"] == [] and c.list_service_networks()["items"] == []
        p = tf.run("test", *variables, check=False)
        assert p.returncode == 0 and "6 passed, 0 failed" in p.stdout, p.stdout + p.stderr
    finally:
        for e in echoes.values():
            e.stop()
