"""The hub-and-spoke example (written for AWS, applied with hashicorp/aws through
`lattice-local terraform`; built from the repository's modules): a hub account's HTTP API and a
real redis-server, shared through a service network with RAM; the spoke's app VPC reaches both
by the names its private hosted zone gives them, and its security group turns away clients
outside that VPC. The example's own `terraform test` suite passes too."""

import json
import shutil
import socket
import subprocess

import pytest

from conftest import LATTICE_LOCAL, ROOT, Echo
from helpers import start_redis


def resolve(info, name):
    return subprocess.run(["dig", f"@{info['resolverAddress']}", "-p", str(info["resolverPort"]), "+short", "+tries=1",
                           "+time=2", name], capture_output=True, text=True, timeout=10).stdout.split()


def redis_ping(source, address, port):
    """What Redis answers PING with, on a connection from `source` (b"" when refused)."""
    with socket.socket() as s:
        s.settimeout(5)
        s.bind((source, 0))
        try:
            s.connect((address, port))
            s.sendall(b"PING\r\n")
            return s.recv(100)
        except (ConnectionResetError, ConnectionRefusedError):
            return b""


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is installed by scripts/setup")
def test_hub_and_spoke_layout(backend, aws_tf_factory, tmp_path):
    api = Echo("shared-api")
    redis, redis_port = start_redis(tmp_path)
    try:
        tf = aws_tf_factory("examples/hub-and-spoke")
        shutil.copytree(ROOT / "examples" / "hub-and-spoke", tf.dir, dirs_exist_ok=True)
        shutil.copytree(ROOT / "modules", tmp_path / "modules")
        variables = [f"-var=api_port={api.port}", f"-var=redis_port={redis_port}"]
        tf.init()
        tf.apply(*variables)
        tf.assert_empty_plan(*variables)
        vpc_id = tf.output("app_vpc_id")
        info = json.loads(subprocess.run([str(LATTICE_LOCAL), "vpc", "info", vpc_id, "--endpoint", backend.endpoint,
                                          "--account", "222222222222"], check=True, capture_output=True, text=True).stdout)
        client = info["serviceNetworkAddress"].rsplit(".", 1)[0] + ".250"

        api_address = resolve(info, "api.shared.internal")[-1]
        assert api_address == info["serviceNetworkAddress"]
        p = subprocess.run(["curl", "-sS", "--max-time", "5", "--interface", client, "--resolve",
                            f"api.shared.internal:80:{api_address}", "http://api.shared.internal/orders"],
                           capture_output=True, text=True, timeout=20)
        seen = json.loads(p.stdout)
        assert seen["message"] == "shared-api" and seen["headers"]["host"] == "api.shared.internal", p.stdout

        cache = resolve(info, "cache.shared.internal")
        assert cache[0].startswith("snra-") and len(cache) == 2, cache
        assert redis_ping(client, cache[1], redis_port) == b"+PONG\r\n"
        assert redis_ping("127.0.0.1", cache[1], redis_port) == b"", "the security group admits the app VPC only"

        tf.destroy(*variables)
        for account in ("111111111111", "222222222222"):
            assert backend.client(access_key=account).list_service_networks()["items"] == []
            assert backend.client("route53", access_key=account).list_hosted_zones()["HostedZones"] == []

        p = tf.run("test", *variables, check=False)
        assert p.returncode == 0 and "4 passed, 0 failed" in p.stdout, p.stdout + p.stderr
    finally:
        api.stop()
        redis.terminate()
        redis.wait()
