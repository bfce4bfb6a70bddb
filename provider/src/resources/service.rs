//! `lattice_service` (mirrors `aws_vpclattice_service`).

use async_trait::async_trait;
use serde_json::{json, Map, Value as Json};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{timeouts, Attr, TypeSchema};

pub(crate) struct Service;

/// The state of a service from a `GetService` answer (shared with the data source).
pub(crate) fn service_state(r: &Json, tags: &Json, _prior: &Json) -> Json {
    json!({
        "id": r["id"], "arn": r["arn"], "name": r["name"], "auth_type": r["authType"],
        "certificate_arn": r.get("certificateArn"), "custom_domain_name": r.get("customDomainName"),
        "idle_timeout_seconds": r.get("idleTimeoutSeconds"), "status": r["status"],
        "dns_entry": dns_entry_state(r.get("dnsEntry")),
        "tags_all": tags,
    })
}

#[async_trait]
impl Kind for Service {
    fn label(&self) -> &'static str {
        "VPC Lattice Service"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A VPC Lattice service: an application reached by its generated (or custom) DNS name through the service networks it is associated with.",
            attrs: vec![
                Attr::string("id").computed().doc("The service id (`svc-…`)."),
                Attr::string("arn").computed().doc("The service ARN."),
                Attr::string("name").required().force_new().model("CreateService", "name").doc("Name, 3–40 lower-case letters, digits and hyphens; not starting with `svc-`."),
                Attr::string("auth_type").optional_computed().model("CreateService", "authType").doc("`NONE` (the default) or `AWS_IAM`. Removing it from the configuration keeps the current value (Optional and Computed, as in hashicorp/aws): set `NONE` to turn auth off."),
                Attr::string("certificate_arn").optional_computed().model("CreateService", "certificateArn").doc("ARN of the certificate for HTTPS listeners on a custom domain."),
                Attr::string("custom_domain_name").force_new().model("CreateService", "customDomainName").doc("A custom domain name for the service."),
                Attr::number("idle_timeout_seconds").optional_computed().model("CreateService", "idleTimeoutSeconds").doc("Idle timeout of connections to targets, 60–600 seconds."),
                Attr::string("status").computed().doc("The service status."),
                Attr::dns_entry(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![timeouts(&["create", "update", "delete"])],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = Map::new();
        put(&mut body, "name", plan.get("name").cloned());
        put(&mut body, "authType", plan.get("auth_type").cloned());
        put(&mut body, "certificateArn", plan.get("certificate_arn").cloned());
        put(&mut body, "customDomainName", plan.get("custom_domain_name").cloned());
        put(&mut body, "idleTimeoutSeconds", plan.get("idle_timeout_seconds").cloned());
        body.insert("tags".into(), tags_of(plan));
        let r = c.op("CreateService", Json::Object(body)).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.op("GetService", json!({ "serviceIdentifier": id })).await)? else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(Some(service_state(&r, &tags, prior)))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let mut body = Map::new();
        for (tf, api) in [
            ("auth_type", "authType"),
            ("certificate_arn", "certificateArn"),
            ("idle_timeout_seconds", "idleTimeoutSeconds"),
        ] {
            if plan.get(tf) != prior.get(tf) {
                put(&mut body, api, plan.get(tf).cloned());
            }
        }
        if !body.is_empty() {
            body.insert("serviceIdentifier".into(), json!(id));
            c.op("UpdateService", Json::Object(body)).await?;
        }
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteService", json!({ "serviceIdentifier": id })).await.map(drop)
    }
}
