"""The lifecycle scenario of `lattice_listener`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_listener.test",
    create='resource "lattice_listener" "test" {\n name = "web"\n protocol = "HTTP"\n service_identifier = lattice_service.base.id\n'
           ' default_action {\n fixed_response {\n status_code = 404\n }\n }\n}',
    update='resource "lattice_listener" "test" {\n name = "web"\n protocol = "HTTP"\n service_identifier = lattice_service.base.id\n'
           ' default_action {\n forward {\n target_groups {\n target_group_identifier = lattice_target_group.base.arn\n weight = 5\n }\n }\n }\n}',
    replace='resource "lattice_listener" "test" {\n name = "web"\n protocol = "HTTP"\n port = 8080\n service_identifier = lattice_service.base.id\n'
            ' default_action {\n fixed_response {\n status_code = 503\n }\n }\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_listener(serviceIdentifier=s["service_identifier"], listenerIdentifier=s["listener_id"]),
    delete=lambda c, s: c.delete_listener(serviceIdentifier=s["service_identifier"], listenerIdentifier=s["listener_id"]),
)
