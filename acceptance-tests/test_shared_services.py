"""The shared-services example end to end: production and development reach the logging service
(AWS_IAM, organization-only) and a real redis-server by the names logging.example.com and
redis.example.com; signed curl and redis-cli work from both, unsigned curl is denied, and the
association's security group turns away a source it does not admit."""

import json
import shutil
import subprocess

import pytest

from conftest import ROOT, Echo, admin, dig, terraform_versions
from helpers import start_redis


def logging_call(vpc, creds=None, source=None):
    """(status, body) of POST http://logging.example.com:5044/events from `vpc`."""
    args = ["curl", "-sS", "--max-time", "10", "-X", "POST", "-d", "hello",
            "--resolve", f"logging.example.com:5044:{vpc['service_network_address']}",
            "-o", "-", "-w", "\n%{http_code}"]
    if creds:
        args += ["--aws-sigv4", "aws:amz:us-east-1:vpc-lattice-svcs", "--user",
                 f"{creds['access_key_id']}:{creds['secret_access_key']}", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    if source:
        args += ["--interface", source]
    p = subprocess.run(args + ["http://logging.example.com:5044/events"], capture_output=True, text=True, timeout=20)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is installed by scripts/setup")
@pytest.mark.parametrize("terraform", terraform_versions())
def test_shared_services_layout(terraform, backend, tf_factory, tmp_path):
    logging = Echo("logging")
    redis, redis_port = start_redis(tmp_path)
    try:
        tf = tf_factory(terraform)
        shutil.copy(ROOT / "examples" / "shared-services" / "main.tf", tf.dir / "main.tf")
        variables = [f"-var=logging_port={logging.port}", f"-var=redis_port={redis_port}"]
        tf.apply(*variables)
        tf.assert_empty_plan(*variables)
        vpcs = json.loads(tf.run("output", "-json", "vpcs").stdout)
        roles = json.loads(tf.run("output", "-json", "roles").stdout)

        for env, vpc in vpcs.items():
            resolver, port = vpc["resolver"].rsplit(":", 1)
            assert dig(resolver, port, "logging.example.com") == ("NOERROR", [vpc["service_network_address"]])
            status, answers = dig(resolver, port, "redis.example.com")
            assert status == "NOERROR" and len(answers) == 1, (status, answers)

            # Signed by the environment's role (in the organization): the logging service answers.
            status, body = logging_call(vpc, roles[env])
            assert status == 200, body
            seen = json.loads(body)
            assert seen["message"] == "logging" and seen["headers"]["x-amzn-source-vpc"] == vpc["id"]
            assert f":assumed-role/{env}-web/" in seen["headers"]["x-amzn-lattice-identity"]
            # Unsigned: the network's policy wants a principal of the organization.
            status, body = logging_call(vpc)
            assert status == 403 and "AccessDeniedException" in body, body
            # The security group admits the VPC's own block and 127.0.0.1, not 127.0.0.9.
            assert logging_call(vpc, roles[env], source="127.0.0.9")[0] == 0

            # Redis by its custom name, through the gateway.
            cli = ["redis-cli", "-h", answers[0], "-p", str(redis_port)]
            assert subprocess.run(cli + ["SET", f"greeting:{env}", env], capture_output=True, text=True,
                                  timeout=10).stdout.strip() == "OK"
            assert subprocess.run(cli + ["GET", f"greeting:{env}"], capture_output=True, text=True,
                                  timeout=10).stdout.strip() == env
            # The gateway's own group lets it reach Redis's port: explain names the rule.
            e = admin(backend, "POST", "/explain", {"vpcId": vpc["id"], "address": f"redis.example.com:{redis_port}",
                                                    "sourceAddress": "127.0.0.1"})
            step = [s for s in e["steps"] if s["step"] == "gateway-security-groups"]
            assert e["reachable"] and step and f"tcp port {redis_port} to 127.0.0.1/32" in step[0]["detail"], e

        tf.destroy(*variables)
        assert backend.client().list_service_networks()["items"] == []
    finally:
        logging.stop()
        redis.terminate()
        redis.wait(timeout=10)
