//! `lattice_service_network` (mirrors `aws_vpclattice_service_network`).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{Attr, TypeSchema};

pub(crate) struct ServiceNetwork;

#[async_trait]
impl Kind for ServiceNetwork {
    fn label(&self) -> &'static str {
        "VPC Lattice Service Network"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A VPC Lattice service network: a logical boundary that services and VPCs associate with.",
            attrs: vec![
                Attr::string("id").computed().doc("The service network id (`sn-…`)."),
                Attr::string("arn").computed().doc("The service network ARN."),
                Attr::string("name")
                    .required()
                    .force_new()
                    .model("CreateServiceNetwork", "name")
                    .doc("Name, 3–63 lower-case letters, digits and hyphens."),
                Attr::string("auth_type")
                    .optional_computed()
                    .model("CreateServiceNetwork", "authType")
                    .doc("`NONE` (the default) or `AWS_IAM`. Removing it from the configuration keeps the current value (Optional and Computed, as in hashicorp/aws): set `NONE` to turn auth off."),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = json!({ "name": s(plan, "name"), "tags": tags_of(plan) });
        if let Some(a) = s(plan, "auth_type") {
            body["authType"] = json!(a);
        }
        let r = c.op("CreateServiceNetwork", body).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.op("GetServiceNetwork", json!({ "serviceNetworkIdentifier": id })).await)? else {
            return Ok(None);
        };
        let arn = s(&r, "arn").unwrap_or_default();
        let tags = read_tags(c, arn).await?;
        Ok(Some(json!({
            "id": r["id"], "arn": arn, "name": r["name"], "auth_type": r["authType"],
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        if s(plan, "auth_type") != s(prior, "auth_type") {
            if let Some(a) = s(plan, "auth_type") {
                c.op("UpdateServiceNetwork", json!({ "serviceNetworkIdentifier": id, "authType": a })).await?;
            }
        }
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteServiceNetwork", json!({ "serviceNetworkIdentifier": id })).await.map(drop)
    }
}
