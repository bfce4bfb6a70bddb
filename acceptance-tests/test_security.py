"""The backend as a hostile machine would treat it (issue 21): every local process and every
web page the developer visits is an attacker. Each test is one finding, seen the way a user or
an attacker would see it: boto3, curl, raw sockets shaped as a browser's requests, the CLI."""

import http.client
import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


from conftest import LATTICE_LOCAL, admin, admin_request, dig

A, B = "111111111111", "222222222222"


def raw(backend, method, path, headers, body=b""):
    """(status, headers, body) of a request sent exactly as given (no Host added)."""
    host, port = backend.endpoint.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    if body:
        conn.putheader("content-length", str(len(body)))
    conn.endheaders(body or None)
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    conn.close()
    return out


def alive(backend):
    with urllib.request.urlopen(f"{backend.endpoint}/_lattice-local/health", timeout=5) as r:
        return r.status == 200


# ---- High 1: compute belongs to its account ---------------------------------------------------

def test_an_account_cannot_register_another_accounts_function_or_instance(backend):
    fn = admin(backend, "POST", "/functions", {"functionName": "a-orders",
                                               "command": [sys.executable, "-c", "print('{}')"]}, account=A)
    inst = admin(backend, "POST", "/instances", {"ipAddress": "127.0.0.1"}, account=A)
    b = backend.client(access_key=B)
    fn_tg = b.create_target_group(name="steal-fn", type="LAMBDA")["id"]
    r = b.register_targets(targetGroupIdentifier=fn_tg, targets=[{"id": fn["functionArn"]}])
    assert r["successful"] == []
    assert r["unsuccessful"][0]["failureCode"] == "InvalidParameter"
    # Exactly what a function that does not exist gets: nothing tells B that A's exists.
    missing = fn["functionArn"].replace("a-orders", "no-such-function")
    r2 = b.register_targets(targetGroupIdentifier=fn_tg, targets=[{"id": missing}])
    assert r2["unsuccessful"][0]["failureMessage"] == r["unsuccessful"][0]["failureMessage"].replace(
        "a-orders", "no-such-function")

    inst_tg = b.create_target_group(name="steal-i", type="INSTANCE",
                                    config={"port": 80, "protocol": "HTTP", "vpcIdentifier": "vpc-0bbbbbbbbbbbbbbb1"})
    r = b.register_targets(targetGroupIdentifier=inst_tg["id"], targets=[{"id": inst["instanceId"]}])
    assert r["successful"] == [] and r["unsuccessful"][0]["failureCode"] == "InvalidParameter"
    assert b.list_targets(targetGroupIdentifier=inst_tg["id"])["items"] == []

    # The owner registers its own.
    a = backend.client(access_key=A)
    own = a.create_target_group(name="own-fn", type="LAMBDA")["id"]
    assert a.register_targets(targetGroupIdentifier=own, targets=[{"id": fn["functionArn"]}])["unsuccessful"] == []


# ---- High 2: the admin API is the backend's own -----------------------------------------------

def test_a_cross_site_page_cannot_stop_the_backend_or_write_through_the_admin_api(backend):
    # What a page on another site makes a browser send: a "simple" text/plain POST, no preflight.
    browser = {"Host": backend.endpoint.removeprefix("http://"), "Origin": "https://evil.example",
               "Content-Type": "text/plain;charset=UTF-8", "Sec-Fetch-Site": "cross-site"}
    status, headers, body = raw(backend, "POST", "/_lattice-local/shutdown", browser)
    assert status == 403 and headers["x-amzn-errortype"] == "AccessDeniedException", body
    zone = json.dumps({"name": "github.com", "vpcs": []}).encode()
    status, _, _ = raw(backend, "POST", "/_lattice-local/dnszones", browser, zone)
    assert status == 403
    # Without an Origin (an old browser, a curl), unsigned requests are refused all the same.
    del browser["Origin"]
    status, headers, _ = raw(backend, "POST", "/_lattice-local/shutdown", browser)
    assert status == 403 and headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    # The header that used to pick the account is no identity.
    status, _, _ = raw(backend, "GET", "/_lattice-local/vpcs",
                       {"Host": browser["Host"], "x-lattice-local-account": A})
    assert status == 403
    time.sleep(0.5)
    assert alive(backend)
    assert admin(backend, "GET", "/dnszones")["items"] == []


def test_dns_rebinding_cannot_read_principals_secret_keys(backend):
    admin(backend, "POST", "/principals", {"name": "deployer"})
    signed = admin_request(backend.endpoint, "GET", "/principals")
    headers = dict(signed.header_items())
    # The page's own name, now resolving to 127.0.0.1: the browser sends it as Host.
    headers["Host"] = f"rebind.evil.example:{backend.endpoint.rsplit(':', 1)[1]}"
    status, resp_headers, body = raw(backend, "GET", "/_lattice-local/principals", headers)
    assert status == 421 and resp_headers["x-amzn-errortype"] == "MisdirectedRequestException"
    assert b"secretAccessKey" not in body
    # The AWS-wire API refuses it too.
    status, _, _ = raw(backend, "GET", "/services", {"Host": "rebind.evil.example"})
    assert status == 421
    # Addressed as itself, the owner still reads them.
    assert "secretAccessKey" in admin(backend, "GET", "/principals")["items"][0]


def test_admin_writes_take_json_only_and_the_cli_signs(backend):
    req = admin_request(backend.endpoint, "POST", "/vpcs", {"vpcId": "vpc-0123456789abcdef0"})
    req.add_header("Content-Type", "text/plain")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 415
    out = subprocess.run([str(LATTICE_LOCAL), "vpc", "create", "--vpc-id", "vpc-0123456789abcdef0", "--account", A,
                          "--endpoint", backend.endpoint], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ownerId"] == A
    listed = subprocess.run([str(LATTICE_LOCAL), "vpc", "list", "--account", B, "--endpoint", backend.endpoint],
                            capture_output=True, text=True, timeout=30, check=True).stdout
    assert json.loads(listed)["items"] == []


# ---- Medium 5 and Low: the data directory ------------------------------------------------------

def test_a_second_daemon_on_the_same_data_dir_is_refused_and_the_dir_is_private(backend, tmp_path):
    second = subprocess.run([str(LATTICE_LOCAL), "serve", "--data-dir", str(backend.data_dir), "--listen",
                             "127.0.0.1:0", "--vpc-pool", backend.pool, "--upstream-dns", "none"],
                            capture_output=True, text=True, timeout=30)
    assert second.returncode != 0
    assert f"pid {backend.proc.pid}" in second.stderr and backend.endpoint in second.stderr, second.stderr
    assert alive(backend)
    assert stat.S_IMODE(os.stat(backend.data_dir).st_mode) == 0o700
    for name in ("state.db", "lock"):
        assert stat.S_IMODE(os.stat(backend.data_dir / name).st_mode) == 0o600, name


# ---- Low: VPC and instance ids are each account's own (no existence oracle) --------------------

def test_vpc_and_instance_ids_are_each_accounts_own_and_reveal_nothing(backend):
    vpc, instance = "vpc-0a1b2c3d4e5f60718", "i-0a1b2c3d4e5f60718"
    a = backend.client(access_key=A)
    sn = a.create_service_network(name="a-net")["id"]
    svc = a.create_service(name="a-orders")
    a.create_service_network_service_association(serviceNetworkIdentifier=sn, serviceIdentifier=svc["id"])
    a.create_service_network_vpc_association(serviceNetworkIdentifier=sn, vpcIdentifier=vpc)
    a_vpc = admin(backend, "GET", f"/vpcs/{vpc}", account=A)
    admin(backend, "POST", "/instances", {"instanceId": instance, "ipAddress": "127.0.0.1"}, account=A)

    # B names the same ids and is answered as if A had none: a VPC and an instance of its own.
    b_vpc = admin(backend, "POST", "/vpcs", {"vpcId": vpc}, account=B)
    b_instance = admin(backend, "POST", "/instances", {"instanceId": instance, "ipAddress": "127.0.0.2"}, account=B)
    assert (b_vpc["vpcId"], b_vpc["ownerId"], b_instance["instanceId"]) == (vpc, B, instance)
    assert b_vpc["cidrBlock"] != a_vpc["cidrBlock"]
    assert admin(backend, "GET", f"/instances/{instance}", account=A)["ipAddress"] == "127.0.0.1"
    assert [v["ownerId"] for v in admin(backend, "GET", "/vpcs", account=B)["items"]] == [B]
    # A second create of one's own id is still a conflict.
    with pytest.raises(urllib.error.HTTPError) as e:
        admin(backend, "POST", "/vpcs", {"vpcId": vpc}, account=B)
    assert e.value.code == 409

    # Each VPC has its own resolver: A's service resolves in A's VPC, not in B's.
    name = svc["dnsEntry"]["domainName"]
    b_vpc = admin(backend, "GET", f"/vpcs/{vpc}", account=B)
    assert dig(a_vpc["resolverAddress"], a_vpc["resolverPort"], name)[1] == [a_vpc["serviceNetworkAddress"]]
    assert b_vpc["resolverPort"] is not None
    assert dig(b_vpc["resolverAddress"], b_vpc["resolverPort"], name) == ("NXDOMAIN", [])

    # The CLI does not guess between two owners; with an account it shows that one's.
    ask = [str(LATTICE_LOCAL), "vpc", "info", vpc, "--endpoint", backend.endpoint, "--data-dir", str(backend.data_dir)]
    out = subprocess.run(ask, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and A in out.stderr and B in out.stderr and "--account" in out.stderr, out.stderr
    assert backend.vpc_info(vpc, account=B)["cidrBlock"] == b_vpc["cidrBlock"]

    # After a restart both are there, apart; B deleting its own leaves A's.
    backend.restart()
    assert admin(backend, "GET", f"/vpcs/{vpc}", account=A)["cidrBlock"] == a_vpc["cidrBlock"]
    admin(backend, "DELETE", f"/vpcs/{vpc}", account=B)
    admin(backend, "DELETE", f"/instances/{instance}", account=B)
    assert admin(backend, "GET", f"/vpcs/{vpc}", account=A)["cidrBlock"] == a_vpc["cidrBlock"]
    assert admin(backend, "GET", f"/instances/{instance}", account=A)["ipAddress"] == "127.0.0.1"
    a_vpc = admin(backend, "GET", f"/vpcs/{vpc}", account=A)
    assert dig(a_vpc["resolverAddress"], a_vpc["resolverPort"], name)[1] == [a_vpc["serviceNetworkAddress"]]


# ---- Medium 7: connections cannot be held for free ---------------------------------------------

def test_idle_and_stalled_control_connections_are_closed(backend):
    host, port = backend.endpoint.removeprefix("http://").rsplit(":", 1)
    idle = socket.create_connection((host, int(port)))
    stalled = socket.create_connection((host, int(port)))
    huge = socket.create_connection((host, int(port)))
    huge.sendall(f"POST /services HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 10000000000\r\n\r\n".encode())
    huge.settimeout(10)
    assert huge.recv(4096).startswith(b"HTTP/1.1 413"), "a body over the limit is refused before it is read"
    huge.close()
    stalled.sendall(f"POST /services HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 1000\r\n\r\n".encode())
    idle.settimeout(60)
    assert idle.recv(1) == b""  # closed by the backend (after its 10 s head deadline)
    stalled.settimeout(60)
    answer = stalled.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    idle.close()
    stalled.close()
    assert alive(backend)


# ---- Medium 3: request smuggling and response desync -----------------------------------------

def two_responses_server():
    """A target that answers each request and then, a moment later, sends a second response
    nobody asked for (what a lenient target sends after reading a smuggled request)."""
    import threading
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)

    def one(conn):
        try:
            answer(conn)
        except OSError:
            pass  # the proxy drops connections it will not reuse
        finally:
            conn.close()

    def answer(conn):
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, _, buf = buf.partition(b"\r\n\r\n")
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nhonest")
            if b"lattice-local-health-check" not in head:
                time.sleep(0.05)
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nSMUGGLED")

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return srv


def test_smuggling_framings_are_refused_and_no_client_gets_anothers_response(network):
    from conftest import service, target_group
    from helpers import exchange
    c, vpc, sn = network
    addr = vpc["serviceNetworkAddress"]
    srv = two_responses_server()
    try:
        tg = target_group(c, "desync-targets", srv.getsockname()[1], [{"id": "127.0.0.1"}])
        name = service(c, sn, "desync", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
        for framing in ["content-length: +5", "content-length: \u00a05", "content-length: 5\r\ncontent-length: 5",
                        "transfer-encoding: chunked\r\ntransfer-encoding: identity"]:
            raw_req = f"POST / HTTP/1.1\r\nHost: {name}\r\n{framing}\r\n\r\nhello".encode()
            assert exchange(addr, raw_req).startswith(b"HTTP/1.1 400"), framing
        two_hosts = f"GET / HTTP/1.1\r\nHost: {name}\r\nHost: other.example\r\n\r\n".encode()
        assert exchange(addr, two_hosts).startswith(b"HTTP/1.1 400"), "two Host headers"
        bad_chunks = f"POST / HTTP/1.1\r\nHost: {name}\r\ntransfer-encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"
        assert not exchange(addr, bad_chunks.encode()).startswith(b"HTTP/1.1 200"), "chunk size ended by a bare LF"

        # Each client, one after another, gets the answer to its own request: the unasked
        # response left on the pooled target connection reaches nobody.
        for i in range(8):
            conn = http.client.HTTPConnection(addr, 80, timeout=10)
            conn.request("GET", f"/{i}", headers={"Host": name})
            assert conn.getresponse().read() == b"honest", f"client {i}"
            conn.close()
            time.sleep(0.1)
    finally:
        srv.close()


def test_connect_to_a_service_is_answered_405_not_tunnelled(network, echo):
    from conftest import service, target_group
    c, vpc, sn = network
    tg = target_group(c, "connect-targets", echo.port, [{"id": "127.0.0.1"}])
    name = service(c, sn, "no-tunnel", {"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    with socket.create_connection((vpc["serviceNetworkAddress"], 80), timeout=10) as s:
        s.sendall(f"CONNECT 127.0.0.1:{echo.port} HTTP/1.1\r\nHost: {name}\r\n\r\n".encode())
        assert s.recv(4096).startswith(b"HTTP/1.1 405"), "CONNECT is refused by the service"


# ---- Medium 4: policies AWS rejects are rejected, and nothing is stored -----------------------

def test_auth_and_resource_policies_aws_rejects_are_refused_and_the_old_policy_stays(backend):
    import botocore.exceptions
    c = backend.client()
    svc = c.create_service(name="guarded")
    good = json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke",
                                      "Resource": "*"}]})
    c.put_auth_policy(resourceIdentifier=svc["id"], policy=good)
    broken = [
        ({"Effect": "deny"}, "Effect must be Allow or Deny"),
        ({"Condition": {"StringEqual": {"vpc-lattice-svcs:RequestMethod": "GET"}}}, "StringEqual"),
        ({"Actions": "*"}, "unknown element 'Actions'"),
        ({"Resource": 5}, "Resource must be a string"),
    ]
    for change, words in broken:
        statement = {"Effect": "Deny", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*", **change}
        with pytest.raises(botocore.exceptions.ClientError) as e:
            c.put_auth_policy(resourceIdentifier=svc["id"], policy=json.dumps({"Statement": [statement]}))
        err = e.value.response
        assert err["Error"]["Code"] == "ValidationException" and words in err["Error"]["Message"], err
        assert err["fieldList"][0]["name"] == "policy"
        assert c.get_auth_policy(resourceIdentifier=svc["id"])["policy"] == good, "nothing stored on rejection"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_auth_policy(resourceIdentifier=svc["id"], policy=json.dumps({"Statement": "x"}))
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_resource_policy(resourceArn=svc["arn"], policy=json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "not-an-account"}, "Action": "vpc-lattice:GetService",
             "Resource": svc["arn"]}]}))
    assert "not an account id" in e.value.response["Error"]["Message"]
    with pytest.raises(urllib.error.HTTPError) as e:
        admin(backend, "POST", "/principals", {"name": "typo", "policy": json.dumps(
            {"Statement": [{"Effect": "Allow", "Actions": "*", "Resource": "*"}]})})
    assert e.value.code == 400


# ---- Medium 8: joining an organization needs the joining account's consent --------------------

def test_an_account_cannot_be_put_into_an_organization_without_its_consent(backend):
    b_org = admin(backend, "POST", "/organizations", {"accounts": {A: "captured"}}, account=B)
    assert b_org["invited"] == [A] and b_org["members"] == [B]
    # A is not a member: its callers carry no B org id, and it may still make its own.
    assert admin(backend, "GET", "/whoami", account=A)["organizationId"] is None
    ram_b = backend.client("ram", access_key=B)
    ram_b.enable_sharing_with_aws_organization()
    svc = backend.client(access_key=B).create_service(name="b-only")
    ram_b.create_resource_share(name="org-wide", resourceArns=[svc["arn"]], principals=[b_org["arn"]])
    ram_a = backend.client("ram", access_key=A)
    assert ram_a.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    a_org = admin(backend, "POST", "/organizations", {}, account=A)
    assert a_org["members"] == [A]
    # A, in its own organization, cannot accept B's invitation without leaving; C cannot
    # accept an invitation it never got.
    with pytest.raises(urllib.error.HTTPError) as e:
        admin(backend, "POST", f"/organizations/{b_org['id']}/accept", {}, account=A)
    assert e.value.code == 409
    with pytest.raises(urllib.error.HTTPError) as e:
        admin(backend, "POST", f"/organizations/{b_org['id']}/accept", {}, account="333333333333")
    assert e.value.code == 404


# ---- Medium 6: another process's addresses ---------------------------------------------------

def test_vpcs_avoid_blocks_other_processes_hold_and_unbound_ports_are_reported_then_retried(backend, echo):
    from conftest import target_group
    first_block = backend.pool.split("/")[0].rsplit(".", 2)[0] + ".0"  # 127.N.0
    squatter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    squatter.bind((f"{first_block}.2", 0))  # another backend's resolver, say
    try:
        c = backend.client()
        vpc_id = "vpc-0c0c0c0c0c0c0c0c0"
        admin(backend, "POST", "/vpcs", {"vpcId": vpc_id})
        vpc = backend.vpc_info(vpc_id)
        assert not vpc["resolverAddress"].startswith(first_block + "."), vpc
        assert vpc["resolverPort"] is not None and vpc["unbound"] == []
    finally:
        squatter.close()

    # A listener port another process holds on the VPC's service address: reported, retried.
    sn = c.create_service_network(name="held")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=vpc_id)
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind((vpc["serviceNetworkAddress"], 0))
    port = holder.getsockname()[1]
    holder.listen(1)
    tg = target_group(c, "held-targets", echo.port, [{"id": "127.0.0.1"}])
    svc = c.create_service(name="held-svc")
    c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP", port=port,
                      defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg}]}})
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
    held = f"{vpc['serviceNetworkAddress']}:{port}"
    assert [u["address"] for u in backend.vpc_info(vpc_id)["unbound"]] == [held]
    status = subprocess.run([str(LATTICE_LOCAL), "status", "--endpoint", backend.endpoint],
                            capture_output=True, text=True, timeout=30)
    assert status.returncode != 0 and held in status.stderr and "degraded" in status.stderr, status
    holder.close()
    deadline = time.time() + 15
    while backend.vpc_info(vpc_id)["unbound"] and time.time() < deadline:
        time.sleep(0.2)
    assert backend.vpc_info(vpc_id)["unbound"] == []
    name = svc["dnsEntry"]["domainName"]
    from conftest import curl
    assert curl(name, port, vpc["serviceNetworkAddress"])[0] == 200
    assert subprocess.run([str(LATTICE_LOCAL), "status", "--endpoint", backend.endpoint],
                          capture_output=True, timeout=30).returncode == 0


# ---- Low: the forward proxy is a client of its VPC, not of the host ---------------------------

def test_the_vpc_forward_proxy_cannot_reach_the_backend_api_or_host_services(backend, echo):
    vpc = admin(backend, "POST", "/vpcs", {"vpcId": "vpc-0d0d0d0d0d0d0d0d0"})
    port = backend.endpoint.rsplit(":", 1)[1]
    for url in [f"http://127.0.0.1:{port}/_lattice-local/health", f"http://localhost:{port}/_lattice-local/health",
                f"http://127.0.0.1:{echo.port}/"]:
        p = subprocess.run(["curl", "-sS", "--max-time", "10", "-x", vpc["proxyUrl"], "-o", "-", "-w", "\n%{http_code}",
                            url], capture_output=True, text=True, timeout=20)
        body, _, code = p.stdout.rpartition("\n")
        assert code == "403" and "belong to the host" in body, (url, p.stdout, p.stderr)
    # CONNECT (what HTTPS_PROXY uses) is refused the same way.
    p = subprocess.run(["curl", "-sS", "--max-time", "10", "-p", "-x", vpc["proxyUrl"], "-o", "/dev/null", "-w",
                        "%{http_connect}", f"http://127.0.0.1:{port}/_lattice-local/health"],
                       capture_output=True, text=True, timeout=20)
    assert p.stdout.strip() == "403", (p.stdout, p.stderr)


# ---- Low: what the HTTP layer refuses is AWS-shaped too ----------------------------------------

def test_http_layer_rejections_of_the_control_port_carry_the_aws_error_shape(backend):
    host, port = backend.endpoint.removeprefix("http://").rsplit(":", 1)
    for raw_req, status, code in [
        (b"GARBAGE\r\n\r\n", 400, "BadRequestException"),
        (b"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "BadRequestException"),
        (f"GET /{'a' * 70000} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode(), 414, "UriTooLongException"),
        (f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nx-big: {'a' * 70000}\r\n\r\n".encode(), 431,
         "RequestHeaderFieldsTooLargeException"),
    ]:
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(raw_req)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(f"HTTP/1.1 {status} ".encode()), data[:200]
        assert f"x-amzn-errortype: {code}".encode() in head, head
        assert json.loads(body)["__type"] == code


# ---- What held, kept: acknowledged writes survive kill -9 --------------------------------------

def test_acknowledged_writes_survive_kill_9_and_the_database_stays_whole(tmp_path):
    import random
    import sqlite3
    import threading
    from conftest import Backend
    b = Backend(tmp_path / "killed")
    acked = []
    try:
        for round_no in range(5):
            b.start()
            c = b.client()

            def write():
                for i in range(10_000):
                    name = f"r{round_no}-s{i}"
                    try:
                        c.create_service(name=name)
                    except Exception:
                        return  # the backend died under us: this one was not acknowledged
                    acked.append(name)

            writer = threading.Thread(target=write)
            writer.start()
            time.sleep(random.uniform(0.3, 0.8))
            b.proc.kill()  # SIGKILL, mid-write
            b.proc.wait()
            b.proc = None
            writer.join(timeout=30)
        b.start()
        c = b.client()
        stored, token = set(), None
        while True:
            page = c.list_services(maxResults=100, **({"nextToken": token} if token else {}))
            stored |= {s["name"] for s in page["items"]}
            token = page.get("nextToken")
            if not token:
                break
        assert len(acked) > 20, "the rounds wrote something"
        assert set(acked) <= stored, sorted(set(acked) - stored)[:5]
        b.stop()
        db = sqlite3.connect(f"file:{b.data_dir / 'state.db'}?mode=ro", uri=True)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
    finally:
        b.close()
