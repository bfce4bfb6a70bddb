"""The quickstart example end to end: apply, DNS and HTTP through the generated name, a restart
of the backend, an unassociated VPC that cannot resolve the name, and destroy."""

import json
import shutil
import subprocess

import pytest

from conftest import LATTICE_LOCAL, ROOT, curl, dig, terraform_versions


@pytest.mark.parametrize("terraform", terraform_versions())
def test_quickstart_serves_curl_through_lattice_dns(terraform, backend, echo, tf_factory):
    tf = tf_factory(terraform)
    shutil.copy(ROOT / "examples" / "quickstart" / "main.tf", tf.dir / "main.tf")
    var = f"-var=echo_port={echo.port}"
    tf.apply(var)
    tf.assert_empty_plan(var)

    name = tf.output("service_dns_name")
    resolver, port = tf.output("vpc_resolver").rsplit(":", 1)
    address = tf.output("service_network_address")
    vpc_id = tf.state()["lattice_local_vpc.client"]["id"]

    # The backend restarts between apply and the first request: names, addresses and
    # routes come back from the database.
    backend.restart()
    tf.assert_empty_plan(var)

    status, answers = dig(resolver, port, name)
    assert (status, answers) == ("NOERROR", [address])
    code, body = curl(name, 80, address, "/orders?id=7")
    assert code == 200, body
    assert "hello from the echo target" in body
    assert f'"x-amzn-source-vpc": "{vpc_id}"' in body
    assert '"path": "/orders?id=7"' in body

    # A VPC that is not associated with the service network cannot resolve the name.
    out = subprocess.run([str(LATTICE_LOCAL), "vpc", "create", "--endpoint", backend.endpoint],
                         check=True, capture_output=True, text=True).stdout
    stranger = json.loads(out)
    status, answers = dig(stranger["resolverAddress"], stranger["resolverPort"], name)
    assert (status, answers) == ("NXDOMAIN", [])

    # An unknown host on the service-network address gets the proxy's 404.
    code, _ = curl("nothing-here.example.com", 80, address)
    assert code == 404

    # Taking the service out of the network stops the name resolving in the client VPC.
    tf.destroy(var, "-target=lattice_service_network_service_association.echo")
    assert dig(resolver, port, name) == ("NXDOMAIN", [])

    tf.destroy(var)
    other = backend.client()
    assert other.list_services()["items"] == []
    assert other.list_service_networks()["items"] == []
    assert other.list_target_groups()["items"] == []
