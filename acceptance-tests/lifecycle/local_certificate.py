"""The lifecycle scenario of `lattice_local_certificate`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_certificate.test",
    create='resource "lattice_local_certificate" "test" {\n domain_name = "app.example.com"\n}',
    update='resource "lattice_local_certificate" "test" {\n domain_name = "app.example.com"\n tags = { a = "b" }\n}',
    replace='resource "lattice_local_certificate" "test" {\n domain_name = "api.example.com"\n'
            ' subject_alternative_names = ["api.example.com", "www.example.com"]\n}',
    import_id=lambda s: s["id"],
    admin=lambda s: f"/certificates/{s['id'].rsplit('/', 1)[1]}",
)
