"""Names outside Lattice's zones: a VPC resolver forwards them to the upstream resolver (over
the transport the query came on), or refuses them when none is configured; Lattice names it
cannot reach are NXDOMAIN."""

import socket
import struct
import subprocess
import threading

import pytest

from conftest import LATTICE_LOCAL, Backend, dig


def stub_answer(query):
    """The reply to an A query: 192.0.2.44."""
    header = bytearray(query[:12])
    header[2] |= 0x80  # QR: a response
    header[6:12] = struct.pack(">HHH", 1, 0, 0)  # one answer, no other records
    end = query.index(b"\x00", 12) + 5  # the question: QNAME, QTYPE, QCLASS
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("192.0.2.44")
    return bytes(header) + query[12:end] + answer


class StubDns:
    """Answers every A query with 192.0.2.44 (a documentation address), over UDP and TCP."""

    def __init__(self):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.port = self.tcp.getsockname()[1]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.settimeout(0.2)
        self.tcp_queries = 0
        self.running = True
        self.threads = [threading.Thread(target=f, daemon=True) for f in (self.serve, self.serve_tcp)]
        for t in self.threads:
            t.start()

    def serve(self):
        while self.running:
            try:
                query, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            self.sock.sendto(stub_answer(query), peer)

    def serve_tcp(self):
        while self.running:
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(2)
                length = struct.unpack(">H", conn.recv(2, socket.MSG_WAITALL))[0]
                reply = stub_answer(conn.recv(length, socket.MSG_WAITALL))
                self.tcp_queries += 1
                conn.sendall(struct.pack(">H", len(reply)) + reply)

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join()
        self.sock.close()
        self.tcp.close()


@pytest.fixture
def stub_dns():
    s = StubDns()
    yield s
    s.stop()


def make_vpc(endpoint):
    import json
    out = subprocess.run([str(LATTICE_LOCAL), "vpc", "create", "--endpoint", endpoint],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def test_other_names_go_upstream_or_are_refused(tmp_path, stub_dns):
    forwarding = Backend(tmp_path / "a")
    forwarding.extra_args = ["--upstream-dns", f"127.0.0.1:{stub_dns.port}"]
    refusing = Backend(tmp_path / "b")
    try:
        forwarding.start()
        refusing.start()
        vpc = make_vpc(forwarding.endpoint)
        assert dig(vpc["resolverAddress"], vpc["resolverPort"], "www.example.com") == ("NOERROR", ["192.0.2.44"])
        # Over TCP, the query goes upstream over TCP too (large answers arrive whole).
        assert dig(vpc["resolverAddress"], vpc["resolverPort"], "www.example.com", tcp=True) == ("NOERROR", ["192.0.2.44"])
        assert stub_dns.tcp_queries == 2, "dig asked twice (status, then +short), each forwarded over TCP"
        # Lattice's own zone is never forwarded.
        lattice_name = "nothing-0123456789abcdef0.abcdef0.vpc-lattice-svcs.us-east-1.on.aws"
        assert dig(vpc["resolverAddress"], vpc["resolverPort"], lattice_name) == ("NXDOMAIN", [])
        vpc = make_vpc(refusing.endpoint)
        assert dig(vpc["resolverAddress"], vpc["resolverPort"], "www.example.com")[0] == "REFUSED"
        assert dig(vpc["resolverAddress"], vpc["resolverPort"], "www.example.com", tcp=True)[0] == "REFUSED"
    finally:
        forwarding.close()
        refusing.close()
