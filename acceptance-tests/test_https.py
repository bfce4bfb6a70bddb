"""HTTPS listeners through real curl: certificates from the local CA for generated names and
from `lattice_local_certificate` for custom domain names, SNI, ALPN h2, TLS 1.2 and 1.3, and
what targets and access logs see."""

import json
import subprocess
import time
import urllib.request

import pytest

from conftest import Echo, admin
from conftest import curl as conftest_curl
from conftest import read_logs

VPC = "vpc-0e0e0e0e0e0e0e0e0"


@pytest.fixture
def tls(backend, echo, tmp_path):
    c = backend.client()
    sn = c.create_service_network(name="tls-net")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
    tg = c.create_target_group(name="tls-targets", type="IP",
                               config={"port": echo.port, "protocol": "HTTP", "vpcIdentifier": VPC})
    c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}])
    forward = {"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}}

    def service(name, protocol="HTTPS", **kw):
        svc = c.create_service(name=name, **kw)
        c.create_listener(serviceIdentifier=svc["id"], name="listener", protocol=protocol, port=443, defaultAction=forward)
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        return svc

    ca = tmp_path / "ca.pem"
    with urllib.request.urlopen(f"{backend.endpoint}/_lattice-local/ca") as r:
        ca.write_bytes(r.read())
    cert = admin(backend, "POST", "/certificates", {"domainName": "shop.example.com"})
    return {"c": c, "service": service, "ca": str(ca), "cert": cert, "backend": backend,
            "addr": backend.vpc_info(VPC)["serviceNetworkAddress"]}


def curl(t, name, *extra, scheme="https"):
    """(exit code, http status, http version, body)."""
    p = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", t["ca"], "--resolve", f"{name}:443:{t['addr']}",
                        "-o", "-", "-w", "\n%{http_code} %{http_version}", *extra, f"{scheme}://{name}:443/tls"],
                       capture_output=True, text=True, timeout=20)
    body, _, tail = p.stdout.rpartition("\n")
    code, _, version = tail.partition(" ")
    return p.returncode, int(code or 0), version, body


def test_generated_names_get_local_ca_certificates_with_alpn_and_both_tls_versions(tls):
    svc = tls["service"]("secure")
    name = svc["dnsEntry"]["domainName"]
    destination = "arn:aws:s3:::tls-logs"
    tls["c"].create_access_log_subscription(resourceIdentifier=svc["id"], destinationArn=destination)

    rc, status, version, body = curl(tls, name, "--http1.1")
    assert (rc, status, version) == (0, 200, "1.1"), body
    seen = json.loads(body)["headers"]
    assert seen["x-forwarded-proto"] == "https" and seen["x-forwarded-port"] == "443"
    assert curl(tls, name, "--http2")[:3] == (0, 200, "2"), "ALPN offers h2"
    assert curl(tls, name, "--tlsv1.2", "--tls-max", "1.2")[:2] == (0, 200)
    assert curl(tls, name, "--tlsv1.3")[:2] == (0, 200)
    # Plain HTTP on the HTTPS listener's port is refused, not served in clear.
    rc, status, _, body = curl(tls, name, scheme="http")
    assert status == 400 and "HTTPS listener" in body

    records = read_logs(tls["backend"], destination, 5)
    assert [r["tlsVersion"] for r in records[:4]] == ["TLSv1.3", "TLSv1.3", "TLSv1.2", "TLSv1.3"]
    assert {r["serverNameIndication"] for r in records[:4]} == {name}
    assert all(r["listenerType"] == "HTTPS" and r["sslCipher"] != "-" for r in records[:4])
    assert [r["protocol"] for r in records[:2]] == ["HTTP/1.1", "HTTP/2.0"]


def test_custom_domain_names_need_their_certificate(tls):
    with_cert = tls["service"]("shop", customDomainName="shop.example.com", certificateArn=tls["cert"]["certificateArn"])
    tls["service"]("bare", customDomainName="bare.example.com")
    rc, status, _, body = curl(tls, "shop.example.com")
    assert (rc, status) == (0, 200), body
    assert json.loads(body)["headers"]["host"] == "shop.example.com"
    # Lattice has no default certificate for a custom name: the handshake fails.
    rc, status, _, _ = curl(tls, "bare.example.com")
    assert rc == 35 and status == 0
    # The generated name of the same service still has the managed certificate.
    assert curl(tls, with_cert["dnsEntry"]["domainName"])[:2] == (0, 200)


def test_sni_and_host_must_name_the_same_service_and_http_shares_the_port(tls):
    a = tls["service"]("alpha")["dnsEntry"]["domainName"]
    b = tls["service"]("beta")["dnsEntry"]["domainName"]
    plain = tls["service"]("plain", protocol="HTTP")["dnsEntry"]["domainName"]
    rc, status, _, _ = curl(tls, a, "-H", f"Host: {b}")
    assert (rc, status) == (0, 421)
    # An HTTP listener on 443 of another service answers in clear on the same address.
    rc, status, _, body = curl(tls, plain, scheme="http")
    assert (rc, status) == (0, 200), body
    rc, status, _, _ = curl(tls, plain)
    assert (rc, status) == (35, 0), "no handshake for a service without an HTTPS listener on the port"


@pytest.mark.parametrize("protocol,version,tls_seen,version_seen", [
    ("HTTPS", "HTTP1", True, "HTTP/1.1"),
    ("HTTPS", "HTTP2", True, "HTTP/2.0"),
    ("HTTP", "HTTP2", False, "HTTP/2.0"),
    ("HTTP", "GRPC", False, "HTTP/2.0"),
])
def test_target_protocols_and_versions(backend, protocol, version, tls_seen, version_seen):
    """Targets over TLS (self-signed, not validated) and HTTP/2, from an HTTP/1.1 client."""
    target = Echo("secure-target", tls=tls_seen)
    try:
        c = backend.client()
        sn = c.create_service_network(name="proto-net")
        c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
        health = {"enabled": True, "protocol": protocol, "protocolVersion": "HTTP2" if version != "HTTP1" else "HTTP1"}
        tg = c.create_target_group(name="proto-targets", type="IP", config={
            "port": target.port, "protocol": protocol, "protocolVersion": version, "vpcIdentifier": VPC,
            "healthCheck": health})["id"]
        c.register_targets(targetGroupIdentifier=tg, targets=[{"id": "127.0.0.1"}])
        svc = c.create_service(name="proto")
        c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        status, body = conftest_curl(svc["dnsEntry"]["domainName"], 80, backend.vpc_info(VPC)["serviceNetworkAddress"])
        assert status == 200, body
        seen = json.loads(body)
        assert (seen["tls"], seen["version"]) == (tls_seen, version_seen)
        # The health check speaks the same way and finds the target healthy.
        for _ in range(50):
            item = c.list_targets(targetGroupIdentifier=tg)["items"][0]
            if item["status"] != "INITIAL":
                break
            time.sleep(0.1)
        assert item["status"] == "HEALTHY", item
    finally:
        target.stop()
