//! `data "lattice_auth_policy"`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use crate::client::{Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::s;
use crate::schema::{Attr, TypeSchema};

/// `data "lattice_auth_policy"` (mirrors `aws_vpclattice_auth_policy`).
pub(crate) struct AuthPolicyData;

#[async_trait]
impl DataKind for AuthPolicyData {
    fn label(&self) -> &'static str {
        "VPC Lattice Auth Policy"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Reads the auth policy of a service network or service.",
            attrs: vec![
                Attr::string("id").computed().doc("The identifier asked for."),
                Attr::string("resource_identifier").required().doc("Id or ARN of the service network or service."),
                Attr::string("policy").computed(),
                Attr::string("state").computed(),
            ],
            blocks: vec![],
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let ident = s(config, "resource_identifier").unwrap_or_default();
        let r = c.op("GetAuthPolicy", json!({ "resourceIdentifier": ident })).await?;
        Ok(json!({ "id": ident, "resource_identifier": ident, "policy": r["policy"], "state": r["state"] }))
    }
}
