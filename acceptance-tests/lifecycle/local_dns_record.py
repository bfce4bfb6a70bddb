"""The lifecycle scenario of `lattice_local_dns_record`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_dns_record.test",
    create=ZONE + 'resource "lattice_local_dns_record" "test" {\n zone_id = lattice_local_dns_zone.z.zone_id\n'
           ' name = "db.example.internal"\n type = "A"\n records = ["127.0.0.5"]\n}',
    update=ZONE + 'resource "lattice_local_dns_record" "test" {\n zone_id = lattice_local_dns_zone.z.zone_id\n'
           ' name = "db.example.internal"\n type = "A"\n ttl = 60\n records = ["127.0.0.5", "127.0.0.6"]\n}',
    replace=ZONE + 'resource "lattice_local_dns_record" "test" {\n zone_id = lattice_local_dns_zone.z.zone_id\n'
            ' name = "app.example.internal."\n type = "CNAME"\n records = ["db.example.internal."]\n}',
    import_id=lambda s: s["id"],
    admin=lambda s: f"/dnsrecords/{s['id']}",
    ignore={"name"},
)
