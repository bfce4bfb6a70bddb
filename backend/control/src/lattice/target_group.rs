//! Target groups (their configuration and health-check defaults): the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{id_of, lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Map, Value};

use crate::kit::*;
use crate::vpcs::*;

pub(crate) fn with_default(obj: &mut Map<String, Value>, key: &str, value: Value) {
    if obj.get(key).is_none_or(Value::is_null) {
        obj.insert(key.to_string(), value);
    }
}

pub(crate) fn health_check_defaults(hc: &mut Map<String, Value>, protocol: &str) {
    with_default(hc, "enabled", json!(true));
    with_default(hc, "protocol", json!(if protocol == "HTTPS" { "HTTPS" } else { "HTTP" }));
    with_default(hc, "protocolVersion", json!("HTTP1"));
    with_default(hc, "path", json!("/"));
    with_default(hc, "healthCheckIntervalSeconds", json!(30));
    with_default(hc, "healthCheckTimeoutSeconds", json!(5));
    with_default(hc, "healthyThresholdCount", json!(5));
    with_default(hc, "unhealthyThresholdCount", json!(2));
    with_default(hc, "matcher", json!({ "httpCode": "200" }));
}

pub(crate) fn create_target_group(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    check_count_quota(&s.target_groups, ctx, TARGET_GROUPS_PER_ACCOUNT, TG, "target groups")?;
    let name = req(input, "name");
    let kind = req(input, "type");
    conflict_if(
        &s.target_groups,
        |o| ctx.owns(o) && o.name == name,
        TG,
        |o| format!("A target group named '{name}' already exists ({})", o.id),
    )?;
    let mut changes = Vec::new();
    let config = match (kind, input.get("config").and_then(Value::as_object)) {
        ("LAMBDA", Some(cfg)) => {
            if cfg.contains_key("port") || cfg.contains_key("protocol") || cfg.contains_key("vpcIdentifier") {
                return Err(ApiError::invalid_field(
                    "config",
                    "LAMBDA target groups take no port, protocol or vpcIdentifier",
                ));
            }
            let mut cfg = cfg.clone();
            with_default(&mut cfg, "lambdaEventStructureVersion", json!("V1"));
            Some(Value::Object(cfg))
        }
        ("LAMBDA", None) => Some(json!({ "lambdaEventStructureVersion": "V1" })),
        (_, None) => {
            return Err(ApiError::invalid_field("config", format!("config is required for {kind} target groups")))
        }
        (_, Some(cfg)) => {
            let mut cfg = cfg.clone();
            for required in ["port", "protocol", "vpcIdentifier"] {
                if cfg.get(required).is_none_or(Value::is_null) {
                    return Err(ApiError::invalid_field(
                        &format!("config.{required}"),
                        format!("config.{required} is required for {kind} target groups"),
                    ));
                }
            }
            let vpc_id = cfg["vpcIdentifier"].as_str().unwrap_or_default().to_string();
            let (_, implicit) = vpc_or_implicit(ctx, s, &vpc_id, "config.vpcIdentifier")?;
            changes.extend(implicit);
            let protocol = cfg["protocol"].as_str().unwrap_or("HTTP").to_string();
            if protocol != "TCP" {
                with_default(&mut cfg, "protocolVersion", json!("HTTP1"));
            }
            // As Lattice reports them: an address type for IP groups only, and no health check
            // of its own for an ALB group (the load balancer checks its targets).
            if kind == "IP" {
                with_default(&mut cfg, "ipAddressType", json!("IPV4"));
            }
            if kind == "ALB" {
                if cfg.contains_key("healthCheck") {
                    return Err(ApiError::invalid_field(
                        "config.healthCheck",
                        "ALB target groups have no health check",
                    ));
                }
            } else {
                let mut hc = cfg.get("healthCheck").and_then(Value::as_object).cloned().unwrap_or_default();
                health_check_defaults(&mut hc, &protocol);
                cfg.insert("healthCheck".into(), Value::Object(hc));
            }
            Some(Value::Object(cfg))
        }
    };
    let id = new_id("tg");
    let now = now_rfc3339();
    let tg = TargetGroup {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("targetgroup/{id}")),
        id,
        name: name.to_string(),
        kind: kind.to_string(),
        config,
        status: "ACTIVE".into(),
        created_at: now.clone(),
        last_updated_at: now,
        targets: vec![],
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&wire(&tg, &[]), &["id", "arn", "name", "type", "config", "status"]);
    changes.push(tg.put());
    Outcome::write(changes, body)
}

pub(crate) fn action_uses(action: &Value, tg_id: &str) -> bool {
    action.pointer("/forward/targetGroups").and_then(Value::as_array).is_some_and(|gs| {
        gs.iter().any(|g| g.get("targetGroupIdentifier").and_then(Value::as_str).map(id_of) == Some(tg_id))
    })
}

/// Listeners and rules that forward to `tg`: `(service ARN, listener or rule ARN)`.
pub(crate) fn target_group_users<'a>(s: &'a State, tg: &TargetGroup) -> Vec<(&'a str, &'a str)> {
    let listeners = s
        .listeners
        .values()
        .filter(|l| action_uses(&l.default_action, &tg.id))
        .map(|l| (l.service_arn.as_str(), l.arn.as_str()));
    let rules = s.rules.values().filter(|r| action_uses(&r.action, &tg.id)).filter_map(|r| {
        let service = s.services.get(&r.service_id)?;
        Some((service.arn.as_str(), r.arn.as_str()))
    });
    listeners.chain(rules).collect()
}

pub(crate) fn tg_wire(s: &State, tg: &TargetGroup) -> Value {
    let mut v = wire(tg, &["targets"]);
    let mut arns: Vec<&str> = target_group_users(s, tg).into_iter().map(|(service, _)| service).collect();
    arns.sort_unstable();
    arns.dedup();
    v["serviceArns"] = json!(arns);
    v
}

pub(crate) fn get_target_group(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?;
    Outcome::read(tg_wire(s, tg))
}

pub(crate) fn list_target_groups(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &["id", "arn", "name", "type", "createdAt", "lastUpdatedAt", "status", "serviceArns"];
    const CONFIG_FIELDS: &[&str] =
        &["port", "protocol", "ipAddressType", "vpcIdentifier", "lambdaEventStructureVersion"];
    let vpc = str_of(input, "vpcIdentifier");
    let kind = str_of(input, "targetGroupType");
    list_owned(
        &s.target_groups,
        ctx,
        input,
        |tg| (vpc.is_none() || tg.vpc_identifier() == vpc) && kind.is_none_or(|k| tg.kind == k),
        |tg| {
            let mut item = pick(&tg_wire(s, tg), FIELDS);
            if let (Some(item), Some(Value::Object(cfg))) =
                (item.as_object_mut(), tg.config.as_ref().map(|c| pick(c, CONFIG_FIELDS)))
            {
                item.extend(cfg);
            }
            item
        },
    )
}

pub(crate) fn update_target_group(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?.clone();
    let Some(cfg) =
        tg.config.as_mut().and_then(Value::as_object_mut).filter(|_| !matches!(tg.kind.as_str(), "LAMBDA" | "ALB"))
    else {
        return Err(ApiError::invalid_field("healthCheck", format!("{} target groups have no health check", tg.kind)));
    };
    let protocol = cfg.get("protocol").and_then(Value::as_str).unwrap_or("HTTP").to_string();
    let mut hc = cfg.get("healthCheck").and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(update) = input.get("healthCheck").and_then(Value::as_object) {
        for (k, v) in update {
            hc.insert(k.clone(), v.clone());
        }
    }
    health_check_defaults(&mut hc, &protocol);
    cfg.insert("healthCheck".into(), Value::Object(hc));
    tg.last_updated_at = now_rfc3339();
    let body = pick(&wire(&tg, &[]), &["id", "arn", "name", "type", "config", "status"]);
    Outcome::write(vec![tg.put()], body)
}

pub(crate) fn delete_target_group(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?;
    if let Some((_, user)) = target_group_users(s, tg).first() {
        return Err(ApiError::conflict(TG, &tg.id, format!("Target group {} is in use by {user}", tg.id)));
    }
    let body = json!({ "id": tg.id, "arn": tg.arn, "status": "DELETE_IN_PROGRESS" });
    Outcome::write(vec![tg.delete()], body)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn a_group_gets_lattice_defaults_and_is_its_owners_alone() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let config = json!({ "port": 8080, "protocol": "HTTP", "vpcIdentifier": "vpc-0123456789abcdef0" });
        let tg =
            run(&mut s, &a, create_target_group, json!({ "name": "web", "type": "IP", "config": config })).unwrap();
        let id = json!({ "targetGroupIdentifier": tg["id"] });
        let read = run(&mut s, &a, get_target_group, id.clone()).unwrap();
        assert_eq!(read["config"]["healthCheck"]["enabled"], true, "health checks on by default");
        assert!(s.vpc(A, "vpc-0123456789abcdef0").is_some(), "the VPC was created on first reference");
        assert_eq!(code(run(&mut s, &b, get_target_group, id.clone())), "ResourceNotFoundException");
        assert_eq!(code(run(&mut s, &b, delete_target_group, id.clone())), "ResourceNotFoundException");
        run(
            &mut s,
            &a,
            update_target_group,
            json!({ "targetGroupIdentifier": tg["id"], "healthCheck": { "enabled": false } }),
        )
        .unwrap();
        assert_eq!(run(&mut s, &a, get_target_group, id.clone()).unwrap()["config"]["healthCheck"]["enabled"], false);
        run(&mut s, &a, delete_target_group, id).unwrap();
        assert!(s.target_groups.is_empty());
    }
}
