"""TLS passthrough listeners: the ClientHello's server name picks the service (its custom domain
name), and the TLS session reaches a target of its TCP target group untouched — the client sees
the target's certificate, not one from the local CA — while HTTPS listeners of other services on
the same port still terminate TLS; a relayed session keeps its deregistered target draining. explain
agrees."""

import json
import socket
import ssl
import subprocess
import time

from conftest import LATTICE_LOCAL, Echo, admin, dig
from helpers import wait_connectable

VPC = "vpc-0f5f5f5f5f5f5f5f5"
PORT = 8443


def tls_get(address, server_name, path="/"):
    """The peer certificate (DER) and the body of GET `path` over TLS to `address:PORT`."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    with socket.create_connection((address, PORT), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname=server_name) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return s.getpeercert(binary_form=True), data.split(b"\r\n\r\n", 1)[1]


def test_passthrough_relays_the_session_and_terminating_listeners_share_the_port(backend, tmp_path):
    c = backend.client()
    target = Echo("passthrough target", tls=True)
    plain = Echo("terminated")
    try:
        sn = c.create_service_network(name="passthrough")
        c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
        tcp_tg = c.create_target_group(name="tls-targets", type="IP", config={
            "port": target.port, "protocol": "TCP", "vpcIdentifier": VPC})
        c.register_targets(targetGroupIdentifier=tcp_tg["id"], targets=[{"id": "127.0.0.1", "port": target.port}])
        svc = c.create_service(name="tls-svc", customDomainName="tls.example.com")
        c.create_listener(serviceIdentifier=svc["id"], name="passthrough", protocol="TLS_PASSTHROUGH", port=PORT,
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tcp_tg["id"]}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        # Another service terminates TLS on the same port.
        http_tg = c.create_target_group(name="http-targets", type="IP", config={
            "port": plain.port, "protocol": "HTTP", "vpcIdentifier": VPC})
        c.register_targets(targetGroupIdentifier=http_tg["id"], targets=[{"id": "127.0.0.1", "port": plain.port}])
        web = c.create_service(name="web")
        c.create_listener(serviceIdentifier=web["id"], name="https", protocol="HTTPS", port=PORT,
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": http_tg["id"]}]}})
        c.create_service_network_service_association(serviceIdentifier=web["id"], serviceNetworkIdentifier=sn["id"])

        vpc = backend.vpc_info(VPC)
        address = vpc["serviceNetworkAddress"]
        assert dig(vpc["resolverAddress"], vpc["resolverPort"], "tls.example.com") == ("NOERROR", [address])
        wait_connectable(address, PORT)

        # Passthrough: the target's own certificate (for localhost), and the target's answer.
        cert, body = tls_get(address, "tls.example.com", "/through")
        assert b"localhost" in cert
        seen = json.loads(body)
        assert seen["message"] == "passthrough target" and seen["tls"] is True and seen["path"] == "/through"

        # Terminated: the local CA's certificate for the generated name, and Lattice's headers.
        ca = tmp_path / "ca.pem"
        ca.write_text(subprocess.run([str(LATTICE_LOCAL), "ca", "--endpoint", backend.endpoint],
                                     check=True, capture_output=True, text=True).stdout)
        name = web["dnsEntry"]["domainName"]
        p = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", str(ca), "--resolve",
                            f"{name}:{PORT}:{address}", f"https://{name}:{PORT}/"],
                           capture_output=True, text=True, timeout=20)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["headers"]["x-amzn-source-vpc"] == VPC

        # Plain HTTP to the passthrough listener is refused; explain agrees with the relay.
        p = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "--resolve",
                            f"tls.example.com:{PORT}:{address}", f"http://tls.example.com:{PORT}/"],
                           capture_output=True, text=True, timeout=20)
        assert p.stdout == "400", p
        e = admin(backend, "POST", "/explain", {"vpcId": VPC, "url": f"https://tls.example.com:{PORT}/"})
        assert e["reachable"] and "passthrough" in json.dumps(e["steps"]), e
        assert f"127.0.0.1:{target.port}" in e["summary"], e

        # A relayed session counts as in flight: its deregistered target drains until it ends.
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        raw = socket.create_connection((address, PORT), timeout=5)
        session = ctx.wrap_socket(raw, server_hostname="tls.example.com")
        member = [{"id": "127.0.0.1", "port": target.port}]
        c.deregister_targets(targetGroupIdentifier=tcp_tg["id"], targets=member)
        listed = c.list_targets(targetGroupIdentifier=tcp_tg["id"])["items"]
        assert [t["status"] for t in listed] == ["DRAINING"], listed
        session.close()
        deadline = time.time() + 10
        while c.list_targets(targetGroupIdentifier=tcp_tg["id"])["items"] and time.time() < deadline:
            time.sleep(0.1)
        assert c.list_targets(targetGroupIdentifier=tcp_tg["id"])["items"] == [], "drained once the session ended"
        c.register_targets(targetGroupIdentifier=tcp_tg["id"], targets=member)

        # With AWS_IAM and no policy, the anonymous session is refused: reset, and explain says so.
        c.update_service(serviceIdentifier=svc["id"], authType="AWS_IAM")
        try:
            tls_get(address, "tls.example.com")
            raise AssertionError("a refused passthrough session got through")
        except (ConnectionResetError, ssl.SSLError, OSError):
            pass
        e = admin(backend, "POST", "/explain", {"vpcId": VPC, "url": f"https://tls.example.com:{PORT}/"})
        assert e["outcome"] == "refused" and e["decidedBy"] == "service-policy", e
    finally:
        target.stop()
        plain.stop()
