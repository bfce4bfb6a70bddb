//! `lattice_service_network_service_association` and
//! `lattice_service_network_vpc_association` (mirror the `aws_vpclattice_*` twins).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{same_object, timeouts, vpc_id, Attr, BlockDef, Default, TypeSchema};

pub(crate) struct ServiceNetworkServiceAssociation;

#[async_trait]
impl Kind for ServiceNetworkServiceAssociation {
    fn label(&self) -> &'static str {
        "VPC Lattice Service Network Service Association"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Associates a service with a service network, so VPCs of that network can reach it.",
            attrs: vec![
                Attr::string("id").computed().doc("The association id (`snsa-…`)."),
                Attr::string("arn").computed(),
                Attr::string("service_identifier")
                    .equivalent(same_object)
                    .required()
                    .force_new()
                    .model("CreateServiceNetworkServiceAssociation", "serviceIdentifier")
                    .doc("Service id or ARN."),
                Attr::string("service_network_identifier")
                    .equivalent(same_object)
                    .required()
                    .force_new()
                    .model("CreateServiceNetworkServiceAssociation", "serviceNetworkIdentifier")
                    .doc("Service network id or ARN."),
                Attr::string("created_by").computed(),
                Attr::string("custom_domain_name").computed(),
                Attr::string("status").computed(),
                Attr::dns_entry(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![timeouts(&["create", "update", "delete"])],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let body = json!({
            "serviceIdentifier": s(plan, "service_identifier"),
            "serviceNetworkIdentifier": s(plan, "service_network_identifier"),
            "tags": tags_of(plan),
        });
        let r = c.op("CreateServiceNetworkServiceAssociation", body).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(
            c.op("GetServiceNetworkServiceAssociation", json!({ "serviceNetworkServiceAssociationIdentifier": id }))
                .await,
        )?
        else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"],
            "service_identifier": same_identifier(prior, "service_identifier", s(&r, "serviceId").unwrap_or_default()),
            "service_network_identifier": same_identifier(prior, "service_network_identifier", s(&r, "serviceNetworkId").unwrap_or_default()),
            "created_by": r["createdBy"], "custom_domain_name": r.get("customDomainName"), "status": r["status"],
            "dns_entry": dns_entry_state(r.get("dnsEntry")),
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, _id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteServiceNetworkServiceAssociation", json!({ "serviceNetworkServiceAssociationIdentifier": id }))
            .await
            .map(drop)
    }
}

pub(crate) struct ServiceNetworkVpcAssociation;

#[async_trait]
impl Kind for ServiceNetworkVpcAssociation {
    fn label(&self) -> &'static str {
        "VPC Lattice Service Network VPC Association"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Associates a VPC with a service network: clients in the VPC can then resolve and reach the network's services.",
            attrs: vec![
                Attr::string("id").computed().doc("The association id (`snva-…`)."),
                Attr::string("arn").computed(),
                Attr::string("vpc_identifier").required().force_new().validate(vpc_id).doc("The VPC (created implicitly when unknown)."),
                Attr::string("service_network_identifier").equivalent(same_object).required().force_new().model("CreateServiceNetworkVpcAssociation", "serviceNetworkIdentifier").doc("Service network id or ARN."),
                Attr::list_of_string("security_group_ids").doc("Up to 5 security groups (updatable). The ingress rules of those declared with `lattice_local_security_group` decide which client source addresses may connect through this association."),
                Attr::bool("private_dns_enabled")
                    .default(Default::Bool(false))
                    .doc("Whether the VPC resolves resources' private DNS names (updatable)."),
                Attr::string("created_by").computed(),
                Attr::string("status").computed(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![BlockDef::new("dns_options", 0, 1)
                .doc("Private DNS options (updatable).")
                .attrs(vec![
                    Attr::string("private_dns_preference").one_of(&[
                        "VERIFIED_DOMAINS_ONLY",
                        "ALL_DOMAINS",
                        "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS",
                        "SPECIFIED_DOMAINS_ONLY",
                    ]),
                    Attr::list_of_string("private_dns_specified_domains"),
                ]), timeouts(&["create", "update", "delete"])],
        }
    }

    fn validate(&self, config: &Json, diags: &mut tf_provider::Diagnostics) {
        if config.get("security_group_ids").and_then(Json::as_array).is_some_and(|a| a.len() > 5) {
            diags.error(
                "Too many security groups",
                "security_group_ids takes at most 5 security groups",
                tf_provider::AttributePath::new("security_group_ids"),
            );
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = json!({
            "vpcIdentifier": s(plan, "vpc_identifier"),
            "serviceNetworkIdentifier": s(plan, "service_network_identifier"),
            "tags": tags_of(plan),
        });
        if let Some(sgs) = plan.get("security_group_ids").filter(|v| v.is_array()) {
            body["securityGroupIds"] = sgs.clone();
        }
        if let Some(p) = plan.get("private_dns_enabled").filter(|v| v.is_boolean()) {
            body["privateDnsEnabled"] = p.clone();
        }
        if let Some(d) = dns_options_body(plan) {
            body["dnsOptions"] = d;
        }
        let r = c.op("CreateServiceNetworkVpcAssociation", body).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(
            c.op("GetServiceNetworkVpcAssociation", json!({ "serviceNetworkVpcAssociationIdentifier": id })).await,
        )?
        else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        let sgs = r.get("securityGroupIds").cloned().unwrap_or(json!([]));
        let sgs =
            if sgs.as_array().is_some_and(Vec::is_empty) && prior.get("security_group_ids").is_none_or(Json::is_null) {
                Json::Null
            } else {
                sgs
            };
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"], "vpc_identifier": r["vpcId"],
            "service_network_identifier": same_identifier(prior, "service_network_identifier", s(&r, "serviceNetworkId").unwrap_or_default()),
            "security_group_ids": sgs, "created_by": r["createdBy"], "status": r["status"],
            "private_dns_enabled": r.get("privateDnsEnabled").and_then(Json::as_bool).unwrap_or(false),
            "dns_options": dns_options_state(r.get("dnsOptions")),
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        if plan.get("security_group_ids") != prior.get("security_group_ids") {
            let sgs = plan.get("security_group_ids").filter(|v| v.is_array()).cloned().unwrap_or(json!([]));
            if sgs.as_array().is_some_and(Vec::is_empty) {
                return Err(ClientError::Transport(
                    "security groups cannot all be removed from an association; recreate it without them".into(),
                ));
            }
            c.op(
                "UpdateServiceNetworkVpcAssociation",
                with_input(json!({ "securityGroupIds": sgs }), json!({ "serviceNetworkVpcAssociationIdentifier": id })),
            )
            .await?;
        }
        let mut dns = serde_json::Map::new();
        if plan.get("private_dns_enabled") != prior.get("private_dns_enabled") {
            let enabled = plan.get("private_dns_enabled").cloned().unwrap_or(json!(false));
            dns.insert("privateDnsEnabled".into(), enabled);
        }
        if plan.get("dns_options") != prior.get("dns_options") {
            dns.insert("dnsOptions".into(), dns_options_body(plan).unwrap_or_else(|| json!({})));
        }
        if !dns.is_empty() {
            c.op(
                "UpdateServiceNetworkVpcAssociation",
                with_input(Json::Object(dns), json!({ "serviceNetworkVpcAssociationIdentifier": id })),
            )
            .await?;
        }
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteServiceNetworkVpcAssociation", json!({ "serviceNetworkVpcAssociationIdentifier": id }))
            .await
            .map(drop)
    }
}

fn dns_options_body(plan: &Json) -> Option<Json> {
    let d = block(plan, "dns_options")?;
    let mut body = serde_json::Map::new();
    put(&mut body, "privateDnsPreference", d.get("private_dns_preference").cloned());
    put(&mut body, "privateDnsSpecifiedDomains", d.get("private_dns_specified_domains").cloned());
    Some(Json::Object(body))
}

fn dns_options_state(api: Option<&Json>) -> Json {
    match api.filter(|d| d.as_object().is_some_and(|m| !m.is_empty())) {
        Some(d) => json!([{
            "private_dns_preference": d.get("privateDnsPreference"),
            "private_dns_specified_domains": d.get("privateDnsSpecifiedDomains"),
        }]),
        None => json!([]),
    }
}
