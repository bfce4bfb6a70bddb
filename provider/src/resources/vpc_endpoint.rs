//! `lattice_vpc_endpoint`: the `ServiceNetwork` and `Resource` types of `aws_vpc_endpoint`, with
//! the same attribute names. Other endpoint types do not exist locally and are refused at plan.

use async_trait::async_trait;
use serde_json::{json, Map, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use crate::client::{label, Client, ClientError};
use crate::engine::Kind;
use crate::schema::{timeouts, vpc_id, Attr, Default, Ty, TypeSchema};

pub(crate) struct VpcEndpoint;

#[async_trait]
impl Kind for VpcEndpoint {
    fn label(&self) -> &'static str {
        "VPC Endpoint"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A VPC endpoint of type `ServiceNetwork` (reach a service network from a VPC, beside or instead of a VPC association: its services at the endpoint's own address by endpoint-specific names, and by their own names with `private_dns_enabled`; each of its resources at an address of its own) or `Resource` (reach one resource configuration).",
            attrs: vec![
                Attr::string("id").computed().doc("The endpoint id (`vpce-…`)."),
                Attr::string("arn").computed(),
                Attr::string("vpc_id").required().force_new().validate(vpc_id),
                Attr::string("vpc_endpoint_type")
                    .default(Default::Str("Gateway"))
                    .force_new()
                    .doc("`ServiceNetwork` or `Resource` (the AWS default, `Gateway`, is not available locally)."),
                Attr::string("service_network_arn").force_new().doc("For `ServiceNetwork` endpoints."),
                Attr::string("resource_configuration_arn").force_new().doc("For `Resource` endpoints."),
                Attr::string("service_name").force_new().doc("Not available locally."),
                Attr::set_of_string("subnet_ids").optional_computed(),
                Attr::set_of_string("security_group_ids").optional_computed().doc("Updatable. For `Resource` endpoints, the ingress rules of groups declared with `lattice_local_security_group` decide which client source addresses may connect."),
                Attr::bool("private_dns_enabled").optional_computed().force_new(),
                Attr::string("ip_address_type").optional_computed().force_new().one_of(&["ipv4", "dualstack", "ipv6"]),
                Attr::typed("dns_entry", Ty::ListOfObject(vec![("dns_name", Ty::String), ("hosted_zone_id", Ty::String)]))
                    .computed()
                    .doc("DNS names of the endpoint: for `Resource` endpoints, the resource's name through it; for `ServiceNetwork` endpoints, the endpoint-specific name of each service (`vpce-…-snsa-…`) and resource (`vpce-…-snra-….rcfg-…`) of the network."),
                Attr::list_of_string("network_interface_ids").computed(),
                Attr::string("owner_id").computed(),
                Attr::string("state").computed(),
                Attr::bool("requester_managed").computed(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![timeouts(&["create", "update", "delete"])],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let kind = s(config, "vpc_endpoint_type").unwrap_or("Gateway");
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        match kind {
            "ServiceNetwork" | "Resource" | crate::engine::UNKNOWN => {}
            other => diags.error(
                "Endpoint type not available locally",
                format!("vpc_endpoint_type \"{other}\": lattice-local provides ServiceNetwork and Resource endpoints"),
                AttributePath::new("vpc_endpoint_type"),
            ),
        }
        let wanted = match kind {
            "ServiceNetwork" => "service_network_arn",
            "Resource" => "resource_configuration_arn",
            _ => return,
        };
        for key in ["service_network_arn", "resource_configuration_arn", "service_name"] {
            if (key == wanted) != set(key) {
                let what = if key == wanted { "is required" } else { "conflicts with this endpoint type" };
                diags.error(
                    format!("Invalid {key}"),
                    format!("{key} {what} for {kind} endpoints"),
                    AttributePath::new(key),
                );
            }
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = Map::new();
        body.insert("tags".into(), tags_of(plan));
        for (tf, api) in [
            ("vpc_id", "vpcId"),
            ("vpc_endpoint_type", "vpcEndpointType"),
            ("service_network_arn", "serviceNetworkArn"),
            ("resource_configuration_arn", "resourceConfigurationArn"),
            ("subnet_ids", "subnetIds"),
            ("security_group_ids", "securityGroupIds"),
            ("private_dns_enabled", "privateDnsEnabled"),
            ("ip_address_type", "ipAddressType"),
        ] {
            put(&mut body, api, plan.get(tf).cloned());
        }
        let r = c.admin("POST", "/vpcendpoints", Some(Json::Object(body))).await?;
        Ok(s(&r, "vpcEndpointId").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/vpcendpoints/{}", label(id)), None).await)? else {
            return Ok(None);
        };
        let tags = r.get("tags").cloned().unwrap_or(json!({}));
        let dns: Vec<Json> = r["dnsEntries"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| json!({ "dns_name": d.get("dnsName"), "hosted_zone_id": d.get("hostedZoneId") }))
            .collect();
        Ok(Some(json!({
            "id": r["vpcEndpointId"], "arn": r["arn"], "vpc_id": r["vpcId"], "vpc_endpoint_type": r["vpcEndpointType"],
            "service_network_arn": r.get("serviceNetworkArn"), "resource_configuration_arn": r.get("resourceConfigurationArn"),
            "service_name": Json::Null,
            "subnet_ids": r["subnetIds"], "security_group_ids": r["securityGroupIds"],
            "private_dns_enabled": r["privateDnsEnabled"], "ip_address_type": r["ipAddressType"],
            "dns_entry": dns, "network_interface_ids": [], "owner_id": r["ownerId"], "state": r["state"],
            "requester_managed": false, "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({
            "securityGroupIds": plan.get("security_group_ids").filter(|v| v.is_array()).cloned().unwrap_or(json!([])),
            "tags": tags_of(plan),
        });
        if plan.get("security_group_ids") != prior.get("security_group_ids") || plan.get("tags") != prior.get("tags") {
            c.admin("PATCH", &format!("/vpcendpoints/{}", label(id)), Some(body)).await?;
        }
        Ok(())
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/vpcendpoints/{}", label(id)), None).await.map(drop)
    }
}
