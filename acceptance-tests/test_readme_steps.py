"""Every example README, run as written: its shell blocks are extracted and executed by bash in
a fresh directory laid out like a clone (the built binaries in `target/debug`), inside a network
namespace of the test's own — so the fixed ports the READMEs use (4599, 53, 8081, 9300…) and the
default VPC pool are private — with an endless `yes` for Terraform's prompts. Only `cargo build`
is skipped (the suite built the binaries; a `cargo` shim stands in), and `sudo` is the identity
(the suite runs as root). A step that fails, or an answer the README shows that does not come
out, fails the test."""

import os
import re
import shlex
import shutil
import subprocess

import pytest

from conftest import BIN, ROOT

EXAMPLES = ROOT / "examples"


def shell_blocks(text):
    return re.findall(r"```(?:sh|shell)\n(.*?)```", text, re.S)


def commands(block):
    """A transcript's `$ ` lines, or every line of a plain block; a line ending in `\\` is one
    command with the lines it continues on."""
    lines = block.splitlines()
    prompted = any(line.startswith("$ ") for line in lines)
    out, continued = [], False
    for line in lines:
        if continued:
            out[-1] += "\n" + line
        elif not prompted and line.strip():
            out.append(line)
        elif prompted and line.startswith("$ "):
            out.append(line[2:])
        else:
            continue
        continued = line.rstrip().endswith("\\")
    return out


def cleanup_commands(text):
    """The `Clean up with `…`, `…`` sentence's commands."""
    sentence = re.search(r"Clean up with (.*?)\n\n", text + "\n\n", re.S)
    return [c for c in re.findall(r"`([^`]+)`", sentence.group(1)) if not c.startswith("-")] if sentence else []


def quickstart_setup():
    """The quickstart's setup (build, PATH, dev_overrides): what the other READMEs assume."""
    block = shell_blocks((EXAMPLES / "quickstart" / "README.md").read_text())[0]
    return [line for line in commands(block) if not line.startswith(("lattice-local echo", "cd ", "terraform"))]


def lay_out_clone(clone, examples):
    """A directory laid out as a fresh clone, with `examples`, the modules and the scripts; the
    built binaries and the tools `scripts/setup` installed are linked in, not rebuilt."""
    fresh = shutil.ignore_patterns(".terraform*", "terraform.tfstate*", "dev.tfrc")
    for example in examples:
        shutil.copytree(EXAMPLES / example, clone / "examples" / example, ignore=fresh)
    shutil.copytree(ROOT / "modules", clone / "modules", ignore=fresh)
    shutil.copytree(ROOT / "scripts", clone / "scripts")
    # The suite is what `scripts/test` runs: the README's mention of it is not run again inside it.
    (clone / "scripts" / "test").write_text("#!/bin/sh\n# This test is part of what scripts/test runs.\nexit 0\n")
    (clone / ".tools" / "bin").mkdir(parents=True)
    for tool in ("venv", "terraform-1.0.3"):
        (clone / ".tools" / tool).symlink_to(ROOT / ".tools" / tool)
    (clone / "target").mkdir(parents=True)
    (clone / "target" / "debug").symlink_to(BIN)


def run_readme(tmp_path, example, setup=(), after=()):
    """Runs `example`'s README blocks (the top-level README's for None; after `setup`, then
    `after`) from the example's directory of a fresh clone; the output, each command preceded by
    `>>> command`."""
    text = (EXAMPLES / example / "README.md" if example else ROOT / "README.md").read_text()
    clone = tmp_path / "clone"
    lay_out_clone(clone, [example] if example else ["quickstart", "centralized-endpoints"])
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "cargo").write_text("#!/bin/sh\n# The suite built the workspace already.\nexit 0\n")
    (shim / "sudo").write_text('#!/bin/sh\n# The suite runs as root.\nexec "$@"\n')
    for tool in ("cargo", "sudo"):
        (shim / tool).chmod(0o755)
    # As a user's shell runs them: a failing command does not stop the rest; its status is
    # printed after it (`<<< rc=N`) and checked by the test.
    script = ["set -uo pipefail", "ip link set lo up", f"cd {clone}",
              # Whatever happens, nothing started here outlives the test.
              "trap 'lattice-local stop >/dev/null 2>&1 || true; kill $(jobs -p) 2>/dev/null || true' EXIT"]
    script += [f"{line}\n" for line in setup]
    # From the example's directory, unless the README goes there itself (the quickstart does).
    if example and f"cd examples/{example}" not in text:
        script += [f"cd examples/{example}"]
    for block in shell_blocks(text):
        for command in commands(block):
            script += step(command)
    for command in list(after) + cleanup_commands(text):
        script += step(command)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LATTICE_", "TF_", "AWS_")) or k == "LATTICE_TF_PLUGIN_MIRROR"}
    env.update(PATH=f"{shim}:{ROOT / '.tools' / 'venv' / 'bin'}:{os.environ['PATH']}", HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               CHECKPOINT_DISABLE="1")
    (tmp_path / "home").mkdir()
    # Terraform's prompts read `yes` from an endless supply (background jobs share the stdin).
    answers = subprocess.Popen(["yes", "yes"], stdout=subprocess.PIPE)
    try:
        p = subprocess.run(["unshare", "--net", "--", "bash", "-c", "\n".join(script)],
                           cwd=clone, env=env, stdin=answers.stdout, capture_output=True, text=True, timeout=900)
    finally:
        answers.kill()
        answers.wait()
    assert p.returncode == 0, f"the README run broke off ({p.returncode}):\n{p.stdout[-4000:]}\n{p.stderr[-3000:]}"
    for command, rc in re.findall(r">>> (.*?)\n(?:.*?\n)*?<<< rc=(\d+)", p.stdout):
        # `explain` exits 2 by design when it shows a request refused.
        allowed = {0, 2} if command.startswith("lattice-local explain") else {0}
        assert int(rc) in allowed, f"README step `{command}` exited {rc}:\n{p.stdout[-4000:]}\n{p.stderr[-3000:]}"
    return p.stdout


def step(command):
    """A README command, announced before and its exit status printed after."""
    return [f"echo {shlex.quote('>>> ' + command)}", command, 'rc=$?; echo; echo "<<< rc=$rc"']


def after(out, command):
    """What `command` printed."""
    return out.split(f">>> {command}", 1)[1].split(">>> ", 1)[0]


def test_the_quickstart_readme_runs_as_written(tmp_path):
    out = run_readme(tmp_path, "quickstart")
    assert "127.77.0.10" in after(out, 'eval "$(terraform output -raw dig_command)"'), out[-2000:]
    curl = after(out, 'eval "$(terraform output -raw curl_command)"')
    assert '"message": "hello from the echo target"' in curl and '"x-amzn-source-vpc": "vpc-' in curl, curl
    assert "Destroy complete!" in out, out[-2000:]


def test_the_multi_account_readme_runs_as_written(tmp_path):
    out = run_readme(tmp_path, "multi-account", setup=quickstart_setup(),
                     after=["sleep 0.5", 'eval "$(terraform output -raw production_curl)"'])
    assert '"message": "hello from the echo target"' in after(out, 'eval "$(terraform output -raw production_curl)"')
    revoked = after(out, 'eval "$(terraform output -raw revoke_development)"   # signed with the shared-services key')
    assert '"associatedEntity": "333333333333"' in revoked and '"status": "DISASSOCIAT' in revoked, revoked[-1000:]


@pytest.mark.parametrize("example, command, shows", [
    ("centralized-endpoints", "curl --resolve api.partner.internal:9300:$ADDR http://api.partner.internal:9300/v1/quote",
     '"message":"partner-api"'),
    ("hub-and-spoke",
     "sudo lattice-local exec --vpc $VPC --account 222222222222 -- redis-cli -h cache.shared.internal -p 9401 PING",
     "PONG"),
    ("shared-services", "lattice-local exec --vpc $PROD -- redis-cli -h redis.example.com SET greeting hello    # OK",
     "OK"),
    ("ecommerce", 'in_vpc curl "${sign[@]}" http://$INV/stock', '"message":"inventory-v'),
])
def test_the_hashicorp_aws_example_readmes_run_as_written(tmp_path, example, command, shows):
    if example in ("hub-and-spoke", "shared-services") and shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (scripts/setup installs it)", pytrace=False)
    out = run_readme(tmp_path, example, setup=quickstart_setup())
    assert shows in after(out, command).replace(" ", "").replace('":"', '":"'), out[-3000:]


def test_the_top_level_readme_runs_as_written(tmp_path):
    """From `scripts/demo` on: the forward proxy, explain, the AWS CLI, a hashicorp/aws module
    through `lattice-local terraform`, and a second backend beside the first."""
    out = run_readme(tmp_path, None, after=["LATTICE_ENDPOINT=http://127.0.0.1:4599 lattice-local stop",
                                            "kill $(cat .tools/demo/echo.pid)"])
    assert '"message": "hello from the echo target"' in after(out, "scripts/demo    # build"), out[-3000:]
    assert '"x-amzn-source-vpc": "vpc-' in after(out, "curl -sS http://$NAME/"), out[-3000:]
    assert "REACHABLE" in after(out, "lattice-local explain --vpc $VPC http://$NAME/"), out[-3000:]
    assert "8443" in after(out, "lattice-local explain --vpc $VPC http://$NAME:8443/"), out[-3000:]
    assert '"name": "echo"' in after(out, "AWS_ACCESS_KEY_ID=test"), out[-3000:]
    assert "Apply complete!" in after(out, "lattice-local terraform -- apply -var api_port=9300"), out[-3000:]
    assert "Destroy complete!" in after(out, "lattice-local terraform -- destroy -var api_port=9300"), out[-3000:]
    assert re.search(r"^http://127\.0\.0\.1:4599/ui/\?token=[0-9a-f]{64}$", after(out, "lattice-local ui   #"), re.M), out[-3000:]
    status = after(out, "lattice-local status")
    assert "127.0.0.1:4700" in status and "VPC pool: 127.78.0.0 - 127.78.255.255" in status, status
