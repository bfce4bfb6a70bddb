//! `lattice_target_group` (mirrors `aws_vpclattice_target_group`).

use async_trait::async_trait;
use serde_json::{json, Map, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{timeouts, vpc_id, Attr, BlockDef, Default, TypeSchema};

pub(crate) struct TargetGroup;

fn health_check_block() -> BlockDef {
    BlockDef::new("health_check", 0, 1)
        .doc("Active health checks of the targets (updatable in place).")
        .attrs(vec![
            Attr::bool("enabled").default(Default::Bool(true)),
            Attr::number("health_check_interval_seconds").default(Default::Num(30)).range(5, 300),
            Attr::number("health_check_timeout_seconds").default(Default::Num(5)).range(1, 120),
            Attr::number("healthy_threshold_count").default(Default::Num(5)).range(2, 10),
            Attr::number("unhealthy_threshold_count").default(Default::Num(2)).range(2, 10),
            Attr::string("path").default(Default::Str("/")),
            Attr::number("port").optional_computed().range(1, 65535),
            Attr::string("protocol").optional_computed().one_of(&["HTTP", "HTTPS"]),
            Attr::string("protocol_version").default(Default::Str("HTTP1")).one_of(&["HTTP1", "HTTP2"]),
        ])
        .blocks(vec![BlockDef::new("matcher", 0, 1).attrs(vec![Attr::string("value")
            .default(Default::Str("200"))
            .doc("HTTP codes that mean healthy, e.g. `200` or `200-299`.")])])
}

fn health_check_body(hc: &Json) -> Json {
    let mut body = Map::new();
    for (tf, api) in [
        ("enabled", "enabled"),
        ("health_check_interval_seconds", "healthCheckIntervalSeconds"),
        ("health_check_timeout_seconds", "healthCheckTimeoutSeconds"),
        ("healthy_threshold_count", "healthyThresholdCount"),
        ("unhealthy_threshold_count", "unhealthyThresholdCount"),
        ("path", "path"),
        ("port", "port"),
        ("protocol", "protocol"),
        ("protocol_version", "protocolVersion"),
    ] {
        put(&mut body, api, hc.get(tf).cloned());
    }
    if let Some(m) = block(hc, "matcher") {
        put(&mut body, "matcher", m.get("value").filter(|v| !v.is_null()).map(|v| json!({ "httpCode": v })));
    }
    Json::Object(body)
}

/// A health check as Lattice sets it up when none is given (for a group of `protocol`).
fn default_health_check(hc: &Json, protocol: &str) -> bool {
    let expected = json!({
        "enabled": true, "protocol": if protocol == "HTTPS" { "HTTPS" } else { "HTTP" }, "protocolVersion": "HTTP1",
        "path": "/", "healthCheckIntervalSeconds": 30, "healthCheckTimeoutSeconds": 5, "healthyThresholdCount": 5,
        "unhealthyThresholdCount": 2, "matcher": { "httpCode": "200" },
    });
    hc.as_object().is_some_and(|h| h.iter().filter(|(_, v)| !v.is_null()).all(|(k, v)| expected.get(k) == Some(v)))
}

fn health_check_state(hc: &Json, show_matcher: bool) -> Json {
    json!([{
        "enabled": hc.get("enabled"),
        "health_check_interval_seconds": hc.get("healthCheckIntervalSeconds"),
        "health_check_timeout_seconds": hc.get("healthCheckTimeoutSeconds"),
        "healthy_threshold_count": hc.get("healthyThresholdCount"),
        "unhealthy_threshold_count": hc.get("unhealthyThresholdCount"),
        "path": hc.get("path"),
        "port": hc.get("port"),
        "protocol": hc.get("protocol"),
        "protocol_version": hc.get("protocolVersion"),
        "matcher": if show_matcher { json!([{ "value": hc.pointer("/matcher/httpCode") }]) } else { json!([]) },
    }])
}

#[async_trait]
impl Kind for TargetGroup {
    fn label(&self) -> &'static str {
        "VPC Lattice Target Group"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A VPC Lattice target group: the targets a listener forwards to.",
            attrs: vec![
                Attr::string("id").computed(),
                Attr::string("arn").computed(),
                Attr::string("name")
                    .required()
                    .force_new()
                    .model("CreateTargetGroup", "name")
                    .doc("Name, 3–128 lower-case letters, digits and hyphens; not starting with `tg-`."),
                Attr::string("type")
                    .required()
                    .force_new()
                    .model("CreateTargetGroup", "type")
                    .doc("`IP`, `LAMBDA`, `INSTANCE` or `ALB`."),
                Attr::string("status").computed(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![
                BlockDef::new("config", 0, 1)
                    .doc("Target group configuration; required unless `type` is `LAMBDA`.")
                    .attrs(vec![
                        Attr::number("port")
                            .force_new()
                            .model("CreateTargetGroup", "config.port")
                            .doc("Port targets receive traffic on."),
                        Attr::string("protocol").force_new().model("CreateTargetGroup", "config.protocol"),
                        Attr::string("vpc_identifier")
                            .force_new()
                            .validate(vpc_id)
                            .doc("The VPC the targets are in (created implicitly when unknown)."),
                        Attr::string("protocol_version")
                            .optional_computed()
                            .force_new()
                            .model("CreateTargetGroup", "config.protocolVersion"),
                        Attr::string("ip_address_type").optional_computed().force_new().one_of(&["IPV4", "IPV6"]),
                        Attr::string("lambda_event_structure_version")
                            .optional_computed()
                            .force_new()
                            .model("CreateTargetGroup", "config.lambdaEventStructureVersion"),
                    ])
                    .blocks(vec![health_check_block()]),
                timeouts(&["create", "update", "delete"]),
            ],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        // What config needs depends on the type: while the type is unknown (`type = each.value.type`),
        // nothing can be said yet.
        let kind = s(config, "type").filter(|k| *k != crate::engine::UNKNOWN);
        let cfg = block(config, "config");
        if kind.is_some_and(|k| k != "LAMBDA") && config.get("config").is_some_and(|c| c.is_array()) {
            match cfg {
                None => diags.error(
                    "Missing config block",
                    "config is required unless type is LAMBDA",
                    AttributePath::new("config"),
                ),
                Some(cfg) => {
                    for key in ["port", "protocol", "vpc_identifier"] {
                        if cfg.get(key).is_some_and(Json::is_null) {
                            diags.error(
                                format!("Missing config.{key}"),
                                format!("config.{key} is required for {} target groups", kind.unwrap_or_default()),
                                AttributePath::new("config").index(0).attribute(key),
                            );
                        }
                    }
                }
            }
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = json!({ "name": s(plan, "name"), "type": s(plan, "type"), "tags": tags_of(plan) });
        if let Some(cfg) = block(plan, "config") {
            let mut config = Map::new();
            for (tf, api) in [
                ("port", "port"),
                ("protocol", "protocol"),
                ("vpc_identifier", "vpcIdentifier"),
                ("protocol_version", "protocolVersion"),
                ("ip_address_type", "ipAddressType"),
                ("lambda_event_structure_version", "lambdaEventStructureVersion"),
            ] {
                put(&mut config, api, cfg.get(tf).cloned());
            }
            if let Some(hc) = block(cfg, "health_check") {
                config.insert("healthCheck".into(), health_check_body(hc));
            }
            body["config"] = Json::Object(config);
        }
        let r = c.op("CreateTargetGroup", body).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.op("GetTargetGroup", json!({ "targetGroupIdentifier": id })).await)? else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        let importing = prior.get("name").is_none_or(Json::is_null);
        let config = match r.get("config").filter(|c| c.is_object()) {
            None => json!([]),
            Some(cfg) => {
                let prior_cfg = block(prior, "config");
                // Keep the block out of state unless the user wrote it (or on import).
                let prior_hc = prior_cfg.and_then(|p| block(p, "health_check"));
                // On import the configuration is unknown: a block is assumed written only when
                // what it holds differs from what Lattice does without it.
                let protocol = s(cfg, "protocol").unwrap_or("HTTP");
                let custom_hc = cfg.get("healthCheck").is_some_and(|h| !default_health_check(h, protocol));
                let show_hc = prior_hc.is_some() || importing && custom_hc;
                let show_matcher = prior_hc.and_then(|h| block(h, "matcher")).is_some() || importing && custom_hc;
                let lambda = s(&r, "type") == Some("LAMBDA");
                let custom_lambda = s(cfg, "lambdaEventStructureVersion").is_some_and(|v| v != "V1");
                if lambda && prior_cfg.is_none() && !(importing && custom_lambda) {
                    json!([])
                } else {
                    json!([{
                        "port": cfg.get("port"),
                        "protocol": cfg.get("protocol"),
                        "vpc_identifier": cfg.get("vpcIdentifier"),
                        "protocol_version": cfg.get("protocolVersion"),
                        "ip_address_type": cfg.get("ipAddressType"),
                        "lambda_event_structure_version": cfg.get("lambdaEventStructureVersion"),
                        "health_check": if show_hc { cfg.get("healthCheck").map(|h| health_check_state(h, show_matcher)).unwrap_or(json!([])) } else { json!([]) },
                    }])
                }
            }
        };
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"], "name": r["name"], "type": r["type"], "status": r["status"],
            "config": config, "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let hc = |v: &Json| block(v, "config").and_then(|c| block(c, "health_check")).cloned();
        if hc(plan) != hc(prior) {
            // Removing the block resets health checks to their defaults.
            let body = hc(plan).map(|h| health_check_body(&h)).unwrap_or_else(|| json!({ "enabled": true }));
            c.op("UpdateTargetGroup", json!({ "targetGroupIdentifier": id, "healthCheck": body })).await?;
        }
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteTargetGroup", json!({ "targetGroupIdentifier": id })).await.map(drop)
    }
}
