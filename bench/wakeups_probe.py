#!/usr/bin/env python3
"""Issue 28's idle cores: how often each proxy's threads go to sleep per request. For nginx (one
worker) and the Lattice proxy (plain, and IAM auth + access logs), 2 interleaved runs of
`wrk -t1 -c32 -d4s`, each under `perf stat -e context-switches,cpu-migrations,task-clock -p PID`
(the proxy, all its threads) and `perf stat -a` (the whole machine): context switches and
migrations per request, and the proxy's CPU time per request. Set
LATTICE_LOCAL_DATA_PLANE_THREADS=1 to run the Lattice proxy on one worker. Needs what
bench/run-data-plane installs; release build. Loopback only; every process is stopped by PID."""
import signal
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import data_plane as dp
from control_plane import free_port, start_backend, wait_idle
tmp = Path(tempfile.mkdtemp())
try:
    backend, endpoint = start_backend(tmp); dp.procs.append(backend)
    up, ngx_port = free_port(), free_port()
    upstream = dp.nginx(tmp, "upstream", f"server {{ listen 127.0.0.1:{up}; location / {{ return 200 'ok'; }} }}")
    c, sn, tg, names, role, addr = dp.setup_lattice(endpoint, up)
    dp.nginx(tmp, "proxy", f"""upstream up {{ server 127.0.0.1:{up}; keepalive 64; }}
server {{ listen 127.0.0.1:{ngx_port};
  location / {{ proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}""")
    for p in (up, ngx_port): dp.wait_port(p)
    ngx_pid = dp.procs[-1].pid
    # nginx master -> worker pid
    kids = subprocess.run(["pgrep", "-P", str(ngx_pid)], capture_output=True, text=True).stdout.split()
    ngx_worker = int(kids[0]) if kids else ngx_pid
    plain, secured = (names[k]["dnsEntry"]["domainName"] for k in ("plain", "secured"))
    paths = {"nginx": (f"http://127.0.0.1:{ngx_port}/", "bench.example.com", {}, ngx_worker),
             "lattice": (f"http://{addr}/", plain, {}, backend.pid),
             "lattice+auth+logs": (f"http://{addr}/", secured, dp.signed_headers(role, secured), backend.pid)}
    for rep in range(2):
        for label, (url, host, headers, pid) in paths.items():
            wait_idle()
            ps = subprocess.Popen(["perf", "stat", "-x,", "-e", "context-switches,cpu-migrations,task-clock", "-p", str(pid), "-o", str(tmp / "ps.txt")])
            sysw = subprocess.Popen(["perf", "stat", "-x,", "-a", "-e", "context-switches,cpu-migrations", "-o", str(tmp / "sys.txt")])
            rps, total, _ = dp.wrk(url, host, headers, 4)
            ps.send_signal(signal.SIGINT); sysw.send_signal(signal.SIGINT); ps.wait(); sysw.wait()
            def rd(f):
                d = {}
                for line in (tmp / f).read_text().splitlines():
                    parts = line.split(",")
                    if len(parts) > 2 and parts[0].replace(".", "").isdigit():
                        d[parts[2]] = float(parts[0])
                return d
            a, b = rd("ps.txt"), rd("sys.txt")
            print(f"{label:17} {rps:8.0f} req/s  proxy: cs/req {a.get('context-switches',0)/total:.3f} migr/req {a.get('cpu-migrations',0)/total:.4f} cpu {a.get('task-clock', 0) / total * 1000:.2f} µs/req   system: cs/req {b.get('context-switches',0)/total:.3f} migr/req {b.get('cpu-migrations',0)/total:.4f}", flush=True)
finally:
    dp.stop_all()
    shutil.rmtree(tmp, ignore_errors=True)  # access logs: gigabytes after a run
