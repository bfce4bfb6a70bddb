"""The reusable modules, written for AWS: `terraform test` runs each module's own suite against
a backend through `lattice-local terraform` (hashicorp/aws pointed at it; the suites ask the
lattice provider's `lattice_local_reachability` what traffic gets), and a root configuration
using the module carries real traffic."""

import shutil
import subprocess

import pytest

from conftest import ROOT, TERRAFORM, curl, dig


def terraform_version(binary):
    out = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.split()[1]
    return tuple(int(x) for x in out.lstrip("v").split(".")[:2])


def test_http_service_module_tests_pass(backend, aws_tf_factory, echo):
    if terraform_version(TERRAFORM) < (1, 6):
        pytest.skip("terraform test needs Terraform 1.6 or newer")
    tf = aws_tf_factory()
    shutil.copytree(ROOT / "modules" / "http-service", tf.dir, dirs_exist_ok=True)
    tf.init()
    p = tf.run("test", f"-var=target_port={echo.port}", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "4 passed, 0 failed" in p.stdout, p.stdout
    # terraform test destroys what it created.
    assert backend.client().list_services()["items"] == []
    assert backend.client("ec2").describe_vpcs()["Vpcs"] == []


def test_http_service_module_serves_traffic(backend, aws_tf_factory, echo):
    tf = aws_tf_factory()
    tf.write(f"""
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "5.100.0" }}
  }}
}}
resource "aws_vpc" "shop" {{
  cidr_block = "10.80.0.0/16"
}}
resource "aws_vpclattice_service_network" "shop" {{
  name = "shop"
}}
resource "aws_vpclattice_service_network_vpc_association" "shop" {{
  vpc_identifier             = aws_vpc.shop.id
  service_network_identifier = aws_vpclattice_service_network.shop.id
}}
module "orders" {{
  source             = "{ROOT / 'modules' / 'http-service'}"
  name               = "orders"
  service_network_id = aws_vpclattice_service_network.shop.id
  vpc_id             = aws_vpc.shop.id
  targets            = [{{ ip = "127.0.0.2", port = 1 }}]
  routes             = [{{ path_prefix = "/orders", targets = [{{ ip = "127.0.0.1", port = {echo.port} }}] }}]
}}
output "name" {{ value = module.orders.dns_name }}
output "vpc" {{ value = aws_vpc.shop.id }}
""")
    tf.init()
    tf.apply()
    tf.assert_empty_plan()
    name, vpc = tf.output("name"), backend.vpc_info(tf.output("vpc"))
    address = vpc["serviceNetworkAddress"]
    assert dig(vpc["resolverAddress"], vpc["resolverPort"], name) == ("NOERROR", [address])
    code, body = curl(name, 80, address, path="/orders/1")
    assert code == 200 and "hello from the echo target" in body
    code, _ = curl(name, 80, address, path="/")
    assert code >= 500, "the default targets are not listening"
    tf.destroy()
