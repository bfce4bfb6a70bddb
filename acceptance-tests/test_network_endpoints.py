"""ServiceNetwork VPC endpoints: one VPC reaches several service networks, its association's at
the block's service address and each endpoint's at the endpoint's own address, by
endpoint-specific names (`vpce-…-snsa-…`, `vpce-…-snra-…`) and, with private DNS, by the
services' own names. Host routing, the network's auth policy and security groups follow the way
in; each resource gets its own address through the endpoint; deleting the endpoint takes its
names away."""

import json
import socket
import subprocess

import pytest

from conftest import Echo, admin, curl, dig
from conftest import target_group
from helpers import TcpServer, connect, wait_connectable

CLIENT = "vpc-0a9a9a9a9a9a9a9a9"
PROVIDER = "vpc-0a8a8a8a8a8a8a8a8"


def http_service(c, sn, name, port):
    tg = target_group(c, f"{name}-targets", port, [{"id": "127.0.0.1"}])
    svc = c.create_service(name=name)
    c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                      defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)
    return svc["dnsEntry"]["domainName"]


def answer(vpc, name):
    status, answers = dig(vpc["resolverAddress"], vpc["resolverPort"], name)
    return answers[0] if status == "NOERROR" and answers else status


@pytest.fixture
def layout(backend):
    c = backend.client()
    home = c.create_service_network(name="home")
    billing = c.create_service_network(name="billing", authType="AWS_IAM")  # no policy: denies all
    shared = c.create_service_network(name="shared")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=home["id"], vpcIdentifier=CLIENT)
    servers = [Echo("home"), Echo("billing"), Echo("shared")]
    tcp = TcpServer()
    try:
        names = {
            "home": http_service(c, home["id"], "home", servers[0].port),
            "billing": http_service(c, billing["id"], "billing", servers[1].port),
            "shared": http_service(c, shared["id"], "shared", servers[2].port),
        }
        gw = c.create_resource_gateway(name="ep-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"])
        rcfg = c.create_resource_configuration(
            name="ep-tcp", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(tcp.port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=shared["id"])
        group = admin(backend, "POST", "/securitygroups", {
            "vpcId": CLIENT, "groupName": "shared-clients",
            "ingress": [{"protocol": "tcp", "fromPort": 0, "toPort": 65535, "cidrBlocks": ["127.0.0.1/32"]}]})["groupId"]
        to_billing = admin(backend, "POST", "/vpcendpoints", {
            "vpcId": CLIENT, "vpcEndpointType": "ServiceNetwork", "serviceNetworkArn": billing["arn"]})
        to_shared = admin(backend, "POST", "/vpcendpoints", {
            "vpcId": CLIENT, "vpcEndpointType": "ServiceNetwork", "serviceNetworkArn": shared["arn"],
            "privateDnsEnabled": True, "securityGroupIds": [group]})
        yield {"c": c, "names": names, "tcp": tcp, "snra": snra, "rcfg": rcfg, "group": group,
               "endpoints": (to_billing, to_shared), "vpc": backend.vpc_info(CLIENT),
               "gateway_block": backend.vpc_info(PROVIDER)["resolverAddress"].rsplit(".", 1)[0]}
    finally:
        for s in servers:
            s.stop()
        tcp.close()


def test_each_network_is_reached_through_its_own_door(layout, backend):
    vpc, names = layout["vpc"], layout["names"]
    to_billing, to_shared = layout["endpoints"]
    block = vpc["resolverAddress"].rsplit(".", 1)[0]

    # Names: the association's network at .10; each endpoint's own names at its own address.
    assert answer(vpc, names["home"]) == vpc["serviceNetworkAddress"] == f"{block}.10"
    billing_names = [d["dnsName"] for d in to_billing["dnsEntries"]]
    shared_names = [d["dnsName"] for d in to_shared["dnsEntries"]]
    assert len(billing_names) == 1 and billing_names[0].startswith(to_billing["vpcEndpointId"] + "-snsa-")
    billing_ip, shared_ip = answer(vpc, billing_names[0]), answer(vpc, names["shared"])
    assert {billing_ip, shared_ip} == {f"{block}.11", f"{block}.12"}
    # Without private DNS the billing service's own name does not resolve here; with it, it does.
    assert answer(vpc, names["billing"]) == "NXDOMAIN"
    service_name = [n for n in shared_names if "-snsa-" in n][0]
    assert answer(vpc, service_name) == shared_ip

    # HTTP: Host routing behind each door, and each network's auth policy.
    assert curl(names["home"], 80, vpc["serviceNetworkAddress"])[0] == 200
    status, body = curl(service_name, 80, shared_ip)
    assert status == 200 and json.loads(body)["message"] == "shared", body
    assert json.loads(curl(names["shared"], 80, shared_ip)[1])["message"] == "shared"
    status, body = curl(billing_names[0], 80, billing_ip)
    assert status == 403 and "network-based policy" in body, body  # AWS_IAM without a policy
    # A service of another network is not routed at a door it does not belong to.
    assert curl(names["home"], 80, shared_ip)[0] == 404

    # The endpoint's security group admits 127.0.0.1 only; the association is open.
    p = subprocess.run(["curl", "-sS", "--max-time", "5", "--interface", "127.0.0.9", "--resolve",
                        f"{names['shared']}:80:{shared_ip}", f"http://{names['shared']}/"],
                       capture_output=True, text=True, timeout=15)
    assert p.returncode != 0
    p = subprocess.run(["curl", "-sS", "--max-time", "5", "--interface", "127.0.0.9", "--resolve",
                        f"{names['home']}:80:{vpc['serviceNetworkAddress']}", f"http://{names['home']}/"],
                       capture_output=True, text=True, timeout=15)
    assert p.returncode == 0

    # explain names the endpoint, and agrees.
    e = admin(backend, "POST", "/explain", {"vpcId": CLIENT, "url": f"http://{service_name}/",
                                            "sourceAddress": "127.0.0.1"})
    assert e["reachable"] and to_shared["vpcEndpointId"] in json.dumps(e["steps"]), e
    e = admin(backend, "POST", "/explain", {"vpcId": CLIENT, "url": f"http://{billing_names[0]}/"})
    assert e["status"] == 403 and e["decidedBy"] == "network-policy", e


def test_resources_through_an_endpoint_get_their_own_addresses(layout, backend):
    vpc, tcp = layout["vpc"], layout["tcp"]
    _, to_shared = layout["endpoints"]
    names = [d["dnsName"] for d in to_shared["dnsEntries"] if "-snra-" in d["dnsName"]]
    assert names == [f"{to_shared['vpcEndpointId']}-{layout['snra']['id']}.{layout['rcfg']['id']}."
                     + names[0].split(".", 2)[2]]
    address = answer(vpc, names[0])
    block = vpc["resolverAddress"].rsplit(".", 1)[0]
    assert address.startswith(block + ".") and address not in (f"{block}.10", f"{block}.11", f"{block}.12")
    wait_connectable(address, tcp.port)
    s, f = connect(address, tcp.port)
    with s:
        assert f.readline().decode().startswith(f"from {layout['gateway_block']}.")

    # Deleting the endpoint takes its names (and its resources' addresses) away.
    admin(backend, "DELETE", f"/vpcendpoints/{to_shared['vpcEndpointId']}")
    assert answer(vpc, names[0]) == "NXDOMAIN"
    assert answer(vpc, layout["names"]["shared"]) == "NXDOMAIN"
    with pytest.raises(OSError):
        socket.create_connection((address, tcp.port), timeout=2).recv(1)
