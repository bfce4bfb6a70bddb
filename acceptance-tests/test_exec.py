"""`lattice-local exec`: a command run in the network namespace that stands for a VPC sees what
a client in that VPC sees, with Lattice's link-local addresses: `dig` through the VPC resolver,
`curl` to services, TCP to resources through the gateway; a VPC without an association sees
nothing. Namespaces are created by the backend on demand and removed when it stops."""

import json
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from conftest import LATTICE_LOCAL, Echo, admin
from conftest import target_group
from helpers import TcpServer, dns_name, start_redis

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("ip"),
                                reason="network namespaces need root and iproute2")

VPC = "vpc-0f1f0f1f0f1f0f1f0"
LONELY = "vpc-0f2f0f2f0f2f0f2f0"
# Namespaces are named by account and VPC id (each account has VPC ids of its own).
DEFAULT_ACCOUNT = "000000000000"
PROVIDER = "vpc-0f3f0f3f0f3f0f3f0"
# Namespaces are named after VPCs: tests that run in parallel use VPCs of their own.
GUARDED = "vpc-0f4f0f4f0f4f0f4f0"


def run_in(backend, vpc, *command):
    return subprocess.run([str(LATTICE_LOCAL), "exec", "--vpc", vpc, "--endpoint", backend.endpoint, "--", *command],
                          capture_output=True, text=True, timeout=30)


def namespaces():
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_exec_runs_clients_inside_the_vpc(backend):
    c = backend.client()
    sn = c.create_service_network(name="exec-net")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
    admin(backend, "POST", "/vpcs", {"vpcId": LONELY})
    echo, server = Echo("inside"), TcpServer()
    try:
        tg = target_group(c, "exec-targets", echo.port, [{"id": "127.0.0.1"}])
        svc = c.create_service(name="inside")
        c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        name = svc["dnsEntry"]["domainName"]
        gw = c.create_resource_gateway(name="exec-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"])
        rcfg = c.create_resource_configuration(
            name="exec-tcp", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(server.port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn["id"])
        resource = dns_name(c, snra)
        info = backend.vpc_info(VPC)
        block = info["resolverAddress"].rsplit(".", 1)[0]

        # DNS: the VPC resolver, answering Lattice's link-local addresses.
        resolv = run_in(backend, VPC, "cat", "/etc/resolv.conf")
        assert resolv.returncode == 0, resolv.stderr
        assert resolv.stdout.split() == ["nameserver", info["resolverAddress"]]
        dig = run_in(backend, VPC, "dig", "+short", "+tries=1", "+time=2", name)
        assert dig.stdout.split() == ["169.254.171.10"], dig
        over_tcp = run_in(backend, VPC, "dig", "+short", "+tries=1", "+time=2", "+tcp", name)
        assert over_tcp.stdout.split() == ["169.254.171.10"], over_tcp
        resource_ip = run_in(backend, VPC, "dig", "+short", "+tries=1", "+time=2", resource).stdout.strip()
        assert resource_ip.startswith("169.254.171."), resource_ip

        # HTTP: curl as is, no --resolve; the target sees the client's own address in the block.
        curl = run_in(backend, VPC, "curl", "-sS", "--max-time", "10", f"http://{name}/from-inside")
        assert curl.returncode == 0, curl.stderr
        seen = json.loads(curl.stdout)
        assert seen["message"] == "inside" and seen["path"] == "/from-inside"
        assert seen["headers"]["x-amzn-source-vpc"] == VPC
        assert seen["headers"]["x-forwarded-for"] == f"{block}.250"

        # IPv6: the names have fd00:ec2:80:: twins, and a client over IPv6 is the same client.
        dig6 = run_in(backend, VPC, "dig", "+short", "+tries=1", "+time=2", name, "AAAA")
        assert dig6.stdout.split() == ["fd00:ec2:80::10"], dig6
        resource6 = run_in(backend, VPC, "dig", "+short", "+tries=1", "+time=2", resource, "AAAA").stdout.strip()
        assert resource6 == "fd00:ec2:80::" + resource_ip.rsplit(".", 1)[1], resource6
        curl6 = run_in(backend, VPC, "curl", "-6", "-sS", "--max-time", "10", f"http://{name}/over-v6")
        assert curl6.returncode == 0, curl6.stderr
        assert json.loads(curl6.stdout)["headers"]["x-forwarded-for"] == f"{block}.250"

        # TCP to the resource by name: the resource sees the gateway's address.
        gw_block = backend.vpc_info(PROVIDER)["resolverAddress"].rsplit(".", 1)[0]
        script = (f"import socket; s = socket.create_connection(({resource!r}, {server.port}), timeout=5); "
                  "print(s.makefile().readline().strip())")
        tcp = run_in(backend, VPC, "python3", "-c", script)
        assert tcp.returncode == 0, tcp.stderr
        assert tcp.stdout.startswith(f"from {gw_block}."), tcp.stdout
        tcp6 = run_in(backend, VPC, "python3", "-c", script.replace("socket.create_connection((",
                                                                     "socket.create_connection(('" + resource6 + "', ")
                      .replace(f"{resource!r}, ", ""))
        assert tcp6.returncode == 0 and tcp6.stdout.startswith(f"from {gw_block}."), tcp6

        # A VPC without an association reaches nothing; the exit status is the command's.
        lonely = run_in(backend, LONELY, "dig", "+tries=1", "+time=2", name)
        assert "status: NXDOMAIN" in lonely.stdout, lonely.stdout
        refused = run_in(backend, LONELY, "curl", "-sS", "--max-time", "5", f"http://{name}/")
        assert refused.returncode != 0
        assert f"lattice-{DEFAULT_ACCOUNT}-{VPC}" in namespaces() and f"lattice-{DEFAULT_ACCOUNT}-{LONELY}" in namespaces()
    finally:
        echo.stop()
        server.close()
    # Stopping the backend removes its namespaces.
    backend.stop()
    assert f"lattice-{DEFAULT_ACCOUNT}-{VPC}" not in namespaces() and f"lattice-{DEFAULT_ACCOUNT}-{LONELY}" not in namespaces()
    assert not os.path.exists(f"/etc/netns/lattice-{DEFAULT_ACCOUNT}-{VPC}")


def test_exec_names_the_alternatives_for_unknown_vpcs(backend):
    p = run_in(backend, "vpc-0ffffffffffffffff", "true")
    assert p.returncode == 1 and "VPC" in p.stderr


def test_security_groups_guard_the_namespace_client_and_redis_cli_works_inside(backend, tmp_path):
    c = backend.client()
    sn = c.create_service_network(name="exec-guarded")
    group = admin(backend, "POST", "/securitygroups", {"vpcId": GUARDED, "groupName": "clients"})["groupId"]
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=GUARDED,
                                             securityGroupIds=[group])
    gw = c.create_resource_gateway(name="exec-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"])
    redis, port = start_redis(tmp_path)
    try:
        rcfg = c.create_resource_configuration(
            name="exec-redis", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn["id"])
        name = dns_name(c, snra)
        block = backend.vpc_info(GUARDED)["resolverAddress"].rsplit(".", 1)[0]

        def rule(cidr):
            return {"ingress": [{"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": [cidr]}]}

        # The group admits only the host's 127.0.0.1: the namespace client (.250) is reset.
        admin(backend, "PATCH", f"/securitygroups/{group}", rule("127.0.0.1/32"))
        denied = run_in(backend, GUARDED, "redis-cli", "-h", name, "-p", str(port), "PING")
        assert "PONG" not in denied.stdout, denied
        e = admin(backend, "POST", "/explain", {"vpcId": GUARDED, "address": f"{name}:{port}"})
        assert e["decidedBy"] == "security-groups" and f"{block}.250" in e["summary"], e

        # Admitting the VPC's block lets redis-cli in, by the resource's name, through the gateway.
        admin(backend, "PATCH", f"/securitygroups/{group}", rule(f"{block}.0/24"))
        cli = ["redis-cli", "-h", name, "-p", str(port)]
        assert run_in(backend, GUARDED, *cli, "SET", "greeting", "inside").stdout.strip() == "OK"
        assert run_in(backend, GUARDED, *cli, "GET", "greeting").stdout.strip() == "inside"
        assert admin(backend, "POST", "/explain", {"vpcId": GUARDED, "address": f"{name}:{port}"})["reachable"] is True
    finally:
        redis.terminate()
        redis.wait(timeout=10)


WIDE = "vpc-0f5f0f5f0f5f0f5f0"


def lattice_call(backend, method, path, body):
    """A signed VPC Lattice call with a body botocore's model cannot carry (a cidrResource)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    import urllib.error
    import urllib.request
    url, data = f"{backend.endpoint}{path}", json.dumps(body).encode()
    signed = AWSRequest(method=method, url=url, data=data, headers={"content-type": "application/json"})
    SigV4Auth(Credentials("test", "test"), "vpc-lattice", "us-east-1").add_auth(signed)
    request = urllib.request.Request(url, method=method, data=data, headers=dict(signed.headers.items()))
    try:
        with urllib.request.urlopen(request) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_namespaces_serve_cidr_resources_and_every_port_of_wide_ranges(backend):
    c = backend.client()
    sn = c.create_service_network(name="exec-wide")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=WIDE)
    gw = c.create_resource_gateway(name="exec-wide-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"])
    # The CIDR resource's addresses: a /24 of the backend's pool that no VPC block takes.
    second = backend.pool.split(".")[1]
    cidr_host = f"127.{second}.250.5"
    server, cidr_server = TcpServer(), TcpServer(host=cidr_host)
    try:
        gw_block = backend.vpc_info(PROVIDER)["resolverAddress"].rsplit(".", 1)[0]
        # A range too wide for a socket per port: the host serves its first 256 ports, the
        # namespace every one (the server's port is far past 1024 + 256).
        wide = c.create_resource_configuration(
            name="exec-wide", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=["1024-65535"],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        assert server.port > 1024 + 256
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=wide["id"],
                                                             serviceNetworkIdentifier=sn["id"])
        name = dns_name(c, snra)

        status, bad = lattice_call(backend, "POST", "/resourceconfigurations", {
            "name": "exec-bad-cidr", "type": "CIDR", "resourceGatewayIdentifier": gw["id"], "portRanges": ["80"],
            "resourceConfigurationDefinition": {"cidrResource": {"cidrRanges": ["10.0.0.0/16", "10.0.0.300/8"]}}})
        assert status == 400 and "cidrRanges.2" in json.dumps(bad), bad
        status, cidr = lattice_call(backend, "POST", "/resourceconfigurations", {
            "name": "exec-cidr", "type": "CIDR", "resourceGatewayIdentifier": gw["id"],
            "portRanges": [str(cidr_server.port)],
            "resourceConfigurationDefinition": {"cidrResource": {"cidrRanges": [f"127.{second}.250.0/24"]}}})
        assert status == 201, cidr
        cidr_snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=cidr["id"],
                                                                  serviceNetworkIdentifier=sn["id"])

        def connect(host, port, family="AF_INET"):
            script = (f"import socket; s = socket.socket(socket.{family}); s.settimeout(3); "
                      f"s.connect(({host!r}, {port})); print(s.makefile().readline().strip())")
            return run_in(backend, WIDE, "python3", "-c", script)

        # Every port of the wide range, by name and at the IPv6 twin, reaches the resource
        # through the gateway.
        by_name = connect(name, server.port)
        assert by_name.returncode == 0 and by_name.stdout.startswith(f"from {gw_block}."), by_name
        ip = run_in(backend, WIDE, "dig", "+short", "+tries=1", "+time=2", name).stdout.strip()
        v6 = connect("fd00:ec2:80::" + ip.rsplit(".", 1)[1], server.port, "AF_INET6")
        assert v6.returncode == 0 and v6.stdout.startswith(f"from {gw_block}."), v6

        # A CIDR resource is reached at its own addresses, on its ports only.
        direct = connect(cidr_host, cidr_server.port)
        assert direct.returncode == 0 and direct.stdout.startswith(f"from {gw_block}."), direct
        assert cidr_server.peers and cidr_server.peers[-1].startswith(f"{gw_block}.")
        other_port = connect(cidr_host, server.port)
        assert other_port.returncode != 0, other_port
        e = admin(backend, "POST", "/explain", {"vpcId": WIDE, "address": f"{cidr_host}:{cidr_server.port}"})
        assert e["reachable"] is True and e["decidedBy"] == "target", e
        assert any(s["step"] == "resource" and "CIDR resource" in s["detail"] for s in e["steps"]), e
        e = admin(backend, "POST", "/explain", {"vpcId": WIDE, "address": f"{cidr_host}:{server.port}"})
        assert e["reachable"] is False and e["decidedBy"] == "port", e

        # IPv6 blocks too: the gateway connects to the address asked for.
        v6_server = socket.create_server(("::1", 0), family=socket.AF_INET6)
        v6_port = v6_server.getsockname()[1]
        threading.Thread(target=lambda: v6_server.accept()[0].sendall(b"hello over v6\n"), daemon=True).start()
        status, v6_cidr = lattice_call(backend, "POST", "/resourceconfigurations", {
            "name": "exec-cidr-v6", "type": "CIDR", "resourceGatewayIdentifier": gw["id"], "portRanges": [str(v6_port)],
            "resourceConfigurationDefinition": {"cidrResource": {"cidrRanges": ["::1/128"]}}})
        assert status == 201, v6_cidr
        c.create_service_network_resource_association(resourceConfigurationIdentifier=v6_cidr["id"],
                                                      serviceNetworkIdentifier=sn["id"])
        over_v6 = connect("::1", v6_port, "AF_INET6")
        v6_server.close()
        assert over_v6.returncode == 0 and over_v6.stdout.strip() == "hello over v6", over_v6

        # Without the association the addresses are no longer redirected.
        c.delete_service_network_resource_association(serviceNetworkResourceAssociationIdentifier=cidr_snra["id"])
        deadline = time.time() + 10
        while connect(cidr_host, cidr_server.port).returncode == 0 and time.time() < deadline:
            time.sleep(0.2)
        assert connect(cidr_host, cidr_server.port).returncode != 0
    finally:
        server.close()
        cidr_server.close()
