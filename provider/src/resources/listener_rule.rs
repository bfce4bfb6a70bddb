//! `lattice_listener_rule` (mirrors `aws_vpclattice_listener_rule`).

use async_trait::async_trait;
use serde_json::{json, Map, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use super::listener::{action_block, action_body, action_state, validate_action};
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{same_object, timeouts, Attr, BlockDef, Default, TypeSchema};

pub(crate) struct ListenerRule;

fn text_match_block(name: &'static str, kinds: &[&'static str]) -> BlockDef {
    BlockDef::new(name, 1, 1).doc("Exactly one way to compare.").attrs(kinds.iter().map(|k| Attr::string(k)).collect())
}

fn match_block() -> BlockDef {
    BlockDef::new("match", 1, 1).doc("What requests the rule applies to.").blocks(vec![BlockDef::new(
        "http_match",
        0,
        1,
    )
    .attrs(vec![Attr::string("method")
        .model("CreateRule", "match.httpMatch.method")
        .doc("HTTP method to match exactly (case-sensitive).")])
    .blocks(vec![
        BlockDef::new("header_matches", 0, 5)
            .doc("Headers that must all match (at most 5).")
            .attrs(vec![
                Attr::string("name")
                    .required()
                    .model("CreateRule", "match.httpMatch.headerMatches.name")
                    .doc("Header name (compared case-insensitively)."),
                Attr::bool("case_sensitive").default(Default::Bool(false)),
            ])
            .blocks(vec![text_match_block("match", &["contains", "exact", "prefix"])]),
        BlockDef::new("path_match", 0, 1)
            .attrs(vec![Attr::bool("case_sensitive").default(Default::Bool(false))])
            .blocks(vec![text_match_block("match", &["exact", "prefix"])]),
    ])])
}

/// The single key set in a `{contains|exact|prefix}` block, as the API's union.
fn text_match_body(m: &Json) -> Json {
    let mut out = Map::new();
    for k in ["contains", "exact", "prefix"] {
        put(&mut out, k, m.get(k).cloned());
    }
    Json::Object(out)
}

fn text_match_state(m: Option<&Json>, kinds: &[&str]) -> Json {
    let mut out = Map::new();
    for k in kinds {
        out.insert((*k).to_string(), m.and_then(|m| m.get(*k)).cloned().unwrap_or(Json::Null));
    }
    json!([Json::Object(out)])
}

fn match_body(plan: &Json) -> Json {
    let Some(http) = block(plan, "match").and_then(|m| block(m, "http_match")) else {
        return json!({ "httpMatch": {} });
    };
    let mut out = Map::new();
    put(&mut out, "method", http.get("method").cloned());
    if let Some(p) = block(http, "path_match") {
        out.insert(
            "pathMatch".into(),
            json!({ "caseSensitive": p.get("case_sensitive"), "match": text_match_body(block(p, "match").unwrap_or(&Json::Null)) }),
        );
    }
    let headers: Vec<Json> = http
        .get("header_matches")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|h| {
            json!({
                "name": h.get("name"), "caseSensitive": h.get("case_sensitive"),
                "match": text_match_body(block(h, "match").unwrap_or(&Json::Null)),
            })
        })
        .collect();
    if !headers.is_empty() {
        out.insert("headerMatches".into(), Json::Array(headers));
    }
    json!({ "httpMatch": out })
}

fn match_state(api: &Json) -> Json {
    let http = api.get("httpMatch").cloned().unwrap_or(Json::Null);
    let path = http.get("pathMatch").map(|p| {
        json!([{
            "case_sensitive": p.get("caseSensitive").and_then(Json::as_bool).unwrap_or(false),
            "match": text_match_state(p.get("match"), &["exact", "prefix"]),
        }])
    });
    let headers: Vec<Json> = http
        .get("headerMatches")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|h| {
            json!({
                "name": h.get("name"),
                "case_sensitive": h.get("caseSensitive").and_then(Json::as_bool).unwrap_or(false),
                "match": text_match_state(h.get("match"), &["contains", "exact", "prefix"]),
            })
        })
        .collect();
    json!([{ "http_match": [{
        "method": http.get("method"),
        "path_match": path.unwrap_or(json!([])),
        "header_matches": headers,
    }] }])
}

/// `<service id>/<listener id>/<rule id>` from `…:service/svc-…/listener/listener-…/rule/rule-…`.
fn id_from_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.rsplit('/').collect();
    match parts.as_slice() {
        [rule, _, listener, _, svc, ..] => format!("{svc}/{listener}/{rule}"),
        _ => arn.to_string(),
    }
}

/// `<service>/<listener>/<rule>`
fn split_id(id: &str) -> Option<(&str, &str, &str)> {
    let mut parts = id.splitn(3, '/');
    Some((parts.next()?, parts.next()?, parts.next()?))
}

#[async_trait]
impl Kind for ListenerRule {
    fn label(&self) -> &'static str {
        "VPC Lattice Listener Rule"
    }

    fn import_id(&self, id: &str) -> Result<String, String> {
        super::common::composite_import_id(id, &["svc", "listener", "rule"])
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A rule of a listener: requests matching its conditions get its action; rules are tried by ascending priority before the listener's default action.",
            attrs: vec![
                Attr::string("id").computed().doc("`<service_identifier>/<listener_identifier>/<rule_id>`."),
                Attr::string("arn").computed(),
                Attr::string("rule_id").computed(),
                Attr::string("service_identifier").equivalent(same_object).required().force_new().model("CreateRule", "serviceIdentifier").doc("Service id or ARN."),
                Attr::string("listener_identifier").equivalent(same_object).required().force_new().model("CreateRule", "listenerIdentifier").doc("Listener id or ARN."),
                Attr::string("name")
                    .required()
                    .force_new()
                    .model("CreateRule", "name")
                    .doc("Name, 3–63 lower-case letters, digits and hyphens; not starting with `rule-`."),
                Attr::number("priority").required().model("CreateRule", "priority").doc("Lower numbers are tried first; unique per listener."),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![action_block("action", 2), match_block(), timeouts(&["create", "update", "delete"])],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        validate_action(config, "action", diags);
        let http = block(config, "match").and_then(|m| block(m, "http_match"));
        let check = |m: Option<&Json>, path: AttributePath, diags: &mut Diagnostics| {
            let set = m
                .map(|m| {
                    ["contains", "exact", "prefix"].iter().filter(|k| m.get(**k).is_some_and(|v| !v.is_null())).count()
                })
                .unwrap_or(0);
            if set != 1 && m.is_some() {
                diags.error("Invalid match", "exactly one of contains, exact or prefix must be set", path);
            }
        };
        if let Some(http) = http {
            if let Some(p) = block(http, "path_match") {
                check(
                    block(p, "match"),
                    AttributePath::new("match").index(0).attribute("http_match").index(0).attribute("path_match"),
                    diags,
                );
            }
            for (i, h) in http.get("header_matches").and_then(Json::as_array).into_iter().flatten().enumerate() {
                let at = AttributePath::new("match")
                    .index(0)
                    .attribute("http_match")
                    .index(0)
                    .attribute("header_matches")
                    .index(i as i64);
                check(block(h, "match"), at, diags);
            }
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let (svc, listener) =
            (s(plan, "service_identifier").unwrap_or_default(), s(plan, "listener_identifier").unwrap_or_default());
        let body = json!({
            "name": s(plan, "name"), "priority": plan.get("priority"), "tags": tags_of(plan),
            "match": match_body(plan),
            "action": action_body(block(plan, "action").unwrap_or(&Json::Null)),
        });
        let r = c
            .op("CreateRule", with_input(body, json!({ "serviceIdentifier": svc, "listenerIdentifier": listener })))
            .await?;
        Ok(id_from_arn(s(&r, "arn").unwrap_or_default()))
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some((svc, listener, rule)) = split_id(id) else {
            return Ok(None);
        };
        let Some(r) = found(
            c.op(
                "GetRule",
                json!({ "serviceIdentifier": svc, "listenerIdentifier": listener, "ruleIdentifier": rule }),
            )
            .await,
        )?
        else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(Some(json!({
            "id": id, "arn": r["arn"], "rule_id": r["id"], "name": r["name"], "priority": r["priority"],
                        "service_identifier": same_identifier(prior, "service_identifier", svc),
            "listener_identifier": same_identifier(prior, "listener_identifier", listener),
            "action": action_state(&r["action"], block(prior, "action")),
            "match": match_state(&r["match"]),
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let Some((svc, listener, rule)) = split_id(id) else {
            return Ok(());
        };
        let mut body = Map::new();
        if plan.get("priority") != prior.get("priority") {
            put(&mut body, "priority", plan.get("priority").cloned());
        }
        if plan.get("match") != prior.get("match") {
            body.insert("match".into(), match_body(plan));
        }
        if plan.get("action") != prior.get("action") {
            body.insert("action".into(), action_body(block(plan, "action").unwrap_or(&Json::Null)));
        }
        if !body.is_empty() {
            c.op(
                "UpdateRule",
                with_input(
                    Json::Object(body),
                    json!({ "serviceIdentifier": svc, "listenerIdentifier": listener, "ruleIdentifier": rule }),
                ),
            )
            .await?;
        }
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        let Some((svc, listener, rule)) = split_id(id) else {
            return Ok(());
        };
        c.op("DeleteRule", json!({ "serviceIdentifier": svc, "listenerIdentifier": listener, "ruleIdentifier": rule }))
            .await
            .map(drop)
    }
}
