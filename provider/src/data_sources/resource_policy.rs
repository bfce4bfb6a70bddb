//! `data "lattice_resource_policy"`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use crate::client::{Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::s;
use crate::schema::{Attr, TypeSchema};

/// `data "lattice_resource_policy"` (mirrors `aws_vpclattice_resource_policy`).
pub(crate) struct ResourcePolicyData;

#[async_trait]
impl DataKind for ResourcePolicyData {
    fn label(&self) -> &'static str {
        "VPC Lattice Resource Policy"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Reads the resource-based policy of a service network or service.",
            attrs: vec![
                Attr::string("id").computed().doc("The identifier asked for."),
                Attr::string("resource_arn").required().doc("ARN of the service network or service."),
                Attr::string("policy").computed(),
            ],
            blocks: vec![],
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let arn = s(config, "resource_arn").unwrap_or_default();
        let r = c.op("GetResourcePolicy", json!({ "resourceArn": arn })).await?;
        Ok(json!({ "id": arn, "resource_arn": arn, "policy": r["policy"] }))
    }
}
