"""The lifecycle scenario of `lattice_service`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_service.test",
    create='resource "lattice_service" "test" {\n name = "acc-svc"\n}',
    update='resource "lattice_service" "test" {\n name = "acc-svc"\n auth_type = "AWS_IAM"\n idle_timeout_seconds = 120\n tags = { team = "a" }\n}',
    replace='resource "lattice_service" "test" {\n name = "acc-svc"\n auth_type = "AWS_IAM"\n custom_domain_name = "app.example.com"\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_service(serviceIdentifier=s["id"]),
    delete=lambda c, s: c.delete_service(serviceIdentifier=s["id"]),
)
