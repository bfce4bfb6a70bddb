"""Helpers several acceptance-test files share (servers, sockets, names, signed requests,
`explain` and the forward proxy, the IAM decision table); fixtures live in conftest.py. One module, so test files import helpers, never each other."""

import http.client
import socket
import struct
import subprocess
import threading
import time
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import LATTICE_LOCAL, admin, dig


class TcpServer:
    """Says `from <peer ip>` to each connection, then echoes lines; `bye` after the client's
    half-close; `RST` makes it reset the connection."""

    def __init__(self, host="127.0.0.1", port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.peers = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn, peer), daemon=True).start()

    def _serve(self, conn, peer):
        self.peers.append(peer[0])
        try:
            self._talk(conn, peer)
        except OSError:
            pass  # the gateway reset the connection: what some tests want

    def _talk(self, conn, peer):
        with conn:
            conn.sendall(f"from {peer[0]}\n".encode())
            buf = b""
            while True:
                data = conn.recv(4096)
                if not data:
                    conn.sendall(b"bye\n")
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line == b"RST":
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        return
                    conn.sendall(line + b"\n")

    def close(self):
        self.sock.close()


def free_port_pair():
    """Two consecutive free ports on 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


def connect(address, port, timeout=5):
    s = socket.create_connection((address, port), timeout=timeout)
    f = s.makefile("rb")
    return s, f


def wait_connectable(address, port, timeout=5):
    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection((address, port), timeout=1).close()
            return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def dns_name(c, snra):
    """The association's generated name (CreateServiceNetworkResourceAssociation does not return it)."""
    return c.get_service_network_resource_association(
        serviceNetworkResourceAssociationIdentifier=snra["id"])["dnsEntry"]["domainName"]


def resolve(vpc, name):
    status, answers = dig(vpc["resolverAddress"], vpc["resolverPort"], name)
    assert status == "NOERROR" and len(answers) == 1, (status, answers)
    return answers[0]


def start_redis(tmp_path):
    """A redis-server on a free port of 127.0.0.1, ready: (process, port). Stop it by its PID."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Protected mode accepts only 127.0.0.1 and ::1; connections come from the gateway's address.
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "no",
                              "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_connectable("127.0.0.1", port)
    return redis, port


def exchange(addr, raw, timeout=10):
    """Sends raw bytes to the proxy on port 80 and reads until the proxy closes the connection
    (the last request asks it to, or the protocol does)."""
    with socket.create_connection((addr, 80), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data


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


def explain(backend, vpc, target, method="GET", headers=None, **credentials):
    body = {"vpcId": vpc, "method": method, "headers": headers or {}, **credentials}
    body["url" if "://" in target else "address"] = target
    return admin(backend, "POST", "/explain", body)


def proxy_url(backend, vpc):
    return subprocess.run([str(LATTICE_LOCAL), "vpc", "proxy-url", vpc, "--endpoint", backend.endpoint],
                          check=True, capture_output=True, text=True).stdout.strip()


def through_proxy(proxy, url, method="GET", headers=(), extra=()):
    """(status, body) of curl through the VPC's forward proxy."""
    args = ["curl", "-sS", "--max-time", "10", "-x", proxy, "-X", method, "-o", "-", "-w", "\n%{http_code}", *extra]
    for h in headers:
        args += ["-H", h]
    p = subprocess.run(args + [url], capture_output=True, text=True, timeout=20)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


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
