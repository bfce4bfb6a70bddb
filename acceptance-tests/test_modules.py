"""The reusable modules: `terraform test` runs each module's own tests against a backend, and
the module's service answers through Lattice DNS."""

import shutil
import subprocess

from conftest import ROOT, TERRAFORM, curl, dig


def terraform_version(binary):
    out = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.split()[1]
    return tuple(int(x) for x in out.lstrip("v").split(".")[:2])


def test_http_service_module_tests_pass(backend, tf_factory):
    if terraform_version(TERRAFORM) < (1, 6):
        import pytest
        pytest.skip("terraform test needs Terraform 1.6 or newer")
    tf = tf_factory()
    shutil.copytree(ROOT / "modules" / "http-service", tf.dir, dirs_exist_ok=True)
    tf.run("get")
    p = tf.run("test", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2 passed, 0 failed" in p.stdout
    # terraform test destroys what it created.
    assert backend.client().list_services()["items"] == []


def test_http_service_module_serves_traffic(backend, tf_factory, echo):
    tf = tf_factory()
    tf.write(f"""
resource "lattice_local_vpc" "shop" {{}}
resource "lattice_service_network" "shop" {{
  name = "shop"
}}
resource "lattice_service_network_vpc_association" "shop" {{
  vpc_identifier             = lattice_local_vpc.shop.id
  service_network_identifier = lattice_service_network.shop.id
}}
module "orders" {{
  source             = "{ROOT / 'modules' / 'http-service'}"
  name               = "orders"
  service_network_id = lattice_service_network.shop.id
  vpc_id             = lattice_local_vpc.shop.id
  targets            = [{{ ip = "127.0.0.1", port = {echo.port} }}]
}}
output "name" {{ value = module.orders.dns_name }}
output "resolver" {{ value = lattice_local_vpc.shop.resolver_address }}
output "port" {{ value = lattice_local_vpc.shop.resolver_port }}
output "address" {{ value = lattice_local_vpc.shop.service_network_address }}
""")
    tf.run("get")
    tf.apply()
    tf.assert_empty_plan()
    name, address = tf.output("name"), tf.output("address")
    assert dig(tf.output("resolver"), tf.output("port"), name) == ("NOERROR", [address])
    code, body = curl(name, 80, address)
    assert code == 200 and "hello from the echo target" in body
    tf.destroy()
