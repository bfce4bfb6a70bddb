//! `lattice_resource_gateway` (mirrors `aws_vpclattice_resource_gateway`).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{timeouts, vpc_id, Attr, TypeSchema};

pub(crate) struct ResourceGateway;

#[async_trait]
impl Kind for ResourceGateway {
    fn label(&self) -> &'static str {
        "VPC Lattice Resource Gateway"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A resource gateway: the point where traffic to resource configurations enters the VPC that holds the resources.",
            attrs: vec![
                Attr::string("id").computed().doc("The gateway id (`rgw-…`)."),
                Attr::string("arn").computed(),
                Attr::string("status").computed(),
                Attr::string("name").required().force_new().model("CreateResourceGateway", "name").doc("Name, 3–40 lower-case letters, digits and hyphens; not starting with `rgw-`."),
                Attr::string("vpc_id").required().force_new().validate(vpc_id).doc("The VPC of the resources (created implicitly when unknown)."),
                Attr::set_of_string("subnet_ids").required().force_new().doc("Subnets of the gateway."),
                Attr::set_of_string("security_group_ids").optional_computed().doc("Up to 5 security groups of the gateway's VPC (updatable). As in AWS they limit the gateway's egress: with declared `lattice_local_security_group`s, the gateway connects only to resource addresses and ports their `egress` rules allow (others are reset); an `sg-…` id never declared allows everything."),
                Attr::string("ip_address_type").optional_computed().force_new().model("CreateResourceGateway", "ipAddressType"),
                Attr::number("ipv4_addresses_per_eni").optional_computed().force_new().model("CreateResourceGateway", "ipv4AddressesPerEni").doc("IPv4 addresses per ENI (default 16). As in Lattice they bound the gateway's concurrent connections: connections to resources leave from these addresses in turn (locally consecutive addresses of `.200`–`.249` of the VPC's block, at most 50)."),
                Attr::string("resource_config_dns_resolution")
                    .optional_computed()
                    .force_new()
                    .one_of(&["IN_VPC", "PUBLIC"])
                    .doc("Where the gateway resolves DNS resources: `PUBLIC` (default) or `IN_VPC`."),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![timeouts(&["create", "update", "delete"])],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = json!({
            "name": s(plan, "name"), "vpcIdentifier": s(plan, "vpc_id"),
            "subnetIds": plan.get("subnet_ids"), "tags": tags_of(plan),
        });
        for (tf, api) in [
            ("security_group_ids", "securityGroupIds"),
            ("ip_address_type", "ipAddressType"),
            ("ipv4_addresses_per_eni", "ipv4AddressesPerEni"),
            ("resource_config_dns_resolution", "resourceConfigDnsResolution"),
        ] {
            if let Some(v) = plan.get(tf).filter(|v| !v.is_null()) {
                body[api] = v.clone();
            }
        }
        let r = c.op("CreateResourceGateway", body).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.op("GetResourceGateway", json!({ "resourceGatewayIdentifier": id })).await)? else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"], "status": r["status"], "name": r["name"], "vpc_id": r["vpcId"],
            "subnet_ids": r["subnetIds"], "security_group_ids": r.get("securityGroupIds").cloned().unwrap_or(json!([])),
            "ip_address_type": r["ipAddressType"], "ipv4_addresses_per_eni": r.get("ipv4AddressesPerEni"),
            "resource_config_dns_resolution": r["resourceConfigDnsResolution"],
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        if plan.get("security_group_ids") != prior.get("security_group_ids") {
            let body = json!({ "securityGroupIds": plan.get("security_group_ids").cloned().unwrap_or(json!([])) });
            c.op("UpdateResourceGateway", with_input(body, json!({ "resourceGatewayIdentifier": id }))).await?;
        }
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteResourceGateway", json!({ "resourceGatewayIdentifier": id })).await.map(drop)
    }
}
