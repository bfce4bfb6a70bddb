#!/usr/bin/env python3
"""Issue 28's redis-server question: does redis spend more CPU per request behind the resource
gateway than behind HAProxy? Per path (direct, HAProxy `mode tcp`, the gateway), 2 interleaved
repetitions of `redis-benchmark -t set,get -n 100000 -c 50`, and for each: redis-server's CPU
per request and context switches (/proc), TCP segments per request (nstat), one of redis's
accepted connections (`ss -tinoe`: MSS, windows, segments), and in a separate run its system
calls per request (`strace -c`), and the system calls per request of HAProxy and of the gateway
themselves; and how often each program sleeps: the context switches per request (voluntary +
involuntary) of the proxy (all its threads), of redis-benchmark and of the whole machine. Needs what bench/run-resources installs; release build."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import resources  # noqa: E402
from control_plane import free_port, start_backend, wait_idle  # noqa: E402
from data_plane import context_switches, procs, spawn, stop_all, wait_port  # noqa: E402

def proc_cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def ctx(pid):
    """Voluntary and involuntary context switches of `pid`, all its threads."""
    return context_switches(pid, split=True)

def machine_ctx():
    return next(int(l.split()[1]) for l in open("/proc/stat") if l.startswith("ctxt "))

def nstat():
    out = subprocess.run(["nstat", "-az", "TcpInSegs", "TcpOutSegs", "TcpExtDelayedACKs", "TcpExtTCPHPAcks", "TcpExtTCPPureAcks"], capture_output=True, text=True).stdout
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)", out, re.M)}

tmp = Path(tempfile.mkdtemp())
N, C = 100_000, 50
try:
    rp = free_port()
    redis = spawn(["redis-server", "--port", str(rp), "--bind", "127.0.0.1", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", str(tmp)])
    wait_port(rp)
    hp = free_port()
    (tmp / "h.cfg").write_text(f"global\n  maxconn 8000\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\nlisten redis\n  bind 127.0.0.1:{hp}\n  server r1 127.0.0.1:{rp}\n")
    ha = spawn(["haproxy", "-f", str(tmp / "h.cfg"), "-db"])
    wait_port(hp)
    backend, endpoint = start_backend(tmp)
    procs.append(backend)
    name, address, _ = resources.layout(endpoint, rp)
    wait_port(rp, address)
    paths = {"direct": ("127.0.0.1", rp), "haproxy": ("127.0.0.1", hp), "gateway": (address, rp)}
    proxies = {"direct": None, "haproxy": ha.pid, "gateway": backend.pid}
    for rep in range(2):
        for label, (h, p) in paths.items():
            wait_idle()
            c0, x0, n0 = proc_cpu(redis.pid), ctx(redis.pid), nstat()
            px0, m0 = ctx(proxies[label]) if proxies[label] else (0, 0), machine_ctx()
            bench = subprocess.Popen(["redis-benchmark", "-h", h, "-p", str(p), "-t", "set,get", "-n", str(N), "-c", str(C), "-q"], stdout=subprocess.PIPE, text=True)
            time.sleep(1.5)
            if rep == 0:
                ss = subprocess.run(["ss", "-tinoe", "state", "established", f"( sport = :{rp} )"], capture_output=True, text=True).stdout
                lines = [l for l in ss.splitlines() if "rtt" in l][:1]
            out = bench.stdout.read()
            # The load generator's own switches, from its exit status's resource usage.
            _, _, usage = os.wait4(bench.pid, 0)
            bench.returncode = 0
            c1, x1, n1 = proc_cpu(redis.pid), ctx(redis.pid), nstat()
            px1, m1 = ctx(proxies[label]) if proxies[label] else (0, 0), machine_ctx()
            rps = re.findall(r"(SET|GET): ([\d.]+) requests per second", out.replace("\r", "\n"))
            req = 2 * N
            print(f"{label:8} {rps} redis cpu {1e6*(c1-c0)/req:.2f} µs/req  vcsw {(x1[0]-x0[0])/req:.3f} ivcsw {(x1[1]-x0[1])/req:.3f} " +
                  " ".join(f"{k} {(n1.get(k,0)-n0.get(k,0))/req:.2f}" for k in n1))
            print(f"   context switches per request: proxy {(px1[0]-px0[0])/req:.3f} + {(px1[1]-px0[1])/req:.3f}, "
                  f"redis-benchmark {usage.ru_nvcsw/req:.3f} + {usage.ru_nivcsw/req:.3f}, machine {(m1-m0)/req:.3f}")
            if rep == 0 and lines:
                print("   ss:", lines[0].strip()[:400])
    # system calls per request of redis on each path, and of each proxy (its threads included)
    traced = [(f"redis {label}", redis.pid, hp_) for label, hp_ in paths.items()]
    traced += [("haproxy itself", ha.pid, paths["haproxy"]), ("gateway itself", backend.pid, paths["gateway"])]
    for label, pid, (h, p) in traced:
        out = tmp / f"st-{label.replace(' ', '-')}"
        st = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", str(out)], stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        subprocess.run(["redis-benchmark", "-h", h, "-p", str(p), "-t", "set,get", "-n", "20000", "-c", str(C), "-q"], capture_output=True)
        st.send_signal(2)  # SIGINT: strace writes its summary and detaches
        st.wait()
        rows = re.findall(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", out.read_text(), re.M)
        print(f"strace {label}: " + ", ".join(f"{n} {int(c)/40000:.2f}" for c, n in rows if int(c) > 400))
finally:
    stop_all()
    shutil.rmtree(tmp, ignore_errors=True)
