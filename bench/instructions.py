#!/usr/bin/env python3
"""Instructions per request of the Lattice proxy, counted (issue 28). Run with bench/run-instructions.

The backend runs under `valgrind --tool=callgrind`; for each path the counters are zeroed
(`callgrind_control -z`), a fixed number of keep-alive requests is sent, and the counters are
dumped (`callgrind_control -d`): the dump's total over the request count is the backend's
instructions per request — every thread's, the proxy's and what runs beside it — repeatable on a
noisy shared machine where times are not. Paths, interleaved in every repetition: plain HTTP to
a service, and the same through `AWS_IAM` auth (a signed request against an auth policy) plus an
access-log subscription. Prints medians (min-max) and the ratio. Every process is stopped by its
PID."""

import argparse
import glob
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from control_plane import RELEASE  # noqa: E402
from data_plane import setup_lattice, signed_headers  # noqa: E402


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def send(address, host, headers, count):
    conn = http.client.HTTPConnection(address, 80, timeout=120)
    for _ in range(count):
        conn.request("GET", "/", headers={"host": host, **headers})
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
    conn.close()


def self_cost(text, function):
    """The instructions spent in `function` itself, from an uncompressed callgrind dump."""
    total, current, after_call = 0, None, False
    for line in text.splitlines():
        if line.startswith("fn="):
            current = line[3:]
        elif line.startswith("calls="):
            after_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if after_call:
                after_call = False  # a call's inclusive cost, not the caller's own
            elif current and function in current:
                parts = line.split()
                total += int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return total


def counted(pid, out_dir, run, keep=None):
    """The instructions the process executes while `run` runs (its dump copied to `keep`), and
    those of SHA-256's compression function among them."""
    subprocess.run(["callgrind_control", "-z", str(pid)], check=True, capture_output=True)
    before = set(glob.glob(f"{out_dir}/cg.out*"))
    run()
    subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)
    dumps = sorted(set(glob.glob(f"{out_dir}/cg.out*")) - before, key=os.path.getmtime)
    text = Path(dumps[-1]).read_text(errors="replace")
    if keep:
        Path(keep).parent.mkdir(parents=True, exist_ok=True)
        Path(keep).write_text(text)
    total = int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))
    return total, self_cost(text, "sha2::sha256::compress256")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--keep", help="copy each path's last callgrind dump here, for callgrind_annotate")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
        threading.Thread(target=upstream.serve_forever, daemon=True).start()
        backend = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", "--compress-strings=no",
             "--compress-pos=no",
             os.environ.get("LATTICE_LOCAL_BIN", str(RELEASE / "lattice-local")), "serve", "--data-dir", str(tmp / "data"), "--listen", "127.0.0.1:0",
             "--vpc-pool", "127.202.0.0/16", "--upstream-dns", "none", "--data-plane-threads", "1"],
            stdout=subprocess.PIPE, stderr=open(tmp / "backend.log", "wb"))
        try:
            endpoint = backend.stdout.readline().decode().strip()
            c, sn, tg, names, role, address = setup_lattice(endpoint, upstream.server_address[1])
            plain = names["plain"]["dnsEntry"]["domainName"]
            secured = names["secured"]["dnsEntry"]["domainName"]
            paths = {"plain": (plain, {}), "auth+logs": (secured, signed_headers(role, secured))}
            for host, headers in paths.values():
                send(address, host, headers, 200)  # warm: connections, caches
            results = {name: [] for name in paths}
            without_sha = {name: [] for name in paths}
            for _ in range(args.reps):
                for name, (host, headers) in paths.items():
                    keep = Path(args.keep) / f"{name}.callgrind" if args.keep else None
                    total, sha = counted(backend.pid, tmp, lambda: send(address, host, headers, args.requests), keep)
                    results[name].append(total / args.requests)
                    without_sha[name].append((total - sha) / args.requests)
        finally:
            backend.terminate()
            backend.wait(timeout=60)
            upstream.shutdown()
    print(f"instructions per request of the backend ({args.requests} keep-alive requests, {args.reps} reps)")
    for name, values in results.items():
        print(f"  {name:<10} {statistics.median(values):>10.0f}  ({min(values):.0f}-{max(values):.0f})")
    ratio = statistics.median(results["auth+logs"]) / statistics.median(results["plain"])
    print(f"  auth+logs / plain: {ratio:.2f}")
    # Valgrind's CPU has no SHA extensions: SHA-256 runs in software here, with SHA-NI natively.
    print("without SHA-256 compression (software under valgrind; SHA-NI on the machine):")
    for name, values in without_sha.items():
        print(f"  {name:<10} {statistics.median(values):>10.0f}  ({min(values):.0f}-{max(values):.0f})")
    ratio = statistics.median(without_sha["auth+logs"]) / statistics.median(without_sha["plain"])
    print(f"  auth+logs / plain: {ratio:.2f}")


if __name__ == "__main__":
    main()
