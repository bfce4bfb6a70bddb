//! `data "lattice_service_network_service_associations"`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use crate::client::{Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::s;
use crate::schema::{Attr, Ty, TypeSchema};

/// `data "lattice_service_network_service_associations"` (mirrors the AWS data source).
pub(crate) struct ServiceNetworkServiceAssociationsData;

#[async_trait]
impl DataKind for ServiceNetworkServiceAssociationsData {
    fn label(&self) -> &'static str {
        "VPC Lattice Service Network Service Associations"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description:
                "Lists the service associations of a service network, or the service network associations of a service.",
            attrs: vec![
                Attr::string("service_network_identifier")
                    .doc("Service network id or ARN (this or `service_identifier`)."),
                Attr::string("service_identifier").doc("Service id or ARN (this or `service_network_identifier`)."),
                Attr::string("id").computed(),
                Attr::typed("associations", association_type()).computed(),
            ],
            blocks: vec![],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("service_network_identifier") == set("service_identifier") {
            diags.error(
                "Invalid lookup",
                "exactly one of service_network_identifier or service_identifier must be set",
                AttributePath::new("service_network_identifier"),
            );
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let (key, value) = match (s(config, "service_network_identifier"), s(config, "service_identifier")) {
            (Some(sn), _) => ("serviceNetworkIdentifier", sn),
            (None, Some(svc)) => ("serviceIdentifier", svc),
            (None, None) => return Err(ClientError::Transport("one identifier must be set".into())),
        };
        let mut associations = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut input = json!({ key: value, "maxResults": 100 });
            if let Some(t) = &token {
                input["nextToken"] = json!(t);
            }
            let page = c.op("ListServiceNetworkServiceAssociations", input).await?;
            for a in page["items"].as_array().into_iter().flatten() {
                associations.push(json!({
                    "arn": a["arn"], "created_by": a["createdBy"], "custom_domain_name": a.get("customDomainName"),
                    "dns_entry": crate::resources::common::dns_entry_state(a.get("dnsEntry")),
                    "id": a["id"], "service_arn": a["serviceArn"], "service_id": a["serviceId"], "service_name": a["serviceName"],
                    "service_network_arn": a["serviceNetworkArn"], "service_network_id": a["serviceNetworkId"],
                    "service_network_name": a["serviceNetworkName"], "status": a["status"],
                }));
            }
            match s(&page, "nextToken") {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        Ok(json!({
            "service_network_identifier": config.get("service_network_identifier"),
            "service_identifier": config.get("service_identifier"),
            "id": value, "associations": associations,
        }))
    }
}

pub(crate) fn association_type() -> Ty {
    let dns = Ty::ListOfObject(vec![("domain_name", Ty::String), ("hosted_zone_id", Ty::String)]);
    Ty::ListOfObject(vec![
        ("arn", Ty::String),
        ("created_by", Ty::String),
        ("custom_domain_name", Ty::String),
        ("dns_entry", dns),
        ("id", Ty::String),
        ("service_arn", Ty::String),
        ("service_id", Ty::String),
        ("service_name", Ty::String),
        ("service_network_arn", Ty::String),
        ("service_network_id", Ty::String),
        ("service_network_name", Ty::String),
        ("status", Ty::String),
    ])
}
