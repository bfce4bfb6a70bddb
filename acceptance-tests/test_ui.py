"""The web UI in a real browser (headless Debian chromium over WebDriver), against a backend
with the multi-account example applied: the topology shows the example's objects, a matrix
cell says what `lattice-local explain` says and shows its trace, an auth change shows up
without a reload, traffic counters rise with curl requests, and a denied request appears in
the log tail. Screenshots of each view are saved (`LATTICE_UI_SCREENSHOTS`, default
target/ui-screenshots). The UI's protection (token, cookie, GET only, Host and Origin) is
checked over plain HTTP."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from browser import Browser
from conftest import LATTICE_LOCAL, ROOT, curl

SHARED, PRODUCTION = "111111111111", "222222222222"


def screenshots():
    return Path(os.environ.get("LATTICE_UI_SCREENSHOTS", ROOT / "target" / "ui-screenshots"))


def ui_url(backend):
    return subprocess.run([str(LATTICE_LOCAL), "ui", "--endpoint", backend.endpoint, "--data-dir", str(backend.data_dir)],
                          check=True, capture_output=True, text=True).stdout.strip()


def raw(backend, method, path, headers=None):
    """(status, headers, body) of one request to the control port."""
    host, port = backend.endpoint.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
    finally:
        conn.close()


def test_the_ui_opens_only_with_the_operators_token_and_only_reads(backend, tmp_path):
    url = ui_url(backend)
    token = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["token"][0]
    assert url.startswith(backend.endpoint + "/ui/?token=")
    status, headers, _ = raw(backend, "GET", "/ui/")
    assert status == 401, "no cookie, no page"
    assert raw(backend, "GET", "/ui/api/topology")[0] == 401
    assert raw(backend, "GET", "/ui/?token=" + "0" * 64)[0] == 403
    status, headers, _ = raw(backend, "GET", f"/ui/?token={token}")
    assert status == 303 and headers["location"] == "/ui/"
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/ui" in cookie, cookie
    jar = {"Cookie": cookie.split(";")[0]}
    status, headers, page = raw(backend, "GET", "/ui/", jar)
    assert status == 200 and "<title>lattice-local</title>" in page
    assert "script-src 'self'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert raw(backend, "GET", "/ui/api/topology", jar)[0] == 200
    # Nothing but reads, whatever the cookie; no other site's page, no rebound name.
    assert raw(backend, "POST", "/ui/api/topology", jar)[0] == 405
    assert raw(backend, "GET", "/ui/api/topology", {**jar, "Origin": "http://evil.example"})[0] == 403
    assert raw(backend, "GET", "/ui/", {**jar, "Host": "evil.example"})[0] == 421
    # Another backend's data directory gives a token this one refuses.
    other = tmp_path / "other"
    other.mkdir()
    (other / "operator.key").write_text("not this backend's secret\n")
    p = subprocess.run([str(LATTICE_LOCAL), "ui", "--endpoint", backend.endpoint, "--data-dir", str(other)],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "does not take this token" in p.stderr, p.stderr


def explain_cli(backend, vpc, ask, account):
    p = subprocess.run([str(LATTICE_LOCAL), "explain", "--vpc", vpc, "--endpoint", backend.endpoint,
                        "--data-dir", str(backend.data_dir), "--json", ask], capture_output=True, text=True)
    assert p.returncode in (0, 2), p.stderr
    return p.returncode, json.loads(p.stdout)


def test_the_ui_shows_topology_reachability_and_live_traffic(backend, echo, tf_factory, tmp_path):
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        pytest.fail("chromium and chromedriver are not installed (scripts/setup installs them)", pytrace=False)
    tf = tf_factory()
    shutil.copy(ROOT / "examples" / "multi-account" / "main.tf", tf.dir / "main.tf")
    tf.apply(f"-var=echo_port={echo.port}")
    state = tf.state()
    production = json.loads(tf.run("output", "-json", "production_vpc").stdout)
    name = tf.output("service_dns_name")
    service = state["lattice_service.orders"]
    network = state["lattice_service_network.shared"]

    browser = Browser(tmp_path / "profile")
    try:
        browser.get(ui_url(backend))
        # Topology: the example's VPCs, network and service, each account's VPCs together.
        browser.wait("return document.body.dataset.generation", what="the first load")
        # VPC nodes are keyed account:id (each account has VPC ids of its own).
        ids = browser.run("return [...document.querySelectorAll('#graph .node')].map(n => n.dataset.id)")
        ids = [i.rsplit(":", 1)[-1] for i in ids]
        for obj in (production["id"], network["id"], service["id"]):
            assert obj in ids, (obj, ids)
        accounts = browser.run("return [...document.querySelectorAll('#graph .account text')].map(t => t.textContent)")
        assert f"account {SHARED}" in accounts and f"account {PRODUCTION}" in accounts, accounts
        assert browser.run("return document.querySelectorAll('#graph path.share').length") > 0, "RAM share edges"
        browser.click(f"#graph .node[data-id='{service['id']}']")
        assert browser.wait("return document.getElementById('details-arn')?.textContent") == service["arn"]
        browser.screenshot(screenshots() / "topology.png")
        # Filtered to the production account: its VPC and what it reaches; not the shared VPC.
        browser.run("const s = document.getElementById('f-account'); s.value = arguments[0];"
                    "s.dispatchEvent(new Event('input'))", PRODUCTION)
        ids = browser.run("return [...document.querySelectorAll('#graph .node')].map(n => n.dataset.id)")
        ids = [i.rsplit(":", 1)[-1] for i in ids]
        assert production["id"] in ids and network["id"] in ids, "its VPC and the network it joins"
        assert state["lattice_local_vpc.services"]["id"] not in ids, "another account's VPC it is not joined to"
        browser.run("const s = document.getElementById('f-account'); s.value = '';"
                    "s.dispatchEvent(new Event('input'))")

        # Reachability: the production VPC's cell for the service is explain's verdict.
        browser.click("#tab-matrix")
        # Rows are keyed account:id (each account has VPC ids of its own).
        cell = f"#matrix-table td[data-vpc='{PRODUCTION}:{production['id']}'][data-column='{service['id']}']"
        assert browser.wait(f"return document.querySelector(\"{cell}\")?.dataset.reachable") == "true"
        ask = f"http://{name}:80/"
        code, verdict = explain_cli(backend, production["id"], ask, PRODUCTION)
        assert code == 0 and verdict["reachable"] is True
        browser.click(cell)
        decided = browser.wait("return document.getElementById('trace-decided')?.textContent")
        assert decided == verdict["decidedBy"]
        highlighted = browser.run("return [...document.querySelectorAll('#trace li.decided')].map(l => l.dataset.step)")
        assert highlighted == [verdict["decidedBy"]], highlighted
        browser.screenshot(screenshots() / "matrix.png")

        # Traffic: the service's counter rises with requests through the production VPC.
        browser.click("#tab-traffic")
        total = f"return Number(document.querySelector(\"#traffic-table tr[data-id='{service['id']}'] .total\")?.textContent ?? -1)"
        before = browser.wait(total + " + 1") - 1
        for _ in range(5):
            assert curl(name, 80, production["service_network_address"])[0] == 200
        browser.wait(total + f" >= {before + 5}", what="the counters to rise")
        browser.wait("return document.querySelectorAll('#targets-table tbody tr').length", what="the targets")
        # A client connection held open shows in the data plane's connection count.
        with socket.create_connection((production["service_network_address"], 80), timeout=10):
            browser.wait("return /live · [1-9]\\d* open connections/.test(document.getElementById('live').textContent)",
                         what="the open connection to be counted")
        browser.screenshot(screenshots() / "traffic.png")

        # An auth change (no reload): the service now takes only signed, allowed callers. The
        # matrix follows; an anonymous request is denied and shows in the tail.
        browser.run("window.notReloaded = true")
        c = backend.client(access_key=SHARED)
        c.update_service(serviceIdentifier=service["id"], authType="AWS_IAM")
        c.put_auth_policy(resourceIdentifier=service["id"], policy=json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SHARED}:root"},
             "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"}]}))
        browser.click("#tab-matrix")
        assert browser.wait(f"return document.querySelector(\"{cell}\")?.dataset.reachable === 'false'",
                            what="the matrix to follow the auth change")
        code, verdict = explain_cli(backend, production["id"], ask, PRODUCTION)
        assert code == 2 and verdict["reachable"] is False
        assert browser.run("return window.notReloaded") is True, "updated in place, not reloaded"
        assert curl(name, 80, production["service_network_address"])[0] == 403
        browser.click("#tab-traffic")
        browser.run("const d = document.getElementById('t-denied'); d.checked = true; d.dispatchEvent(new Event('input'))")
        row = browser.wait("return [...document.querySelectorAll('#tail-table tbody tr')].map(r => r.textContent)"
                           ".find(t => t.includes('403'))", what="the denied request in the tail")
        assert production["id"] in row, row
        browser.screenshot(screenshots() / "tail.png")
    finally:
        browser.quit()
    tf.destroy(f"-var=echo_port={echo.port}")
