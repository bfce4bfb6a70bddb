"""IAM auth on the data plane: SigV4 for `vpc-lattice-svcs` signed by real clients (botocore's
signer and `curl --aws-sigv4`), the network policy AND the service policy AND the caller's
identity policy, explicit denies, and what targets and access logs see of the caller."""

import datetime
import http.client
import json
import subprocess

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ALLOW_INVOKE, IAM_VPC as VPC, admin
from helpers import TABLE, send
from conftest import read_logs



def test_policy_decision_table(iam_layout):
    destination = "arn:aws:logs:us-east-1:000000000000:log-group:iam-table"
    iam_layout["c"].create_access_log_subscription(resourceIdentifier=iam_layout["svc"]["id"], destinationArn=destination)
    for caller, method, path, headers, expected, why in TABLE:
        creds = iam_layout["creds"][caller] if caller else None
        status, body = send(iam_layout["addr"], iam_layout["name"], method, path, creds, headers)
        assert status == expected, (caller, method, path, why, body)
        if expected == 403:
            assert why in body, body
            assert body.startswith("AccessDeniedException: User: "), body
            who = "anonymous" if caller is None else f":assumed-role/{caller}/" if caller != "lazy" else ":user/lazy"
            assert who in body, body
            assert f"on resource: {iam_layout['svc']['arn']}{path}" in body, body
        else:
            assert json.loads(body)["path"] == path

    # One access-log record per request, naming the caller and which policy refused.
    records = read_logs(iam_layout["backend"], destination, len(TABLE))
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
            assert record["resolvedUser"] == iam_layout["principals"][caller]["arn"]


def test_bad_expired_and_unknown_signatures_are_refused(iam_layout):
    name, addr = iam_layout["name"], iam_layout["addr"]
    key, secret = iam_layout["creds"]["order"]
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


def test_curl_aws_sigv4_and_what_the_target_sees(iam_layout):
    key, secret = iam_layout["creds"]["order"]
    name, addr = iam_layout["name"], iam_layout["addr"]

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
        f"Principal=arn:aws:sts::000000000000:assumed-role/order/lattice-local; PrincipalOrgID={iam_layout['org']['id']}; "
        f"PrincipalOrgPaths={iam_layout['org']['orgPaths']['000000000000']}; SessionName=lattice-local; Type=AWS_IAM")
    assert seen["x-amzn-source-vpc"] == VPC
    # Unsigned, with a spoofed identity: still anonymous (and denied).
    status, body = curl("-H", spoof)
    assert status == 403 and "User: anonymous" in body


def test_auth_changes_apply_at_once_and_none_opens(iam_layout):
    c, name, addr = iam_layout["c"], iam_layout["name"], iam_layout["addr"]
    assert send(addr, name, "GET", "/stock")[0] == 403
    c.update_service_network(serviceNetworkIdentifier=iam_layout["sn"]["id"], authType="NONE")
    c.update_service(serviceIdentifier=iam_layout["svc"]["id"], authType="NONE")
    assert send(addr, name, "GET", "/stock")[0] == 200
    c.update_service(serviceIdentifier=iam_layout["svc"]["id"], authType="AWS_IAM")
    c.delete_auth_policy(resourceIdentifier=iam_layout["svc"]["id"])
    status, body = send(addr, name, "GET", "/public", iam_layout["creds"]["order"])
    assert status == 403 and "no service-based policy allows" in body, "AWS_IAM without a policy denies all"
    # Identity policies are read at request time too.
    c.put_auth_policy(resourceIdentifier=iam_layout["svc"]["id"], policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"}]}))
    assert send(addr, name, "GET", "/stock", iam_layout["creds"]["lazy"])[0] == 403
    admin(iam_layout["backend"], "PATCH", "/principals/lazy", {"policy": ALLOW_INVOKE})
    assert send(addr, name, "GET", "/stock", iam_layout["creds"]["lazy"])[0] == 200


def test_a_twelve_digit_key_signs_as_that_accounts_root(backend, echo):
    """As on the API: a 12-digit access key is that account's root on the data plane too (no
    secret to check), so the credentials that just made a service can call it; an AWS-style key
    nobody issued is still refused."""
    c = backend.client(access_key="111111111111")
    sn = c.create_service_network(name="root-keys")
    svc = c.create_service(name="root-keys", authType="AWS_IAM")
    c.put_auth_policy(resourceIdentifier=svc["arn"], policy=json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"}]}))
    vpc_id = "vpc-0a1b2c3d4e5f60718"
    tg = c.create_target_group(name="root-keys", type="IP",
                               config={"port": echo.port, "protocol": "HTTP", "vpcIdentifier": vpc_id})
    c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1", "port": echo.port}])
    c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP", port=80,
                      defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}})
    c.create_service_network_service_association(serviceNetworkIdentifier=sn["id"], serviceIdentifier=svc["id"])
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=vpc_id)
    addr = backend.vpc_info(vpc_id, account="111111111111")["serviceNetworkAddress"]
    name = svc["dnsEntry"]["domainName"]
    status, body = send(addr, name, "GET", "/", ("111111111111", "any secret"))
    assert status == 200, body
    assert "Principal=arn:aws:iam::111111111111:root" in json.loads(body)["headers"]["x-amzn-lattice-identity"]
    status, body = send(addr, name, "GET", "/", ("222222222222", "x"))
    assert status == 403 and "User: arn:aws:iam::222222222222:root is not authorized" in body, body
    status, body = send(addr, name, "GET", "/", ("AKIAUNKNOWNKEY000000", "x"))
    assert (status, body.split(":")[0]) == (403, "UnrecognizedClientException"), body
