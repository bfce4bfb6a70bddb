"""The order service, a Lambda function behind a LAMBDA target group (event V2): it answers with
the order it would place, naming the caller VPC Lattice authenticated."""

import json


def handler(event, context):
    identity = event.get("requestContext", {}).get("identity", {})
    body = {
        "service": "order",
        "method": event.get("method"),
        "path": event.get("path"),
        "caller": identity.get("principal", "anonymous"),
        "sourceVpcArn": identity.get("sourceVpcArn"),
        "function": context.function_name,
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
