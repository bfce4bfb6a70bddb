"""The lifecycle scenario of `lattice_access_log_subscription`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_access_log_subscription.test",
    create='resource "lattice_access_log_subscription" "test" {\n resource_identifier = lattice_service_network.base.id\n'
           ' destination_arn = "arn:aws:logs:us-east-1:000000000000:log-group:lattice"\n}',
    update='resource "lattice_access_log_subscription" "test" {\n resource_identifier = lattice_service_network.base.id\n'
           ' destination_arn = "arn:aws:logs:us-east-1:000000000000:log-group:lattice"\n tags = { team = "net" }\n}',
    replace='resource "lattice_access_log_subscription" "test" {\n resource_identifier = lattice_service_network.base.id\n'
            ' destination_arn = "arn:aws:s3:::lattice-logs"\n tags = { team = "net" }\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_access_log_subscription(accessLogSubscriptionIdentifier=s["id"]),
    delete=lambda c, s: c.delete_access_log_subscription(accessLogSubscriptionIdentifier=s["id"]),
)
