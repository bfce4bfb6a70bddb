"""The lifecycle scenario of `lattice_target_group`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_target_group.test",
    create=f'''resource "lattice_target_group" "test" {{
  name = "acc-tg"
  type = "IP"
  config {{
port = 80
protocol = "HTTP"
vpc_identifier = "{VPC}"
health_check {{
  path = "/health"
  matcher {{ value = "200" }}
}}
  }}
}}''',
    update=f'''resource "lattice_target_group" "test" {{
  name = "acc-tg"
  type = "IP"
  config {{
port = 80
protocol = "HTTP"
vpc_identifier = "{VPC}"
health_check {{
  path = "/ready"
  health_check_interval_seconds = 10
  matcher {{ value = "200-299" }}
}}
  }}
}}''',
    replace=f'''resource "lattice_target_group" "test" {{
  name = "acc-tg"
  type = "IP"
  config {{
port = 9090
protocol = "HTTP"
vpc_identifier = "{VPC}"
  }}
}}''',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_target_group(targetGroupIdentifier=s["id"]),
    delete=lambda c, s: c.delete_target_group(targetGroupIdentifier=s["id"]),
)
