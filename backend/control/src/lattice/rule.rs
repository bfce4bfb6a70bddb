//! Listener rules (priorities, conflicts, batch updates): the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{id_of, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::*;
use crate::lattice::listener::check_action;
use crate::lattice::listener::find_listener;

pub(crate) const RULE: &str = "RULE";

/// Default quota: rules per listener.
pub(crate) const RULES_PER_LISTENER: usize = 10;

pub(crate) fn rule_wire(r: &Rule) -> Value {
    let mut v = wire(r, &["serviceId", "listenerId"]);
    v["isDefault"] = json!(false);
    v
}

pub(crate) fn find_rule<'a>(ctx: &Ctx, s: &'a State, listener: &Listener, ident: &str) -> Result<&'a Rule, ApiError> {
    s.rules
        .get(id_of(ident))
        .filter(|r| r.listener_id == listener.id && ctx.owns(*r))
        .ok_or_else(|| ApiError::not_found(RULE, ident))
}

/// Priority and name are unique per listener.
pub(crate) fn check_rule_conflicts(s: &State, rule: &Rule, pending: &[Rule]) -> Result<(), ApiError> {
    let others = s
        .rules
        .values()
        .filter(|o| o.listener_id == rule.listener_id && o.id != rule.id && !pending.iter().any(|p| p.id == o.id))
        .chain(pending.iter().filter(|p| p.id != rule.id));
    for o in others {
        if o.priority == rule.priority {
            return Err(ApiError::conflict(
                RULE,
                &o.id,
                format!("Priority {} is already used by rule {}", rule.priority, o.id),
            ));
        }
        if o.name == rule.name {
            return Err(ApiError::conflict(
                RULE,
                &o.id,
                format!("A rule named '{}' already exists ({})", rule.name, o.id),
            ));
        }
    }
    Ok(())
}

pub(crate) fn create_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    let action = input.get("action").cloned().unwrap_or(Value::Null);
    check_action(ctx, s, &action, "action")?;
    let count = s.rules.values().filter(|r| r.listener_id == listener.id).count();
    if count >= RULES_PER_LISTENER {
        return Err(quota_exceeded(
            RULE,
            format!("Listener {} already has {count} rules", listener.id),
            "rules per listener",
        ));
    }
    let id = new_id("rule");
    let now = now_rfc3339();
    let rule = Rule {
        arn: format!("{}/rule/{id}", listener.arn),
        id,
        name: req(input, "name").to_string(),
        service_id: listener.service_id.clone(),
        listener_id: listener.id.clone(),
        priority: input.get("priority").and_then(Value::as_i64).unwrap_or_default(),
        rule_match: input.get("match").cloned().unwrap_or(Value::Null),
        action,
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    check_rule_conflicts(s, &rule, &[])?;
    let body = pick(&rule_wire(&rule), &["arn", "id", "name", "match", "priority", "action"]);
    Outcome::write(vec![rule.put()], body)
}

pub(crate) fn get_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    Outcome::read(rule_wire(find_rule(ctx, s, listener, req(input, "ruleIdentifier"))?))
}

pub(crate) fn list_rules(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &["arn", "id", "name", "priority", "isDefault", "createdAt", "lastUpdatedAt"];
    let listener = find_listener(ctx, s, input)?;
    list_owned(&s.rules, ctx, input, |r| r.listener_id == listener.id, |r| pick(&rule_wire(r), FIELDS))
}

/// Applies one `RuleUpdate` (or `UpdateRule` input) to a copy of the rule.
pub(crate) fn updated_rule(ctx: &Ctx, s: &State, listener: &Listener, update: &Value) -> Result<Rule, ApiError> {
    let mut rule = find_rule(ctx, s, listener, req(update, "ruleIdentifier"))?.clone();
    if let Some(m) = update.get("match") {
        rule.rule_match = m.clone();
    }
    if let Some(p) = update.get("priority").and_then(Value::as_i64) {
        rule.priority = p;
    }
    if let Some(a) = update.get("action") {
        check_action(ctx, s, a, "action")?;
        rule.action = a.clone();
    }
    rule.last_updated_at = now_rfc3339();
    Ok(rule)
}

pub(crate) fn update_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    let rule = updated_rule(ctx, s, listener, input)?;
    check_rule_conflicts(s, &rule, &[])?;
    let body = pick(&rule_wire(&rule), &["arn", "id", "name", "isDefault", "match", "priority", "action"]);
    Outcome::write(vec![rule.put()], body)
}

/// Updates several rules at once; priorities may be swapped within the batch.
pub(crate) fn batch_update_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    let mut done: Vec<Rule> = Vec::new();
    let mut failed = Vec::new();
    for update in input.get("rules").and_then(Value::as_array).into_iter().flatten() {
        match updated_rule(ctx, s, listener, update) {
            Ok(rule) => {
                done.retain(|r| r.id != rule.id);
                done.push(rule);
            }
            Err(e) => failed.push(json!({
                "ruleIdentifier": update.get("ruleIdentifier"), "failureCode": e.code, "failureMessage": e.message,
            })),
        }
    }
    // Conflicts are judged on the state after the whole batch.
    let mut ok = Vec::new();
    for rule in &done {
        match check_rule_conflicts(s, rule, &done) {
            Ok(()) => ok.push(rule.clone()),
            Err(e) => {
                failed.push(json!({ "ruleIdentifier": rule.id, "failureCode": e.code, "failureMessage": e.message }))
            }
        }
    }
    if ok.len() != done.len() {
        // A conflicting batch changes nothing: report every rule of it as failed.
        for rule in &ok {
            failed.push(json!({ "ruleIdentifier": rule.id, "failureCode": "ConflictException",
                "failureMessage": "another rule of this batch conflicts" }));
        }
        ok.clear();
    }
    let successful: Vec<Value> = ok
        .iter()
        .map(|r| pick(&rule_wire(r), &["arn", "id", "name", "isDefault", "match", "priority", "action"]))
        .collect();
    let changes = ok.iter().map(Object::put).collect();
    Outcome::write(changes, json!({ "successful": successful, "unsuccessful": failed }))
}

pub(crate) fn delete_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    let rule = find_rule(ctx, s, listener, req(input, "ruleIdentifier"))?;
    Outcome::write(vec![rule.delete()], Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::listener::create_listener;
    use crate::lattice::service::create_service;

    #[test]
    fn rules_keep_their_priorities_unique_and_their_owner() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "web" })).unwrap();
        let fixed = |code: u16| json!({ "fixedResponse": { "statusCode": code } });
        let l = run(
            &mut s,
            &a,
            create_listener,
            json!({ "serviceIdentifier": svc["id"], "name": "http", "protocol": "HTTP", "defaultAction": fixed(404) }),
        )
        .unwrap();
        let m = |p: &str| json!({ "httpMatch": { "pathMatch": { "match": { "prefix": p } } } });
        let rule = |name: &str, prio: i64, path: &str| json!({ "serviceIdentifier": svc["id"], "listenerIdentifier": l["id"], "name": name, "priority": prio, "match": m(path), "action": fixed(200) });
        let r = run(&mut s, &a, create_rule, rule("one", 1, "/a")).unwrap();
        assert_eq!(
            code(run(&mut s, &a, create_rule, rule("two", 1, "/b"))),
            "ConflictException",
            "priorities are unique"
        );
        let ids = json!({ "serviceIdentifier": svc["id"], "listenerIdentifier": l["id"], "ruleIdentifier": r["id"] });
        assert_eq!(code(run(&mut s, &b, get_rule, ids.clone())), "ResourceNotFoundException");
        assert_eq!(
            run(&mut s, &a, list_rules, json!({ "serviceIdentifier": svc["id"], "listenerIdentifier": l["id"] }))
                .unwrap()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        run(&mut s, &a, delete_rule, ids.clone()).unwrap();
        assert_eq!(code(run(&mut s, &a, get_rule, ids)), "ResourceNotFoundException");
    }
}
