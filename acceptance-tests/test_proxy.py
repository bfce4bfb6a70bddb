"""The proxy against real upstreams: the weighted split, large and chunked bodies both ways,
the answers when a target resets, refuses or stays silent (502 / 502 / 504), idle client
connections closed, and HTTP/1 edges (pipelining, HTTP/1.0, smuggling-prone framing, oversized
heads, targets that close pooled connections)."""

import hashlib
import http.client
import http.server
import re
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import service, target_group

from conftest import Echo, curl
from helpers import exchange


class Digest(http.server.BaseHTTPRequestHandler):
    """Answers POST with the size and SHA-256 of the body it read (plain or chunked), and
    GET /big/N with N bytes."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.answer(f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode())

    def do_GET(self):
        self.answer(b"x" * int(self.path.rsplit("/", 1)[1]))

    def answer(self, body):
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def digest():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Digest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_weighted_forward_splits_by_weight(network):
    c, vpc, sn = network
    three, one = Echo("three"), Echo("one")
    try:
        tg3 = target_group(c, "weight-three", three.port, [{"id": "127.0.0.1"}])
        tg1 = target_group(c, "weight-one", one.port, [{"id": "127.0.0.1"}])
        name = service(c, sn, "weighted", {"forward": {"targetGroups": [
            {"targetGroupIdentifier": tg3, "weight": 75}, {"targetGroupIdentifier": tg1, "weight": 25}]}})
        conn = http.client.HTTPConnection(vpc["serviceNetworkAddress"], 80, timeout=10)
        counts = {"three": 0, "one": 0}
        for _ in range(400):
            conn.request("GET", "/", headers={"Host": name})
            body = conn.getresponse().read().decode()
            counts["three" if '"three"' in body else "one"] += 1
        conn.close()
        # 400 draws at p=0.75: a binomial standard deviation is ~8.7; allow 4 of them.
        assert abs(counts["three"] - 300) <= 35, counts
        assert counts["one"] > 0
    finally:
        three.stop()
        one.stop()


def test_large_and_chunked_bodies_both_ways(network, digest, tmp_path):
    c, vpc, sn = network
    tg = target_group(c, "digest", digest, [{"id": "127.0.0.1"}])
    name = service(c, sn, "digest", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    addr = vpc["serviceNetworkAddress"]
    payload = bytes(range(256)) * (12 * 4096)  # 12 MiB
    (tmp_path / "payload").write_bytes(payload)
    expected = f"{len(payload)} {hashlib.sha256(payload).hexdigest()}"
    for extra in ([], ["-H", "Transfer-Encoding: chunked"]):
        p = subprocess.run(["curl", "-sS", "--max-time", "30", "--resolve", f"{name}:80:{addr}", "--data-binary",
                            f"@{tmp_path / 'payload'}", *extra, f"http://{name}/upload"],
                           capture_output=True, text=True, timeout=60)
        assert p.stdout == expected, (extra, p.stdout, p.stderr)
    p = subprocess.run(["curl", "-sS", "--max-time", "30", "--resolve", f"{name}:80:{addr}", "-o", "-",
                        f"http://{name}/big/{20 << 20}"], capture_output=True, timeout=60)
    assert len(p.stdout) == 20 << 20 and set(p.stdout) == {ord("x")}


def tcp_server(handle):
    """A loopback TCP server calling `handle(conn)` for each connection, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    def run():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            handle(conn)

    threading.Thread(target=run, daemon=True).start()
    return sock


def silent_server(reset):
    """A TCP server that resets every connection, or accepts and never answers."""
    held = []

    def handle(conn):
        if reset:
            conn.recv(65536)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        else:
            held.append(conn)

    return tcp_server(handle), held


def test_reset_refused_and_silent_targets(network):
    c, vpc, sn = network
    addr = vpc["serviceNetworkAddress"]
    resetting, _ = silent_server(reset=True)
    silent, held = silent_server(reset=False)
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))
    refused_port = refused.getsockname()[1]
    refused.close()
    try:
        for label, port, status in [("reset", resetting.getsockname()[1], 502), ("refused", refused_port, 502)]:
            tg = target_group(c, f"{label}-targets", port, [{"id": "127.0.0.1"}])
            name = service(c, sn, label, {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
            assert curl(name, 80, addr)[0] == status, label
        # A client connection left idle is closed after its service's idle timeout (60 s), measured
        # meanwhile on keep-alive connections that asked a fixed-response service once: HTTP/1.1
        # (the fast path), HTTP/1.0 and HTTP/2 with prior knowledge (both served by hyper).
        fixed = service(c, sn, "idle-client", {"fixedResponse": {"statusCode": 204}})
        openers = {
            "HTTP/1.1": (f"GET / HTTP/1.1\r\nHost: {fixed}\r\n\r\n".encode(), b"HTTP/1.1 204"),
            "HTTP/1.0": (f"GET / HTTP/1.0\r\nHost: {fixed}\r\nConnection: keep-alive\r\n\r\n".encode(), b"HTTP/1."),
            # The connection preface and an empty SETTINGS frame; the answer starts with SETTINGS.
            "HTTP/2": (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]), b""),
        }
        closed = {}

        def wait_close(label, conn, since):
            conn.settimeout(90)
            try:
                while conn.recv(4096):
                    pass
            except socket.timeout:
                return  # still open
            except OSError:
                pass  # reset: closed too
            closed[label] = time.monotonic() - since
        watchers = []
        for label, (opening, answer) in openers.items():
            conn = socket.create_connection((addr, 80), timeout=10)
            conn.sendall(opening)
            first = conn.recv(4096)
            assert first.startswith(answer) and first, (label, first)
            watchers.append(threading.Thread(target=wait_close, args=(label, conn, time.monotonic())))
            watchers[-1].start()
        # A target that never answers: 504 once the service's idle timeout (60 s, the least) passes.
        tg = target_group(c, "silent-targets", silent.getsockname()[1], [{"id": "127.0.0.1"}])
        svc = c.create_service(name="silent", idleTimeoutSeconds=60)
        c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)
        name = svc["dnsEntry"]["domainName"]
        p = subprocess.run(["curl", "-sS", "--max-time", "90", "--resolve", f"{name}:80:{addr}", "-o", "/dev/null",
                            "-w", "%{http_code}", f"http://{name}/"], capture_output=True, text=True, timeout=120)
        assert p.stdout == "504", p
        for watcher in watchers:
            watcher.join(100)
        for label in openers:
            assert label in closed, f"the idle {label} connection is still open"
            assert closed[label] > 50, f"{label}: not before the idle timeout: closed after {closed[label]:.0f} s"
    finally:
        resetting.close()
        silent.close()
        for conn in held:
            conn.close()


def test_no_request_fails_while_the_network_changes(network):
    """Requests flow on keep-alive and fresh connections while other services are added and
    removed and the service's own targets are swapped: every one is answered 200."""
    c, vpc, sn = network
    one, two = Echo("one"), Echo("two")
    try:
        tg = target_group(c, "steady", one.port, [{"id": "127.0.0.1", "port": one.port}])
        name = service(c, sn, "steady", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        addr = vpc["serviceNetworkAddress"]
        stop = threading.Event()
        outcomes = []

        def load(keep_alive):
            conn = http.client.HTTPConnection(addr, 80, timeout=10)
            while not stop.is_set():
                try:
                    if not keep_alive:
                        conn = http.client.HTTPConnection(addr, 80, timeout=10)
                    conn.request("GET", "/", headers={"Host": name})
                    resp = conn.getresponse()
                    resp.read()
                    outcomes.append(resp.status)
                except Exception as e:  # noqa: BLE001  (any failure counts)
                    outcomes.append(repr(e))
                    conn = http.client.HTTPConnection(addr, 80, timeout=10)
                finally:
                    if not keep_alive:
                        conn.close()

        workers = [threading.Thread(target=load, args=(k,)) for k in (True, True, False)]
        for w in workers:
            w.start()
        try:
            for round_ in range(3):
                made = []
                for i in range(8):
                    svc = c.create_service(name=f"churn-{round_}-{i}")
                    c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                                      defaultAction={"fixedResponse": {"statusCode": 404}})
                    made.append((svc["id"], c.create_service_network_service_association(
                        serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)["id"]))
                # Swap the service's target for the other one, and back.
                old, new = (one, two) if round_ % 2 == 0 else (two, one)
                c.register_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": new.port}])
                c.deregister_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1", "port": old.port}])
                for svc_id, assoc in made:
                    c.delete_service_network_service_association(serviceNetworkServiceAssociationIdentifier=assoc)
                    c.delete_service(serviceIdentifier=svc_id)
        finally:
            stop.set()
            for w in workers:
                w.join()
        failures = [o for o in outcomes if o != 200]
        assert len(outcomes) > 100 and failures == [], (len(outcomes), failures[:5])
    finally:
        one.stop()
        two.stop()


def one_shot_server():
    """A target that answers one request per connection, then closes it without saying so
    (no `Connection: close`): the proxy's pooled connection to it is dead by the next request."""
    served = []

    def handle(conn):
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            while length and len(body) < int(length.group(1)):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            served.append(data)
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\none-off")

    return tcp_server(handle), served


def test_http1_edges_pipelining_versions_smuggling_and_closed_pooled_connections(network, digest):
    c, vpc, sn = network
    addr = vpc["serviceNetworkAddress"]
    tg = target_group(c, "edges-targets", digest, [{"id": "127.0.0.1"}])
    name = service(c, sn, "edges", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})

    # Two pipelined requests on one connection are answered in order.
    two = (f"GET /big/2 HTTP/1.1\r\nHost: {name}\r\n\r\n"
           f"POST / HTTP/1.1\r\nHost: {name}\r\ncontent-length: 3\r\nconnection: close\r\n\r\nabc").encode()
    data = exchange(addr, two)
    first, _, second = data.partition(b"HTTP/1.1 200")[2].partition(b"HTTP/1.1 200")
    assert first.endswith(b"\r\n\r\nxx"), data
    assert second.endswith(f"3 {hashlib.sha256(b'abc').hexdigest()}".encode()), data

    # HTTP/1.0 is answered too (and the connection then closes).
    data = exchange(addr, f"GET /big/3 HTTP/1.0\r\nHost: {name}\r\n\r\n".encode())
    assert data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n")[0] and data.endswith(b"xxx"), data

    # A body framed two ways could smuggle a request: refused, nothing reaches the target.
    smuggle = (f"POST / HTTP/1.1\r\nHost: {name}\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n"
               "0\r\n\r\n").encode()
    assert exchange(addr, smuggle).startswith(b"HTTP/1.1 400"), "content-length with transfer-encoding"
    with socket.create_connection((addr, 80), timeout=10) as s:
        s.sendall(f"GET / HTTP/1.1\r\nHost: {name}\r\nx-big: {'a' * 70000}\r\n\r\n".encode())
        assert s.recv(100).startswith(b"HTTP/1.1 431"), "a head larger than 64 KiB"

    # A target that closes each connection after answering: every request still gets its answer
    # (a request without a body finding its pooled connection closed is sent on a new one; one
    # with a body cannot be sent twice, so the closed connection must be seen before it is used).
    one_shot, served = one_shot_server()
    try:
        tg = target_group(c, "one-shot-targets", one_shot.getsockname()[1], [{"id": "127.0.0.1"}])
        name = service(c, sn, "one-shot", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        for options in [()] * 5 + [("--data-binary", "body")] * 5:
            assert curl(name, 80, addr, options=options) == (200, "one-off"), options
            time.sleep(0.05)
        proxied = [r for r in served if b"lattice-local-health-check" not in r]
        assert len(proxied) == 10, "each request reached the target once"
    finally:
        one_shot.close()


def test_a_request_in_flight_when_the_backend_stops_still_gets_its_answer(network, backend):
    """SIGTERM: the backend stops accepting, lets what it serves finish (bounded), then exits."""
    import signal

    class Slow(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            time.sleep(1.0)
            self.send_response(200)
            self.send_header("content-length", "4")
            self.end_headers()
            self.wfile.write(b"done")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        c, vpc, sn = network
        tg = target_group(c, "slow-targets", server.server_address[1], [{"id": "127.0.0.1"}])
        c.update_target_group(targetGroupIdentifier=tg, healthCheck={"enabled": False})
        name = service(c, sn, "slow", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        answer = {}

        def ask():
            answer["got"] = curl(name, 80, vpc["serviceNetworkAddress"], "/slow")

        asking = threading.Thread(target=ask)
        asking.start()
        time.sleep(0.4)  # the request is at the target
        backend.proc.send_signal(signal.SIGTERM)
        asking.join(timeout=15)
        assert answer.get("got") == (200, "done"), answer
        assert backend.proc.wait(timeout=15) == 0
        backend.proc = None
    finally:
        server.shutdown()
        server.server_close()
