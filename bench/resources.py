#!/usr/bin/env python3
"""TCP and DNS data-plane benchmark (issue 6). Run with bench/run-resources.

Side by side in one run, interleaved, idle-guarded, on loopback:
- `redis-benchmark -t get,set` against one redis-server reached directly, through HAProxy
  (`mode tcp`) and through a resource gateway (a SINGLE resource configuration in a consumer
  VPC's service network): requests per second, median (min-max) of the repetitions, and ratios;
- `dnsperf` against dnsmasq and the consumer VPC's resolver, both answering the same name (the
  resource's Lattice name), a fixed number of queries each waited for: queries per second and
  lost queries.
Every process is stopped by its PID."""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import botocore.config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from control_plane import free_port, start_backend, wait_idle  # noqa: E402
from data_plane import CpuMeter, cost_bound, median_cost, procs, spawn, stop_all, wait_port  # noqa: E402

PROVIDER, CONSUMER = "vpc-0d0d0d0d0d0d0d0d0", "vpc-0e0e0e0e0e0e0e0e0"


def layout(endpoint, redis_port):
    """A gateway in PROVIDER, redis as a resource in a network CONSUMER is associated with: the
    resource's (name, address) and the consumer's resolver (address, port)."""
    c = boto3.client("vpc-lattice", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 1}))
    gw = c.create_resource_gateway(name="bench-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"])
    sn = c.create_service_network(name="bench-resources")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=CONSUMER)
    rcfg = c.create_resource_configuration(
        name="redis", type="SINGLE", resourceGatewayIdentifier=gw["id"], portRanges=[str(redis_port)],
        resourceConfigurationDefinition={"ipResource": {"ipAddress": "127.0.0.1"}})
    snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                         serviceNetworkIdentifier=sn["id"])
    name = c.get_service_network_resource_association(
        serviceNetworkResourceAssociationIdentifier=snra["id"])["dnsEntry"]["domainName"]
    info = subprocess.run([str(Path(__file__).resolve().parent.parent / "target" / "release" / "lattice-local"),
                           "vpc", "info", CONSUMER, "--endpoint", endpoint], capture_output=True, text=True,
                          check=True).stdout
    import json
    info = json.loads(info)
    resolver = (info["resolverAddress"], info["resolverPort"])
    address = subprocess.run(["dig", f"@{resolver[0]}", "-p", str(resolver[1]), "+short", name],
                             capture_output=True, text=True, check=True).stdout.split()[0]
    return name, address, resolver


def redis_rps(host, port, requests, clients):
    """Requests per second of SET and GET."""
    out = subprocess.run(["redis-benchmark", "-h", host, "-p", str(port), "-t", "set,get", "-n", str(requests),
                          "-c", str(clients), "-q"], capture_output=True, text=True, timeout=300).stdout
    found = dict(re.findall(r"^(SET|GET): ([\d.]+) requests per second", out.replace("\r", "\n"), re.M))
    return {k: float(v) for k, v in found.items()}


def dnsperf(server, port, queries, runs, clients):
    """(queries per second, lost queries, completed) of one dnsperf run: `runs` passes through the
    query file, every query waited for (up to dnsperf's 5 s timeout), so a loss is a real one."""
    out = subprocess.run(["dnsperf", "-s", server, "-p", str(port), "-d", str(queries), "-n", str(runs),
                          "-c", str(clients), "-q", "200"], capture_output=True, text=True, timeout=600).stdout
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", out).group(1))
    completed = int(re.search(r"Queries completed:\s+(\d+)", out).group(1))
    return qps, lost, completed


def summary(values):
    return f"{statistics.median(values):>10.0f} ({min(values):.0f}-{max(values):.0f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100_000, help="redis-benchmark requests per test")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--dns-queries", type=int, default=500_000, help="dnsperf queries per test")
    args = ap.parse_args()
    for tool in ("redis-server", "redis-benchmark", "haproxy", "dnsperf", "dnsmasq", "dig"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run bench/run-resources, which installs it")
    tmp = Path(tempfile.mkdtemp(prefix="bench-resources-"))
    try:
        redis_port = free_port()
        redis = spawn(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--protected-mode", "no",
                       "--save", "", "--appendonly", "no", "--dir", str(tmp)])
        wait_port(redis_port)
        haproxy_port = free_port()
        (tmp / "haproxy.cfg").write_text(f"""global
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen redis
  bind 127.0.0.1:{haproxy_port}
  server r1 127.0.0.1:{redis_port}
""")
        haproxy = spawn(["haproxy", "-f", str(tmp / "haproxy.cfg"), "-db"])
        wait_port(haproxy_port)
        backend, endpoint = start_backend(tmp)
        procs.append(backend)
        name, address, resolver = layout(endpoint, redis_port)
        wait_port(redis_port, address)

        dns_port = free_port()
        spawn(["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
               f"--listen-address=127.0.0.1", f"--port={dns_port}", f"--host-record={name},{address}",
               "--cache-size=0", "--user=root"])
        time.sleep(0.5)
        queries = tmp / "queries.txt"
        queries.write_text(f"{name} A\n" * 100)

        tcp = {"direct": ("127.0.0.1", redis_port, None), "haproxy": ("127.0.0.1", haproxy_port, haproxy.pid),
               "gateway": (address, redis_port, backend.pid)}
        results = {k: {"SET": [], "GET": []} for k in tcp}
        costs = {k: [] for k in tcp}
        dns = {"dnsmasq": ("127.0.0.1", dns_port), "vpc-resolver": resolver}
        dns_results = {k: {"qps": [], "lost": [], "completed": []} for k in dns}
        for rep in range(args.reps):
            for label, (host, port, pid) in tcp.items():
                wait_idle()
                meter = CpuMeter(proxy=pid, upstream=redis.pid)
                for op, rps in redis_rps(host, port, args.requests, args.clients).items():
                    results[label][op].append(rps)
                costs[label].append(meter.stop(2 * args.requests))
            for label, (server, port) in dns.items():
                wait_idle()
                qps, lost, completed = dnsperf(server, port, queries, args.dns_queries // 100, 4)
                dns_results[label]["qps"].append(qps)
                dns_results[label]["lost"].append(lost)
                dns_results[label]["completed"].append(completed)
            print(f"rep {rep + 1}/{args.reps} done", file=sys.stderr)

        print(f"\nredis-benchmark -t set,get -n {args.requests} -c {args.clients} (requests/s, median (min-max) "
              f"of {args.reps})")
        for label in tcp:
            print(f"  {label:<9} SET {summary(results[label]['SET'])}   GET {summary(results[label]['GET'])}")
        for op in ("SET", "GET"):
            g, h, d = (statistics.median(results[k][op]) for k in ("gateway", "haproxy", "direct"))
            # Against HAProxy in the same repetition, a minute apart: the machine's drift cancels.
            paired = [a / b for a, b in zip(results["gateway"][op], results["haproxy"][op])]
            print(f"  {op}: gateway / HAProxy = {g / h:.2f}x (within each repetition: "
                  f"{statistics.median(paired):.2f}x, {min(paired):.2f}-{max(paired):.2f})   "
                  f"gateway / direct = {g / d:.2f}x   HAProxy / direct = {h / d:.2f}x")
        print("  CPU µs per request, medians: the proxy's user + system time, redis-server's and redis-benchmark's "
              "user + system, the whole machine's busy time")
        cost = {label: median_cost(c) for label, c in costs.items()}
        for label in tcp:
            c = cost[label]
            proxy = f"{c['proxy'][0]:.2f} + {c['proxy'][1]:.2f}" if "proxy" in c else "-"
            print(f"  {label:<9} proxy {proxy:>13}   redis-server {sum(c['upstream']):.2f}   "
                  f"redis-benchmark {sum(c['load']):.2f}   machine {c['machine']:.1f}")
        paired = [h["machine"] / g["machine"] for g, h in zip(costs["gateway"], costs["haproxy"])]
        print(f"  cost: the gateway's machine time per request predicts "
              f"{cost['haproxy']['machine'] / cost['gateway']['machine']:.2f}x HAProxy (within each repetition: "
              f"{statistics.median(paired):.2f}x, {min(paired):.2f}-{max(paired):.2f}); bound (the gateway's "
              f"user-space CPU costing nothing): {cost_bound(cost['haproxy'], cost['gateway']):.2f}x")
        print(f"\ndnsperf, {args.dns_queries} queries, -c 4 -q 200 (queries/s, median (min-max) of {args.reps}; lost queries in all)")
        for label in dns:
            r = dns_results[label]
            print(f"  {label:<13} {summary(r['qps'])}   lost {sum(r['lost'])} of {sum(r['completed']) + sum(r['lost'])}")
        v, m = (statistics.median(dns_results[k]["qps"]) for k in ("vpc-resolver", "dnsmasq"))
        print(f"  VPC resolver / dnsmasq = {v / m:.2f}x")
    finally:
        stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
