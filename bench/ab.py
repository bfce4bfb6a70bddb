#!/usr/bin/env python3
"""Issue 28: two or more builds (or settings) of the backend side by side in one run, so that a
change is judged against what it replaces on the same machine in the same minutes. Each variant
runs its own backend (its own data directory and VPC address pool) in front of one shared nginx
`return 200` upstream, with the Lattice services of `bench/data_plane.py`. In every repetition
each path (plain HTTP, and AWS_IAM auth + access logs; with --https, both over HTTPS too) is
loaded with each variant in turn: wrk or h2load, 32 keep-alive connections. Per trial: req/s, the
whole machine's busy µs per request, the backend's CPU µs per request (all its threads) and its
context switches per request. Printed: medians per variant, and each variant against the first
within each repetition (req/s, and cost: the first's machine time per request over this one's),
as a median and range, since this shared machine's speed drifts between repetitions.

Variants are `label=BINARY` or `label=BINARY,NAME=VALUE,...` (environment for that backend),
e.g. `--variant before=/tmp/old/lattice-local --variant after=target/release/lattice-local`.
Needs what bench/run-data-plane installs. Loopback only; every process is stopped by PID."""

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data_plane as dp  # noqa: E402
from control_plane import free_port, start_backend, wait_idle  # noqa: E402


def variant(text):
    label, _, rest = text.partition("=")
    binary, *env = rest.split(",")
    if not label or not binary:
        raise argparse.ArgumentTypeError(f"expected label=BINARY[,NAME=VALUE...], got {text!r}")
    return label, Path(binary).resolve(), dict(e.split("=", 1) for e in env)


def ratio_line(values):
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variant", type=variant, action="append", required=True)
    p.add_argument("--reps", type=int, default=6)
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--https", action="store_true", help="also the two paths over HTTPS (h2load)")
    args = p.parse_args()
    if len(args.variant) < 2:
        p.error("give at least two --variant")
    tmp = Path(tempfile.mkdtemp())
    try:
        up = free_port()
        upstream = dp.nginx(tmp, "upstream", f"server {{ listen 127.0.0.1:{up}; location / {{ return 200 'ok'; }} }}")
        dp.wait_port(up)
        setups = {}
        for index, (label, binary, env) in enumerate(args.variant):
            # A backend of its own: data directory, VPC address pool and environment.
            (tmp / label).mkdir()
            backend, endpoint = start_backend(tmp / label, binary, f"127.{210 + index}.0.0/16", env)
            dp.procs.append(backend)
            _, _, _, names, role, addr = dp.setup_lattice(endpoint, up)
            plain, secured = (names[k]["dnsEntry"]["domainName"] for k in ("plain", "secured"))
            signed = dp.signed_headers(role, secured)
            paths = {"plain": (f"http://{addr}/", plain, {}), "auth+logs": (f"http://{addr}/", secured, signed)}
            if args.https:
                paths["https"] = (f"{addr}:443", plain, {})
                paths["https+auth+logs"] = (f"{addr}:443", secured, signed)
            setups[label] = (backend.pid, paths)
        path_names = list(next(iter(setups.values()))[1])
        print(f"{' / '.join(setups)}: {args.reps} repetitions (+1 warm-up) of {args.seconds} s per path and variant")
        trials = {}
        for rep in range(args.reps + 1):
            for path in path_names:
                for label, (pid, paths) in setups.items():
                    url, host, headers = paths[path]
                    wait_idle()
                    load = dp.h2load if path.startswith("https") else dp.wrk
                    switches = dp.context_switches(pid)
                    meter = dp.CpuMeter(proxy=pid, upstream=upstream.pid)
                    rps, total, errors = load(url, host, headers, args.seconds if rep else 1)
                    cost = meter.stop(total)
                    switches = (dp.context_switches(pid) - switches) / max(1, total)
                    if errors:
                        print(f"  {label} {path}: {errors} non-2xx answers", file=sys.stderr)
                    if rep:
                        trials.setdefault((path, label), []).append(
                            (rps, cost["machine"], sum(cost["proxy"]), switches))
            if rep:
                print(f"repetition {rep}/{args.reps} done", flush=True)
        first = next(iter(setups))
        print(f"\n{'path':16}{'variant':12}{'req/s':>8}{'machine':>9}{'proxy':>7}{'switches':>9}"
              f"   req/s × {first} (paired)    cost × {first} (paired)")
        for path in path_names:
            for label in setups:
                rows, base = trials[(path, label)], trials[(path, first)]
                med = [statistics.median(r[i] for r in rows) for i in range(4)]
                rate = [r[0] / b[0] for r, b in zip(rows, base)]
                cost = [b[1] / r[1] for r, b in zip(rows, base)]
                print(f"{path:16}{label:12}{med[0]:8.0f}{med[1]:9.2f}{med[2]:7.2f}{med[3]:9.3f}"
                      f"   {ratio_line(rate):24}{ratio_line(cost)}")
        print("(medians; machine: the whole machine's busy µs per request; proxy: the backend's CPU µs per "
              "request; switches: its context switches per request)")
    finally:
        dp.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)  # access logs: gigabytes after a run


if __name__ == "__main__":
    main()
