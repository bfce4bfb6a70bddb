#!/usr/bin/env python3
"""The order service: a local function. It reads the Lattice event (V2) on stdin and answers
with the order it would place, naming the caller Lattice authenticated."""

import json
import sys

event = json.load(sys.stdin)
identity = event.get("requestContext", {}).get("identity", {})
body = {
    "service": "order",
    "method": event.get("method"),
    "path": event.get("path"),
    "caller": identity.get("principal", "anonymous"),
    "sourceVpcArn": identity.get("sourceVpcArn"),
}
print(json.dumps({"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}))
