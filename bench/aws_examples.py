#!/usr/bin/env python3
"""The repository's examples written for hashicorp/aws, applied through `lattice-local terraform`
as their READMEs do: `init`, `apply`, a no-op `plan` and `destroy`, each step's wall time and the
CPU seconds of Terraform, of the hashicorp/aws processes and of the backend. The wall time
beyond what the busiest of them used is waiting: the provider's own fixed waits (Route 53's 15 s
before `GetChange`, 10 s after a VPC attribute is set, 5 s for a Lambda function or a VPC
endpoint), which no answer of the backend can shorten unless the provider skips the wait on it.

`--variant label=BINARY` runs another build of the backend beside this one (the release build, or
`--binary`), interleaved in every repetition (e.g. a build from before a change). Needs
hashicorp/aws 5.100 in /opt/tf-plugins (`lattice-local terraform` writes the CLI configuration
for it). Loopback only; every process started here is stopped by its PID.

    .tools/venv/bin/python bench/aws_examples.py --examples hub-and-spoke --reps 1 --variant before=/tmp/old/lattice-local
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from control_plane import RELEASE, ROOT, metered, start_backend, wait_idle  # noqa: E402

# Each example's required variables, as its README sets them (the ports are never dialled here).
VARIABLES = {
    "hub-and-spoke": ["-var=api_port=9301", "-var=redis_port=9302"],
    "centralized-endpoints": ["-var=api_port=9300"],
    "shared-services": ["-var=logging_port=9303"],
    "ecommerce": ['-var=ports={inventory_v1=9304, inventory_v2=9305, delivery=9306, payment=9307}'],
}
STEPS = {
    "apply": ["apply", "-auto-approve", "-input=false", "-no-color"],
    "plan": ["plan", "-input=false", "-detailed-exitcode", "-no-color"],
    "destroy": ["destroy", "-auto-approve", "-input=false", "-no-color"],
}


def run_example(tmp, example, binary, terraform):
    """One backend of `binary`; the example applied, planned and destroyed. Returns
    {step: (wall, terraform CPU, provider CPU, backend CPU)}."""
    tmp.mkdir(parents=True)
    proc, endpoint = start_backend(tmp, binary=binary)
    try:
        # The examples use ../../modules.
        shutil.copytree(ROOT / "modules", tmp / "modules")
        work = tmp / "examples" / example
        shutil.copytree(ROOT / "examples" / example, work)
        wrap = [str(binary), "terraform", "--endpoint", endpoint, "--terraform", terraform, "--"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))}
        env["CHECKPOINT_DISABLE"] = "1"
        metered(wrap + ["init", "-input=false", "-no-color"], work, env, proc.pid)
        out = {}
        for step, args in STEPS.items():
            wait_idle()
            out[step] = metered(wrap + args + VARIABLES[example], work, env, proc.pid)
        return out
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", default=",".join(VARIABLES))
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--binary", default=str(RELEASE / "lattice-local"), help="the backend build measured first")
    parser.add_argument("--variant", action="append", default=[], help="label=BINARY of another backend build")
    args = parser.parse_args()
    terraform = os.environ.get("TERRAFORM") or shutil.which("terraform")
    variants = [("this", Path(args.binary))]
    variants += [(v.split("=", 1)[0], Path(v.split("=", 1)[1])) for v in args.variant]
    examples = args.examples.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="lattice-aws-examples-"))
    results = {}
    try:
        for rep in range(args.reps):
            for example in examples:
                for label, binary in variants:
                    got = run_example(tmp / f"{rep}-{example}-{label}", example, binary, terraform)
                    for step, figures in got.items():
                        results.setdefault((example, label, step), []).append(figures)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"hashicorp/aws examples through `lattice-local terraform` ({args.reps} reps, medians; "
          "CPU s of Terraform / hashicorp/aws / backend)")
    print(f"{'example':>22} {'backend':>10} {'step':>8} {'wall s':>8} {'CPU s':>20} {'× first':>8}")
    median = lambda xs, i: statistics.median(x[i] for x in xs)
    for example in examples:
        for step in STEPS:
            first = median(results[(example, variants[0][0], step)], 0)
            for label, _ in variants:
                xs = results[(example, label, step)]
                cpu = " / ".join(f"{median(xs, i):.1f}" for i in (1, 2, 3))
                print(f"{example:>22} {label:>10} {step:>8} {median(xs, 0):8.1f} {cpu:>20} "
                      f"{median(xs, 0) / first:8.2f}")


if __name__ == "__main__":
    main()
