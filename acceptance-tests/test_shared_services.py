"""The shared-services example (written for AWS, applied with hashicorp/aws through
`lattice-local terraform`) end to end: production and development reach the logging service
(AWS_IAM, organization-only by aws:PrincipalOrgID) and a real redis-server by the names
logging.example.com and redis.example.com; a request signed with the session keys of an
environment's role (STS AssumeRole) gets through, an unsigned one is denied, the association's
security group turns away a source outside the VPC, the network's access logs are read back
from CloudWatch Logs with the AWS CLI, and the example's own `terraform test` suite passes."""

import json
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import LATTICE_LOCAL, ROOT, Echo, dig
from helpers import start_redis
from test_aws_cli import AWS


def vpc_info(backend, vpc_id):
    out = subprocess.run([str(LATTICE_LOCAL), "vpc", "info", vpc_id, "--endpoint", backend.endpoint],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def logging_call(vpc, creds=None, source=None):
    """(status, body) of POST http://logging.example.com:5044/events from a client of `vpc`."""
    client = source or vpc["serviceNetworkAddress"].rsplit(".", 1)[0] + ".250"
    args = ["curl", "-sS", "--max-time", "10", "-X", "POST", "-d", "hello", "--interface", client,
            "--resolve", f"logging.example.com:5044:{vpc['serviceNetworkAddress']}", "-o", "-", "-w", "\n%{http_code}"]
    if creds:
        args += ["--aws-sigv4", "aws:amz:us-east-1:vpc-lattice-svcs", "--user", f"{creds[0]}:{creds[1]}",
                 "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    p = subprocess.run(args + ["http://logging.example.com:5044/events"], capture_output=True, text=True, timeout=20)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


def redis_call(source, address, port, command):
    """Redis's answer to one inline command sent from `source`."""
    with socket.create_connection((address, port), timeout=5, source_address=(source, 0)) as s:
        s.sendall(command.encode() + b"\r\n")
        return s.recv(1000)


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is installed by scripts/setup")
def test_shared_services_layout(backend, aws_tf_factory, tmp_path):
    logging = Echo("logging")
    redis, redis_port = start_redis(tmp_path)
    try:
        tf = aws_tf_factory("examples/shared-services")
        shutil.copytree(ROOT / "examples" / "shared-services", tf.dir, dirs_exist_ok=True)
        variables = [f"-var=logging_port={logging.port}", f"-var=redis_port={redis_port}"]
        tf.init()
        tf.apply(*variables)
        tf.assert_empty_plan(*variables)
        vpc_ids = json.loads(tf.run("output", "-json", "vpc_ids").stdout)
        roles = json.loads(tf.run("output", "-json", "role_arns").stdout)
        sts = backend.client("sts")

        for env, vpc_id in vpc_ids.items():
            vpc = vpc_info(backend, vpc_id)
            resolver, port = vpc["resolverAddress"], vpc["resolverPort"]
            assert dig(resolver, port, "logging.example.com") == ("NOERROR", [vpc["serviceNetworkAddress"]])
            status, answers = dig(resolver, port, "redis.example.com")
            assert status == "NOERROR" and answers[0].startswith("snra-") and len(answers) == 2, (status, answers)

            # Signed with the environment's role's session keys (in the organization): it answers.
            c = sts.assume_role(RoleArn=roles[env], RoleSessionName=env)["Credentials"]
            creds = (c["AccessKeyId"], c["SecretAccessKey"])
            status, body = logging_call(vpc, creds)
            assert status == 200, body
            seen = json.loads(body)
            assert seen["message"] == "logging" and seen["headers"]["x-amzn-source-vpc"] == vpc_id
            assert f":assumed-role/{env}-web/" in seen["headers"]["x-amzn-lattice-identity"]
            # Unsigned: the network's policy wants a principal of the organization.
            status, body = logging_call(vpc)
            assert status == 403 and "AccessDeniedException" in body, body
            # The security group admits the VPC's own clients, not the host.
            assert logging_call(vpc, creds, source="127.0.0.1")[0] == 0

            # Redis by its name, through the gateway, from a client of the VPC.
            client = vpc["serviceNetworkAddress"].rsplit(".", 1)[0] + ".250"
            assert redis_call(client, answers[-1], redis_port, f"SET greeting:{env} {env}") == b"+OK\r\n"
            assert redis_call(client, answers[-1], redis_port, f"GET greeting:{env}") == f"${len(env)}\r\n{env}\r\n".encode()

        # The network's access logs, read back from CloudWatch Logs with the AWS CLI.
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                   AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
        for _ in range(50):
            out = subprocess.run([AWS, "logs", "filter-log-events", "--log-group-name", tf.output("log_group"),
                                  "--filter-pattern", "{ $.responseCode = 403 }", "--endpoint-url", backend.endpoint,
                                  "--output", "json"], capture_output=True, text=True, env=env, timeout=60)
            events = json.loads(out.stdout)["events"]
            if len(events) == 2:
                break
            time.sleep(0.1)
        records = [json.loads(e["message"]) for e in events]
        assert len(records) == 2 and {r["authDeniedReason"] for r in records} == {"Network"}, records

        tf.destroy(*variables)
        assert backend.client().list_service_networks()["items"] == []
        assert backend.client("ec2").describe_vpcs()["Vpcs"] == []
        # The example's own suite, on the emptied account: it applies, asks, and tears down.
        p = tf.run("test", *variables, check=False)
        assert p.returncode == 0 and "6 passed, 0 failed" in p.stdout, p.stdout + p.stderr
        assert backend.client("iam").list_roles()["Roles"] == []
    finally:
        logging.stop()
        redis.terminate()
        redis.wait(timeout=10)
