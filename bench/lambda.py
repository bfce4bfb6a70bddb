#!/usr/bin/env python3
"""LAMBDA target latency (issue 24). Run with bench/run-lambda.

The same Python handler, reached through one Lattice service two ways, interleaved within every
repetition on an idle-guarded loopback: as a Lambda function (a zip through the Lambda API, run
by its warm worker, a LAMBDA target group, V2 event) and behind an IP target (the handler in a
threaded HTTP server that builds the same kind of event and calls it). Sequential keep-alive
requests from one client; per path: p50 and p99 latency, and what the Lambda path adds over the
IP path. A direct call of the HTTP server is the floor. Every process is stopped by its PID."""

import argparse
import base64
import http.client
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import boto3
import botocore.config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from control_plane import free_port, start_backend, wait_idle  # noqa: E402

VPC = "vpc-0f0f0f0f0f0f0f0f0"
HANDLER = """def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "ok " + event.get("path", "")}
"""
SERVER = """import http.server, json, sys
sys.path.insert(0, sys.argv[2])
from app import handler
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_GET(self):
        answer = handler({"version": "2.0", "path": self.path, "method": "GET", "headers": dict(self.headers)}, None)
        body = answer["body"].encode()
        self.send_response(answer["statusCode"])
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 1}))


def layout(endpoint, port, code):
    """A service with `/fn` → the Lambda function and everything else → the IP target: the
    service's name and the VPC's service-network address."""
    iam, lam, lat = client(endpoint, "iam"), client(endpoint, "lambda"), client(endpoint, "vpc-lattice")
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    fn = lam.create_function(FunctionName="bench", Role=role, Runtime="python3.12", Handler="app.handler",
                             Code={"ZipFile": code})["FunctionArn"]
    sn = lat.create_service_network(name="bench-lambda")
    svc = lat.create_service(name="bench-lambda")
    lat.create_service_network_service_association(serviceNetworkIdentifier=sn["id"], serviceIdentifier=svc["id"])
    lat.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=VPC)
    tg_fn = lat.create_target_group(name="bench-fn", type="LAMBDA", config={"lambdaEventStructureVersion": "V2"})
    lat.register_targets(targetGroupIdentifier=tg_fn["id"], targets=[{"id": fn}])
    lam.add_permission(FunctionName="bench", StatementId="lattice", Action="lambda:InvokeFunction",
                       Principal="vpc-lattice.amazonaws.com", SourceArn=tg_fn["arn"])
    tg_ip = lat.create_target_group(name="bench-ip", type="IP", config={"port": port, "protocol": "HTTP", "vpcIdentifier": VPC})
    lat.register_targets(targetGroupIdentifier=tg_ip["id"], targets=[{"id": "127.0.0.1", "port": port}])
    listener = lat.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP", port=80, defaultAction={
        "forward": {"targetGroups": [{"targetGroupIdentifier": tg_ip["id"]}]}})
    lat.create_rule(serviceIdentifier=svc["id"], listenerIdentifier=listener["id"], name="to-fn", priority=1,
                    match={"httpMatch": {"pathMatch": {"match": {"prefix": "/fn"}}}},
                    action={"forward": {"targetGroups": [{"targetGroupIdentifier": tg_fn["id"]}]}})
    info = json.loads(subprocess.run([str(Path(__file__).resolve().parent.parent / "target" / "release" / "lattice-local"),
                                      "vpc", "info", VPC, "--endpoint", endpoint], capture_output=True, text=True,
                                     check=True).stdout)
    return svc["dnsEntry"]["domainName"], info["serviceNetworkAddress"]


def latencies(address, port, host, path, n):
    """Latency (µs) of `n` sequential GETs on one keep-alive connection; every answer checked."""
    conn = http.client.HTTPConnection(address, port, timeout=10)
    out = []
    try:
        for _ in range(n):
            started = time.perf_counter()
            conn.request("GET", path, headers={"Host": host})
            resp = conn.getresponse()
            body = resp.read()
            out.append((time.perf_counter() - started) * 1e6)
            if resp.status != 200 or not body.startswith(b"ok"):
                raise RuntimeError(f"{path}: {resp.status} {body[:80]!r}")
    finally:
        conn.close()
    return out


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER)
    (tmp / "code").mkdir()
    (tmp / "code" / "app.py").write_text(HANDLER)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp / "code")])
    backend, endpoint = start_backend(tmp)
    try:
        host, address = layout(endpoint, port, buf.getvalue())
        for path in ("/fn/warm", "/ip/warm"):
            latencies(address, 80, host, path, 50)
        results = {"direct": [], "ip": [], "lambda": []}
        for rep in range(args.reps):
            if not wait_idle():
                print(f"rep {rep + 1}: the machine did not go idle; measuring anyway", file=sys.stderr)
            results["direct"].append(latencies("127.0.0.1", port, host, "/direct", args.requests))
            results["ip"].append(latencies(address, 80, host, "/ip/x", args.requests))
            results["lambda"].append(latencies(address, 80, host, "/fn/x", args.requests))
        print(f"{args.requests} sequential keep-alive GETs per path, {args.reps} interleaved reps (µs; median of reps)")
        summary = {}
        for path, runs in results.items():
            p50 = statistics.median(pct(r, 0.5) for r in runs)
            p99 = statistics.median(pct(r, 0.99) for r in runs)
            summary[path] = (p50, p99)
            print(f"  {path:<7} p50 {p50:8.0f}   p99 {p99:8.0f}")
        added = (summary["lambda"][0] - summary["ip"][0], summary["lambda"][1] - summary["ip"][1])
        print(f"  LAMBDA target adds {added[0]:.0f} µs at p50 and {added[1]:.0f} µs at p99 over the same handler behind an IP target")
    finally:
        for proc in (backend, server):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
