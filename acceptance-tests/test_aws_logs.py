"""CloudWatch Logs through the real hashicorp/aws provider against the backend: a log group
and a stream, an access-log subscription whose destination is the group; traffic through the
service lands in the group, and the real AWS CLI reads it back (`aws logs filter-log-events`
with a JSON filter pattern, `aws logs get-log-events`). Apply, empty re-plan, update in place,
replacement, import, out-of-band deletion, destroy verified through the API."""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT
from helpers import send
from test_aws_cli import AWS
from test_aws_provider import import_round_trip

MODULE = ROOT / "acceptance-tests" / "aws" / "logs.tf"


def aws_logs(backend, tmp_path, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_PAGER="")
    p = subprocess.run([AWS, "logs", *args, "--endpoint-url", backend.endpoint], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def records(backend, tmp_path, *filters):
    """The access-log records the group holds (they reach it within the data plane's flush)."""
    for _ in range(50):
        out = json.loads(aws_logs(backend, tmp_path, "filter-log-events", "--log-group-name", "/lattice/api-access",
                                  "--output", "json", *filters))
        if out["events"]:
            return out["events"]
        time.sleep(0.1)
    return []


@pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by scripts/setup")
def test_access_logs_reach_a_log_group_and_read_back(backend, echo, aws_tf_factory, tmp_path):
    tf = aws_tf_factory("logs")
    shutil.copy(MODULE, tf.dir / "main.tf")
    port = [f"-var=target_port={echo.port}"]
    tf.init()
    tf.apply(*port)
    tf.assert_empty_plan(*port)
    assert tf.output("group_arn") == "arn:aws:logs:us-east-1:000000000000:log-group:/lattice/api-access"
    assert int(tf.output("group_created")) > 0

    vpc = backend.vpc_info(tf.output("vpc_id"))
    service, address = tf.output("service_name"), vpc["serviceNetworkAddress"]
    assert send(address, service, "GET", "/orders")[0] == 200
    assert send(address, service, "GET", "/missing-page")[0] == 200
    events = records(backend, tmp_path)
    assert len(events) == 2 and {e["logStreamName"] for e in events} == {"VpcLatticeAccessLogs"}
    paths = [json.loads(e["message"])["requestPath"] for e in events]
    assert paths == ["/orders", "/missing-page"]
    only = records(backend, tmp_path, "--filter-pattern", '{ $.requestPath = "/orders" }')
    assert [json.loads(e["message"])["requestPath"] for e in only] == ["/orders"]
    # (`aws logs tail` is AWS CLI v2's, which PyPI does not ship; it calls FilterLogEvents too.)
    stream = json.loads(aws_logs(backend, tmp_path, "get-log-events", "--log-group-name", "/lattice/api-access",
                                 "--log-stream-name", "VpcLatticeAccessLogs", "--start-from-head", "--output", "json"))
    assert [json.loads(e["message"])["responseCode"] for e in stream["events"]] == [200, 200]

    # The API's own events, in the stream Terraform made.
    logs = backend.client("logs")
    logs.put_log_events(logGroupName="/lattice/api-access", logStreamName="notes",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "deployed v2"}])
    got = logs.get_log_events(logGroupName="/lattice/api-access", logStreamName="notes", startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["deployed v2"]

    # Update in place, then a replacement (the name is ForceNew).
    tf.apply(*port, "-var=retention=30")
    group = logs.describe_log_groups(logGroupNamePrefix="/lattice/api-access")["logGroups"][0]
    assert group["retentionInDays"] == 30
    assert logs.list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"] == {"team": "platform"}
    tf.apply(*port)
    imported = {"aws_cloudwatch_log_group.access": "/lattice/api-access",
                "aws_cloudwatch_log_stream.notes": "/lattice/api-access:notes"}
    import_round_trip(tf, imported, port)

    # Out of band: the stream is deleted; the next plan makes it again.
    logs.delete_log_stream(logGroupName="/lattice/api-access", logStreamName="notes")
    code, plan = tf.plan_exitcode(*port)
    assert code == 2 and "aws_cloudwatch_log_stream.notes will be created" in plan, plan

    tf.destroy(*port)
    assert logs.describe_log_groups()["logGroups"] == []
