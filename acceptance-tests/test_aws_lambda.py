"""Lambda through the real hashicorp/aws provider against the backend: a Python function from
a zip, published, behind an alias that a LAMBDA target group reaches (its resource policy lets
VPC Lattice invoke it), and a Node.js function without that permission. Traffic runs the
handlers locally (the V2 event arrives; errors and timeouts map to 502 and 504; a function
VPC Lattice may not invoke answers 502 until `aws_lambda_permission` allows it); `Invoke`
through the API; new code publishes a new version and the alias follows; import round trips,
an out-of-band deletion, destroy verified through the API."""

import base64
import json
import shutil
import zipfile

import botocore.exceptions
import pytest

from conftest import ROOT
from helpers import send
from test_aws_provider import import_round_trip

MODULE = ROOT / "acceptance-tests" / "aws" / "lambda.tf"

ORDERS = """import os, time
def handler(event, context):
    if event["path"] == "/boom":
        raise RuntimeError("orders exploded")
    if event["path"] == "/slow":
        time.sleep(5)
    body = {"greeting": os.environ["GREETING"], "version": "%s", "path": event["path"],
            "method": event["method"], "target": event["requestContext"]["targetGroupArn"],
            "fn": context.function_name, "qualifier": context.invoked_function_arn.rsplit(":", 1)[1]}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": __import__("json").dumps(body)}
"""
STOCK = "exports.handler = async (event) => ({ statusCode: 200, body: 'in stock: ' + event.raw_path });\n"


def write_zip(path, name, source):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, source)


def test_lambda_functions_behind_lattice(backend, aws_tf_factory):
    tf = aws_tf_factory("lambda")
    shutil.copy(MODULE, tf.dir / "main.tf")
    write_zip(tf.dir / "orders-v1.zip", "app.py", ORDERS % "v1")
    write_zip(tf.dir / "orders-v2.zip", "app.py", ORDERS % "v2")
    write_zip(tf.dir / "stock.zip", "index.js", STOCK)
    tf.init()
    tf.apply()
    tf.assert_empty_plan()
    assert tf.output("version") == "1" and tf.output("alias_arn").endswith(":function:orders:live")

    vpc = backend.vpc_info(tf.output("vpc_id"))
    service, address = tf.output("service_name"), vpc["serviceNetworkAddress"]
    status, body = send(address, service, "GET", "/orders/7")
    assert status == 200, (status, body)
    answer = json.loads(body)
    assert answer == {"greeting": "hello", "version": "v1", "path": "/orders/7", "method": "GET",
                      "target": tf.state()["aws_vpclattice_target_group.orders"]["arn"], "fn": "orders",
                      "qualifier": "live"}
    assert send(address, service, "GET", "/boom")[0] == 502
    assert send(address, service, "GET", "/slow")[0] == 504
    # The Node.js function has no permission for VPC Lattice: refused until it gets one.
    assert send(address, service, "GET", "/stock/42")[0] == 502
    lam = backend.client("lambda")
    lam.add_permission(FunctionName="stock", StatementId="lattice", Action="lambda:InvokeFunction",
                       Principal="vpc-lattice.amazonaws.com", SourceArn=tf.output("target_group_arn"))
    assert send(address, service, "GET", "/stock/42") == (200, "in stock: /stock/42")

    # Invoke through the API.
    out = lam.invoke(FunctionName="orders", Qualifier="live", Payload=json.dumps(
        {"path": "/api", "method": "POST", "requestContext": {"targetGroupArn": "-"}}))
    assert out["StatusCode"] == 200 and out["ExecutedVersion"] == "1"
    assert json.loads(json.loads(out["Payload"].read())["body"])["path"] == "/api"
    failed = lam.invoke(FunctionName="orders", Payload=json.dumps({"path": "/boom"}))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "orders exploded"

    # New code and configuration: a new version, the alias follows, traffic sees it.
    lam.remove_permission(FunctionName="stock", StatementId="lattice")
    tf.apply("-var=code=orders-v2.zip", "-var=greeting=hi")
    assert tf.output("version") == "2"
    answer = json.loads(send(address, service, "GET", "/orders/7")[1])
    assert (answer["version"], answer["greeting"]) == ("v2", "hi")
    assert lam.get_alias(FunctionName="orders", Name="live")["FunctionVersion"] == "2"
    tf.assert_empty_plan("-var=code=orders-v2.zip", "-var=greeting=hi")

    imported = {"aws_lambda_function.orders": "orders", "aws_lambda_alias.live": "orders/live",
                "aws_lambda_permission.lattice": "orders:live/vpc-lattice"}
    # Settings that live only in configuration (as the provider's own import tests ignore them);
    # the imported function's `publish` is then applied, which stamps a new `last_modified`.
    ignored = {("aws_lambda_function.orders", k) for k in ("filename", "publish", "source_code_hash", "last_modified")}
    import_round_trip(tf, imported, ["-var=code=orders-v2.zip", "-var=greeting=hi"], ignored=ignored)

    # Out of band: the permission is removed; VPC Lattice is refused and the plan restores it.
    lam.remove_permission(FunctionName="orders", Qualifier="live", StatementId="vpc-lattice")
    assert send(address, service, "GET", "/orders/7")[0] == 502
    code, plan = tf.plan_exitcode("-var=code=orders-v2.zip", "-var=greeting=hi")
    assert code == 2 and "aws_lambda_permission.lattice will be created" in plan, plan

    tf.destroy("-var=code=orders-v2.zip", "-var=greeting=hi")
    assert lam.list_functions()["Functions"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_function(FunctionName="orders")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
