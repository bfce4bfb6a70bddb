//! `lattice_access_log_subscription` (mirrors `aws_vpclattice_access_log_subscription`).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{same_object, Attr, TypeSchema};

pub(crate) struct AccessLogSubscription;

#[async_trait]
impl Kind for AccessLogSubscription {
    fn label(&self) -> &'static str {
        "VPC Lattice Access Log Subscription"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Sends the access logs of a service network or service to a destination (a CloudWatch Logs group, S3 bucket or Firehose stream ARN).",
            attrs: vec![
                Attr::string("id").computed().doc("The subscription id (`als-…`)."),
                Attr::string("arn").computed(),
                Attr::string("resource_identifier").equivalent(same_object)
                    .required()
                    .force_new()
                    .doc("Id or ARN of the service network or service."),
                Attr::string("resource_arn").computed(),
                Attr::string("destination_arn").required().force_new().equivalent(same_log_destination).model("CreateAccessLogSubscription", "destinationArn").doc("Where the logs go (a log group with or without `:*`)."),
                Attr::string("service_network_log_type")
                    .optional_computed()
                    .force_new()
                    .one_of(&["SERVICE", "RESOURCE"])
                    .doc("For service networks: which logs (`SERVICE` by default)."),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = json!({
            "resourceIdentifier": s(plan, "resource_identifier"),
            "destinationArn": s(plan, "destination_arn"),
            "tags": tags_of(plan),
        });
        if let Some(t) = s(plan, "service_network_log_type") {
            body["serviceNetworkLogType"] = json!(t);
        }
        let r = c.op("CreateAccessLogSubscription", body).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.op("GetAccessLogSubscription", json!({ "accessLogSubscriptionIdentifier": id })).await)?
        else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        let resource_id = s(&r, "resourceId").unwrap_or_default();
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"],
            "resource_identifier": same_identifier(prior, "resource_identifier", resource_id),
            "resource_arn": r["resourceArn"], "destination_arn": destination_state(prior, r["destinationArn"].as_str()),
            "service_network_log_type": r.get("serviceNetworkLogType"),
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, _id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteAccessLogSubscription", json!({ "accessLogSubscriptionIdentifier": id })).await.map(drop)
    }
}

/// The destination as state: the configured spelling; on import (no configuration known) a log
/// group's ARN without `:*`, as `aws_cloudwatch_log_group.arn` gives it and configurations write it.
fn destination_state(prior: &Json, theirs: Option<&str>) -> Json {
    match (s(prior, "destination_arn"), theirs) {
        (None, Some(arn)) if arn.contains(":log-group:") => Json::String(arn.trim_end_matches(":*").to_string()),
        _ => keep_spelling(prior, "destination_arn", theirs, same_log_destination),
    }
}

/// A log group's ARN with and without `:*` (Lattice answers with the latter) name one destination.
fn same_log_destination(a: &str, b: &str) -> bool {
    a.strip_suffix(":*").unwrap_or(a) == b.strip_suffix(":*").unwrap_or(b)
}
