"""The quickstart README, run as written: its shell blocks are extracted and executed by bash
in a fresh directory laid out like a clone (the built binaries in `target/debug`), inside a
network namespace of the test's own — so its fixed ports (4599, 8081, 53) and the default VPC
pool are private — with `yes` for Terraform's prompts. Only `cargo build` is skipped (the suite
has built the binaries). A step that fails, or a transcript line that does not come out, fails
the test."""

import os
import re
import shlex
import shutil
import subprocess

from conftest import BIN, ROOT

README = ROOT / "examples" / "quickstart" / "README.md"


def shell_blocks(text):
    return re.findall(r"```(?:sh|shell)\n(.*?)```", text, re.S)


def commands(block):
    """A transcript's `$ ` lines (with their continuation lines), or every line of a plain block."""
    lines = block.splitlines()
    if not any(line.startswith("$ ") for line in lines):
        return [line for line in lines if line.strip()]
    out, continued = [], False
    for line in lines:
        if line.startswith("$ ") or continued:
            out.append(line[2:] if line.startswith("$ ") else line)
            continued = line.rstrip().endswith("\\")
    return out


def cleanup_commands(text):
    """The `Clean up with `…`, `…`` sentence's commands."""
    sentence = re.search(r"Clean up with (.*?)\n\n", text + "\n\n", re.S)
    return [c for c in re.findall(r"`([^`]+)`", sentence.group(1)) if not c.startswith("-")] if sentence else []


def test_the_quickstart_readme_runs_as_written(tmp_path):
    text = README.read_text()
    blocks = shell_blocks(text)
    assert len(blocks) == 2, "the runner knows the quickstart's two blocks"
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "examples" / "quickstart", clone / "examples" / "quickstart",
                    ignore=shutil.ignore_patterns(".terraform*", "terraform.tfstate*"))
    (clone / "target").mkdir(parents=True)
    (clone / "target" / "debug").symlink_to(BIN)
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "cargo").write_text("#!/bin/sh\n# The suite built the workspace already.\nexit 0\n")
    (shim / "cargo").chmod(0o755)
    script = ["set -euo pipefail", "ip link set lo up", f"cd {clone}",
              # Whatever happens, nothing started here outlives the test.
              "trap 'lattice-local stop >/dev/null 2>&1 || true; kill $(jobs -p) 2>/dev/null || true' EXIT"]
    script += commands(blocks[0])
    script += ["sleep 0.5"]
    for command in commands(blocks[1]):
        script += [f"echo {shlex.quote('>>> ' + command)}", command]
    script += cleanup_commands(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATTICE_", "TF_", "AWS_"))}
    env.update(PATH=f"{shim}:{os.environ['PATH']}", HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               CHECKPOINT_DISABLE="1")
    (tmp_path / "home").mkdir()
    # Terraform's prompts read `yes` from an endless supply (background jobs share the stdin).
    answers = subprocess.Popen(["yes", "yes"], stdout=subprocess.PIPE)
    try:
        p = subprocess.run(["unshare", "--net", "--", "bash", "-c", "\n".join(script)], cwd=clone, env=env,
                           stdin=answers.stdout, capture_output=True, text=True, timeout=600)
    finally:
        answers.kill()
        answers.wait()
    out = p.stdout
    assert p.returncode == 0, f"a README step failed ({p.returncode}):\n{out[-3000:]}\n{p.stderr[-3000:]}"
    # What the README's transcript shows comes out.
    dig = out.split(">>> eval \"$(terraform output -raw dig_command)\"")[1].split(">>>")[0]
    assert "127.77.0.10" in dig, out[-2000:]
    assert '"message": "hello from the echo target"' in out and '"x-amzn-source-vpc": "vpc-' in out, out[-2000:]
    assert "Destroy complete!" in out, out[-2000:]


def test_the_multi_account_readme_runs_as_written_after_the_quickstarts_setup(tmp_path):
    quickstart = shell_blocks(README.read_text())[0]
    # The quickstart's setup (build, PATH, dev_overrides): what the multi-account README assumes.
    setup = [line for line in commands(quickstart) if not line.startswith(("lattice-local echo", "cd ", "terraform"))]
    text = (ROOT / "examples" / "multi-account" / "README.md").read_text()
    blocks = shell_blocks(text)
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "examples" / "multi-account", clone / "examples" / "multi-account",
                    ignore=shutil.ignore_patterns(".terraform*", "terraform.tfstate*"))
    (clone / "target").mkdir(parents=True)
    (clone / "target" / "debug").symlink_to(BIN)
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "cargo").write_text("#!/bin/sh\nexit 0\n")
    (shim / "cargo").chmod(0o755)
    script = ["set -euo pipefail", "ip link set lo up", f"cd {clone}",
              "trap 'lattice-local stop >/dev/null 2>&1 || true; kill $(jobs -p) 2>/dev/null || true' EXIT"]
    script += setup + ["cd examples/multi-account"]
    for block in blocks:
        for command in commands(block):
            script += [f"echo {shlex.quote('>>> ' + command)}", command]
    # After the revocation the development VPC no longer resolves the name; production still does.
    script += ["sleep 0.5", "echo '>>> after'", 'eval "$(terraform output -raw production_curl)"']
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATTICE_", "TF_", "AWS_"))}
    env.update(PATH=f"{shim}:{os.environ['PATH']}", HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               CHECKPOINT_DISABLE="1")
    (tmp_path / "home").mkdir()
    answers = subprocess.Popen(["yes", "yes"], stdout=subprocess.PIPE)
    try:
        p = subprocess.run(["unshare", "--net", "--", "bash", "-c", "\n".join(script)], cwd=clone, env=env,
                           stdin=answers.stdout, capture_output=True, text=True, timeout=600)
    finally:
        answers.kill()
        answers.wait()
    out = p.stdout
    assert p.returncode == 0, f"a README step failed ({p.returncode}):\n{out[-3000:]}\n{p.stderr[-3000:]}"
    assert '"message": "hello from the echo target"' in out.split(">>> after")[1], out[-2000:]
    revoked = out.split('>>> eval "$(terraform output -raw revoke_development)"')[1]
    assert '"associatedEntity": "333333333333"' in revoked and '"status": "DISASSOCIAT' in revoked, revoked[-1000:]
