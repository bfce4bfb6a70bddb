//! `lattice_listener` (mirrors `aws_vpclattice_listener`).

use async_trait::async_trait;
use serde_json::{json, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{same_object, timeouts, Attr, BlockDef, Default, TypeSchema};

pub(crate) struct Listener;

/// The `default_action` block, and a rule's `action`: a forward takes at most `max_groups`
/// target groups (hashicorp/aws allows a rule 2, a listener as many as the API's 10).
pub(crate) fn action_block(name: &'static str, max_groups: usize) -> BlockDef {
    BlockDef::new(name, 1, 1).doc("Exactly one of `fixed_response` or `forward`.").blocks(vec![
        BlockDef::new("fixed_response", 0, 1).attrs(vec![Attr::number("status_code")
            .required()
            .model("CreateListener", "defaultAction.fixedResponse.statusCode")]),
        BlockDef::new("forward", 0, 1).blocks(vec![BlockDef::new("target_groups", 1, max_groups).attrs(vec![
            Attr::string("target_group_identifier")
                .equivalent(same_object)
                .model("CreateListener", "defaultAction.forward.targetGroups.targetGroupIdentifier")
                .doc("Target group id or ARN."),
            Attr::number("weight")
                .default(Default::Num(100))
                .model("CreateListener", "defaultAction.forward.targetGroups.weight"),
        ])]),
    ])
}

pub(crate) fn validate_action(config: &Json, name: &str, diags: &mut Diagnostics) {
    let Some(action) = block(config, name) else {
        return;
    };
    let count = ["fixed_response", "forward"].iter().filter(|k| block(action, k).is_some()).count();
    let unknown = ["fixed_response", "forward"].iter().any(|k| action.get(*k).is_some_and(Json::is_null));
    if count != 1 && !unknown {
        diags.error(
            format!("Invalid {name}"),
            "exactly one of fixed_response or forward must be set",
            AttributePath::new(name.to_string()).index(0),
        );
    }
}

/// Terraform's action block → the API's `RuleAction` union.
pub(crate) fn action_body(action: &Json) -> Json {
    if let Some(fixed) = block(action, "fixed_response") {
        return json!({ "fixedResponse": { "statusCode": fixed.get("status_code") } });
    }
    let groups: Vec<Json> = block(action, "forward")
        .and_then(|f| f.get("target_groups"))
        .and_then(Json::as_array)
        .map(|gs| {
            gs.iter()
                .map(
                    |g| json!({ "targetGroupIdentifier": g.get("target_group_identifier"), "weight": g.get("weight") }),
                )
                .collect()
        })
        .unwrap_or_default();
    json!({ "forward": { "targetGroups": groups } })
}

/// The API's `RuleAction` → Terraform's block, keeping the user's ID/ARN spelling.
pub(crate) fn action_state(api: &Json, prior: Option<&Json>) -> Json {
    if let Some(fixed) = api.get("fixedResponse") {
        return json!([{ "fixed_response": [{ "status_code": fixed.get("statusCode") }], "forward": [] }]);
    }
    let prior_groups =
        prior.and_then(|p| block(p, "forward")).and_then(|f| f.get("target_groups")).and_then(Json::as_array);
    let groups: Vec<Json> = api
        .pointer("/forward/targetGroups")
        .and_then(Json::as_array)
        .map(|gs| {
            gs.iter()
                .enumerate()
                .map(|(i, g)| {
                    let id = lattice_api::ids::id_of(s(g, "targetGroupIdentifier").unwrap_or_default()).to_string();
                    let spelled = prior_groups.and_then(|p| p.get(i)).map(|p| same_identifier(p, "target_group_identifier", &id)).unwrap_or(json!(id));
                    json!({ "target_group_identifier": spelled, "weight": g.get("weight").cloned().unwrap_or(json!(100)) })
                })
                .collect()
        })
        .unwrap_or_default();
    json!([{ "fixed_response": [], "forward": [{ "target_groups": groups }] }])
}

fn split_id(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or(("", id))
}

#[async_trait]
impl Kind for Listener {
    fn label(&self) -> &'static str {
        "VPC Lattice Listener"
    }

    fn import_id(&self, id: &str) -> Result<String, String> {
        super::common::composite_import_id(id, &["svc", "listener"])
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description:
                "A listener of a VPC Lattice service: a protocol and port, and the default action for requests.",
            attrs: vec![
                Attr::string("id").computed().doc("`<service id>/<listener id>`."),
                Attr::string("arn").computed(),
                Attr::string("listener_id").computed(),
                Attr::string("name")
                    .required()
                    .force_new()
                    .model("CreateListener", "name")
                    .doc("Name, 3–63 lower-case letters, digits and hyphens; not starting with `listener-`."),
                Attr::string("protocol")
                    .required()
                    .force_new()
                    .model("CreateListener", "protocol")
                    .doc("Protocol of the listener."),
                Attr::number("port")
                    .optional_computed()
                    .force_new()
                    .model("CreateListener", "port")
                    .doc("Defaults to 80 for HTTP and 443 for HTTPS."),
                Attr::string("service_identifier")
                    .equivalent(same_object)
                    .optional_computed()
                    .force_new()
                    .model("CreateListener", "serviceIdentifier")
                    .doc("Service id or ARN (this or `service_arn`)."),
                Attr::string("service_arn")
                    .optional_computed()
                    .force_new()
                    .doc("Service ARN (this or `service_identifier`)."),
                Attr::string("created_at").computed(),
                Attr::string("last_updated_at").computed().volatile(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![action_block("default_action", 10), timeouts(&["create", "update", "delete"])],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        validate_action(config, "default_action", diags);
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if !set("service_identifier") && !set("service_arn") {
            diags.error(
                "Missing service",
                "one of service_identifier or service_arn must be set",
                AttributePath::new("service_identifier"),
            );
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let service = s(plan, "service_identifier").or(s(plan, "service_arn")).unwrap_or_default();
        let mut body = json!({
            "name": s(plan, "name"), "protocol": s(plan, "protocol"), "tags": tags_of(plan),
            "defaultAction": action_body(block(plan, "default_action").unwrap_or(&Json::Null)),
        });
        if let Some(p) = n(plan, "port") {
            body["port"] = json!(p);
        }
        let r = c.op("CreateListener", with_input(body, json!({ "serviceIdentifier": service }))).await?;
        Ok(format!("{}/{}", s(&r, "serviceId").unwrap_or_default(), s(&r, "id").unwrap_or_default()))
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let (svc, listener) = split_id(id);
        let Some(r) =
            found(c.op("GetListener", json!({ "serviceIdentifier": svc, "listenerIdentifier": listener })).await)?
        else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        let service_id = s(&r, "serviceId").unwrap_or_default();
        Ok(Some(json!({
            "id": format!("{service_id}/{}", s(&r, "id").unwrap_or_default()),
            "arn": r["arn"], "listener_id": r["id"], "name": r["name"], "protocol": r["protocol"], "port": r["port"],
            "service_identifier": same_identifier(prior, "service_identifier", service_id),
            "service_arn": r["serviceArn"], "created_at": r["createdAt"], "last_updated_at": r["lastUpdatedAt"],
            "default_action": action_state(&r["defaultAction"], block(prior, "default_action")),
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        if plan.get("default_action") != prior.get("default_action") {
            let (svc, listener) = split_id(id);
            let body = json!({ "defaultAction": action_body(block(plan, "default_action").unwrap_or(&Json::Null)) });
            c.op(
                "UpdateListener",
                with_input(body, json!({ "serviceIdentifier": svc, "listenerIdentifier": listener })),
            )
            .await?;
        }
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        let (svc, listener) = split_id(id);
        c.op("DeleteListener", json!({ "serviceIdentifier": svc, "listenerIdentifier": listener })).await.map(drop)
    }
}
