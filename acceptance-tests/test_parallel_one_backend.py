"""Several Terraform runs at once against one backend: every apply and destroy succeeds, the
database is never reported locked, and nothing is left behind."""

import concurrent.futures

from conftest import TERRAFORM, Terraform

LAYOUT = """
resource "lattice_service_network" "net" {{
  name = "par-net-{i}"
}}
resource "lattice_service" "svc" {{
  name = "par-svc-{i}"
}}
resource "lattice_target_group" "tg" {{
  name = "par-tg-{i}"
  type = "IP"
  config {{
    port = 8080
    protocol = "HTTP"
    vpc_identifier = "vpc-0000000000000000{i}"
  }}
}}
resource "lattice_listener" "http" {{
  name = "http"
  protocol = "HTTP"
  service_identifier = lattice_service.svc.id
  default_action {{
    forward {{
      target_groups {{ target_group_identifier = lattice_target_group.tg.id }}
    }}
  }}
}}
resource "lattice_service_network_service_association" "a" {{
  service_identifier = lattice_service.svc.id
  service_network_identifier = lattice_service_network.net.id
}}
resource "lattice_service_network_vpc_association" "v" {{
  vpc_identifier = "vpc-0000000000000000{i}"
  service_network_identifier = lattice_service_network.net.id
}}
"""


def test_concurrent_applies_and_destroys_against_one_backend(backend, tmp_path):
    workdirs = []
    for i in range(4):
        tf = Terraform(TERRAFORM, tmp_path / f"tf{i}", backend.endpoint)
        tf.write(LAYOUT.format(i=i))
        workdirs.append(tf)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda tf: tf.apply("-parallelism=10"), workdirs))
        for tf in workdirs:
            tf.assert_empty_plan()
        c = backend.client()
        assert len(c.list_service_networks()["items"]) == 4
        assert len(c.list_service_network_vpc_associations()["items"]) == 4
        list(pool.map(lambda tf: tf.destroy("-parallelism=10"), workdirs))
    for listing in [c.list_service_networks, c.list_services, c.list_target_groups,
                    c.list_service_network_service_associations, c.list_service_network_vpc_associations]:
        assert listing()["items"] == [], listing
    assert "database is locked" not in backend.log.read_text()
