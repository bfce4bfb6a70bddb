"""Data-plane behaviour through real sockets, set up with boto3: fixed responses, round robin
over targets, and the proxy's answers when a target is down or a group is empty."""

import socket
import struct

from conftest import DATAPLANE_VPC as VPC
from conftest import Echo, admin, curl, dig, read_logs, service, settled_statuses, target_group


def test_fixed_response(network):
    c, vpc, sn = network
    name = service(c, sn, "teapot", {"fixedResponse": {"statusCode": 418}})
    assert dig(vpc["resolverAddress"], vpc["resolverPort"], name)[1] == [vpc["serviceNetworkAddress"]]
    assert dig(vpc["resolverAddress"], vpc["resolverPort"], name, tcp=True) == ("NOERROR", [vpc["serviceNetworkAddress"]])
    assert curl(name, 80, vpc["serviceNetworkAddress"])[0] == 418


def test_resolver_answers_a_burst_of_queries_without_losing_any(network):
    """A thousand queries sent before any answer is read (a load tool's opening burst): the
    default socket buffer holds about 270 and the rest would vanish unanswered."""
    c, vpc, sn = network
    name = service(c, sn, "burst", {"fixedResponse": {"statusCode": 204}})
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.settimeout(5)
    server = (vpc["resolverAddress"], vpc["resolverPort"])
    try:
        for i in range(1000):
            sock.sendto(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", 1, 1), server)
        answered = set()
        while len(answered) < 1000:
            try:
                reply = sock.recv(512)
            except socket.timeout:
                break
            answered.add(struct.unpack(">H", reply[:2])[0])
    finally:
        sock.close()
    assert len(answered) == 1000, f"{1000 - len(answered)} of 1000 queries unanswered"


def test_round_robin_across_targets_and_listener_updates_apply_at_once(network):
    c, vpc, sn = network
    one, two = Echo("one"), Echo("two")
    try:
        tg = target_group(c, "rr-targets", one.port, [{"id": "127.0.0.1", "port": one.port},
                                                       {"id": "127.0.0.1", "port": two.port}])
        name = service(c, sn, "round-robin", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg, "weight": 1}]}})
        answers = [curl(name, 80, vpc["serviceNetworkAddress"])[1] for _ in range(4)]
        said = ['"message": "one"' in a for a in answers]
        assert said in ([True, False, True, False], [False, True, False, True]), answers
        # The data plane's health checks find both targets answering.
        assert settled_statuses(c, tg) == {"HEALTHY"}

        svc_id = name.split(".")[0].rsplit("-", 1)[1]
        listener = c.list_listeners(serviceIdentifier=f"svc-{svc_id}")["items"][0]
        c.update_listener(serviceIdentifier=f"svc-{svc_id}", listenerIdentifier=listener["id"],
                          defaultAction={"fixedResponse": {"statusCode": 503}})
        # The update has returned, so the data plane already serves it.
        assert curl(name, 80, vpc["serviceNetworkAddress"])[0] == 503
    finally:
        one.stop()
        two.stop()


def test_dead_target_is_502_and_empty_group_is_503(network):
    c, vpc, sn = network
    dead = Echo()
    dead_port = dead.port
    dead.stop()
    tg = target_group(c, "dead-targets", dead_port, [{"id": "127.0.0.1"}])
    name = service(c, sn, "dead", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    assert curl(name, 80, vpc["serviceNetworkAddress"])[0] == 502
    assert settled_statuses(c, tg) == {"UNHEALTHY"}
    empty = target_group(c, "empty-targets", 80, [])
    name = service(c, sn, "empty", {"forward": {"targetGroups": [{"targetGroupIdentifier": empty}]}})
    assert curl(name, 80, vpc["serviceNetworkAddress"])[0] == 503


def test_listener_rules_route_by_path_header_and_method(network):
    c, vpc, sn = network
    api, web = Echo("api"), Echo("web")
    try:
        api_tg = target_group(c, "api-targets", api.port, [{"id": "127.0.0.1"}])
        web_tg = target_group(c, "web-targets", web.port, [{"id": "127.0.0.1"}])
        svc = c.create_service(name="shop")
        listener = c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                                     defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": web_tg}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)
        ids = {"serviceIdentifier": svc["id"], "listenerIdentifier": listener["id"]}
        c.create_rule(**ids, name="api", priority=20,
                      match={"httpMatch": {"pathMatch": {"match": {"prefix": "/api"}}}},
                      action={"forward": {"targetGroups": [{"targetGroupIdentifier": api_tg}]}})
        blocked = c.create_rule(**ids, name="blocked", priority=10,
                                match={"httpMatch": {"method": "DELETE",
                                                     "headerMatches": [{"name": "x-env", "match": {"exact": "prod"}}]}},
                                action={"fixedResponse": {"statusCode": 403}})
        name, addr = svc["dnsEntry"]["domainName"], vpc["serviceNetworkAddress"]

        def call(path, method="GET", headers=()):
            args = ["curl", "-sS", "-X", method, "--resolve", f"{name}:80:{addr}", "-o", "-", "-w", "\n%{http_code}"]
            for h in headers:
                args += ["-H", h]
            out = __import__("subprocess").run(args + [f"http://{name}{path}"], capture_output=True, text=True).stdout
            body, _, code = out.rpartition("\n")
            return int(code), body

        assert '"message": "api"' in call("/api/orders")[1]
        assert '"message": "web"' in call("/")[1]
        assert '"message": "api"' in call("/API/x")[1], "path matches are case-insensitive by default"
        assert call("/api/orders", "DELETE", ["X-Env: PROD"])[0] == 403
        assert '"message": "api"' in call("/api/orders", "DELETE")[1]

        # Swap priorities in one batch; names and priorities stay unique.
        rules = c.list_rules(**ids)["items"]
        assert [r["priority"] for r in sorted(rules, key=lambda r: r["priority"])] == [10, 20]
        by_name = {r["name"]: r["id"] for r in rules}
        r = c.batch_update_rule(**ids, rules=[{"ruleIdentifier": by_name["api"], "priority": 10},
                                              {"ruleIdentifier": by_name["blocked"], "priority": 20}])
        assert len(r["successful"]) == 2 and r["unsuccessful"] == []
        r = c.batch_update_rule(**ids, rules=[{"ruleIdentifier": by_name["api"], "priority": 20}])
        assert r["successful"] == [] and r["unsuccessful"][0]["failureCode"] == "ConflictException"
        assert '"message": "api"' in call("/api/orders", "DELETE", ["X-Env: prod"])[1], "the api rule now wins"

        # A target group in use by a rule cannot be deleted; deleting the listener takes its rules.
        err = __import__("pytest").raises(Exception, c.delete_target_group, targetGroupIdentifier=api_tg)
        assert "ConflictException" in str(err.value)
        c.delete_listener(**ids)
        c.delete_target_group(targetGroupIdentifier=api_tg)
        assert blocked["arn"].endswith(blocked["id"])
    finally:
        api.stop()
        web.stop()


def test_private_zone_gives_a_service_a_friendly_name(network, backend, echo):
    c, vpc, sn = network
    tg = target_group(c, "friendly-targets", echo.port, [{"id": "127.0.0.1"}])
    svc = c.create_service(name="billing", customDomainName="billing.corp.internal")
    c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                      defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)
    zone = admin(backend, "POST", "/dnszones", {"name": "corp.internal", "vpcIds": [VPC]})
    admin(backend, "POST", "/dnsrecords", {"zoneId": zone["zoneId"], "name": "invoices", "type": "CNAME",
                                           "records": [svc["dnsEntry"]["domainName"] + "."]})
    admin(backend, "POST", "/dnsrecords", {"zoneId": zone["zoneId"], "name": "cache", "type": "A",
                                           "records": ["127.0.0.42"]})
    # The service's custom domain is answered directly; a zone CNAME is followed to the Lattice name.
    assert dig(vpc["resolverAddress"], vpc["resolverPort"], "billing.corp.internal") == ("NOERROR", [vpc["serviceNetworkAddress"]])
    out = __import__("subprocess").run(
        ["dig", f"@{vpc['resolverAddress']}", "-p", str(vpc["resolverPort"]), "invoices.corp.internal", "+noall", "+answer"],
        capture_output=True, text=True).stdout
    assert "CNAME" in out and svc["dnsEntry"]["domainName"] in out and vpc["serviceNetworkAddress"] in out, out
    assert dig(vpc["resolverAddress"], vpc["resolverPort"], "cache.corp.internal") == ("NOERROR", ["127.0.0.42"])
    assert dig(vpc["resolverAddress"], vpc["resolverPort"], "nothing.corp.internal")[0] == "NXDOMAIN"
    # An answer too large for a plain UDP reply is truncated (TC); dig then asks over TCP.
    many = [f"10.1.{i // 250}.{i % 250 + 1}" for i in range(60)]
    admin(backend, "POST", "/dnsrecords", {"zoneId": zone["zoneId"], "name": "pool", "type": "A", "records": many})
    server = [f"@{vpc['resolverAddress']}", "-p", str(vpc["resolverPort"]), "pool.corp.internal"]
    run = __import__("subprocess").run
    over_udp = run(["dig", *server, "+noedns", "+ignore", "+tries=1", "+time=2"], capture_output=True, text=True).stdout
    assert " tc" in over_udp.split("flags:")[1].split(";")[0] and "ANSWER: 0" in over_udp, over_udp
    retried = run(["dig", *server, "+noedns", "+short", "+tries=1", "+time=2"], capture_output=True, text=True).stdout
    assert sorted(retried.split()) == sorted(many), retried
    code, body = curl("billing.corp.internal", 80, vpc["serviceNetworkAddress"])
    assert code == 200 and "hello from the echo target" in body

    # A domain verification turns VERIFIED once the zone publishes its TXT record.
    dv = c.start_domain_verification(domainName="corp.internal")
    assert c.get_domain_verification(domainVerificationIdentifier=dv["id"])["status"] == "PENDING"
    admin(backend, "POST", "/dnsrecords", {"zoneId": zone["zoneId"], "name": dv["txtMethodConfig"]["name"],
                                           "type": "TXT", "records": [dv["txtMethodConfig"]["value"]]})
    assert c.get_domain_verification(domainVerificationIdentifier=dv["id"])["status"] == "VERIFIED"


def test_instance_targets_are_reached_through_the_local_registry(network, backend):
    c, vpc, sn = network
    first, second = Echo("first"), Echo("second")
    try:
        inst = admin(backend, "POST", "/instances", {"ipAddress": "127.0.0.1"})
        tg = c.create_target_group(name="instance-targets", type="INSTANCE",
                                   config={"port": first.port, "protocol": "HTTP", "vpcIdentifier": VPC})["id"]
        r = c.register_targets(targetGroupIdentifier=tg, targets=[{"id": inst["instanceId"]}, {"id": "127.0.0.1"}])
        assert [t["id"] for t in r["successful"]] == [inst["instanceId"]] and r["unsuccessful"][0]["id"] == "127.0.0.1"
        name = service(c, sn, "on-instances", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        assert '"message": "first"' in curl(name, 80, vpc["serviceNetworkAddress"])[1]
        # The instance's targets now listen elsewhere: re-register on the new port.
        c.deregister_targets(targetGroupIdentifier=tg, targets=[{"id": inst["instanceId"]}])
        c.register_targets(targetGroupIdentifier=tg, targets=[{"id": inst["instanceId"], "port": second.port}])
        assert '"message": "second"' in curl(name, 80, vpc["serviceNetworkAddress"])[1]
    finally:
        first.stop()
        second.stop()


def test_access_logs_reach_each_subscriptions_destination(network, backend, echo):
    import time
    c, vpc, sn = network
    tg = target_group(c, "logged-targets", echo.port, [{"id": "127.0.0.1"}])
    svc = c.create_service(name="logged")
    listener = c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                                 defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)
    name, addr = svc["dnsEntry"]["domainName"], vpc["serviceNetworkAddress"]
    curl(name, 80, addr, "/before-any-subscription")

    service_logs = "arn:aws:logs:us-east-1:000000000000:log-group:logged-service"
    network_logs = "arn:aws:s3:::network-access-logs"
    als = c.create_access_log_subscription(resourceIdentifier=svc["id"], destinationArn=service_logs)
    c.create_access_log_subscription(resourceIdentifier=sn, destinationArn=network_logs)
    assert curl(name, 80, addr, "/orders?id=1")[0] == 200
    assert curl(name, 80, addr, "/health")[0] == 200

    # Records are appended in batches: wait for both.
    records = read_logs(backend, service_logs, 2)
    assert [r["requestPath"] for r in records] == ["/orders?id=1", "/health"]
    first = records[0]
    assert first["serviceArn"] == svc["arn"] and first["listenerId"] == listener["id"]
    assert first["responseCode"] == 200 and first["requestMethod"] == "GET"
    assert first["sourceVpcId"] == VPC and first["sourceVpcArn"].endswith(f":vpc/{VPC}")
    assert first["targetIpPort"] == f"127.0.0.1:{echo.port}" and first["hostHeader"] == name
    assert first["targetGroupArn"].endswith(tg) and first["authDeniedReason"] == "-"
    assert [r["requestPath"] for r in read_logs(backend, network_logs, 2)] == ["/orders?id=1", "/health"]

    # After unsubscribing, the service's destination gets nothing new; the network's still does.
    c.delete_access_log_subscription(accessLogSubscriptionIdentifier=als["id"])
    curl(name, 80, addr, "/after")
    for _ in range(50):
        if len(read_logs(backend, network_logs)) == 3:
            break
        time.sleep(0.1)
    assert [r["requestPath"] for r in read_logs(backend, network_logs)][-1] == "/after"
    assert len(read_logs(backend, service_logs)) == 2


FUNCTION = r"""
import json, sys
event = json.load(sys.stdin)
v2 = event.get("version") == "2.0"
answer = {
    "version": event.get("version", "1.0"),
    "path": event["path"] if v2 else event["raw_path"],
    "method": event["method"],
    "query": event["queryStringParameters"] if v2 else event["query_string_parameters"],
    "body": event["body"],
    "service": event["requestContext"]["serviceArn"] if v2 else None,
    # V2 headers are lists of values; V1 headers are comma-joined strings.
    "agent": event["headers"]["user-agent"][0] if v2 else event["headers"]["user-agent"],
}
print(json.dumps({"statusCode": 201, "headers": {"content-type": "application/json", "x-fn": "orders"},
                  "body": json.dumps(answer), "isBase64Encoded": False}))
"""


def test_lambda_targets_invoke_local_functions_with_v1_and_v2_events(network, backend):
    import json
    import subprocess
    import sys
    c, vpc, sn = network
    fn = admin(backend, "POST", "/functions", {"functionName": "orders", "command": [sys.executable, "-c", FUNCTION]})
    broken = admin(backend, "POST", "/functions", {"functionName": "broken", "command": [sys.executable, "-c", "print('not json')"]})
    addr = vpc["serviceNetworkAddress"]

    def lambda_service(name, function_arn, version):
        tg = c.create_target_group(name=f"{name}-fn", type="LAMBDA", config={"lambdaEventStructureVersion": version})["id"]
        c.register_targets(targetGroupIdentifier=tg, targets=[{"id": function_arn}])
        svc = c.create_service(name=name)
        c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn)
        return svc

    def post(name, path):
        out = subprocess.run(["curl", "-sS", "-i", "-X", "POST", "-d", '{"qty":2}', "-A", "test-agent",
                              "--resolve", f"{name}:80:{addr}", f"http://{name}{path}"],
                             capture_output=True, text=True).stdout
        head, _, body = out.partition("\n\n")
        return head, body

    for version in ("V1", "V2"):
        svc = lambda_service(f"orders-{version.lower()}", fn["functionArn"], version)
        head, body = post(svc["dnsEntry"]["domainName"], "/orders?id=7")
        assert head.startswith("HTTP/1.1 201") and "x-fn: orders" in head.lower(), head
        assert body, head
        answer = json.loads(body)
        assert answer["method"] == "POST" and answer["body"] == '{"qty":2}' and answer["agent"] == "test-agent"
        assert answer["query"] == {"id": "7"}
        if version == "V2":
            assert answer["version"] == "2.0" and answer["path"] == "/orders" and answer["service"] == svc["arn"]
        else:
            assert answer["path"] == "/orders?id=7"

    svc = lambda_service("broken", broken["functionArn"], "V1")
    head, _ = post(svc["dnsEntry"]["domainName"], "/")
    assert head.startswith("HTTP/1.1 502"), head
