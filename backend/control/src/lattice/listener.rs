//! Listeners: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{id_of, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::Value;

use crate::kit::*;

pub(crate) fn check_action(ctx: &Ctx, s: &State, action: &Value, field: &str) -> Result<(), ApiError> {
    if let Some(groups) = action.pointer("/forward/targetGroups").and_then(Value::as_array) {
        for (i, g) in groups.iter().enumerate() {
            let ident = g.get("targetGroupIdentifier").and_then(Value::as_str).unwrap_or_default();
            find(&s.target_groups, ctx, ident, TG).map_err(|mut e| {
                e.message = format!("{field}.forward.targetGroups.{}: target group {ident} not found", i + 1);
                e
            })?;
        }
    }
    Ok(())
}

pub(crate) fn listener_wire(l: &Listener) -> Value {
    wire(l, &[])
}

pub(crate) fn create_listener(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?;
    let name = req(input, "name");
    let protocol = req(input, "protocol");
    let port = match (input.get("port").and_then(Value::as_i64), protocol) {
        (Some(p), _) => p,
        (None, "HTTP") => 80,
        (None, "HTTPS") => 443,
        (None, _) => return Err(ApiError::invalid_field("port", "port is required for TLS_PASSTHROUGH listeners")),
    };
    let action = input.get("defaultAction").cloned().unwrap_or(Value::Null);
    check_action(ctx, s, &action, "defaultAction")?;
    conflict_if(
        &s.listeners,
        |l| l.service_id == svc.id && (l.name == name || l.port == port),
        LISTENER,
        |l| format!("Service {} already has listener {} ({} on port {})", svc.id, l.id, l.name, l.port),
    )?;
    let id = new_id("listener");
    let now = now_rfc3339();
    let listener = Listener {
        arn: format!("{}/listener/{id}", svc.arn),
        id,
        name: name.to_string(),
        protocol: protocol.to_string(),
        port,
        service_id: svc.id.clone(),
        service_arn: svc.arn.clone(),
        default_action: action,
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = wire(&listener, &["createdAt", "lastUpdatedAt"]);
    Outcome::write(vec![listener.put()], body)
}

pub(crate) fn find_listener<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a Listener, ApiError> {
    let svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?;
    let ident = req(input, "listenerIdentifier");
    s.listeners.get(id_of(ident)).filter(|l| l.service_id == svc.id).ok_or_else(|| ApiError::not_found(LISTENER, ident))
}

pub(crate) fn get_listener(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    Outcome::read(listener_wire(find_listener(ctx, s, input)?))
}

pub(crate) fn list_listeners(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &["arn", "id", "name", "protocol", "port", "createdAt", "lastUpdatedAt"];
    let svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?;
    list_owned(&s.listeners, ctx, input, |l| l.service_id == svc.id, |l| pick(&listener_wire(l), FIELDS))
}

pub(crate) fn update_listener(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut l = find_listener(ctx, s, input)?.clone();
    let action = input.get("defaultAction").cloned().unwrap_or(Value::Null);
    check_action(ctx, s, &action, "defaultAction")?;
    l.default_action = action;
    l.last_updated_at = now_rfc3339();
    let body = wire(&l, &["createdAt", "lastUpdatedAt"]);
    Outcome::write(vec![l.put()], body)
}

pub(crate) fn delete_listener(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let l = find_listener(ctx, s, input)?;
    let mut changes: Vec<ObjectChange> =
        s.rules.values().filter(|r| r.listener_id == l.id).map(Object::delete).collect();
    changes.push(l.delete());
    Outcome::write(changes, Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;

    #[test]
    fn listeners_belong_to_their_service_and_check_their_action() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "web" })).unwrap();
        let fixed = json!({ "fixedResponse": { "statusCode": 404 } });
        let l = run(
            &mut s,
            &a,
            create_listener,
            json!({ "serviceIdentifier": svc["id"], "name": "http", "protocol": "HTTP", "defaultAction": fixed }),
        )
        .unwrap();
        assert_eq!(l["port"], 80, "HTTP listens on 80 unless told");
        let ids = json!({ "serviceIdentifier": svc["id"], "listenerIdentifier": l["id"] });
        assert_eq!(code(run(&mut s, &b, get_listener, ids.clone())), "ResourceNotFoundException");
        let missing = json!({ "forward": { "targetGroups": [{ "targetGroupIdentifier": "tg-0123456789abcdef0" }] } });
        let bad = run(
            &mut s,
            &a,
            update_listener,
            json!({ "serviceIdentifier": svc["id"], "listenerIdentifier": l["id"], "defaultAction": missing }),
        );
        assert_eq!(code(bad), "ResourceNotFoundException", "a forward to a group that does not exist");
        assert_eq!(
            run(&mut s, &a, list_listeners, json!({ "serviceIdentifier": svc["id"] })).unwrap()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        run(&mut s, &a, delete_listener, ids.clone()).unwrap();
        assert_eq!(code(run(&mut s, &a, get_listener, ids)), "ResourceNotFoundException");
    }
}
