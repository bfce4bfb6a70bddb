//! `data "lattice_service_network"`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use crate::client::{Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::{s, visible_tags};
use crate::schema::{Attr, TypeSchema};

/// `data "lattice_service_network"` (mirrors `aws_vpclattice_service_network`).
pub(crate) struct ServiceNetworkData;

#[async_trait]
impl DataKind for ServiceNetworkData {
    fn label(&self) -> &'static str {
        "VPC Lattice Service Network"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Looks up a service network by id or ARN.",
            attrs: vec![
                Attr::string("service_network_identifier").required().doc("Service network id or ARN."),
                Attr::string("id").computed(),
                Attr::string("arn").computed(),
                Attr::string("name").computed(),
                Attr::string("auth_type").computed(),
                Attr::string("created_at").computed(),
                Attr::string("last_updated_at").computed(),
                Attr::number("number_of_associated_services").computed(),
                Attr::number("number_of_associated_vpcs").computed(),
                Attr::tags().computed(),
            ],
            blocks: vec![],
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let ident = s(config, "service_network_identifier").unwrap_or_default();
        let r = c.op("GetServiceNetwork", json!({ "serviceNetworkIdentifier": ident })).await?;
        let tags = visible_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(json!({
            "service_network_identifier": ident, "id": r["id"], "arn": r["arn"], "name": r["name"],
            "auth_type": r["authType"], "created_at": r["createdAt"], "last_updated_at": r["lastUpdatedAt"],
            "number_of_associated_services": r["numberOfAssociatedServices"], "number_of_associated_vpcs": r["numberOfAssociatedVPCs"],
            "tags": tags,
        }))
    }
}
