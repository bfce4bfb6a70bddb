#!/usr/bin/env python3
"""Issue 28: the system calls each proxy makes per request, by call, on every path of
`bench/data_plane.py` (the same setup: one nginx `return 200` upstream; nginx, HAProxy and the
Lattice proxy in front of it; HTTP and HTTPS; Lattice plain and with AWS_IAM auth + access logs).
Each path runs `--seconds` of keep-alive load (wrk or h2load, 32 connections) under
`perf stat -e syscalls:sys_enter_<call>,context-switches,task-clock -p <the proxy's PIDs>`.
Counts of calls are counts, not timings: they hold on a noisy machine where CPU time does not.
The proxy's CPU time per request is printed beside them for reference only. Needs what
bench/run-data-plane installs; release build. Loopback only; every process is stopped by PID."""

import argparse
import signal
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data_plane as dp  # noqa: E402
from control_plane import wait_idle  # noqa: E402

CALLS = ["read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "epoll_wait",
         "epoll_pwait", "epoll_ctl", "futex"]


def pids_of(pid):
    """`pid` and its children (nginx's master and workers)."""
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [str(pid), *kids]


def measured(pid, run, out):
    events = ",".join([f"syscalls:sys_enter_{c}" for c in CALLS] + ["context-switches", "task-clock"])
    perf = subprocess.Popen(["perf", "stat", "-x,", "-e", events, "-p", ",".join(pids_of(pid)), "-o", str(out)])
    try:
        rps, total, errors = run()
    finally:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    counts = {}
    for line in out.read_text().splitlines():
        parts = line.split(",")
        if len(parts) > 2 and parts[0].replace(".", "").isdigit():
            counts[parts[2].removeprefix("syscalls:sys_enter_")] = float(parts[0])
    return rps, total, errors, counts


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=4)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        paths, *_ = dp.setup(tmp)
        print(f"system calls per request, by call ({args.seconds} s per path, 32 connections)")
        print(f"{'path':26}{'req/s':>8}  {'calls':>6} {'switches':>8} {'CPU µs':>7}  by call")
        for label, (url, host, headers, pid) in paths.items():
            if pid is None:
                continue
            wait_idle()
            load = dp.h2load if "https" in label else dp.wrk
            load(url, host, headers, 1)  # warm-up: connections to the upstream opened
            rps, total, errors, c = measured(pid, lambda: load(url, host, headers, args.seconds), tmp / "perf.txt")
            calls = {k: v / total for k, v in c.items() if k in CALLS and v}
            by_call = " ".join(f"{k} {v:.2f}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1]))
            print(f"{label:26}{rps:8.0f}  {sum(calls.values()):6.2f} {c.get('context-switches', 0) / total:8.3f} "
                  f"{c.get('task-clock', 0) / total * 1000:7.1f}  {by_call}" + (f"  ({errors} errors)" if errors else ""),
                  flush=True)
    finally:
        dp.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)  # access logs: gigabytes after a run


if __name__ == "__main__":
    main()
