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

from conftest import LATTICE_LOCAL, Backend, admin, admin_request

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
