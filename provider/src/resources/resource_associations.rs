//! `lattice_service_network_resource_association` and `lattice_domain_verification` (mirror
//! the `aws_vpclattice_*` twins).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{same_object, timeouts, Attr, Default, TypeSchema};

pub(crate) struct ServiceNetworkResourceAssociation;

#[async_trait]
impl Kind for ServiceNetworkResourceAssociation {
    fn label(&self) -> &'static str {
        "VPC Lattice Service Network Resource Association"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Associates a resource configuration with a service network, so the network's consumers reach the resource by a generated `vpc-lattice-rsc` name.",
            attrs: vec![
                Attr::string("id").computed().doc("The association id (`snra-…`)."),
                Attr::string("arn").computed(),
                Attr::string("resource_configuration_identifier").equivalent(same_object).required().force_new().model("CreateServiceNetworkResourceAssociation", "resourceConfigurationIdentifier").doc("Resource configuration id or ARN."),
                Attr::string("service_network_identifier").equivalent(same_object).required().force_new().model("CreateServiceNetworkResourceAssociation", "serviceNetworkIdentifier").doc("Service network id or ARN."),
                Attr::bool("private_dns_enabled").default(Default::Bool(false)).force_new(),
                Attr::dns_entry(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![timeouts(&["create", "delete"])],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let body = json!({
            "resourceConfigurationIdentifier": s(plan, "resource_configuration_identifier"),
            "serviceNetworkIdentifier": s(plan, "service_network_identifier"),
            "privateDnsEnabled": plan.get("private_dns_enabled"),
            "tags": tags_of(plan),
        });
        let r = c.op("CreateServiceNetworkResourceAssociation", body).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(
            c.op("GetServiceNetworkResourceAssociation", json!({ "serviceNetworkResourceAssociationIdentifier": id }))
                .await,
        )?
        else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"],
            "resource_configuration_identifier": same_identifier(prior, "resource_configuration_identifier", s(&r, "resourceConfigurationId").unwrap_or_default()),
            "service_network_identifier": same_identifier(prior, "service_network_identifier", s(&r, "serviceNetworkId").unwrap_or_default()),
            "private_dns_enabled": r.get("privateDnsEnabled").and_then(Json::as_bool).unwrap_or(false),
            "dns_entry": dns_entry_state(r.get("dnsEntry")),
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, _id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteServiceNetworkResourceAssociation", json!({ "serviceNetworkResourceAssociationIdentifier": id }))
            .await
            .map(drop)
    }
}

pub(crate) struct DomainVerification;

#[async_trait]
impl Kind for DomainVerification {
    fn label(&self) -> &'static str {
        "VPC Lattice Domain Verification"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Starts verifying ownership of a domain for resource configurations' custom domain names. Locally nothing publishes the TXT record, so the status stays `PENDING`.",
            attrs: vec![
                Attr::string("id").computed().doc("The verification id (`dv-…`)."),
                Attr::string("arn").computed(),
                Attr::string("domain_name").required().force_new().model("StartDomainVerification", "domainName"),
                Attr::string("created_at").computed(),
                Attr::string("last_verified_time").computed(),
                Attr::string("status").computed(),
                Attr::string("txt_record_name").computed(),
                Attr::string("txt_record_value").computed(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let body = json!({ "domainName": s(plan, "domain_name"), "tags": tags_of(plan) });
        let r = c.op("StartDomainVerification", body).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.op("GetDomainVerification", json!({ "domainVerificationIdentifier": id })).await)? else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"],
            "domain_name": s(prior, "domain_name").filter(|p| p.eq_ignore_ascii_case(s(&r, "domainName").unwrap_or_default())).map_or(r["domainName"].clone(), |p| json!(p)),
            "created_at": r["createdAt"], "last_verified_time": r.get("lastVerifiedTime"), "status": r["status"],
            "txt_record_name": r.pointer("/txtMethodConfig/name"), "txt_record_value": r.pointer("/txtMethodConfig/value"),
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, _id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteDomainVerification", json!({ "domainVerificationIdentifier": id })).await.map(drop)
    }
}
