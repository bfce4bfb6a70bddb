"""The centralized-endpoints example end to end: a central account's DNS resource configuration
(a third-party API's endpoint name, resolved inside the central VPC) reaches both spoke accounts
through a service network shared with RAM; each spoke's private zone names it
api.partner.internal, and a real HTTP client gets the API's answer through the gateway."""

import json
import shutil
import subprocess

import pytest

from conftest import ROOT, Echo, terraform_versions


def resolve_chain(resolver, name):
    """The answers of `dig +short` (a CNAME chain ends with the address)."""
    host, port = resolver.rsplit(":", 1)
    return subprocess.run(["dig", f"@{host}", "-p", port, "+short", "+tries=1", "+time=2", name],
                          capture_output=True, text=True, timeout=10).stdout.split()


@pytest.mark.parametrize("terraform", terraform_versions())
def test_centralized_endpoints_layout(terraform, backend, tf_factory):
    api = Echo("partner-api")
    try:
        tf = tf_factory(terraform)
        shutil.copytree(ROOT / "examples" / "centralized-endpoints", tf.dir, dirs_exist_ok=True)
        tf.run("get")  # the spoke module (providers come from the dev override, no init needed)
        var = f"-var=api_port={api.port}"
        tf.apply(var)
        tf.assert_empty_plan(var)
        lattice_name = tf.output("api_lattice_name")
        spokes = json.loads(tf.run("output", "-json", "spokes").stdout)
        gateway_blocks = set()
        for spoke in spokes.values():
            chain = resolve_chain(spoke["resolver"], "api.partner.internal")
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
            assert peer.rsplit(".", 1)[0] != spoke["resolver"].rsplit(".", 1)[0]
            gateway_blocks.add(peer)
        # Both from the central gateway's addresses (taken in turn), in one block.
        assert len({p.rsplit(".", 1)[0] for p in gateway_blocks}) == 1, gateway_blocks
        # Neither spoke sees the central account's own zone: the third-party name stays central.
        for spoke in spokes.values():
            assert resolve_chain(spoke["resolver"], "api.partner.example") == []
        tf.destroy(var)
        for account in ("111111111111", "222222222222", "333333333333"):
            assert backend.client(access_key=account).list_service_networks()["items"] == []
    finally:
        api.stop()
