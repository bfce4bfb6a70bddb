"""Clients in a VPC and `explain`: the VPC's forward proxy (HTTP_PROXY / HTTPS_PROXY, CONNECT)
resolves through the VPC's view and enters the data plane as that VPC; `lattice-local explain`
(and the admin API behind it) agrees with real traffic on every scenario: rules, fixed
responses, missing listeners, HTTPS, empty groups, DNS views, the IAM decision table, bad
signatures, resources and their ports."""

import json
import socket
import subprocess

import pytest

from conftest import IAM_VPC, LATTICE_LOCAL, Echo, admin
from conftest import read_logs, target_group
from helpers import TABLE, TcpServer, dns_name, explain, proxy_url, send, through_proxy, wait_connectable

VPC = "vpc-0e1e0e1e0e1e0e1e0"
OTHER = "vpc-0e2e0e2e0e2e0e2e0"
LONELY = "vpc-0e3e0e3e0e3e0e3e0"


def agrees(explanation, status, body):
    """The real answer is what the explanation says it is."""
    outcome = explanation["outcome"]
    if outcome == "answered":
        return status == explanation["status"]
    if outcome == "forwarded":
        return status == 200 and '"message"' in body  # the echo target answered
    if outcome == "refused":
        if explanation["decidedBy"] == "tls":
            return status == 0  # the handshake through the CONNECT tunnel failed
        return status == 502 and "Connection refused" in body  # the forward proxy could not connect
    if outcome == "outside":
        return status == 502 and "does not resolve" in body  # the forward proxy could not resolve it
    return False


@pytest.fixture
def http_layout(backend):
    """One network with VPC and OTHER associated (LONELY is not): a fixed-response service, a
    service with rules over two echo targets, one with an empty group, an HTTPS one."""
    c = backend.client()
    sn = c.create_service_network(name="explain-net")
    for vpc in (VPC, OTHER):
        c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=vpc)
    admin(backend, "POST", "/vpcs", {"vpcId": LONELY})
    api, web = Echo("api"), Echo("web")
    try:
        yield from _http_services(c, sn, api, web, backend)
    finally:
        api.stop()
        web.stop()


def _http_services(c, sn, api, web, backend):
    api_tg = target_group(c, "api-targets", api.port, [{"id": "127.0.0.1"}])
    web_tg = target_group(c, "web-targets", web.port, [{"id": "127.0.0.1"}])
    empty_tg = target_group(c, "no-targets", 80, [])
    names = {}

    def service(name, protocol="HTTP", port=None, action=None):
        svc = c.create_service(name=name)
        kwargs = {"port": port} if port else {}
        listener = c.create_listener(serviceIdentifier=svc["id"], name="main", protocol=protocol, **kwargs,
                                     defaultAction=action or {"forward": {"targetGroups": [{"targetGroupIdentifier": web_tg}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        names[name] = svc["dnsEntry"]["domainName"]
        return svc, listener

    service("teapot", action={"fixedResponse": {"statusCode": 418}})
    shop, listener = service("shop")
    ids = {"serviceIdentifier": shop["id"], "listenerIdentifier": listener["id"]}
    c.create_rule(**ids, name="api", priority=20, match={"httpMatch": {"pathMatch": {"match": {"prefix": "/api"}}}},
                  action={"forward": {"targetGroups": [{"targetGroupIdentifier": api_tg}]}})
    c.create_rule(**ids, name="blocked", priority=10,
                  match={"httpMatch": {"method": "DELETE", "headerMatches": [{"name": "x-env", "match": {"exact": "prod"}}]}},
                  action={"fixedResponse": {"statusCode": 403}})
    service("empty", action={"forward": {"targetGroups": [{"targetGroupIdentifier": empty_tg}]}})
    service("secure", protocol="HTTPS", port=443)
    nocert = c.create_service(name="nocert", customDomainName="nocert.example.com")
    c.create_listener(serviceIdentifier=nocert["id"], name="tls", protocol="HTTPS", port=443,
                      defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": web_tg}]}})
    c.create_service_network_service_association(serviceIdentifier=nocert["id"], serviceNetworkIdentifier=sn["id"])
    names["nocert"] = "nocert.example.com"
    yield {"c": c, "sn": sn, "names": names, "backend": backend}


def test_forward_proxy_and_explain_agree_on_every_http_scenario(http_layout, backend, tmp_path):
    n = http_layout["names"]
    ca = tmp_path / "ca.pem"
    ca.write_text(subprocess.run([str(LATTICE_LOCAL), "ca", "--endpoint", backend.endpoint],
                                 check=True, capture_output=True, text=True).stdout)
    # (vpc, url, method, headers, expected status, deciding step, what the trace must say)
    scenarios = [
        (VPC, f"http://{n['teapot']}/", "GET", {}, 418, "action", "fixed response: 418"),
        (VPC, f"http://{n['shop']}/api/orders", "GET", {}, 200, "targets", "rule arn:"),
        (VPC, f"http://{n['shop']}/index.html", "GET", {}, 200, "targets", "no rule matches"),
        # Rules match the path as sent: an encoded "/%61pi" is not "/api" to the data plane, nor to explain.
        (VPC, f"http://{n['shop']}/%61pi/orders", "GET", {}, 200, "targets", "no rule matches GET /%61pi/orders"),
        (VPC, f"http://{n['shop']}/api/x", "DELETE", {"x-env": "prod"}, 403, "action", "priority 10"),
        (VPC, f"http://{n['shop']}/api/x", "DELETE", {"x-env": "dev"}, 200, "targets", "priority 20"),
        (VPC, f"http://{n['empty']}/", "GET", {}, 503, "targets", "no targets"),
        (VPC, f"http://{n['shop']}:8080/", "GET", {}, 502, "listener", "listens on port 8080"),
        (VPC, f"http://{n['shop']}:443/", "GET", {}, 404, "listener", "no listener on port 443"),
        (VPC, f"http://{n['secure']}:443/", "GET", {}, 400, "listener", "HTTPS listener"),
        (VPC, f"https://{n['secure']}/", "GET", {}, 200, "targets", "from the local CA"),
        (VPC, f"https://{n['shop']}/", "GET", {}, 0, "tls", "no HTTPS listener on port 443"),
        (VPC, f"https://{n['nocert']}/", "GET", {}, 0, "tls", "has no certificate_arn"),
        (OTHER, f"http://{n['shop']}/", "GET", {}, 200, "targets", "no rule matches"),
        (LONELY, f"http://{n['shop']}/", "GET", {}, 502, "dns", "is not associated with any"),
        (VPC, "http://nothing-here.abc1234.vpc-lattice-svcs.us-east-1.on.aws/", "GET", {}, 502, "dns", "NXDOMAIN"),
    ]
    for vpc, url, method, headers, expected, decided_by, says in scenarios:
        proxy = proxy_url(backend, vpc)
        status, body = through_proxy(proxy, url, method, [f"{k}: {v}" for k, v in headers.items()],
                                     extra=["--cacert", str(ca)])
        assert status == expected, (vpc, url, method, status, body)
        e = explain(backend, vpc, url, method, headers)
        assert agrees(e, status, body), (url, e, status, body)
        assert e["decidedBy"] == decided_by, (url, e)
        trace = json.dumps(e)
        assert says in trace, (url, says, e)
        assert e["reachable"] == (0 < status < 400), (url, e)
        if "/api" in url and status == 200:
            assert '"message": "api"' in body
        if "/%61pi" in url:
            assert '"message": "web"' in body


def test_forward_proxy_requests_are_attributed_to_their_vpc(http_layout, backend):
    c, n = http_layout["c"], http_layout["names"]
    destination = "arn:aws:logs:us-east-1:000000000000:log-group:proxy-attribution"
    c.create_access_log_subscription(resourceIdentifier=http_layout["sn"]["id"], destinationArn=destination)
    seen = {}
    for vpc in (VPC, OTHER):
        proxy = proxy_url(backend, vpc)
        status, body = through_proxy(proxy, f"http://{n['shop']}/whoami")
        assert status == 200, body
        seen[vpc] = (proxy, json.loads(body)["headers"])
    for vpc, (proxy, headers) in seen.items():
        proxy_ip = proxy.removeprefix("http://").split(":")[0]
        assert headers["x-amzn-source-vpc"] == vpc
        assert headers["x-forwarded-for"] == proxy_ip
        assert backend.vpc_info(vpc)["resolverAddress"].rsplit(".", 1)[0] == proxy_ip.rsplit(".", 1)[0]
        assert headers["x-amzn-lattice-network"].endswith(f":vpc/{vpc}")
    records = read_logs(backend, destination, 2)
    assert sorted(r["sourceVpcId"] for r in records) == sorted([VPC, OTHER])
    for r in records:
        assert r["sourceIpPort"].split(":")[0] == seen[r["sourceVpcId"]][0].removeprefix("http://").split(":")[0]
    # Something that is not a proxy request gets a clear answer.
    proxy = seen[VPC][0]
    out = subprocess.run(["curl", "-sS", f"{proxy}/"], capture_output=True, text=True, timeout=10).stdout
    assert "forward proxy" in out


def test_explain_agrees_with_the_iam_decision_table(iam_layout):
    layout = iam_layout
    backend = layout["backend"]
    url = f"http://{layout['name']}"
    for caller, method, path, headers, expected, why in TABLE:
        creds = layout["creds"][caller] if caller else None
        status, body = send(layout["addr"], layout["name"], method, path, creds, headers)
        assert status == expected
        if caller == "outsider":
            credentials = {"accessKeyId": creds[0], "secretAccessKey": creds[1]}
        elif caller:
            credentials = {"principal": layout["principals"][caller]["arn"]}
        else:
            credentials = {}
        e = explain(backend, IAM_VPC, url + path, method, headers, **credentials)
        assert agrees(e, status, body), (caller, method, path, e)
        if expected == 403:
            which = why.split("-based")[0].split()[-1]
            assert e["decidedBy"] == f"{which}-policy", (why, e)
            # The 403 body the data plane sent is the explanation's summary.
            assert e["summary"] == body, (e["summary"], body)
            decisive = e["steps"][-1]
            assert not decisive["ok"]
            if "explicit deny" in why:
                assert decisive["facts"]["statement"]["Effect"] == "Deny"
                keys = decisive["facts"]["conditionKeys"]
                assert keys == {"vpc-lattice-svcs:RequestHeader/x-debug": ["TRUE"]}, keys
        else:
            steps = {s["step"]: s for s in e["steps"]}
            assert steps["service-policy"]["ok"] and steps["network-policy"]["ok"]
            who = steps["authentication"]["detail"]
            assert (caller or "anonymous") in who, who


def test_explain_reports_signature_failures(iam_layout):
    layout = iam_layout
    key, secret = layout["creds"]["order"]
    url = f"http://{layout['name']}/stock"
    e = explain(layout["backend"], IAM_VPC, url, accessKeyId=key, secretAccessKey=secret + "x")
    status, body = send(layout["addr"], layout["name"], "GET", "/stock", (key, secret + "x"))
    assert status == 403 and e["status"] == 403 and e["decidedBy"] == "authentication"
    assert body.split(":")[0] in e["summary"]
    # A principal of another account cannot be borrowed by name.
    with pytest.raises(Exception) as err:
        explain(layout["backend"], IAM_VPC, url, principal=layout["principals"]["outsider"]["arn"])
    assert "400" in str(err.value)


def test_explain_cli_prints_a_trace_and_exits_by_verdict(iam_layout):
    layout = iam_layout
    url = f"http://{layout['name']}/stock"

    def cli(*args, vpc=IAM_VPC):
        return subprocess.run([str(LATTICE_LOCAL), "explain", "--vpc", vpc, "--endpoint", layout["backend"].endpoint,
                               *args], capture_output=True, text=True, timeout=20)

    allowed = cli(url, "--principal", layout["principals"]["order"]["arn"])
    assert allowed.returncode == 0, allowed.stderr
    assert "REACHABLE" in allowed.stdout and "signed by arn:aws:sts::000000000000:assumed-role/order" in allowed.stdout
    denied = cli(url, "-H", "x-debug: true", "--principal", layout["principals"]["order"]["accessKeyId"])
    assert denied.returncode == 2, denied.stdout
    lines = denied.stdout.splitlines()
    assert "NOT REACHABLE: 403, decided by service-policy" in lines[1], lines
    assert any(l.split()[:2] == ["FAIL", "service-policy"] for l in lines), lines
    assert any("vpc-lattice-svcs:RequestHeader/x-debug" in l and '"true"' in l for l in lines), lines
    as_json = json.loads(cli(url, "--json").stdout)
    assert as_json["decidedBy"] == "network-policy" and as_json["status"] == 403
    unknown = cli(url, vpc="vpc-0ffffffffffffffff")
    assert unknown.returncode == 1 and "VPC" in unknown.stderr


def test_explain_agrees_with_resource_traffic(resource_layout, backend):
    c, gw, sn, consumer, provider = resource_layout
    server = TcpServer()
    try:
        rcfg = c.create_resource_configuration(
            name="tcp-echo", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(server.port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn)
        name = dns_name(c, snra)
        e = explain(backend, consumer["vpcId"], f"{name}:{server.port}")
        assert (e["outcome"], e["decidedBy"], e["reachable"]) == ("forwarded", "target", True), e
        steps = {s["step"]: s["detail"] for s in e["steps"]}
        gw_ips = [s for s in e["steps"] if s["step"] == "gateway"][0]["facts"]["addresses"]
        assert len(gw_ips) == 16 and f"one of its 16 addresses ({gw_ips[0]} … {gw_ips[-1]}" in steps["gateway"], e
        assert f"127.0.0.1:{server.port}" in steps["target"]
        address = steps["resource"].split()[0]
        wait_connectable(address, server.port)
        # Through the consumer VPC's forward proxy, with CONNECT: the resource sees the gateway.
        proxy_host, proxy_port = consumer["proxyUrl"].removeprefix("http://").split(":")
        with socket.create_connection((proxy_host, int(proxy_port)), timeout=5) as s:
            s.sendall(f"CONNECT {name}:{server.port} HTTP/1.1\r\nHost: {name}:{server.port}\r\n\r\n".encode())
            f = s.makefile("rb")
            assert f.readline().split()[1] == b"200"
            while f.readline() not in (b"\r\n", b""):
                pass
            assert f.readline().decode().removeprefix("from ").strip() in gw_ips

        wrong = explain(backend, consumer["vpcId"], f"{name}:{server.port + 1}")
        assert (wrong["outcome"], wrong["decidedBy"], wrong["reachable"]) == ("refused", "port", False), wrong
        with pytest.raises(OSError):
            socket.create_connection((address, server.port + 1), timeout=2).close()

        # The provider VPC is not associated with the network: its resolver does not know the name.
        outside = explain(backend, provider["vpcId"], f"{name}:{server.port}")
        assert (outside["outcome"], outside["decidedBy"]) == ("outside", "dns"), outside
    finally:
        server.close()


REACHABILITY_HCL = """
resource "lattice_service_network" "net" {
  name = "reach-net"
}
resource "lattice_local_vpc" "client" {}
resource "lattice_service_network_vpc_association" "client" {
  vpc_identifier             = lattice_local_vpc.client.id
  service_network_identifier = lattice_service_network.net.id
}
resource "lattice_service" "hello" {
  name = "hello"
}
resource "lattice_listener" "http" {
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.hello.id
  default_action {
    fixed_response {
      status_code = 204
    }
  }
}
resource "lattice_service" "locked" {
  name      = "locked"
  auth_type = "AWS_IAM"
}
resource "lattice_listener" "locked" {
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.locked.id
  default_action {
    fixed_response {
      status_code = 200
    }
  }
}
resource "lattice_service_network_service_association" "locked" {
  service_identifier         = lattice_service.locked.id
  service_network_identifier = lattice_service_network.net.id
}
%(hello_association)s
check "client_reaches_hello" {
  data "lattice_local_reachability" "hello" {
    vpc_id     = lattice_service_network_vpc_association.client.vpc_identifier
    url        = "http://${lattice_service.hello.dns_entry[0].domain_name}/"
    depends_on = [lattice_listener.http, lattice_service_network_service_association.locked]
  }
  assert {
    condition     = data.lattice_local_reachability.hello.reachable
    error_message = "${data.lattice_local_reachability.hello.decided_by}: ${data.lattice_local_reachability.hello.summary}"
  }
}
data "lattice_local_reachability" "locked" {
  vpc_id     = lattice_service_network_vpc_association.client.vpc_identifier
  url        = "http://${lattice_service.locked.dns_entry[0].domain_name}/orders"
  method     = "POST"
  depends_on = [lattice_listener.locked, lattice_service_network_service_association.locked]
}
output "locked" {
  value = {
    reachable  = data.lattice_local_reachability.locked.reachable
    status     = data.lattice_local_reachability.locked.status
    decided_by = data.lattice_local_reachability.locked.decided_by
    steps      = [for s in data.lattice_local_reachability.locked.steps : s.step]
  }
}
"""

HELLO_ASSOCIATION = """
resource "lattice_service_network_service_association" "hello" {
  service_identifier         = lattice_service.hello.id
  service_network_identifier = lattice_service_network.net.id
}
"""


def test_reachability_data_source_in_check_blocks(tf_factory):
    tf = tf_factory()
    tf.write(REACHABILITY_HCL % {"hello_association": HELLO_ASSOCIATION})
    applied = tf.apply()
    assert "assertion failed" not in applied.stdout + applied.stderr, applied.stdout + applied.stderr
    locked = json.loads(tf.run("output", "-json", "locked").stdout)
    assert locked == {"reachable": False, "status": 403, "decided_by": "service-policy",
                      "steps": ["vpc", "dns", "security-groups", "service", "listener", "authentication",
                                "service-policy"]}, locked
    # Take the service out of the network: the check now fails and says why.
    tf.write(REACHABILITY_HCL % {"hello_association": ""})
    tf.apply()
    # (During that apply the check may run before the association is gone; plans run it too.)
    planned = tf.run("plan", "-input=false")
    out = planned.stdout + planned.stderr
    assert "Check block assertion failed" in out, out
    assert "dns:" in out and "NXDOMAIN" in out, out
    tf.destroy()
