"""Security groups on a service-network VPC association are enforced on the client's source
address: HTTP to services and TCP to resources from an address no ingress rule admits is reset,
an in-place rule change takes effect at once, the forward proxy's clients come from the VPC's
`.3`, and `explain` (with a source address) agrees with each real connection."""

import json
import socket
import subprocess
import urllib.error

import pytest

from conftest import Echo, admin
from helpers import TcpServer, explain, proxy_url, resolve, through_proxy, wait_connectable

CLIENT = "vpc-0d1d0d1d0d1d0d1d0"
PROVIDER = "vpc-0d2d0d2d0d2d0d2d0"
ALLOWED, DENIED = "127.0.0.1", "127.0.0.9"


def rules(kind, ports, blocks):
    return "".join(
        f"""
  {kind} {{
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = {json.dumps(blocks)}
  }}""" for port in ports)


def layout(echo_port, tcp_port, sources, gateway_egress=None):
    """With `gateway_egress` (ports), the resource gateway carries a group whose egress rules
    let it reach 127.0.0.1 on those ports only."""
    gateway_group = "" if gateway_egress is None else f"""
resource "lattice_local_security_group" "gateway" {{
  name   = "gateway"
  vpc_id = "{PROVIDER}"{rules("egress", gateway_egress, ["127.0.0.1/32"])}
}}
"""
    gateway_groups = "" if gateway_egress is None else \
        "\n  security_group_ids = [lattice_local_security_group.gateway.id]"
    return gateway_group + f"""
resource "lattice_local_vpc" "client" {{
  vpc_id = "{CLIENT}"
}}

resource "lattice_local_security_group" "clients" {{
  name   = "clients"
  vpc_id = lattice_local_vpc.client.id{rules("ingress", (80, tcp_port), sources)}
}}

resource "lattice_service_network" "sn" {{
  name = "guarded"
}}

resource "lattice_service_network_vpc_association" "client" {{
  vpc_identifier             = lattice_local_vpc.client.id
  service_network_identifier = lattice_service_network.sn.id
  security_group_ids         = [lattice_local_security_group.clients.id]
}}

resource "lattice_service" "web" {{
  name = "web"
}}

resource "lattice_target_group" "web" {{
  name = "web-targets"
  type = "IP"
  config {{
    port           = {echo_port}
    protocol       = "HTTP"
    vpc_identifier = lattice_local_vpc.client.id
  }}
}}

resource "lattice_target_group_attachment" "web" {{
  target_group_identifier = lattice_target_group.web.id
  target {{
    id   = "127.0.0.1"
    port = {echo_port}
  }}
}}

resource "lattice_listener" "http" {{
  name               = "http"
  protocol           = "HTTP"
  service_identifier = lattice_service.web.id
  default_action {{
    forward {{
      target_groups {{
        target_group_identifier = lattice_target_group.web.id
      }}
    }}
  }}
}}

resource "lattice_service_network_service_association" "web" {{
  service_identifier         = lattice_service.web.id
  service_network_identifier = lattice_service_network.sn.id
}}

resource "lattice_resource_gateway" "gw" {{
  name       = "guarded-gw"
  vpc_id     = "{PROVIDER}"
  subnet_ids = ["subnet-0123456789abcdef0"]{gateway_groups}
}}

resource "lattice_resource_configuration" "tcp" {{
  name                        = "guarded-tcp"
  resource_gateway_identifier = lattice_resource_gateway.gw.id
  port_ranges                 = ["{tcp_port}"]
  resource_configuration_definition {{
    ip_resource {{
      ip_address = "127.0.0.1"
    }}
  }}
}}

resource "lattice_service_network_resource_association" "tcp" {{
  resource_configuration_identifier = lattice_resource_configuration.tcp.id
  service_network_identifier        = lattice_service_network.sn.id
}}

output "web" {{
  value = lattice_service.web.dns_entry[0].domain_name
}}

output "tcp" {{
  value = lattice_service_network_resource_association.tcp.dns_entry[0].domain_name
}}
"""


def http_from(source, name, address):
    """curl's exit status and the HTTP status of a GET from `source`."""
    p = subprocess.run(["curl", "-sS", "--max-time", "5", "--interface", source, "--resolve", f"{name}:80:{address}",
                        "-o", "/dev/null", "-w", "%{http_code}", f"http://{name}/"],
                       capture_output=True, text=True, timeout=15)
    return p.returncode, p.stdout


def tcp_from(source, address, port):
    """The resource's greeting to a connection from `source`, or the error."""
    s = socket.socket()
    s.settimeout(5)
    try:
        s.bind((source, 0))
        s.connect((address, port))
        data = s.recv(100)
        return data.decode() if data else "closed"
    except OSError as e:
        return f"error: {e}"
    finally:
        s.close()


@pytest.fixture
def guarded(backend, tf_factory):
    echo, server = Echo("guarded"), TcpServer()
    tf = tf_factory()
    try:
        tf.write(layout(echo.port, server.port, [f"{ALLOWED}/32"]))
        tf.apply()
        yield tf, echo, server
    finally:
        echo.stop()
        server.close()


def test_ingress_rules_admit_sources_and_explain_agrees(guarded, backend):
    tf, echo, server = guarded
    web, tcp = tf.output("web"), tf.output("tcp")
    info = backend.vpc_info(CLIENT)
    block = info["resolverAddress"].rsplit(".", 1)[0]
    wait_connectable(info["serviceNetworkAddress"], 80)

    # HTTP: the admitted source is served, another loopback source is reset before any byte.
    assert http_from(ALLOWED, web, info["serviceNetworkAddress"]) == (0, "200")
    code, status = http_from(DENIED, web, info["serviceNetworkAddress"])
    assert code != 0 and status == "000", (code, status)

    # TCP to the resource, by its address in the VPC.
    address = resolve(info, tcp)
    assert tcp_from(ALLOWED, address, server.port).startswith("from ")
    assert tcp_from(DENIED, address, server.port).startswith("error:")

    # explain says the same, naming the group and the rule.
    for source, reachable in ((ALLOWED, True), (DENIED, False)):
        for target in (f"http://{web}/", f"{tcp}:{server.port}"):
            e = explain(backend, CLIENT, target, sourceAddress=source)
            assert e["reachable"] is reachable, (source, target, e)
            sg = [s for s in e["steps"] if s["step"] == "security-groups"][0]
            assert "sg-" in sg["detail"] and sg["ok"] is reachable, sg
            if not reachable:
                assert e["decidedBy"] == "security-groups" and e["outcome"] == "refused", e

    # The forward proxy's clients come from the VPC's .3: not admitted yet.
    proxy = proxy_url(backend, CLIENT)
    status, body = through_proxy(proxy, f"http://{web}/")
    assert status == 502, (status, body)
    assert explain(backend, CLIENT, f"http://{web}/", sourceAddress=f"{block}.3")["decidedBy"] == "security-groups"

    # Admitting the VPC's block in place (same group id) opens it to the proxy and the namespace
    # client, at once; the host's other address stays out.
    group = tf.state()["lattice_local_security_group.clients"]["id"]
    tf.write(layout(echo.port, server.port, [f"{ALLOWED}/32", f"{block}.0/24"]))
    tf.apply()
    tf.assert_empty_plan()
    assert tf.state()["lattice_local_security_group.clients"]["id"] == group
    status, body = through_proxy(proxy, f"http://{web}/")
    assert status == 200 and json.loads(body)["message"] == "guarded", (status, body)
    assert explain(backend, CLIENT, f"http://{web}/")["reachable"] is True  # default source: .250
    assert http_from(DENIED, web, info["serviceNetworkAddress"])[0] != 0


def test_gateway_egress_rules_decide_which_resources_it_reaches(backend, tf_factory):
    """A resource gateway's security groups limit where it connects, by the resource's address
    and port: a connection the egress rules do not allow is reset before the gateway dials the
    resource; a rule change in place applies to new connections, not to established ones."""
    server = TcpServer()
    tf = tf_factory()
    try:
        tf.write(layout(1, server.port, [f"{ALLOWED}/32"], gateway_egress=[server.port]))
        tf.apply()
        tf.assert_empty_plan()
        tcp = tf.output("tcp")
        address = resolve(backend.vpc_info(CLIENT), tcp)
        wait_connectable(address, server.port)
        held = socket.create_connection((address, server.port), timeout=5)
        held_f = held.makefile("rb")
        assert held_f.readline().startswith(b"from ")
        e = explain(backend, CLIENT, f"{tcp}:{server.port}", sourceAddress=ALLOWED)
        step = [s for s in e["steps"] if s["step"] == "gateway-security-groups"][0]
        assert e["reachable"] and step["ok"] and f"tcp port {server.port} to 127.0.0.1/32" in step["detail"], e

        # The group now allows another port only (same group, updated in place).
        group = tf.state()["lattice_local_security_group.gateway"]["id"]
        tf.write(layout(1, server.port, [f"{ALLOWED}/32"], gateway_egress=[server.port + 1]))
        tf.apply()
        tf.assert_empty_plan()
        assert tf.state()["lattice_local_security_group.gateway"]["id"] == group
        dialed = len(server.peers)
        assert not tcp_from(ALLOWED, address, server.port).startswith("from "), "egress not enforced"
        assert len(server.peers) == dialed, "the gateway dialed a resource its egress rules do not allow"
        # The established connection goes on: security groups track connections.
        held.sendall(b"still here\n")
        assert held_f.readline() == b"still here\n"
        held.close()
        e = explain(backend, CLIENT, f"{tcp}:{server.port}", sourceAddress=ALLOWED)
        assert e["decidedBy"] == "gateway-security-groups" and e["outcome"] == "refused", e
        assert group in e["summary"] and "no egress rule" in e["summary"], e

        # Back to the resource's port, then no egress rule at all: as with `aws_security_group`,
        # a group without egress blocks lets its gateway connect nowhere.
        tf.write(layout(1, server.port, [f"{ALLOWED}/32"], gateway_egress=[server.port]))
        tf.apply()
        assert tcp_from(ALLOWED, address, server.port).startswith("from ")
        tf.write(layout(1, server.port, [f"{ALLOWED}/32"], gateway_egress=[]))
        tf.apply()
        tf.assert_empty_plan()
        assert not tcp_from(ALLOWED, address, server.port).startswith("from ")
    finally:
        server.close()


def test_groups_are_checked_against_the_vpc_and_in_use_groups_are_kept(backend):
    own = admin(backend, "POST", "/securitygroups", {"vpcId": CLIENT, "groupName": "mine"})
    other = admin(backend, "POST", "/securitygroups", {"vpcId": PROVIDER, "groupName": "theirs"})
    c = backend.client()
    sn = c.create_service_network(name="checked")
    with pytest.raises(c.exceptions.ValidationException, match=f"belongs to {PROVIDER}"):
        c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=CLIENT,
                                                 securityGroupIds=[other["groupId"]])
    with pytest.raises(c.exceptions.ValidationException, match="regular expression pattern: sg-"):
        c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=CLIENT,
                                                 securityGroupIds=["default"])
    assert c.list_service_network_vpc_associations(serviceNetworkIdentifier=sn["id"])["items"] == []
    a = c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=CLIENT,
                                                 securityGroupIds=[own["groupId"]])
    # A group in use cannot be deleted; once the association lets go of it, it can.
    with pytest.raises(urllib.error.HTTPError) as err:
        admin(backend, "DELETE", f"/securitygroups/{own['groupId']}")
    assert err.value.code == 409 and "still used by " + a["id"] in err.value.read().decode()
    spare = admin(backend, "POST", "/securitygroups", {"vpcId": CLIENT, "groupName": "spare"})
    c.update_service_network_vpc_association(serviceNetworkVpcAssociationIdentifier=a["id"],
                                             securityGroupIds=[spare["groupId"]])
    admin(backend, "DELETE", f"/securitygroups/{own['groupId']}")
    # Bad rules are refused with the rule's path, and nothing is stored.
    for rule, field in (({"protocol": "gre", "fromPort": 0, "toPort": 0}, "ingress[0].protocol"),
                        ({"protocol": "tcp", "fromPort": 90, "toPort": 80}, "ingress[0].fromPort"),
                        ({"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0"]},
                         "ingress[0].cidrBlocks")):
        with pytest.raises(urllib.error.HTTPError) as err:
            admin(backend, "POST", "/securitygroups", {"vpcId": CLIENT, "groupName": "bad", "ingress": [rule]})
        assert err.value.code == 400 and field in err.value.read().decode()
    names = {g["groupName"] for g in admin(backend, "GET", "/securitygroups")["items"]}
    assert names == {"spare", "theirs"}
    # A resource gateway's groups too: from its own VPC, and kept while it uses them.
    with pytest.raises(c.exceptions.ValidationException, match=f"belongs to {PROVIDER}"):
        c.create_resource_gateway(name="checked-gw", vpcIdentifier=CLIENT, subnetIds=["subnet-0123456789abcdef0"],
                                  securityGroupIds=[other["groupId"]])
    gw = c.create_resource_gateway(name="checked-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"],
                                   securityGroupIds=[other["groupId"]])
    with pytest.raises(urllib.error.HTTPError) as err:
        admin(backend, "DELETE", f"/securitygroups/{other['groupId']}")
    assert err.value.code == 409 and "still used by " + gw["id"] in err.value.read().decode()
