"""Resource gateways carry real TCP: a consumer VPC reaches resources by their generated names
at their own addresses, and the resource sees the gateway's address. Real servers: a Python TCP
server that reports who connected, and redis-server."""

import json
import shutil
import socket
import subprocess
import time

import pytest

from conftest import CONSUMER, PROVIDER, admin, dig
from helpers import TcpServer, connect, dns_name, free_port_pair, resolve, start_redis, wait_connectable



def expose(c, gw_id, sn, consumer, name, port):
    """A SINGLE configuration for 127.0.0.1:`port` through `gw_id`, associated with `sn`: (its
    address in the consumer VPC once it accepts connections, the configuration, the association)."""
    rcfg = c.create_resource_configuration(
        name=name, type="SINGLE", resourceGatewayIdentifier=gw_id, portRanges=[str(port)],
        resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
    snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                         serviceNetworkIdentifier=sn)
    address = resolve(consumer, dns_name(c, snra))
    wait_connectable(address, port)
    return address, rcfg, snra


def test_single_ip_resource_is_reached_from_the_gateway_address(resource_layout):
    c, gw, sn, consumer, provider = resource_layout
    server = TcpServer()
    try:
        rcfg = c.create_resource_configuration(
            name="echo", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(server.port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn)
        name = dns_name(c, snra)
        assert name.startswith(f"{snra['id']}.{rcfg['id']}.") and ".vpc-lattice-rsc." in name
        address = resolve(consumer, name)
        block = consumer["resolverAddress"].rsplit(".", 1)[0]
        assert address.startswith(block + ".") and address not in (consumer["resolverAddress"],
                                                                   consumer["serviceNetworkAddress"])
        wait_connectable(address, server.port)
        s, f = connect(address, server.port)
        with s:
            hello = f.readline().decode()
            # The resource sees the gateway's address in the provider VPC, not the client's.
            gw_block = provider["resolverAddress"].rsplit(".", 1)[0]
            assert hello.startswith(f"from {gw_block}."), hello
            s.sendall(b"ping\n")
            assert f.readline() == b"ping\n"
            # Half-close: the server sees EOF and can still answer.
            s.shutdown(socket.SHUT_WR)
            assert f.readline() == b"bye\n"
            assert f.readline() == b""
        # Every connection comes from one of the gateway's addresses.
        s2, f2 = connect(address, server.port)
        with s2:
            assert f2.readline().decode().startswith(f"from {gw_block}.")
        # A port outside the resource's ranges is not served.
        with pytest.raises(OSError):
            socket.create_connection((address, server.port + 1 if server.port < 65535 else 1), timeout=2).close()

        # A reset from the resource reaches the client as a reset.
        s3, f3 = connect(address, server.port)
        with s3:
            f3.readline()
            s3.sendall(b"RST\n")
            with pytest.raises(ConnectionResetError):
                while s3.recv(4096):
                    pass

        # The provider VPC itself does not see the name; removing the association removes it
        # and cuts the connections that were open.
        assert dig(provider["resolverAddress"], provider["resolverPort"], name)[0] == "NXDOMAIN"
        live, live_f = connect(address, server.port)
        live_f.readline()
        c.delete_service_network_resource_association(serviceNetworkResourceAssociationIdentifier=snra["id"])
        with live, pytest.raises(ConnectionResetError):
            while live.recv(4096):
                pass
        deadline = time.time() + 5
        while dig(consumer["resolverAddress"], consumer["resolverPort"], name)[0] != "NXDOMAIN":
            assert time.time() < deadline
            time.sleep(0.1)
        with pytest.raises(OSError):
            socket.create_connection((address, server.port), timeout=2).close()
    finally:
        server.close()


def test_gateway_addresses_per_eni_take_connections_in_turn(resource_layout, backend):
    """A gateway has `ipv4AddressesPerEni` addresses (`.200`–`.249` of its VPC's block here) and
    connections to resources leave from them in turn: the addresses bound how many connections
    it can hold at once, as in Lattice."""
    c, _, sn, consumer, provider = resource_layout
    server = TcpServer()
    gw_block = provider["resolverAddress"].rsplit(".", 1)[0]
    try:
        for per_eni in (3, 1):
            gw = c.create_resource_gateway(name=f"gw-{per_eni}", vpcIdentifier=PROVIDER,
                                           subnetIds=["subnet-0123456789abcdef0"], ipv4AddressesPerEni=per_eni)
            assert c.get_resource_gateway(resourceGatewayIdentifier=gw["id"])["ipv4AddressesPerEni"] == per_eni
            address, _, _ = expose(c, gw["id"], sn, consumer, f"spread-{per_eni}", server.port)
            peers = []
            for _ in range(6):
                s, f = connect(address, server.port)
                with s:
                    peers.append(f.readline().decode().removeprefix("from ").strip())
            assert all(p.startswith(gw_block + ".") for p in peers), peers
            octets = sorted({int(p.rsplit(".", 1)[1]) for p in peers})
            assert len(octets) == per_eni, peers
            assert all(200 <= o <= 249 for o in octets), octets
            e = admin(backend, "POST", "/explain", {"vpcId": CONSUMER, "address": f"{address}:{server.port}",
                                                    "sourceAddress": "127.0.0.1"})
            step = [s for s in e["steps"] if s["step"] == "gateway"][0]["detail"]
            assert e["reachable"] and (f"{per_eni} addresses" in step if per_eni > 1 else "its address" in step), e
    finally:
        server.close()


def test_port_ranges_groups_and_children(resource_layout):
    c, gw, sn, consumer, _ = resource_layout
    port = free_port_pair()
    a1, a2 = TcpServer("127.0.0.1", port), TcpServer("127.0.0.1", port + 1)
    b1 = TcpServer("127.0.0.3", port)
    try:
        group = c.create_resource_configuration(name="dbs", type="GROUP", resourceGatewayIdentifier=gw["id"],
                                                portRanges=[f"{port}-{port + 1}"])
        one = c.create_resource_configuration(name="db-one", type="CHILD", resourceConfigurationGroupIdentifier=group["id"],
                                              resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        two = c.create_resource_configuration(name="db-two", type="CHILD", resourceConfigurationGroupIdentifier=group["id"],
                                              resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.3"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=group["id"],
                                                             serviceNetworkIdentifier=sn)
        suffix = dns_name(c, snra).split(".", 2)[2]
        addr_one = resolve(consumer, f"{snra['id']}.{one['id']}.{suffix}")
        addr_two = resolve(consumer, f"{snra['id']}.{two['id']}.{suffix}")
        assert addr_one != addr_two
        wait_connectable(addr_one, port)
        # Both ports of the range reach the first child; the second child is its own address.
        for p, server in ((port, a1), (port + 1, a2)):
            s, f = connect(addr_one, p)
            with s:
                assert f.readline().startswith(b"from ")
                s.sendall(f"port {p}\n".encode())
                assert f.readline() == f"port {p}\n".encode()
        s, f = connect(addr_two, port)
        with s:
            f.readline()
            s.sendall(b"two\n")
            assert f.readline() == b"two\n"
        # Addresses stay put when another resource joins.
        extra = c.create_resource_configuration(name="db-three", type="CHILD", resourceConfigurationGroupIdentifier=group["id"],
                                                resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.4"}})
        resolve(consumer, f"{snra['id']}.{extra['id']}.{suffix}")
        assert resolve(consumer, f"{snra['id']}.{one['id']}.{suffix}") == addr_one
        assert resolve(consumer, f"{snra['id']}.{two['id']}.{suffix}") == addr_two
    finally:
        for s in (a1, a2, b1):
            s.close()


def test_dns_resources_are_resolved_by_the_gateway_on_each_connection(backend, resource_layout):
    c, _, sn, consumer, _ = resource_layout
    port = free_port_pair()
    first, second = TcpServer("127.0.0.1", port), TcpServer("127.0.0.5", port)
    try:
        gw = c.create_resource_gateway(name="in-vpc", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"],
                                       resourceConfigDnsResolution="IN_VPC")
        zone = admin(backend, "POST", "/dnszones", {"name": "db.internal", "vpcIds": [PROVIDER]})
        record = admin(backend, "POST", "/dnsrecords", {"zoneId": zone["zoneId"], "name": "orders", "type": "A",
                                                        "records": ["127.0.0.1"]})
        rcfg = c.create_resource_configuration(
            name="orders", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(port)],
            resourceConfigurationDefinition={"dnsResource": {"domainName": "orders.db.internal", "ipAddressType": "IPV4"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn)
        address = resolve(consumer, dns_name(c, snra))
        wait_connectable(address, port)
        s, f = connect(address, port)
        with s:
            f.readline()
            s.sendall(b"who\n")
            assert f.readline() == b"who\n"
        assert first.peers and not second.peers
        # The name moves: the next connection follows it.
        record_id = record.get("id") or record.get("recordId")
        admin(backend, "PATCH", f"/dnsrecords/{record_id}", {"records": ["127.0.0.5"]})
        deadline = time.time() + 5
        while True:
            s, f = connect(address, port)
            with s:
                f.readline()
                s.sendall(b"where\n")
                f.readline()
            if second.peers:
                break
            assert time.time() < deadline
            time.sleep(0.1)
    finally:
        first.close()
        second.close()


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is installed by scripts/setup")
def test_redis_through_the_gateway(resource_layout, tmp_path):
    c, gw, sn, consumer, provider = resource_layout
    redis, port = start_redis(tmp_path)
    try:
        rcfg = c.create_resource_configuration(
            name="redis", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn)
        address = resolve(consumer, dns_name(c, snra))
        wait_connectable(address, port)
        cli = ["redis-cli", "-h", address, "-p", str(port)]
        assert subprocess.run(cli + ["SET", "greeting", "hello"], capture_output=True, text=True).stdout.strip() == "OK"
        assert subprocess.run(cli + ["GET", "greeting"], capture_output=True, text=True).stdout.strip() == "hello"
        # The resource sees the gateway, not the client: list clients while one stays connected.
        held = socket.create_connection((address, port), timeout=5)
        held.sendall(b"PING\r\n")
        assert held.recv(64) == b"+PONG\r\n"
        clients = subprocess.run(["redis-cli", "-p", str(port), "CLIENT", "LIST"], capture_output=True, text=True).stdout
        held.close()
        assert f"addr={provider['resolverAddress'].rsplit('.', 1)[0]}." in clients, clients
        assert consumer["resolverAddress"].rsplit(".", 1)[0] not in clients
        bench = subprocess.run(["redis-benchmark", "-h", address, "-p", str(port), "-t", "set,get", "-n", "2000",
                                "-c", "20", "-q"], capture_output=True, text=True, timeout=60)
        assert bench.returncode == 0 and "GET" in bench.stdout, bench.stdout + bench.stderr
    finally:
        redis.terminate()
        redis.wait(timeout=10)


def test_resource_endpoint_reaches_one_configuration_beside_an_association(resource_layout, backend):
    """A `Resource` VPC endpoint gives its VPC the configuration at its own address and
    `vpce-….rcfg-…` name, beside what the VPC's association reaches; the endpoint's security
    groups guard it; deleting the endpoint takes the name away and cuts live connections."""
    c, gw, sn, consumer, provider = resource_layout
    via_endpoint, via_network = TcpServer(), TcpServer()
    try:
        rcfg = c.create_resource_configuration(
            name="direct", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(via_endpoint.port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        other = c.create_resource_configuration(
            name="shared", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(via_network.port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=other["id"],
                                                             serviceNetworkIdentifier=sn)
        group = admin(backend, "POST", "/securitygroups", {
            "vpcId": CONSUMER, "groupName": "endpoint-clients",
            "ingress": [{"protocol": "tcp", "fromPort": via_endpoint.port, "toPort": via_endpoint.port,
                         "cidrBlocks": ["127.0.0.1/32"]}]})["groupId"]
        endpoint = admin(backend, "POST", "/vpcendpoints", {
            "vpcId": CONSUMER, "vpcEndpointType": "Resource", "resourceConfigurationArn": rcfg["arn"],
            "securityGroupIds": [group]})
        name = endpoint["dnsEntries"][0]["dnsName"]
        assert name.startswith(f"{endpoint['vpcEndpointId']}.{rcfg['id']}.")
        address, network_address = resolve(consumer, name), resolve(consumer, dns_name(c, snra))
        assert address != network_address and address.rsplit(".", 1)[0] == network_address.rsplit(".", 1)[0]

        # Through the endpoint: from the gateway's address, for sources its group admits.
        wait_connectable(address, via_endpoint.port)
        s, f = connect(address, via_endpoint.port)
        with s:
            assert f.readline().decode().startswith(f"from {provider['resolverAddress'].rsplit('.', 1)[0]}.")
        denied = socket.socket()
        denied.bind(("127.0.0.9", 0))
        denied.settimeout(5)
        try:
            denied.connect((address, via_endpoint.port))
            assert denied.recv(10) == b""
        except ConnectionResetError:
            pass
        finally:
            denied.close()
        # The association's resource is untouched by the endpoint's group.
        s2, f2 = connect(network_address, via_network.port)
        with s2:
            assert f2.readline().startswith(b"from ")
        e = admin(backend, "POST", "/explain", {"vpcId": CONSUMER, "address": f"{name}:{via_endpoint.port}",
                                                "sourceAddress": "127.0.0.9"})
        assert e["decidedBy"] == "security-groups" and group in e["summary"], e
        e = admin(backend, "POST", "/explain", {"vpcId": CONSUMER, "address": f"{name}:{via_endpoint.port}",
                                                "sourceAddress": "127.0.0.1"})
        assert e["reachable"] and endpoint["vpcEndpointId"] in json.dumps(e["steps"]), e

        # Deleting the endpoint: the name is gone and a live connection is cut.
        held, held_f = connect(address, via_endpoint.port)
        assert held_f.readline().startswith(b"from ")
        admin(backend, "DELETE", f"/vpcendpoints/{endpoint['vpcEndpointId']}")
        assert dig(consumer["resolverAddress"], consumer["resolverPort"], name)[0] == "NXDOMAIN"
        held.settimeout(5)
        try:
            assert held.recv(10) == b""
        except ConnectionResetError:
            pass
        held.close()
    finally:
        via_endpoint.close()
        via_network.close()


def test_resource_access_logs_record_each_connection(resource_layout, backend):
    """A network's `RESOURCE` access-log subscription gets one record per connection to its
    resources (who connected, to which address, from which gateway address, to which resource);
    its `SERVICE` subscription gets none."""
    from conftest import read_logs
    c, gw, sn, consumer, provider = resource_layout
    server = TcpServer()
    try:
        resources_log = "arn:aws:logs:us-east-1:000000000000:log-group:resource-connections"
        services_log = "arn:aws:logs:us-east-1:000000000000:log-group:service-requests"
        c.create_access_log_subscription(resourceIdentifier=sn, destinationArn=resources_log,
                                         serviceNetworkLogType="RESOURCE")
        c.create_access_log_subscription(resourceIdentifier=sn, destinationArn=services_log)
        address, rcfg, snra = expose(c, gw["id"], sn, consumer, "logged", server.port)
        clients = []
        for _ in range(2):
            s, f = connect(address, server.port)
            with s:
                clients.append(s.getsockname())
                assert f.readline().startswith(b"from ")
        records = read_logs(backend, resources_log, 3)  # the wait above connected once too
        assert len(records) == 3, records
        gw_block = provider["resolverAddress"].rsplit(".", 1)[0]
        sn_arn = c.get_service_network(serviceNetworkIdentifier=sn)["arn"]
        for record in records:
            assert record["serviceNetworkArn"] == sn_arn
            assert record["serviceNetworkResourceAssociationId"] == snra["id"]
            assert record["vpcEndpointId"] == "-"
            assert record["sourceVpcArn"].endswith(f":vpc/{CONSUMER}")
            assert record["resourceConfigurationArn"] == rcfg["arn"]
            assert record["protocol"] == "tcp"
            assert record["destinationIpPort"] == f"{address}:{server.port}"
            assert record["gatewayIpPort"].startswith(gw_block + ".")
            assert record["resourceIpPort"] == f"127.0.0.1:{server.port}"
            assert record["eventTimestamp"].endswith("Z")
        assert {f"{h}:{p}" for h, p in clients} <= {r["sourceIpPort"] for r in records}
        assert read_logs(backend, services_log, 0) == []
    finally:
        server.close()


def test_a_thousand_concurrent_connections_all_get_through(resource_layout):
    """1,000 clients connected at once through the gateway, each answered, none refused."""
    import asyncio
    import resource as rlimit
    soft, hard = rlimit.getrlimit(rlimit.RLIMIT_NOFILE)
    if soft < 4096:
        rlimit.setrlimit(rlimit.RLIMIT_NOFILE, (min(4096, hard), hard))
    c, gw, sn, consumer, provider = resource_layout
    server = TcpServer()
    try:
        rcfg = c.create_resource_configuration(
            name="busy", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(server.port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn)
        address = resolve(consumer, dns_name(c, snra))
        wait_connectable(address, server.port)

        async def run():
            # At most 100 handshakes at a time (a burst of 1,000 SYNs measures the kernel's
            # queues, not the gateway); every connection stays open.
            handshakes = asyncio.Semaphore(100)

            async def open_one():
                async with handshakes:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(address, server.port), 30)
                    hello = await asyncio.wait_for(reader.readline(), 30)
                return reader, writer, hello
            # Every connection is open (and greeted) before any of them talks.
            opened = await asyncio.gather(*(open_one() for _ in range(1000)))

            async def talk(i, reader, writer):
                writer.write(f"ping {i}\n".encode())
                await writer.drain()
                line = await asyncio.wait_for(reader.readline(), 30)
                writer.close()
                return line == f"ping {i}\n".encode()
            answers = await asyncio.gather(*(talk(i, r, w) for i, (r, w, _) in enumerate(opened)))
            return [h for _, _, h in opened], answers

        hellos, answers = asyncio.run(run())
        gw_block = provider["resolverAddress"].rsplit(".", 1)[0]
        assert all(h.decode().startswith(f"from {gw_block}.") for h in hellos)
        assert all(answers) and len(answers) == 1000
    finally:
        server.close()


def test_a_configuration_shared_with_ram_is_reached_from_another_account_until_revoked(backend):
    """Account A shares a resource configuration with account B through RAM; B accepts, puts it
    in its own service network and behind a Resource endpoint, and reaches it both ways (the
    resource sees A's gateway). A revokes the share: B's names go away and live connections are cut."""
    owner, consumer = "111111111111", "222222222222"
    a, b = backend.client(access_key=owner), backend.client(access_key=consumer)
    ram_a, ram_b = backend.client("ram", access_key=owner), backend.client("ram", access_key=consumer)
    server = TcpServer()
    consumer_vpc = "vpc-0b3b3b3b3b3b3b3b3"
    try:
        gw = a.create_resource_gateway(name="owner-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"])
        rcfg = a.create_resource_configuration(
            name="owned", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(server.port)],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        share = ram_a.create_resource_share(name="rcfg-share", resourceArns=[rcfg["arn"]], principals=[consumer],
                                            allowExternalPrincipals=True)["resourceShare"]
        # Not usable before B accepts.
        sn = b.create_service_network(name="consumer-net")
        with pytest.raises(Exception):
            b.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["arn"],
                                                          serviceNetworkIdentifier=sn["id"])
        invitation = ram_b.get_resource_share_invitations()["resourceShareInvitations"][0]
        ram_b.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])

        b.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=consumer_vpc)
        snra = b.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["arn"],
                                                             serviceNetworkIdentifier=sn["id"])
        endpoint = admin(backend, "POST", "/vpcendpoints", {
            "vpcId": consumer_vpc, "vpcEndpointType": "Resource", "resourceConfigurationArn": rcfg["arn"]},
            account=consumer)
        vpc = admin(backend, "GET", f"/vpcs/{consumer_vpc}", account=consumer)
        names = [dns_name(b, snra), endpoint["dnsEntries"][0]["dnsName"]]
        addresses = [resolve(vpc, n) for n in names]
        gw_block = admin(backend, "GET", f"/vpcs/{PROVIDER}", account=owner)["resolverAddress"].rsplit(".", 1)[0]
        held = []
        for address in addresses:
            wait_connectable(address, server.port)
            s, f = connect(address, server.port)
            assert f.readline().decode().startswith(f"from {gw_block}.")
            held.append(s)

        # The owner revokes: both ways in are gone, and the open connections are cut.
        ram_a.disassociate_resource_share(resourceShareArn=share["resourceShareArn"], principals=[consumer])
        for n in names:
            assert dig(vpc["resolverAddress"], vpc["resolverPort"], n)[0] == "NXDOMAIN"
        for s in held:
            s.settimeout(5)
            try:
                assert s.recv(10) == b""
            except ConnectionResetError:
                pass
            s.close()
        assert b.list_service_network_resource_associations(serviceNetworkIdentifier=sn["id"])["items"] == []
    finally:
        server.close()


def test_wide_port_ranges_are_served_up_to_the_documented_limit(resource_layout, backend):
    c, gw, sn, consumer, _ = resource_layout
    server = TcpServer("127.0.0.1", 0)
    # The server's port is the 201st of a 400-port range: served (64 was once the cut).
    low = min(max(server.port - 200, 1), 65535 - 399)
    assert low <= server.port <= low + 255
    try:
        rcfg = c.create_resource_configuration(
            name="wide", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[f"{low}-{low + 399}"],
            resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn)
        name = dns_name(c, snra)
        address = resolve(consumer, name)
        wait_connectable(address, server.port)
        s, f = connect(address, server.port)
        with s:
            assert f.readline().startswith(b"from ")
        # Past the limit: refused, and explain says why.
        from helpers import explain
        e = explain(backend, consumer["vpcId"], f"{name}:{low + 399}")
        assert not e["reachable"] and e["decidedBy"] == "port", e
        assert "serves at most the first 256 ports of a resource" in e["summary"], e
    finally:
        server.close()
