"""`explain` tells the truth about targets: when every target a request may reach refuses,
resets or does not answer (as the data plane last saw it, on its health checks' connections
and on requests), the verdict is what curl gets — 502 — not "reachable, fail-open"; the access
log's `failureReason` names the failure."""

import json
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import Echo, read_logs
from helpers import explain, free_port_pair, proxy_url, through_proxy

VPC = "vpc-0e7e0e7e0e7e0e7e0"
LOGS = "arn:aws:logs:us-east-1:000000000000:log-group:target-truth"


class Resetter:
    """Accepts connections and resets each at once (SO_LINGER 0)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self):
        self.sock.close()


@pytest.fixture
def layout(backend):
    c = backend.client()
    sn = c.create_service_network(name="truth-net")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
    c.create_access_log_subscription(resourceIdentifier=sn["id"], destinationArn=LOGS)
    live, doomed, resetter = Echo("alive"), Echo("doomed"), Resetter()
    wrong_port = free_port_pair()  # nothing listens there
    names = {}
    for name, port in [("live", live.port), ("wrong-port", wrong_port), ("dead", doomed.port), ("resets", resetter.port)]:
        tg = c.create_target_group(name=f"{name}-targets", type="IP",
                                   config={"port": port, "protocol": "HTTP", "vpcIdentifier": VPC})
        c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}])
        svc = c.create_service(name=name)
        c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        names[name] = svc["dnsEntry"]["domainName"]
    doomed.stop()  # the target dies after it was registered
    try:
        yield names
    finally:
        live.stop()
        resetter.close()


@pytest.mark.parametrize("name, says, reason", [
    ("wrong-port", "refuses connections", "TargetConnectionRefused"),
    ("dead", "refuses connections", "TargetConnectionRefused"),
    ("resets", "resets connections", "TargetConnectionReset"),
])
def test_explain_agrees_with_curl_when_every_target_fails(backend, layout, name, says, reason):
    proxy = proxy_url(backend, VPC)
    url = f"http://{layout[name]}/"
    status, _ = through_proxy(proxy, url)
    assert status == 502
    e = explain(backend, VPC, url)
    assert (e["reachable"], e["outcome"], e["status"], e["decidedBy"]) == (False, "answered", 502, "targets"), e
    assert says in e["summary"], e
    record = next(r for r in read_logs(backend, LOGS) if r["hostHeader"] == layout[name])
    assert (record["responseCode"], record["failureReason"]) == (502, reason)


def test_a_live_target_is_still_reachable(backend, layout):
    url = f"http://{layout['live']}/"
    status, body = through_proxy(proxy_url(backend, VPC), url)
    assert status == 200 and "alive" in body
    e = explain(backend, VPC, url)
    assert e["reachable"] and e["outcome"] == "forwarded", e
    assert read_logs(backend, LOGS)[0]["failureReason"] == "-"


def test_explain_hints_name_the_fix(backend):
    c = backend.client()
    sn = c.create_service_network(name="hint-net")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
    lonely = c.create_service(name="lonely")
    e = explain(backend, VPC, f"http://{lonely['dnsEntry']['domainName']}/")
    assert not e["reachable"] and f"service lonely ({lonely['id']}) is in no service network" in e["summary"], e
    alt = c.create_service(name="alt-port")
    c.create_listener(serviceIdentifier=alt["id"], name="http", protocol="HTTP", port=8080,
                      defaultAction={"fixedResponse": {"statusCode": 200}})
    c.create_service_network_service_association(serviceIdentifier=alt["id"], serviceNetworkIdentifier=sn["id"])
    e = explain(backend, VPC, f"http://{alt['dnsEntry']['domainName']}/")
    assert not e["reachable"] and f"{alt['arn']} listens on 8080" in e["summary"], e
    guarded = c.create_service(name="guarded", authType="AWS_IAM")
    c.create_listener(serviceIdentifier=guarded["id"], name="http", protocol="HTTP",
                      defaultAction={"fixedResponse": {"statusCode": 200}})
    c.create_service_network_service_association(serviceIdentifier=guarded["id"], serviceNetworkIdentifier=sn["id"])
    c.put_auth_policy(resourceIdentifier=guarded["id"], policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice:Invoke", "Resource": "*"}]}))
    e = explain(backend, VPC, f"http://{guarded['dnsEntry']['domainName']}/")
    assert not e["reachable"], e
    assert any("vpc-lattice-svcs:Invoke, so it never matches" in s["detail"] for s in e["steps"]), e["steps"]


class Silent:
    """Accepts connections and never answers (a target slower than any timeout)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def test_a_target_that_never_answers_gets_504_from_both(backend):
    """The service's idle timeout (60 s, Lattice's least) bounds the wait: the slowest test here."""
    silent = Silent()
    try:
        c = backend.client()
        sn = c.create_service_network(name="slow-net")
        c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
        tg = c.create_target_group(name="slow-targets", type="IP", config={
            "port": silent.port, "protocol": "HTTP", "vpcIdentifier": VPC,
            "healthCheck": {"enabled": True, "healthCheckIntervalSeconds": 5, "healthCheckTimeoutSeconds": 1}})
        c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}])
        svc = c.create_service(name="slow")
        c.update_service(serviceIdentifier=svc["id"], idleTimeoutSeconds=60)
        c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        url = f"http://{svc['dnsEntry']['domainName']}/"
        proxy = proxy_url(backend, VPC)
        got = {}
        def ask():
            p = subprocess.run(["curl", "-sS", "--max-time", "90", "-x", proxy, "-o", "/dev/null", "-w", "%{http_code}", url],
                               capture_output=True, text=True, timeout=100)
            got["answer"] = (int(p.stdout or 0), p.stderr)

        curl = threading.Thread(target=ask)
        curl.start()
        # The health check's timeout shows the target silent long before the request gives up.
        deadline = time.time() + 15
        while time.time() < deadline:
            e = explain(backend, VPC, url)
            if e["outcome"] == "answered":
                break
            time.sleep(0.5)
        assert (e["reachable"], e["status"], e["decidedBy"]) == (False, 504, "targets"), e
        assert "does not answer in time" in e["summary"], e
        curl.join(timeout=120)
        assert got["answer"][0] == 504, got
    finally:
        silent.close()
