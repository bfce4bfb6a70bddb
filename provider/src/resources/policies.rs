//! `lattice_auth_policy` and `lattice_resource_policy` (mirror the `aws_vpclattice_*` twins),
//! and the helpers their data sources share.

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{same_object, timeouts, Attr, TypeSchema};

/// The user's policy text when it means the same JSON as the stored one, so formatting alone
/// never shows as a change.
pub(crate) fn policy_state(prior: &Json, key: &str, stored: &str) -> Json {
    let parse = |s: &str| serde_json::from_str::<Json>(s).ok();
    match s(prior, key) {
        Some(p) if parse(p).is_some() && parse(p) == parse(stored) => json!(p),
        _ => json!(stored),
    }
}

pub(crate) fn check_json_policy(config: &Json, key: &str, diags: &mut tf_provider::Diagnostics) {
    if let Some(p) = s(config, key).filter(|p| *p != crate::engine::UNKNOWN) {
        if !matches!(serde_json::from_str::<Json>(p), Ok(Json::Object(_))) {
            diags.error(
                format!("Invalid {key}"),
                "the policy must be a JSON object (use jsonencode)",
                tf_provider::AttributePath::new(key.to_string()),
            );
        }
    }
}

pub(crate) struct AuthPolicy;

#[async_trait]
impl Kind for AuthPolicy {
    fn label(&self) -> &'static str {
        "VPC Lattice Auth Policy"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "The auth policy of a service network or service: with `auth_type = \"AWS_IAM\"`, requests must be allowed by it.",
            attrs: vec![
                Attr::string("id").computed().doc("The resource identifier."),
                Attr::string("resource_identifier").equivalent(same_object)
                    .required()
                    .force_new()
                    .doc("Id or ARN of the service network or service."),
                Attr::string("policy").required().doc("The IAM policy document, as JSON."),
                Attr::string("state")
                    .optional_computed()
                    .one_of(&["Active", "Inactive"])
                    .doc("`Active` when the resource's auth type is `AWS_IAM`, else `Inactive`."),
            ],
            blocks: vec![timeouts(&["create", "update", "delete"])],
        }
    }

    fn validate(&self, config: &Json, diags: &mut tf_provider::Diagnostics) {
        check_json_policy(config, "policy", diags);
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let ident = s(plan, "resource_identifier").unwrap_or_default();
        let body = json!({ "policy": s(plan, "policy") });
        c.op("PutAuthPolicy", with_input(body, json!({ "resourceIdentifier": ident }))).await?;
        Ok(ident.to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        // No policy on the object (an answer without one) is a policy gone, as for AWS.
        let Some(r) = found(c.op("GetAuthPolicy", json!({ "resourceIdentifier": id })).await)?
            .filter(|r| r.get("policy").is_some_and(|p| !p.is_null()))
        else {
            return Ok(None);
        };
        Ok(Some(json!({
            "id": id,
            "resource_identifier": id,
            "policy": policy_state(prior, "policy", s(&r, "policy").unwrap_or_default()),
            "state": r["state"],
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({ "policy": s(plan, "policy") });
        c.op("PutAuthPolicy", with_input(body, json!({ "resourceIdentifier": id }))).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteAuthPolicy", json!({ "resourceIdentifier": id })).await.map(drop)
    }
}

pub(crate) struct ResourcePolicy;

#[async_trait]
impl Kind for ResourcePolicy {
    fn label(&self) -> &'static str {
        "VPC Lattice Resource Policy"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "The resource-based policy of a service network or service (used when sharing it).",
            attrs: vec![
                Attr::string("id").computed().doc("The resource ARN."),
                Attr::string("resource_arn").required().force_new().doc("ARN of the service network or service."),
                Attr::string("policy").required().doc("The policy document, as JSON."),
            ],
            blocks: vec![],
        }
    }

    fn validate(&self, config: &Json, diags: &mut tf_provider::Diagnostics) {
        check_json_policy(config, "policy", diags);
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let arn = s(plan, "resource_arn").unwrap_or_default();
        let body = json!({ "policy": s(plan, "policy") });
        c.op("PutResourcePolicy", with_input(body, json!({ "resourceArn": arn }))).await?;
        Ok(arn.to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        // No policy on the object (an answer without one) is a policy gone, as for AWS.
        let Some(r) = found(c.op("GetResourcePolicy", json!({ "resourceArn": id })).await)?
            .filter(|r| r.get("policy").is_some_and(|p| !p.is_null()))
        else {
            return Ok(None);
        };
        Ok(Some(json!({
            "id": id,
            "resource_arn": id,
            "policy": policy_state(prior, "policy", s(&r, "policy").unwrap_or_default()),
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({ "policy": s(plan, "policy") });
        c.op("PutResourcePolicy", with_input(body, json!({ "resourceArn": id }))).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteResourcePolicy", json!({ "resourceArn": id })).await.map(drop)
    }
}
