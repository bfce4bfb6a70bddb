#!/usr/bin/env python3
"""HTTP data-plane benchmark (issue 5). Run with bench/run-data-plane.

Side by side in one run, interleaved, idle-guarded, on loopback: keep-alive throughput (wrk)
of one nginx `return 200` upstream reached directly, through nginx, through HAProxy, and
through the Lattice proxy (plain; with AWS_IAM auth and an access-log subscription), over HTTP
and HTTPS; CPU time per request and peak RSS of each proxy; added latency at a fixed rate
(oha, when installed); and the proxy's throughput with 10 and with 2,000 services in its
network. With --ui, the two plain-HTTP Lattice paths run a second time, interleaved with the
first, while the web UI's event stream is open and read (what a browser showing the UI does:
per-second counters and the access-log tail), so the two can be compared in one run. Prints
medians (min-max) and ratios. Every process is stopped by its PID."""

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import botocore.config
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parent))
from control_plane import RELEASE, free_port, start_backend, wait_idle  # noqa: E402

VPC = "vpc-0b0b0b0b0b0b0b0b0"
procs = []


def spawn(args, **kw):
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    procs.append(p)
    return p


def stop_all():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_port(port, host="127.0.0.1"):
    import socket
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port}")


def nginx(tmp, name, body):
    conf = tmp / f"{name}.conf"
    conf.write_text(f"""daemon off; master_process off; worker_processes 1; pid {tmp}/{name}.pid;
error_log {tmp}/{name}.err; events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 10000000; {body} }}""")
    return spawn(["nginx", "-c", str(conf), "-p", str(tmp)])


class CpuMeter:
    """CPU time spent from its making to `stop`: each watched process's user and system time (all
    its threads; `pids` maps a label to a pid, or to None for no process), the load generator's
    (this script's children that finished meanwhile), and the whole machine's busy time
    (everything but idle and I/O wait, /proc/stat)."""

    def __init__(self, **pids):
        self.pids = pids
        self.before = self.read()

    def read(self):
        """(the machine's busy seconds, {label: (user seconds, system seconds)})."""
        tick = os.sysconf("SC_CLK_TCK")
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        times = {"load": (children.ru_utime, children.ru_stime)}
        for label, pid in self.pids.items():
            if pid:
                own = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                times[label] = (int(own[11]) / tick, int(own[12]) / tick)
        return (sum(fields[:8]) - fields[3] - fields[4]) / tick, times

    def stop(self, count):
        """{label: (user µs, system µs)} per unit of `count`, for each watched process and `load`;
        `machine`: the machine's busy µs per unit."""
        (machine_before, before), (machine_after, after), n = self.before, self.read(), max(1, count)
        cost = {k: tuple((b - a) / n * 1e6 for a, b in zip(before[k], after[k])) for k in after}
        cost["machine"] = (machine_after - machine_before) / n * 1e6
        return cost


def context_switches(pid, split=False):
    """Context switches of `pid`, all its threads: voluntary + involuntary, or the two apart."""
    voluntary = involuntary = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/task/{task}/status"))
        voluntary += int(status["voluntary_ctxt_switches"])
        involuntary += int(status["nonvoluntary_ctxt_switches"])
    return (voluntary, involuntary) if split else voluntary + involuntary


def median_cost(costs):
    """The median of each figure over several `CpuMeter.stop` results."""
    return {k: (statistics.median(c[k] for c in costs) if k == "machine" else
                tuple(statistics.median(c[k][i] for c in costs) for i in range(2))) for k in costs[0]}


def busy(rate, cost):
    """The share of the machine's cores kept busy by `rate` requests per second at `cost`."""
    return rate * cost["machine"] / 1e6 / (os.cpu_count() or 1)


def cost_bound(reference, cost):
    """The throughput ratio to `reference` that the machine's busy time per request predicts if
    the proxy's user-space CPU cost nothing: the reference path's machine µs per request over
    the path's, less the proxy's user time. The load generator and the upstream share the cores
    with the proxy, so the machine's time per request is what sets the rate; kernel work
    (sockets, loopback TCP, wake-ups) and the other processes' work stay as measured."""
    return reference["machine"] / max(1e-9, cost["machine"] - cost["proxy"][0])


def peak_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(url, host, headers, seconds, connections=32):
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", f"Host: {host}"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, total, int(errors.group(1)) if errors else 0


def h2load(connect_to, host, headers, seconds, connections=32):
    """HTTPS keep-alive load over HTTP/1.1 to `host` (SNI and Host) at the address `connect_to`."""
    args = ["h2load", "--h1", "-t1", f"-c{connections}", f"-D{seconds}", f"--connect-to={connect_to}"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(args + [f"https://{host}/"], capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    status = re.search(r"status codes: (\d+) 2xx", out)
    total = int(done.group(1)) if done else 0
    return rps, total, total - (int(status.group(1)) if status else 0)


def oha(url, host, headers, rate, seconds):
    args = ["oha", "--no-tui", "--output-format", "json", "-z", f"{seconds}s", "-q", str(rate), "--latency-correction", "-c", "32",
            "--insecure", "-H", f"Host: {host}"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = json.loads(subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 60).stdout)
    pct = out["latencyPercentiles"]
    return pct["p50"] * 1000, pct["p99"] * 1000


def setup_lattice(endpoint, upstream_port):
    config = botocore.config.Config(retries={"max_attempts": 1})
    c = boto3.client("vpc-lattice", endpoint_url=endpoint, region_name="us-east-1", config=config,
                     aws_access_key_id="test", aws_secret_access_key="test")
    sn = c.create_service_network(name="bench")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
    tg = c.create_target_group(name="bench", type="IP", config={
        "port": upstream_port, "protocol": "HTTP", "vpcIdentifier": VPC, "healthCheck": {"enabled": False}})
    c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}])
    forward = {"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}}
    names = {}
    for name, auth in (("plain", "NONE"), ("secured", "AWS_IAM")):
        svc = c.create_service(name=name, authType=auth)
        for proto, port in (("HTTP", 80), ("HTTPS", 443)):
            c.create_listener(serviceIdentifier=svc["id"], name=proto.lower(), protocol=proto, port=port,
                              defaultAction=forward)
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        names[name] = svc
    secured = names["secured"]
    def admin(method, path, body=None):
        url, data = f"{endpoint}/_lattice-local{path}", json.dumps(body).encode() if body else None
        signed = AWSRequest(method=method, url=url, data=data, headers={"content-type": "application/json"})
        SigV4Auth(Credentials("000000000000", "test"), "lattice-local", "us-east-1").add_auth(signed)
        return json.loads(urllib.request.urlopen(urllib.request.Request(
            url, method=method, data=data, headers=dict(signed.headers.items()))).read())
    role = admin("POST", "/principals", {"name": "bench", "policy": json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"}]})})
    c.put_auth_policy(resourceIdentifier=secured["id"], policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": role["arn"]}, "Action": "vpc-lattice-svcs:Invoke",
         "Resource": f"{secured['arn']}/*", "Condition": {"StringEquals": {"vpc-lattice-svcs:RequestMethod": "GET"}}}]}))
    c.create_access_log_subscription(resourceIdentifier=secured["id"],
                                     destinationArn="arn:aws:logs:us-east-1:000000000000:log-group:bench")
    vpc = json.loads(subprocess.run([str(RELEASE / "lattice-local"), "vpc", "info", VPC, "--endpoint", endpoint],
                                    check=True, capture_output=True, text=True).stdout)
    return c, sn, tg, names, role, vpc["serviceNetworkAddress"]


def signed_headers(role, host):
    """SigV4 headers for `GET /` to `host`: valid for 15 minutes, the same for every request."""
    request = AWSRequest(method="GET", url=f"http://{host}/", headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(Credentials(role["accessKeyId"], role["secretAccessKey"]), "vpc-lattice-svcs", "us-east-1").add_auth(request)
    return {k: v for k, v in request.headers.items()}


def summary(values):
    return f"{statistics.median(values):>10.0f} ({min(values):.0f}-{max(values):.0f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--services", type=int, default=2000)
    ap.add_argument("--parts", default="throughput,latency,routing",
                    help="comma-separated parts to run: throughput, latency, routing")
    ap.add_argument("--ui", action="store_true",
                    help="also run the plain-HTTP Lattice paths with the web UI's event stream open")
    args = ap.parse_args()
    for tool in ("wrk", "h2load", "nginx", "haproxy", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run bench/run-data-plane (it installs the tools)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-dp-"))
    try:
        run(args, tmp)
    finally:
        stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp):
    paths, (backend, endpoint), ngx_pid, ha, upstream, c, sn = setup(tmp)
    ui = None
    if args.ui:
        ui = ui_watcher(endpoint, tmp / "data")
        for label in ("lattice", "lattice+auth+logs"):
            paths[f"{label} (UI open)"] = paths[label]
    parts = args.parts.split(",")
    if "throughput" in parts:
        throughput(args, paths, backend, ngx_pid, ha, upstream.pid, ui)
    if "latency" in parts:
        latency(args, paths)
    if "routing" in parts:
        routing(args, paths, c, sn)


def setup(tmp):
    """The backend, the upstream, nginx and HAProxy in front of it, and the Lattice services;
    returns the paths to measure, by label: (URL or address, Host, headers, the proxy's PID)."""
    backend, endpoint = start_backend(tmp)
    procs.append(backend)
    up, ngx_port, ngx_tls, ha_port, ha_tls = (free_port() for _ in range(5))
    upstream = nginx(tmp, "upstream", f"server {{ listen 127.0.0.1:{up}; location / {{ return 200 'ok'; }} }}")
    c, sn, tg, names, role, addr = setup_lattice(endpoint, up)

    # A self-signed certificate for the reference proxies.
    pem = tmp / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(tmp / "key.pem"), "-out", str(pem), "-days", "2", "-subj", "/CN=bench.example.com"],
                   check=True, capture_output=True)
    (tmp / "haproxy.pem").write_text(pem.read_text() + (tmp / "key.pem").read_text())
    nginx(tmp, "proxy", f"""upstream up {{ server 127.0.0.1:{up}; keepalive 64; }}
server {{ listen 127.0.0.1:{ngx_port}; listen 127.0.0.1:{ngx_tls} ssl;
  ssl_certificate {pem}; ssl_certificate_key {tmp / 'key.pem'};
  location / {{ proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}""")
    ha_conf = tmp / "haproxy.cfg"
    ha_conf.write_text(f"""global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend f
  bind 127.0.0.1:{ha_port}
  bind 127.0.0.1:{ha_tls} ssl crt {tmp / 'haproxy.pem'}
  default_backend b
backend b
  http-reuse always
  server s 127.0.0.1:{up}
""")
    ha = spawn(["haproxy", "-f", str(ha_conf), "-db"])
    for port in (up, ngx_port, ngx_tls, ha_port, ha_tls):
        wait_port(port)
    ngx_pid = procs[-2].pid

    plain = names["plain"]["dnsEntry"]["domainName"]
    secured = names["secured"]["dnsEntry"]["domainName"]
    paths = {
        "direct": (f"http://127.0.0.1:{up}/", "upstream", {}, None),
        "nginx": (f"http://127.0.0.1:{ngx_port}/", "bench.example.com", {}, ngx_pid),
        "haproxy": (f"http://127.0.0.1:{ha_port}/", "bench.example.com", {}, ha.pid),
        "lattice": (f"http://{addr}/", plain, {}, backend.pid),
        "lattice+auth+logs": (f"http://{addr}/", secured, signed_headers(role, secured), backend.pid),
        "nginx https": (f"127.0.0.1:{ngx_tls}", "bench.example.com", {}, ngx_pid),
        "haproxy https": (f"127.0.0.1:{ha_tls}", "bench.example.com", {}, ha.pid),
        "lattice https": (f"{addr}:443", plain, {}, backend.pid),
        "lattice https+auth+logs": (f"{addr}:443", secured, signed_headers(role, secured), backend.pid),
    }
    return paths, (backend, endpoint), ngx_pid, ha, upstream, c, sn


def ui_watcher(endpoint, data_dir):
    """A context manager that keeps the web UI's event stream open and read, as the page does."""
    url = subprocess.run([str(RELEASE / "lattice-local"), "ui", "--endpoint", endpoint, "--data-dir", str(data_dir)],
                         check=True, capture_output=True, text=True).stdout.strip()
    host, port = endpoint.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", url.removeprefix(endpoint))
    resp = conn.getresponse()
    resp.read()
    cookie = resp.getheader("set-cookie").split(";")[0]
    conn.close()

    @contextlib.contextmanager
    def watching():
        events = http.client.HTTPConnection(host, int(port), timeout=10)
        events.request("GET", "/ui/api/events", headers={"Cookie": cookie})
        stream = events.getresponse()
        assert stream.status == 200, stream.status
        seen = [0]

        def read():
            try:
                for line in stream:
                    seen[0] += line.startswith(b"data:")
            except Exception:  # noqa: BLE001 — the stream is cut on purpose when the trial ends
                pass
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            yield
        finally:
            events.sock.shutdown(2)
            events.close()
            reader.join(timeout=5)
            if not seen[0]:
                print("  (the UI's event stream sent nothing)", file=sys.stderr)
    return watching


def throughput(args, paths, backend, ngx_pid, ha, upstream_pid, ui=None):
    results = {k: [] for k in paths}
    costs = {k: [] for k in paths}
    skipped = 0
    print(f"HTTP: wrk -t1 -c32 -d{args.seconds}s; HTTPS: h2load --h1 -t1 -c32 -D{args.seconds}; "
          f"{args.reps} interleaved repetitions (+1 warm-up)")
    for rep in range(args.reps + 1):
        for label, (url, host, headers, pid) in paths.items():
            if not wait_idle():
                skipped += 1
            watched = ui() if "UI open" in label else contextlib.nullcontext()
            with watched:
                meter = CpuMeter(proxy=pid, upstream=upstream_pid)
                load = h2load if "https" in label else wrk
                rps, total, errors = load(url, host, headers, args.seconds if rep else 1)
                cost = meter.stop(total)
            if errors:
                print(f"  {label}: {errors} non-2xx answers", file=sys.stderr)
            if rep:
                results[label].append(rps)
                costs[label].append(cost)

    print(f"\n{'path':<30}{'req/s median (min-max)':>26}{'× nginx':>8}{'× HAProxy':>10}"
          f"{'proxy':>11}{'upstream':>9}{'load':>6}{'machine':>8}{'busy':>6}{'cost × nginx':>13}{'bound':>6}")
    cost = {label: median_cost(c) for label, c in costs.items()}
    for label, values in results.items():
        ref = "nginx https" if "https" in label else "nginx"
        ref_ngx, ref_ha = (statistics.median(results[r]) for r in (ref, ref.replace("nginx", "haproxy")))
        med, c = statistics.median(values), cost[label]
        proxy, bound = "-", "-"
        if "proxy" in c:
            proxy, bound = f"{c['proxy'][0]:.1f}+{c['proxy'][1]:.1f}", f"{cost_bound(cost[ref], c):.2f}"
        print(f"{label:<30}{summary(values):>26}{med / ref_ngx:>8.2f}{med / ref_ha:>10.2f}{proxy:>11}"
              f"{sum(c['upstream']):>9.1f}{sum(c['load']):>6.1f}{c['machine']:>8.1f}{busy(med, c):>6.0%}"
              f"{cost[ref]['machine'] / c['machine']:>13.2f}{bound:>6}")
    print("(CPU µs per request, medians: the proxy's user + system time, the upstream's and the load generator's "
          "user + system, and the whole machine's busy time; busy: the share of the machine's cores that time "
          "fills at the measured rate; cost × nginx: nginx's machine time per request over the path's, the ratio "
          "the costs predict; bound: the same if the proxy's user-space CPU cost nothing)")
    # The machine's speed drifts within a run (nginx has ranged 51k-76k req/s): a path against the
    # reference measured in the same repetition, a minute apart, drifts less than medians do.
    print("\nratios within each repetition (each path against the reference of the same repetition), "
          "median (min-max):")
    for label, values in results.items():
        ref = "nginx https" if "https" in label else "nginx"
        shown = []
        for name, reference in (("nginx", ref), ("HAProxy", ref.replace("nginx", "haproxy"))):
            ratios = [v / r for v, r in zip(values, results[reference])]
            shown.append(f"× {name} {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
        ratios = [r["machine"] / c["machine"] for c, r in zip(costs[label], costs[ref])]
        shown.append(f"cost × nginx {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
        print(f"  {label:<30}{'   '.join(shown)}")
    for label in ("lattice", "lattice+auth+logs"):
        if f"{label} (UI open)" in results:
            shown, closed = (statistics.median(results[k]) for k in (f"{label} (UI open)", label))
            noise = (max(results[label]) - min(results[label])) / closed
            print(f"web UI open / closed, {label}: {shown / closed:.3f} req/s, "
                  f"{median_cost(costs[f'{label} (UI open)'])['machine'] / cost[label]['machine']:.3f} machine time "
                  f"per request (the closed runs' own spread: {noise:.1%})")
    print(f"\npeak RSS MiB: lattice-local {peak_rss_mib(backend.pid):.1f} (whole backend), "
          f"nginx {peak_rss_mib(ngx_pid):.1f}, haproxy {peak_rss_mib(ha.pid):.1f}")
    if skipped:
        print(f"({skipped} trials started on a machine that was not idle)")


def latency(args, paths):
    if shutil.which("oha"):
        print(f"\nadded latency at {args.rate} req/s (oha, latency-corrected, median of {args.reps} interleaved "
              "runs), ms over direct:")
        runs = {}
        for _ in range(args.reps):
            for label in ("direct", "nginx", "haproxy", "lattice", "lattice+auth+logs"):
                url, host, headers, _ = paths[label]
                wait_idle()
                runs.setdefault(label, []).append(oha(url, host, headers, args.rate, args.seconds))
        lat = {label: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
               for label, rs in runs.items()}
        for label, (p50, p99) in lat.items():
            print(f"  {label:<20} p50 {p50:.3f}  p99 {p99:.3f}  added p50 {p50 - lat['direct'][0]:+.3f}"
                  f"  p99 {p99 - lat['direct'][1]:+.3f}")
    else:
        print("\n(oha not installed: `cargo install oha --locked` for the fixed-rate latency part)")



def routing(args, paths, c, sn):
    """Routing cost with many services in the network."""
    print(f"\nrouting cost: lattice req/s with 2 services, then with {args.services}")
    url, host, headers, _ = paths["lattice"]
    wait_idle()
    few = wrk(url, host, headers, args.seconds)[0]
    for i in range(args.services - 2):
        svc = c.create_service(name=f"filler-{i}")
        c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"fixedResponse": {"statusCode": 404}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
    wait_idle()
    many = wrk(url, host, headers, args.seconds)[0]
    print(f"  2 services {few:.0f} req/s, {args.services} services {many:.0f} req/s: ratio {many / few:.2f}")
    if shutil.which("oha"):
        direct_url, direct_host, _, _ = paths["direct"]
        lat = {}
        for label, (u, h) in (("direct", (direct_url, direct_host)), ("lattice", (url, host))):
            runs = []
            for _ in range(args.reps):
                wait_idle()
                runs.append(oha(u, h, headers if label == "lattice" else {}, args.rate, args.seconds))
            lat[label] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        print(f"  at {args.rate} req/s with {args.services} services: p50 {lat['lattice'][0]:.3f} ms "
              f"(added {lat['lattice'][0] - lat['direct'][0]:+.3f}), p99 {lat['lattice'][1]:.3f} ms "
              f"(added {lat['lattice'][1] - lat['direct'][1]:+.3f})")


if __name__ == "__main__":
    main()
