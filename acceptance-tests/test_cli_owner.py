"""The CLI finds a VPC's owner (VPC ids are unique) through the backend's operator key — the
data directory's `operator.key`, readable by the machine's owner only — so `vpc info`,
`explain` and `exec` need no `--account`; `vpc list --all-accounts` shows every account's VPCs.
No account can ask this; errors are one human line."""

import json
import os
import stat
import subprocess
import urllib.error

import pytest

from conftest import LATTICE_LOCAL, admin

OWNER = "111111111111"
VPC = "vpc-0d1d2d3d4d5d6d7d8"


def cli(backend, *args, env=None):
    return subprocess.run([str(LATTICE_LOCAL), *args, "--endpoint", backend.endpoint, "--data-dir", str(backend.data_dir)],
                          capture_output=True, text=True, timeout=30, env=env)


def test_the_owner_of_a_vpc_is_found_without_account(backend):
    admin(backend, "POST", "/vpcs", {"vpcId": VPC}, account=OWNER)
    info = cli(backend, "vpc", "info", VPC)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["ownerId"] == OWNER
    explained = cli(backend, "explain", "--vpc", VPC, "http://nothing.example/")
    assert explained.returncode == 2 and f"from {VPC}" in explained.stdout, explained.stdout + explained.stderr
    listed = json.loads(cli(backend, "vpc", "list", "--all-accounts").stdout)
    assert {v["vpcId"]: v["ownerId"] for v in listed["items"]}[VPC] == OWNER
    # The key is the owner's alone.
    mode = stat.S_IMODE(os.stat(backend.data_dir / "operator.key").st_mode)
    assert mode == 0o600


def test_errors_are_one_human_line(backend):
    missing = cli(backend, "vpc", "info", "vpc-0f0f0f0f0f0f0f0f0")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: VPC vpc-0f0f0f0f0f0f0f0f0 not found", missing.stderr
    explicit = cli(backend, "vpc", "info", "vpc-0f0f0f0f0f0f0f0f0", "--account", OWNER)
    assert "{" not in explicit.stderr and len(explicit.stderr.strip().splitlines()) == 1, explicit.stderr
    # Rust users often keep RUST_BACKTRACE set: a user's error is still one line, no backtrace.
    rusty = {**os.environ, "RUST_BACKTRACE": "1", "RUST_LIB_BACKTRACE": "full"}
    for args in (["vpc", "info", "vpc-0f0f0f0f0f0f0f0f0"], ["exec", "--vpc", "vpc-0f0f0f0f0f0f0f0f0", "--", "true"],
                 ["explain", "--vpc", "vpc-0f0f0f0f0f0f0f0f0", "http://x.example/"]):
        p = cli(backend, *args, env=rusty)
        assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1, (args, p.stderr)
        assert "backtrace" not in p.stderr.lower() and p.stderr.startswith("Error: "), (args, p.stderr)


def test_no_account_may_ask_the_operators_questions(backend):
    admin(backend, "POST", "/vpcs", {"vpcId": VPC}, account=OWNER)
    for path in ["/operator/vpcs", f"/operator/vpcs/{VPC}"]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            admin(backend, "GET", path, account="222222222222")
        assert refused.value.code == 403


def test_status_says_whose_backend_answers(backend):
    admin(backend, "POST", "/vpcs", {"vpcId": VPC}, account=OWNER)
    status = subprocess.run([str(LATTICE_LOCAL), "status", "--endpoint", backend.endpoint, "--data-dir",
                             str(backend.data_dir)], capture_output=True, text=True, timeout=30)
    assert status.returncode == 0, status.stderr
    out = status.stdout
    assert f"(pid {backend.proc.pid}) at {backend.endpoint}: ok" in out, out
    assert f"data directory: {backend.data_dir}" in out and "VPC pool: 127." in out and "vpcs 1" in out, out
    # Without the operator key, only what anyone may see.
    anyone = subprocess.run([str(LATTICE_LOCAL), "status", "--endpoint", backend.endpoint, "--data-dir", "/nonexistent"],
                            capture_output=True, text=True, timeout=30)
    assert anyone.returncode == 0 and "details need its operator key" in anyone.stdout and "pid" not in anyone.stdout
