//! `lattice_target_group_attachment` (mirrors `aws_vpclattice_target_group_attachment`).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{same_object, timeouts, Attr, BlockDef, TypeSchema};

pub(crate) struct TargetGroupAttachment;

/// `<target group id>/<target id>/<port>`. The target may itself be an ARN with slashes (an ALB);
/// ids written before the target group was always its id may start with its ARN
/// (`arn:…:targetgroup/tg-…`).
fn parse_id(id: &str) -> Option<(&str, &str, Option<i64>)> {
    let tg_end = if id.starts_with("arn:") {
        let first = id.find('/')?;
        first + 1 + id[first + 1..].find('/')?
    } else {
        id.find('/')?
    };
    let (tg, rest) = (&id[..tg_end], &id[tg_end + 1..]);
    let (target, port) = rest.rsplit_once('/')?;
    // LAMBDA targets have no port (0 in the id).
    let port = port.parse().ok().filter(|p: &i64| *p > 0);
    Some((tg, target, port))
}

/// What a target can be, checked before anything is replaced: an IP address, an instance id
/// or an ARN (a function, a load balancer).
fn target_id(id: &str) -> Result<(), String> {
    if id.parse::<std::net::IpAddr>().is_ok() || id.starts_with("i-") || id.starts_with("arn:") {
        Ok(())
    } else {
        Err("is not an IP address, an instance id (i-…) or an ARN".into())
    }
}

#[async_trait]
impl Kind for TargetGroupAttachment {
    fn label(&self) -> &'static str {
        "VPC Lattice Target Group Attachment"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Registers one target with a VPC Lattice target group. Destroying it deregisters the target and waits while the target is `DRAINING` (requests sent to it before are still in flight; at most five minutes).",
            attrs: vec![
                Attr::string("id").computed().doc("`<target_group_identifier>/<target id>/<port>`."),
                Attr::string("target_group_identifier").equivalent(same_object).required().force_new().model("RegisterTargets", "targetGroupIdentifier").doc("Target group id or ARN."),
            ],
            blocks: vec![BlockDef::new("target", 1, 1).force_new().attrs(vec![
                Attr::string("id").required().force_new().model("RegisterTargets", "targets.id").validate(target_id).doc("The target: an IP address (`IP` groups), an instance id (`INSTANCE`), a function's ARN (`LAMBDA`) or a load balancer's ARN (`ALB`)."),
                Attr::number("port")
                    .optional_computed()
                    .force_new()
                    .range(1, 65535)
                    .doc("Defaults to the target group's port."),
            ]), timeouts(&["create", "delete"])],
        }
    }

    fn importable(&self) -> bool {
        false
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let tg = s(plan, "target_group_identifier").unwrap_or_default();
        let target = block(plan, "target").cloned().unwrap_or(Json::Null);
        let mut t = json!({ "id": target.get("id") });
        if let Some(p) = n(&target, "port") {
            t["port"] = json!(p);
        }
        let r = c
            .op("RegisterTargets", with_input(json!({ "targets": [t] }), json!({ "targetGroupIdentifier": tg })))
            .await?;
        if let Some(failure) = r.get("unsuccessful").and_then(Json::as_array).and_then(|f| f.first()) {
            return Err(ClientError::Transport(format!(
                "{}: {}",
                s(failure, "failureCode").unwrap_or("Failed"),
                s(failure, "failureMessage").unwrap_or("the target was not registered")
            )));
        }
        let ok = r.get("successful").and_then(Json::as_array).and_then(|f| f.first()).cloned().unwrap_or(Json::Null);
        let tg = lattice_api::ids::id_of(tg);
        Ok(format!("{tg}/{}/{}", s(&ok, "id").unwrap_or_default(), n(&ok, "port").unwrap_or_default()))
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some((tg, target, port)) = parse_id(id) else {
            return Ok(None);
        };
        let mut filter = json!({ "id": target });
        if let Some(p) = port {
            filter["port"] = json!(p);
        }
        let Some(r) = found(
            c.op("ListTargets", with_input(json!({ "targets": [filter] }), json!({ "targetGroupIdentifier": tg })))
                .await,
        )?
        else {
            return Ok(None);
        };
        // A DRAINING target has been deregistered: it only finishes requests sent before.
        let listed = r.get("items").and_then(Json::as_array).and_then(|i| i.first()).cloned();
        let Some(item) = listed.filter(|i| i["status"] != "DRAINING") else {
            return Ok(None);
        };
        Ok(Some(json!({
            "id": id,
            "target_group_identifier": same_identifier(prior, "target_group_identifier", tg),
            "target": [{ "id": item["id"], "port": item["port"] }],
        })))
    }

    async fn update(&self, _c: &Client, _id: &str, _prior: &Json, _plan: &Json) -> Result<(), ClientError> {
        // Every argument forces replacement; there is nothing to update in place.
        Ok(())
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        let Some((tg, target, port)) = parse_id(id) else {
            return Ok(());
        };
        let mut t = json!({ "id": target });
        if let Some(p) = port {
            t["port"] = json!(p);
        }
        c.op(
            "DeregisterTargets",
            with_input(json!({ "targets": [t.clone()] }), json!({ "targetGroupIdentifier": tg })),
        )
        .await?;
        // As the AWS provider does, wait while the target drains (requests sent to it before
        // deregistration are still in flight); the backend ends draining within five minutes.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(330);
        while std::time::Instant::now() < deadline {
            let Some(r) = found(
                c.op(
                    "ListTargets",
                    with_input(json!({ "targets": [t.clone()] }), json!({ "targetGroupIdentifier": tg })),
                )
                .await,
            )?
            else {
                return Ok(());
            };
            let items = r.get("items").and_then(Json::as_array).cloned().unwrap_or_default();
            if !items.iter().any(|i| i["status"] == "DRAINING") {
                return Ok(());
            }
            tracing::info!(target = %target, "waiting for the deregistered target to drain");
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn ids_with_arns_in_them_parse() {
        assert_eq!(parse_id("tg-0123456789abcdef0/10.0.0.1/80"), Some(("tg-0123456789abcdef0", "10.0.0.1", Some(80))));
        let alb = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188";
        assert_eq!(
            parse_id(&format!("tg-0123456789abcdef0/{alb}/443")),
            Some(("tg-0123456789abcdef0", alb, Some(443)))
        );
        let lambda = "arn:aws:lambda:us-east-1:111111111111:function:orders";
        assert_eq!(parse_id(&format!("tg-0123456789abcdef0/{lambda}/0")), Some(("tg-0123456789abcdef0", lambda, None)));
        let tg_arn = "arn:aws:vpc-lattice:us-east-1:111111111111:targetgroup/tg-0123456789abcdef0";
        assert_eq!(parse_id(&format!("{tg_arn}/10.0.0.1/80")), Some((tg_arn, "10.0.0.1", Some(80))));
        assert_eq!(parse_id("nonsense"), None);
    }
}
