//! Targets of a target group: registration (an account's own compute only), deregistration (draining), listing with health: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use lattice_runtime::health::Status;

use crate::kit::*;
use crate::lattice::target_group::target_group_users;

pub(crate) fn targets_of(input: &Value) -> Vec<(String, Option<i64>)> {
    input
        .get("targets")
        .and_then(Value::as_array)
        .map(|ts| {
            ts.iter()
                .filter_map(|t| Some((t.get("id")?.as_str()?.to_string(), t.get("port").and_then(Value::as_i64))))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn register_targets(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?.clone();
    let default_port = tg.default_port().unwrap_or(0);
    let (mut ok, mut failed, mut effects) = (vec![], vec![], vec![]);
    for (id, port) in targets_of(input) {
        let port = port.unwrap_or(default_port);
        if tg.kind == "IP" && id.parse::<std::net::IpAddr>().is_err() {
            failed.push(json!({ "id": id, "port": port, "failureCode": "InvalidParameter", "failureMessage": format!("{id} is not an IP address") }));
            continue;
        }
        if tg.kind == "INSTANCE" && !id.starts_with("i-") {
            failed.push(json!({ "id": id, "port": port, "failureCode": "InvalidParameter", "failureMessage": format!("{id} is not an instance id") }));
            continue;
        }
        // Compute is the target group's own: another account's instance or function is as
        // unknown as one that does not exist (nothing tells the two apart).
        if let Some(why) = foreign_compute(s, &tg, &id) {
            failed.push(json!({ "id": id, "port": port, "failureCode": "InvalidParameter", "failureMessage": why }));
            continue;
        }
        if tg.kind == "LAMBDA" && !(tg.targets.is_empty() || tg.targets.iter().any(|t| t.id == id)) {
            failed.push(json!({ "id": id, "failureCode": "InvalidParameter", "failureMessage": "A LAMBDA target group holds one target" }));
            continue;
        }
        if !tg.targets.iter().any(|t| t.id == id && t.port == port) {
            tg.targets.push(Target { id: id.clone(), port });
        }
        // A target registered again stops draining.
        effects.push(Effect::Undrain { group: tg.id.clone(), target: (id.clone(), port) });
        ok.push(json!({ "id": id, "port": port }));
    }
    let changes = if ok.is_empty() { vec![] } else { vec![tg.put()] };
    Ok(Outcome { changes, body: json!({ "successful": ok, "unsuccessful": failed }), effects })
}

/// Why `id` cannot be a target of `tg`: an `INSTANCE` target must be a local instance, and a
/// `LAMBDA` target a local function, of the group's own account (as in AWS, where neither an
/// instance nor a function of another account can be registered).
pub(crate) fn foreign_compute(s: &State, tg: &TargetGroup, id: &str) -> Option<String> {
    match tg.kind.as_str() {
        "INSTANCE" => s.instance(&tg.account, id).is_none().then(|| format!("Instance {id} does not exist")),
        "LAMBDA" => lattice_model::snapshot::owned_function(s, &tg.account, id)
            .is_none()
            .then(|| format!("Function not found: {id}")),
        _ => None,
    }
}

pub(crate) fn deregister_targets(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?.clone();
    let default_port = tg.default_port().unwrap_or(0);
    let (mut ok, mut failed, mut effects) = (vec![], vec![], vec![]);
    for (id, port) in targets_of(input) {
        let port = port.unwrap_or(default_port);
        let Some(at) = tg.targets.iter().position(|t| t.id == id && t.port == port) else {
            failed.push(json!({ "id": id, "port": port, "failureCode": "TargetNotFound", "failureMessage": format!("{id}:{port} is not registered") }));
            continue;
        };
        let target = tg.targets.remove(at);
        // Requests in flight to it keep it DRAINING once the write is served.
        if let Some(addr) = lattice_model::snapshot::target_addr(s, &tg, &target) {
            effects.push(Effect::Drain { group: tg.id.clone(), target: (id.clone(), port), addr });
        }
        ok.push(json!({ "id": id, "port": port }));
    }
    let changes = if ok.is_empty() { vec![] } else { vec![tg.put()] };
    Ok(Outcome { changes, body: json!({ "successful": ok, "unsuccessful": failed }), effects })
}

/// Target health: targets of a group no listener uses are `UNUSED`; with health checks off,
/// `UNAVAILABLE`; otherwise what the data plane's checks found (`INITIAL` until the first);
/// deregistered targets with requests still in flight are `DRAINING`. All of it before
/// pagination, so pages never repeat an item or exceed `maxResults`.
pub(crate) fn list_targets(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?;
    let filter = targets_of(input);
    let asked = |id: &str, port: i64| {
        filter.is_empty() || filter.iter().any(|(fid, fport)| fid == id && fport.is_none_or(|p| p == port))
    };
    let used = !target_group_users(s, tg).is_empty();
    let hc_enabled = tg
        .config
        .as_ref()
        .and_then(|c| c.pointer("/healthCheck/enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(tg.kind != "LAMBDA");
    let mut items: Vec<(String, Value)> = tg
        .targets
        .iter()
        .filter(|t| asked(&t.id, t.port))
        .map(|t| {
            let (status, reason) = if !used {
                ("UNUSED", Some("TargetGroupNotInUse"))
            } else if !hc_enabled {
                ("UNAVAILABLE", Some("HealthCheckDisabled"))
            } else {
                let checked = lattice_model::snapshot::target_addr(s, tg, t)
                    .and_then(|addr| ctx.health.status(&tg.id, addr))
                    .unwrap_or(Status::Initial);
                match checked {
                    Status::Healthy => ("HEALTHY", None),
                    Status::Unhealthy => ("UNHEALTHY", Some("HealthCheckFailed")),
                    Status::Initial => ("INITIAL", Some("HealthCheckInProgress")),
                }
            };
            let mut item = json!({ "id": t.id, "port": t.port, "status": status });
            if let Some(r) = reason {
                item["reasonCode"] = json!(r);
            }
            (format!("{}:{:05}", t.id, t.port), item)
        })
        .collect();
    for (id, port) in ctx.health.draining(&tg.id) {
        if asked(&id, port) && !tg.targets.iter().any(|t| t.id == id && t.port == port) {
            items.push((format!("{id}:{port:05}"), json!({ "id": id, "port": port, "status": "DRAINING" })));
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Outcome::read(paginate(items, input)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "111111111111";

    fn state_with_group(targets: &[&str]) -> State {
        let mut s = State::default();
        let tg = TargetGroup {
            id: "tg-0123456789abcdef0".into(),
            arn: format!("arn:aws:vpc-lattice:us-east-1:{A}:targetgroup/tg-0123456789abcdef0"),
            name: "web".into(),
            kind: "IP".into(),
            config: Some(json!({ "port": 8080, "protocol": "HTTP", "vpcIdentifier": "vpc-0123456789abcdef0" })),
            status: "ACTIVE".into(),
            created_at: String::new(),
            last_updated_at: String::new(),
            targets: targets.iter().map(|ip| Target { id: ip.to_string(), port: 8080 }).collect(),
            tags: Tags::new(),
            account: A.into(),
        };
        s.target_groups.insert(tg.id.clone(), tg);
        s
    }

    fn list(ctx: &Ctx, s: &State, input: Value) -> Value {
        list_targets(ctx, s, &input).unwrap().body
    }

    #[test]
    fn draining_targets_are_paginated_with_the_rest_never_repeated() {
        let s = state_with_group(&["127.0.0.1", "127.0.0.2", "127.0.0.4"]);
        let ctx = Ctx::test(A);
        let addr: std::net::SocketAddr = "127.0.0.3:8080".parse().unwrap();
        let _in_flight = ctx.health.slot("tg-0123456789abcdef0", addr).begin();
        ctx.health.drain("tg-0123456789abcdef0", ("127.0.0.3", 8080), addr);
        let group = "tg-0123456789abcdef0";
        let first = list(&ctx, &s, json!({ "targetGroupIdentifier": group, "maxResults": 2 }));
        let token = first["nextToken"].as_str().unwrap().to_string();
        let second = list(&ctx, &s, json!({ "targetGroupIdentifier": group, "maxResults": 2, "nextToken": token }));
        let items: Vec<&Value> =
            first["items"].as_array().unwrap().iter().chain(second["items"].as_array().unwrap()).collect();
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        assert!(second.get("nextToken").is_none_or(Value::is_null));
        let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]);
        let statuses: Vec<&str> = items.iter().map(|i| i["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["UNUSED", "UNUSED", "DRAINING", "UNUSED"]);
    }

    #[test]
    fn deregistering_drains_and_registering_again_undrains() {
        let s = state_with_group(&["127.0.0.1"]);
        let ctx = Ctx::test(A);
        let group = json!("tg-0123456789abcdef0");
        let out = deregister_targets(
            &ctx,
            &s,
            &json!({ "targetGroupIdentifier": group, "targets": [{ "id": "127.0.0.1" }] }),
        )
        .unwrap();
        let addr = "127.0.0.1:8080".parse().unwrap();
        let drain = Effect::Drain { group: "tg-0123456789abcdef0".into(), target: ("127.0.0.1".into(), 8080), addr };
        assert_eq!(out.effects, vec![drain]);
        assert_eq!(out.body["successful"][0]["id"], "127.0.0.1");
        let missing = deregister_targets(
            &ctx,
            &s,
            &json!({ "targetGroupIdentifier": group, "targets": [{ "id": "127.0.0.9" }] }),
        )
        .unwrap();
        assert!(missing.effects.is_empty() && missing.changes.is_empty());
        assert_eq!(missing.body["unsuccessful"][0]["failureCode"], "TargetNotFound");
        let again =
            register_targets(&ctx, &s, &json!({ "targetGroupIdentifier": group, "targets": [{ "id": "127.0.0.1" }] }))
                .unwrap();
        assert_eq!(
            again.effects,
            vec![Effect::Undrain { group: "tg-0123456789abcdef0".into(), target: ("127.0.0.1".into(), 8080) }]
        );
    }

    #[test]
    fn another_accounts_group_is_not_found_and_its_compute_is_not_registrable() {
        let mut s = state_with_group(&[]);
        let b = Ctx::test("222222222222");
        let err = list_targets(&b, &s, &json!({ "targetGroupIdentifier": "tg-0123456789abcdef0" })).unwrap_err();
        assert_eq!(err.code, "ResourceNotFoundException");
        s.local_instances.insert(
            "222222222222:i-0123456789abcdef0".into(),
            LocalInstance {
                id: "i-0123456789abcdef0".into(),
                ip_address: "127.0.0.1".into(),
                resource_arns: vec![],
                vpc_id: None,
                created_at: String::new(),
                tags: Tags::new(),
                region: String::new(),
                account: "222222222222".into(),
            },
        );
        let tg = s.target_groups.values_mut().next().unwrap();
        tg.kind = "INSTANCE".into();
        let out = register_targets(
            &Ctx::test(A),
            &s,
            &json!({ "targetGroupIdentifier": "tg-0123456789abcdef0", "targets": [{ "id": "i-0123456789abcdef0" }] }),
        )
        .unwrap();
        assert!(out.changes.is_empty());
        assert_eq!(out.body["unsuccessful"][0]["failureMessage"], "Instance i-0123456789abcdef0 does not exist");
    }
}
