"""Active health checks against real upstreams: an unhealthy target is ejected and comes back
after the healthy threshold, statuses show through ListTargets, all-unhealthy fails open, and
disabled checks leave targets UNAVAILABLE (and in rotation), and a deregistered target drains
the requests already sent to it."""

import http.server
import threading
import time

import pytest

from conftest import curl
from conftest import service


class Upstream:
    """An HTTP target whose /health answer can be switched between 200 and 503; /slow answers
    after three seconds."""

    def __init__(self, name):
        self.healthy = True
        self.checks = 0
        self.slow_started = threading.Event()
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/slow":
                    upstream.slow_started.set()
                    time.sleep(3)
                if self.path == "/health":
                    upstream.checks += 1
                    code, body = (200, b"ok") if upstream.healthy else (503, b"sick")
                else:
                    code, body = 200, name.encode()
                self.send_response(code)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstreams():
    made = [Upstream("alpha"), Upstream("beta")]
    yield made
    for u in made:
        u.stop()


def unchecked_group(c, name, port):
    """An IP target group on `port` with health checks off: its id."""
    return c.create_target_group(name=name, type="IP", config={
        "port": port, "protocol": "HTTP", "vpcIdentifier": "vpc-0d0d0d0d0d0d0d0d0",
        "healthCheck": {"enabled": False}})["id"]


def statuses(c, tg):
    return {t["port"]: t["status"] for t in c.list_targets(targetGroupIdentifier=tg)["items"]}


def wait_for(c, tg, expected, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = statuses(c, tg)
        if seen == expected:
            return
        time.sleep(0.2)
    raise AssertionError(f"statuses {seen}, expected {expected}")


def test_unhealthy_targets_are_ejected_and_recover(network, upstreams):
    c, vpc, sn = network
    alpha, beta = upstreams
    tg = c.create_target_group(name="checked", type="IP", config={
        "port": alpha.port, "protocol": "HTTP", "vpcIdentifier": "vpc-0d0d0d0d0d0d0d0d0",
        "healthCheck": {"path": "/health", "healthCheckIntervalSeconds": 5, "healthyThresholdCount": 2,
                        "unhealthyThresholdCount": 2}})["id"]
    c.register_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": alpha.port},
                                                          {"id": "127.0.0.1", "port": beta.port}])
    name = service(c, sn, "checked", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    addr = vpc["serviceNetworkAddress"]
    wait_for(c, tg, {alpha.port: "HEALTHY", beta.port: "HEALTHY"}, timeout=10)
    assert {curl(name, 80, addr)[1] for _ in range(6)} == {"alpha", "beta"}

    alpha.healthy = False
    wait_for(c, tg, {alpha.port: "UNHEALTHY", beta.port: "HEALTHY"})
    item = next(t for t in c.list_targets(targetGroupIdentifier=tg)["items"] if t["port"] == alpha.port)
    assert item["reasonCode"] == "HealthCheckFailed"
    assert {curl(name, 80, addr)[1] for _ in range(10)} == {"beta"}, "the unhealthy target gets no traffic"

    # All unhealthy: Lattice fails open and sends to every target.
    beta.healthy = False
    wait_for(c, tg, {alpha.port: "UNHEALTHY", beta.port: "UNHEALTHY"})
    assert {curl(name, 80, addr)[1] for _ in range(6)} == {"alpha", "beta"}

    alpha.healthy = True
    checks_before = alpha.checks
    wait_for(c, tg, {alpha.port: "HEALTHY", beta.port: "UNHEALTHY"})
    assert alpha.checks - checks_before >= 2, "recovery takes the healthy threshold's count of passes"
    assert {curl(name, 80, addr)[1] for _ in range(10)} == {"alpha"}


def test_disabled_checks_and_unused_groups(network, upstreams):
    c, vpc, sn = network
    alpha, _ = upstreams
    tg = unchecked_group(c, "unchecked", alpha.port)
    c.register_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1"}])
    item = c.list_targets(targetGroupIdentifier=tg)["items"][0]
    assert (item["status"], item["reasonCode"]) == ("UNUSED", "TargetGroupNotInUse")
    alpha.healthy = False
    name = service(c, sn, "unchecked", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    item = c.list_targets(targetGroupIdentifier=tg)["items"][0]
    assert (item["status"], item["reasonCode"]) == ("UNAVAILABLE", "HealthCheckDisabled")
    assert curl(name, 80, vpc["serviceNetworkAddress"]) == (200, "alpha")
    assert alpha.checks == 0, "no checks when disabled"


# HTTP/1.1 takes the proxy's own fast path; HTTP/2 (prior knowledge) the general one.
@pytest.mark.parametrize("options", [(), ("--http2-prior-knowledge",)], ids=["http1", "http2"])
def test_deregistered_targets_drain_requests_in_flight(network, upstreams, options):
    c, vpc, sn = network
    alpha, beta = upstreams
    tg = unchecked_group(c, "draining", alpha.port)
    c.register_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": alpha.port},
                                                          {"id": "127.0.0.1", "port": beta.port}])
    name = service(c, sn, "draining", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    addr = vpc["serviceNetworkAddress"]

    def get(path="/"):
        return curl(name, 80, addr, path, options)

    # An idle target leaves at once.
    c.deregister_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": beta.port}])
    assert statuses(c, tg) == {alpha.port: "UNAVAILABLE"}

    slow = {}
    worker = threading.Thread(target=lambda: slow.update(answer=get("/slow")))
    worker.start()
    assert alpha.slow_started.wait(10), "the slow request reached its target"
    c.deregister_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": alpha.port}])
    assert statuses(c, tg) == {alpha.port: "DRAINING"}, "a request is still on its way to the target"
    only = c.list_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": alpha.port}])["items"]
    assert [t["status"] for t in only] == ["DRAINING"], "the filter finds draining targets too"
    assert get()[0] == 503, "new requests no longer go to a deregistered target"
    worker.join(15)
    assert slow["answer"] == (200, "alpha"), "the request in flight finishes"
    # Deterministic: the proxy leaves the target's count before writing the response's end.
    assert statuses(c, tg) == {}, "drained: the target is gone"

    # Registering a draining target again makes it a target again at once.
    alpha.slow_started.clear()
    c.register_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": alpha.port}])
    worker = threading.Thread(target=lambda: slow.update(answer=get("/slow")))
    worker.start()
    assert alpha.slow_started.wait(10)
    c.deregister_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": alpha.port}])
    c.register_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": alpha.port}])
    assert statuses(c, tg) == {alpha.port: "UNAVAILABLE"}
    worker.join(15)
    assert slow["answer"] == (200, "alpha")
