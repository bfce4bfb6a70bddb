"""The centralized-endpoints example (written for AWS, applied with hashicorp/aws through
`lattice-local terraform`; accounts switched with `assume_role` as in AWS): a central account's
DNS resource configuration (a third-party API's endpoint name, resolved by the central gateway)
reaches both spoke accounts through a service network shared with RAM; each spoke's private
hosted zone names it api.partner.internal, and a real HTTP client gets the API's answer through
the gateway. The example's own `terraform test` suite passes too."""

import json
import shutil
import subprocess

from conftest import LATTICE_LOCAL, ROOT, Echo

EXAMPLE = ROOT / "examples" / "centralized-endpoints"


def resolve_chain(info, name):
    """The answers of `dig +short` in a VPC (a CNAME chain ends with the address)."""
    return subprocess.run(["dig", f"@{info['resolverAddress']}", "-p", str(info["resolverPort"]), "+short", "+tries=1",
                           "+time=2", name], capture_output=True, text=True, timeout=10).stdout.split()


def vpc_info(backend, vpc_id, account):
    out = subprocess.run([str(LATTICE_LOCAL), "vpc", "info", vpc_id, "--endpoint", backend.endpoint, "--account", account],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def test_centralized_endpoints_layout(backend, aws_tf_factory):
    api = Echo("partner-api")
    try:
        tf = aws_tf_factory()
        shutil.copytree(EXAMPLE, tf.dir, dirs_exist_ok=True)
        tf.init()
        var = f"-var=api_port={api.port}"
        tf.apply(var)
        tf.assert_empty_plan(var)
        lattice_name = tf.output("api_lattice_name")
        spokes = json.loads(tf.run("output", "-json", "spokes").stdout)
        gateway_blocks = set()
        for spoke in spokes.values():
            info = vpc_info(backend, spoke["vpc_id"], spoke["account"])
            chain = resolve_chain(info, "api.partner.internal")
            assert chain[0] == lattice_name + "." and len(chain) == 2, chain
            address = chain[1]
            p = subprocess.run(["curl", "-sS", "--max-time", "10", "--resolve", f"api.partner.internal:{api.port}:{address}",
                                f"http://api.partner.internal:{api.port}/v1/quote"],
                               capture_output=True, text=True, timeout=20)
            assert p.returncode == 0, p.stderr
            seen = json.loads(p.stdout)
            assert seen["message"] == "partner-api" and seen["path"] == "/v1/quote"
            # The API sees the central gateway's address, whoever the spoke is.
            peer = seen["peer"].rsplit(":", 1)[0]
            assert peer.rsplit(".", 1)[0] != info["resolverAddress"].rsplit(".", 1)[0]
            gateway_blocks.add(peer)
        # Both from the central gateway's addresses (taken in turn), in one block.
        assert len({p.rsplit(".", 1)[0] for p in gateway_blocks}) == 1, gateway_blocks
        tf.destroy(var)
        for account in ("111111111111", "222222222222", "333333333333"):
            assert backend.client(access_key=account).list_service_networks()["items"] == []
            assert backend.client("ec2", access_key=account).describe_vpcs()["Vpcs"] == []

        # The example's own suite: apply, ask lattice_local_reachability from each spoke, destroy.
        p = tf.run("test", var, check=False)
        assert p.returncode == 0 and "4 passed, 0 failed" in p.stdout, p.stdout + p.stderr
    finally:
        api.stop()
