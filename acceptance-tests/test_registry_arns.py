"""The local compute registry stands in for AWS resources named by ARN: an `ARN` resource
configuration and an `ALB` target group reach the address of the `lattice_local_instance` whose
`resource_arns` list that ARN, and follow it when the address changes."""

import json

from conftest import Echo, admin, curl, dig
from helpers import TcpServer, connect, dns_name, wait_connectable

CLIENT = "vpc-0c7c7c7c7c7c7c7c7"
PROVIDER = "vpc-0c6c6c6c6c6c6c6c6"
RDS = "arn:aws:rds:us-east-1:000000000000:db:orders"
ALB = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/0123456789abcdef"


def test_arn_resources_and_alb_targets_reach_the_registry_address(backend):
    c = backend.client()
    db, web = TcpServer(), Echo("behind the alb")
    try:
        instance = admin(backend, "POST", "/instances", {"ipAddress": "127.0.0.1", "resourceArns": [RDS, ALB]})
        assert instance["resourceArns"] == [RDS, ALB]
        sn = c.create_service_network(name="registry")
        c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=CLIENT)

        # An ARN resource configuration: the database, through the gateway.
        gw = c.create_resource_gateway(name="db-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"])
        rcfg = c.create_resource_configuration(name="orders-db", type="ARN", resourceGatewayIdentifier=gw["id"],
                                               portRanges=[str(db.port)],
                                               resourceConfigurationDefinition={"arnResource": {"arn": RDS}})
        snra = c.create_service_network_resource_association(resourceConfigurationIdentifier=rcfg["id"],
                                                             serviceNetworkIdentifier=sn["id"])
        vpc = backend.vpc_info(CLIENT)
        status, answers = dig(vpc["resolverAddress"], vpc["resolverPort"], dns_name(c, snra))
        assert status == "NOERROR", status
        wait_connectable(answers[0], db.port)
        s, f = connect(answers[0], db.port)
        with s:
            assert f.readline().startswith(b"from ")

        # An ALB target group: requests go to the ALB's registry address on the target's port.
        tg = c.create_target_group(name="web-alb", type="ALB", config={
            "port": web.port, "protocol": "HTTP", "vpcIdentifier": PROVIDER})
        c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": ALB, "port": web.port}])
        svc = c.create_service(name="web")
        c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                          defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}})
        c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
        name = svc["dnsEntry"]["domainName"]
        status, body = curl(name, 80, vpc["serviceNetworkAddress"])
        assert status == 200 and json.loads(body)["message"] == "behind the alb", body

        # The ARN moves to an address where nothing listens: both follow.
        admin(backend, "PATCH", f"/instances/{instance['instanceId']}", {"ipAddress": "127.0.0.3"})
        assert curl(name, 80, vpc["serviceNetworkAddress"])[0] == 502
        # Another instance may not claim an ARN already taken.
        try:
            admin(backend, "POST", "/instances", {"ipAddress": "127.0.0.4", "resourceArns": [ALB]})
            raise AssertionError("a second claim on the ARN was accepted")
        except Exception as e:  # urllib's HTTPError
            assert getattr(e, "code", None) == 409, e
    finally:
        db.close()
        web.stop()
