//! Services: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{self, lattice_arn, new_id};
use lattice_api::now_rfc3339;
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::cascade::dependents_of;
use crate::kit::*;

pub(crate) fn create_service(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    check_count_quota(&s.services, ctx, SERVICES_PER_ACCOUNT, SVC, "services")?;
    let name = req(input, "name");
    conflict_if(
        &s.services,
        |o| ctx.owns(o) && o.name == name,
        SVC,
        |o| format!("A service named '{name}' already exists ({})", o.id),
    )?;
    let custom = str_of(input, "customDomainName").map(str::to_string);
    if let Some(domain) = &custom {
        conflict_if(
            &s.services,
            |o| o.custom_domain_name.as_deref() == Some(domain.as_str()),
            SVC,
            |o| format!("Custom domain name {domain} is already used by service {}", o.id),
        )?;
    }
    let id = new_id("svc");
    let now = now_rfc3339();
    let svc = Service {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("service/{id}")),
        dns_entry: DnsEntry {
            domain_name: ids::service_domain_name(name, &id, &ctx.account, &ctx.region),
            hosted_zone_id: ids::hosted_zone_id(&ctx.region),
        },
        id,
        name: name.to_string(),
        auth_type: str_of(input, "authType").unwrap_or("NONE").to_string(),
        custom_domain_name: custom,
        certificate_arn: str_of(input, "certificateArn").filter(|c| !c.is_empty()).map(str::to_string),
        idle_timeout_seconds: input.get("idleTimeoutSeconds").and_then(Value::as_i64).unwrap_or(60),
        status: "ACTIVE".into(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = wire(&svc, &["createdAt", "lastUpdatedAt"]);
    Outcome::write(vec![svc.put()], body)
}

pub(crate) fn get_service(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let svc = find_usable(&s.services, s, ctx, req(input, "serviceIdentifier"), SVC)?;
    Outcome::read(wire(svc, &[]))
}

pub(crate) fn list_services(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] =
        &["id", "name", "arn", "createdAt", "lastUpdatedAt", "dnsEntry", "customDomainName", "status"];
    list_usable(&s.services, s, ctx, input, |_| true, |svc| pick(&wire(svc, &[]), FIELDS))
}

pub(crate) fn update_service(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?.clone();
    if let Some(auth) = str_of(input, "authType") {
        svc.auth_type = auth.to_string();
    }
    if let Some(cert) = str_of(input, "certificateArn") {
        svc.certificate_arn = Some(cert.to_string()).filter(|c| !c.is_empty());
    }
    if let Some(idle) = input.get("idleTimeoutSeconds").and_then(Value::as_i64) {
        svc.idle_timeout_seconds = idle;
    }
    svc.last_updated_at = now_rfc3339();
    let body = pick(
        &wire(&svc, &[]),
        &["id", "arn", "name", "customDomainName", "certificateArn", "authType", "idleTimeoutSeconds"],
    );
    Outcome::write(vec![svc.put()], body)
}

pub(crate) fn delete_service(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?;
    conflict_if(
        &s.sn_service_associations,
        |a| a.service_id == svc.id,
        SVC,
        |a| {
            format!(
                "Service {} is associated with service network {} ({}); delete the association first",
                svc.id, a.service_network_id, a.id
            )
        },
    )?;
    // Listeners, policies and log subscriptions go with their service, as in Lattice.
    let mut changes: Vec<ObjectChange> =
        s.listeners.values().filter(|l| l.service_id == svc.id).map(Object::delete).collect();
    changes.extend(s.rules.values().filter(|r| r.service_id == svc.id).map(Object::delete));
    changes.extend(dependents_of(ctx, s, &svc.id, &svc.arn));
    changes.push(svc.delete());
    let body = json!({ "id": svc.id, "arn": svc.arn, "name": svc.name, "status": "DELETE_IN_PROGRESS" });
    Outcome::write(changes, body)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn a_service_has_a_lattice_name_and_is_its_owners_alone() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "orders" })).unwrap();
        let id = json!(svc["id"]);
        let name = svc["dnsEntry"]["domainName"].as_str().unwrap();
        assert!(name.starts_with("orders-") && name.ends_with(".vpc-lattice-svcs.us-east-1.on.aws"), "{name}");
        assert_eq!(code(run(&mut s, &b, get_service, json!({ "serviceIdentifier": id }))), "ResourceNotFoundException");
        assert_eq!(
            code(run(&mut s, &b, delete_service, json!({ "serviceIdentifier": id }))),
            "ResourceNotFoundException"
        );
        run(&mut s, &a, update_service, json!({ "serviceIdentifier": id, "authType": "AWS_IAM" })).unwrap();
        assert_eq!(run(&mut s, &a, get_service, json!({ "serviceIdentifier": id })).unwrap()["authType"], "AWS_IAM");
        assert_eq!(run(&mut s, &a, list_services, json!({})).unwrap()["items"].as_array().unwrap().len(), 1);
        run(&mut s, &a, delete_service, json!({ "serviceIdentifier": id })).unwrap();
        assert_eq!(code(run(&mut s, &a, get_service, json!({ "serviceIdentifier": id }))), "ResourceNotFoundException");
    }
}
