"""The lifecycle scenario of `lattice_listener_rule`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_listener_rule.test",
    create=LISTENER + '''resource "lattice_listener_rule" "test" {
  name = "api"
  priority = 10
  service_identifier = lattice_service.base.id
  listener_identifier = lattice_listener.l.listener_id
  match {
http_match {
  path_match {
    match { prefix = "/api" }
  }
}
  }
  action {
forward {
  target_groups { target_group_identifier = lattice_target_group.base.id }
}
  }
}''',
    update=LISTENER + '''resource "lattice_listener_rule" "test" {
  name = "api"
  priority = 20
  service_identifier = lattice_service.base.id
  listener_identifier = lattice_listener.l.listener_id
  match {
http_match {
  method = "POST"
  header_matches {
    name = "x-tenant"
    match { exact = "blue" }
  }
  path_match {
    case_sensitive = true
    match { exact = "/api/orders" }
  }
}
  }
  action {
fixed_response { status_code = 418 }
  }
}''',
    replace=LISTENER + '''resource "lattice_listener_rule" "test" {
  name = "api-v2"
  priority = 20
  service_identifier = lattice_service.base.id
  listener_identifier = lattice_listener.l.listener_id
  match {
http_match { method = "GET" }
  }
  action {
fixed_response { status_code = 418 }
  }
}''',
    import_id=lambda s: s["id"],
    get=lambda c, s: c.get_rule(**rule_ids(s)),
    delete=lambda c, s: c.delete_rule(**rule_ids(s)),
)
