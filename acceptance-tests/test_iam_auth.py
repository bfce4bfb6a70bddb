"""IAM auth on the data plane: SigV4 for `vpc-lattice-svcs` signed by real clients (botocore's
signer and `curl --aws-sigv4`), the network policy AND the service policy AND the caller's
identity policy, explicit denies, and what targets and access logs see of the caller."""

import datetime
import http.client
import json
import subprocess
from unittest import mock

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import admin
from conftest import read_logs

VPC = "vpc-0a1a0a1a0a1a0a1a0"
OUTSIDE = "999999999999"
ALLOW_INVOKE = json.dumps({"Statement": [{"Effect": "Allow", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"}]})


def send(addr, name, method, path, creds=None, headers=None, when=None):
    """(status, body) of a request to `name` through the VPC's service-network address, signed
    with botocore's SigV4Auth (UNSIGNED-PAYLOAD, as Lattice requires) when `creds` is given."""
    headers = dict(headers or {})
    if creds:
        request = AWSRequest(method=method, url=f"http://{name}{path}",
                             headers={**headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        signer = SigV4Auth(Credentials(*creds), "vpc-lattice-svcs", "us-east-1")
        if when is None:
            signer.add_auth(request)
        else:
            with mock.patch.object(botocore.auth, "get_current_datetime", lambda: when):
                signer.add_auth(request)
        headers = dict(request.headers.items())
    headers["Host"] = name
    conn = http.client.HTTPConnection(addr, 80, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


@pytest.fixture
def layout(backend, echo):
    """An AWS_IAM network and service in front of the echo target, with principals inside and
    outside the organization."""
    c = backend.client()
    org = admin(backend, "POST", "/organizations", {"accounts": {"000000000000": "prod"}})
    principals = {}
    for name, kind, policy, tags in [("order", "role", ALLOW_INVOKE, {"team": "orders"}),
                                     ("courier", "role", ALLOW_INVOKE, {"team": "delivery"}),
                                     ("lazy", "user", None, {})]:
        body = {"name": name, "type": kind, "tags": tags}
        if policy:
            body["policy"] = policy
        principals[name] = admin(backend, "POST", "/principals", body)
    principals["outsider"] = admin(backend, "POST", "/principals", {"name": "outsider", "policy": ALLOW_INVOKE},
                                   account=OUTSIDE)

    sn = c.create_service_network(name="iam-net", authType="AWS_IAM")
    c.put_auth_policy(resourceIdentifier=sn["id"], policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": org["id"]}}},
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*/public"},
    ]}))
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
    tg = c.create_target_group(name="iam-targets", type="IP",
                               config={"port": echo.port, "protocol": "HTTP", "vpcIdentifier": VPC})
    c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}])
    svc = c.create_service(name="inventory", authType="AWS_IAM")
    c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                      defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}})
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
    arn = svc["arn"]
    c.put_auth_policy(resourceIdentifier=svc["id"], policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principals["order"]["arn"]}, "Action": "vpc-lattice-svcs:Invoke",
         "Resource": f"{arn}/stock*", "Condition": {"StringEquals": {"vpc-lattice-svcs:RequestMethod": "GET"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": f"{arn}/public"},
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": f"{arn}/delivery/*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "delivery"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*",
         "Condition": {"StringEqualsIgnoreCase": {"vpc-lattice-svcs:RequestHeader/x-debug": "true"}}},
    ]}))
    creds = {k: (p["accessKeyId"], p["secretAccessKey"]) for k, p in principals.items()}
    addr = backend.vpc_info(VPC)["serviceNetworkAddress"]
    return {"c": c, "sn": sn, "svc": svc, "name": svc["dnsEntry"]["domainName"], "addr": addr, "creds": creds,
            "org": org, "principals": principals, "backend": backend}


# (caller, method, path, headers, expected status, what decides)
TABLE = [
    (None, "GET", "/public", {}, 200, "anonymous may read /public"),
    (None, "GET", "/stock", {}, 403, "no network-based policy allows"),
    ("order", "GET", "/stock", {}, 200, "order role, GET /stock"),
    ("order", "GET", "/stock/42", {}, 200, "wildcard resource"),
    ("order", "POST", "/stock", {}, 403, "no service-based policy allows"),
    ("order", "GET", "/delivery/1", {}, 403, "no service-based policy allows"),
    ("courier", "POST", "/delivery/1", {}, 200, "principal tag team=delivery"),
    ("courier", "GET", "/stock", {}, 403, "no service-based policy allows"),
    ("order", "GET", "/stock", {"x-debug": "TRUE"}, 403, "explicit deny in a service-based policy"),
    ("lazy", "GET", "/public", {}, 403, "no identity-based policy allows"),
    ("outsider", "GET", "/stock", {}, 403, "no network-based policy allows"),
    ("outsider", "GET", "/public", {}, 200, "another account's principal, public path"),
]


def test_policy_decision_table(layout):
    destination = "arn:aws:logs:us-east-1:000000000000:log-group:iam-table"
    layout["c"].create_access_log_subscription(resourceIdentifier=layout["svc"]["id"], destinationArn=destination)
    for caller, method, path, headers, expected, why in TABLE:
        creds = layout["creds"][caller] if caller else None
        status, body = send(layout["addr"], layout["name"], method, path, creds, headers)
        assert status == expected, (caller, method, path, why, body)
        if expected == 403:
            assert why in body, body
            assert body.startswith("AccessDeniedException: User: "), body
            who = "anonymous" if caller is None else f":assumed-role/{caller}/" if caller != "lazy" else ":user/lazy"
            assert who in body, body
            assert f"on resource: {layout['svc']['arn']}{path}" in body, body
        else:
            assert json.loads(body)["path"] == path

    # One access-log record per request, naming the caller and which policy refused.
    records = read_logs(layout["backend"], destination, len(TABLE))
    assert len(records) == len(TABLE)
    for record, (caller, method, path, _, expected, why) in zip(records, TABLE):
        assert (record["requestMethod"], record["requestPath"], record["responseCode"]) == (method, path, expected)
        reason = "-" if expected == 200 else why.split("-based")[0].split()[-1].capitalize()
        assert record["authDeniedReason"] == reason, (record, why)
        assert record["failureReason"] == ("-" if expected == 200 else "ClientAccessDenied")
        if caller is None:
            assert record["callerPrincipal"] == "-"
        else:
            assert record["callerPrincipal"].endswith(f"/{caller}/lattice-local" if caller != "lazy" else ":user/lazy")
            assert record["resolvedUser"] == layout["principals"][caller]["arn"]


def test_bad_expired_and_unknown_signatures_are_refused(layout):
    name, addr = layout["name"], layout["addr"]
    key, secret = layout["creds"]["order"]
    status, body = send(addr, name, "GET", "/stock", (key, secret + "x"))
    assert (status, body.split(":")[0]) == (403, "InvalidSignatureException"), body
    past = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=20)
    status, body = send(addr, name, "GET", "/stock", (key, secret), when=past)
    assert status == 403 and "Signature expired" in body, body
    status, body = send(addr, name, "GET", "/stock", ("AKIANOTAPRINCIPAL000", secret))
    assert (status, body.split(":")[0]) == (403, "UnrecognizedClientException"), body
    # The signature covers the path: replaying it on another path fails.
    request = AWSRequest(method="GET", url=f"http://{name}/stock", headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(Credentials(key, secret), "vpc-lattice-svcs", "us-east-1").add_auth(request)
    conn = http.client.HTTPConnection(addr, 80, timeout=10)
    conn.request("GET", "/stock/other", headers={**dict(request.headers.items()), "Host": name})
    assert conn.getresponse().status == 403
    conn.close()


def test_curl_aws_sigv4_and_what_the_target_sees(layout):
    key, secret = layout["creds"]["order"]
    name, addr = layout["name"], layout["addr"]

    def curl(*extra):
        p = subprocess.run(["curl", "-sS", "--max-time", "10", "--resolve", f"{name}:80:{addr}", "-o", "-",
                            "-w", "\n%{http_code}", *extra, f"http://{name}/stock"],
                           capture_output=True, text=True, timeout=20)
        body, _, code = p.stdout.rpartition("\n")
        return int(code), body

    spoof = "x-amzn-lattice-identity: Principal=arn:aws:iam::000000000000:role/admin"
    status, body = curl("--aws-sigv4", "aws:amz:us-east-1:vpc-lattice-svcs", "--user", f"{key}:{secret}",
                        "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-H", spoof)
    assert status == 200, body
    seen = json.loads(body)["headers"]
    assert seen["x-amzn-lattice-identity"] == (
        f"Principal=arn:aws:sts::000000000000:assumed-role/order/lattice-local; PrincipalOrgID={layout['org']['id']}; "
        f"PrincipalOrgPaths={layout['org']['orgPaths']['000000000000']}; SessionName=lattice-local; Type=AWS_IAM")
    assert seen["x-amzn-source-vpc"] == VPC
    # Unsigned, with a spoofed identity: still anonymous (and denied).
    status, body = curl("-H", spoof)
    assert status == 403 and "User: anonymous" in body


def test_auth_changes_apply_at_once_and_none_opens(layout):
    c, name, addr = layout["c"], layout["name"], layout["addr"]
    assert send(addr, name, "GET", "/stock")[0] == 403
    c.update_service_network(serviceNetworkIdentifier=layout["sn"]["id"], authType="NONE")
    c.update_service(serviceIdentifier=layout["svc"]["id"], authType="NONE")
    assert send(addr, name, "GET", "/stock")[0] == 200
    c.update_service(serviceIdentifier=layout["svc"]["id"], authType="AWS_IAM")
    c.delete_auth_policy(resourceIdentifier=layout["svc"]["id"])
    status, body = send(addr, name, "GET", "/public", layout["creds"]["order"])
    assert status == 403 and "no service-based policy allows" in body, "AWS_IAM without a policy denies all"
    # Identity policies are read at request time too.
    c.put_auth_policy(resourceIdentifier=layout["svc"]["id"], policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"}]}))
    assert send(addr, name, "GET", "/stock", layout["creds"]["lazy"])[0] == 403
    admin(layout["backend"], "PATCH", "/principals/lazy", {"policy": ALLOW_INVOKE})
    assert send(addr, name, "GET", "/stock", layout["creds"]["lazy"])[0] == 200
