//! `lattice_resource_configuration` (mirrors `aws_vpclattice_resource_configuration`).

use async_trait::async_trait;
use serde_json::{json, Map, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{same_object, timeouts, Attr, BlockDef, Default, TypeSchema};

pub(crate) struct ResourceConfiguration;

fn port_range(s: &str) -> Result<(), String> {
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    match (lo.parse::<u32>(), hi.parse::<u32>()) {
        (Ok(a), Ok(b)) if (1..=65535).contains(&a) && a <= b && b <= 65535 => Ok(()),
        _ => Err("must be a port (\"80\") or a range (\"80-81\") within 1–65535".into()),
    }
}

fn definition_block() -> BlockDef {
    BlockDef::new("resource_configuration_definition", 0, 1)
        .doc("What the configuration points at: exactly one of `arn_resource`, `dns_resource` or `ip_resource`.")
        .blocks(vec![
            BlockDef::new("arn_resource", 0, 1).attrs(vec![Attr::string("arn").required().force_new()]),
            BlockDef::new("dns_resource", 0, 1).attrs(vec![
                Attr::string("domain_name").required().force_new(),
                Attr::string("ip_address_type").required().force_new().one_of(&["IPV4", "IPV6"]),
            ]),
            BlockDef::new("ip_resource", 0, 1).attrs(vec![Attr::string("ip_address").required()]),
        ])
}

fn definition_body(plan: &Json) -> Option<Json> {
    let d = block(plan, "resource_configuration_definition")?;
    if let Some(a) = block(d, "arn_resource") {
        return Some(json!({ "arnResource": { "arn": a.get("arn") } }));
    }
    if let Some(dns) = block(d, "dns_resource") {
        return Some(
            json!({ "dnsResource": { "domainName": dns.get("domain_name"), "ipAddressType": dns.get("ip_address_type") } }),
        );
    }
    block(d, "ip_resource").map(|ip| json!({ "ipResource": { "ipAddress": ip.get("ip_address") } }))
}

fn definition_state(api: Option<&Json>) -> Json {
    let Some(d) = api.filter(|d| d.is_object()) else {
        return json!([]);
    };
    let one = |key: &str, f: &dyn Fn(&Json) -> Json| d.get(key).map(|v| json!([f(v)])).unwrap_or(json!([]));
    json!([{
        "arn_resource": one("arnResource", &|v| json!({ "arn": v.get("arn") })),
        "dns_resource": one("dnsResource", &|v| json!({ "domain_name": v.get("domainName"), "ip_address_type": v.get("ipAddressType") })),
        "ip_resource": one("ipResource", &|v| json!({ "ip_address": v.get("ipAddress") })),
    }])
}

#[async_trait]
impl Kind for ResourceConfiguration {
    fn label(&self) -> &'static str {
        "VPC Lattice Resource Configuration"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A resource configuration: a TCP resource (an IP address, a DNS name, or an AWS resource ARN, on some ports) reached through a resource gateway.",
            attrs: vec![
                Attr::string("id").computed().doc("The configuration id (`rcfg-…`)."),
                Attr::string("arn").computed(),
                Attr::string("name").required().force_new().model("CreateResourceConfiguration", "name").doc("Name, 3–40 lower-case letters, digits and hyphens; not starting with `rcfg-`."),
                Attr::string("type").default(Default::Str("SINGLE")).force_new().one_of(&["GROUP", "CHILD", "SINGLE", "ARN"]),
                Attr::set_of_string("port_ranges").optional_computed().doc("Ports (`\"80\"`) or ranges (`\"80-81\"`); updatable. Locally, on the host, each resource address listens on at most the first 256 of them (one socket each; `explain` names a port past that); in a VPC's namespace (`lattice-local exec`) every port is served."),
                Attr::string("protocol").optional_computed().force_new().one_of(&["TCP"]).doc("Set unless the configuration is a CHILD."),
                Attr::string("resource_gateway_identifier").equivalent(same_object)
                    .optional_computed()
                    .force_new()
                    .doc("The resource gateway (this or `resource_configuration_group_id`)."),
                Attr::string("resource_configuration_group_id").equivalent(same_object).force_new().model("CreateResourceConfiguration", "resourceConfigurationGroupIdentifier").doc("The GROUP this CHILD belongs to."),
                Attr::bool("allow_association_to_shareable_service_network").optional_computed(),
                Attr::string("custom_domain_name").force_new().model("CreateResourceConfiguration", "customDomainName").doc("A custom domain name for the resource."),
                Attr::string("domain_verification_id").force_new().model("CreateResourceConfiguration", "domainVerificationIdentifier").doc("The domain verification of `custom_domain_name`."),
                Attr::string("domain_verification_arn").computed(),
                Attr::string("domain_verification_status").computed(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![definition_block(), timeouts(&["create", "update", "delete"])],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("resource_gateway_identifier") == set("resource_configuration_group_id") {
            diags.error(
                "Invalid resource configuration",
                "exactly one of resource_gateway_identifier or resource_configuration_group_id must be set",
                AttributePath::new("resource_gateway_identifier"),
            );
        }
        for (i, r) in config.get("port_ranges").and_then(Json::as_array).into_iter().flatten().enumerate() {
            if let Some(r) = r.as_str().filter(|r| *r != crate::engine::UNKNOWN) {
                if let Err(e) = port_range(r) {
                    diags.error(
                        "Invalid port range",
                        format!("\"{r}\": {e}"),
                        AttributePath::new("port_ranges").index(i as i64),
                    );
                }
            }
        }
        if let Some(d) = block(config, "resource_configuration_definition") {
            let n = ["arn_resource", "dns_resource", "ip_resource"].iter().filter(|k| block(d, k).is_some()).count();
            if n != 1 {
                diags.error(
                    "Invalid resource_configuration_definition",
                    "exactly one of arn_resource, dns_resource or ip_resource must be set",
                    AttributePath::new("resource_configuration_definition").index(0),
                );
            }
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = Map::new();
        body.insert("tags".into(), tags_of(plan));
        for (tf, api) in [
            ("name", "name"),
            ("type", "type"),
            ("port_ranges", "portRanges"),
            ("protocol", "protocol"),
            ("resource_gateway_identifier", "resourceGatewayIdentifier"),
            ("resource_configuration_group_id", "resourceConfigurationGroupIdentifier"),
            ("allow_association_to_shareable_service_network", "allowAssociationToShareableServiceNetwork"),
            ("custom_domain_name", "customDomainName"),
            ("domain_verification_id", "domainVerificationIdentifier"),
        ] {
            put(&mut body, api, plan.get(tf).cloned());
        }
        put(&mut body, "resourceConfigurationDefinition", definition_body(plan));
        let r = c.op("CreateResourceConfiguration", Json::Object(body)).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.op("GetResourceConfiguration", json!({ "resourceConfigurationIdentifier": id })).await)?
        else {
            return Ok(None);
        };
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        // A CHILD's gateway is its group's: computed, as the AWS provider reads it.
        let gateway = match s(&r, "resourceGatewayId") {
            Some(g) => same_identifier(prior, "resource_gateway_identifier", g),
            None => Json::Null,
        };
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"], "name": r["name"], "type": r["type"],
            "port_ranges": r.get("portRanges").cloned().unwrap_or(json!([])),
            "protocol": r.get("protocol"),
            "resource_gateway_identifier": gateway,
            "resource_configuration_group_id": r.get("resourceConfigurationGroupId"),
            "allow_association_to_shareable_service_network": r.get("allowAssociationToShareableServiceNetwork"),
            "custom_domain_name": r.get("customDomainName"),
            "domain_verification_id": r.get("domainVerificationId"),
            "domain_verification_arn": r.get("domainVerificationArn"),
            "domain_verification_status": r.get("domainVerificationStatus"),
            "resource_configuration_definition": definition_state(r.get("resourceConfigurationDefinition")),
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let mut body = Map::new();
        if plan.get("port_ranges") != prior.get("port_ranges") {
            put(&mut body, "portRanges", plan.get("port_ranges").cloned());
        }
        let key = "allow_association_to_shareable_service_network";
        if plan.get(key) != prior.get(key) {
            put(&mut body, "allowAssociationToShareableServiceNetwork", plan.get(key).cloned());
        }
        if plan.get("resource_configuration_definition") != prior.get("resource_configuration_definition") {
            put(&mut body, "resourceConfigurationDefinition", definition_body(plan));
        }
        if !body.is_empty() {
            c.op(
                "UpdateResourceConfiguration",
                with_input(Json::Object(body), json!({ "resourceConfigurationIdentifier": id })),
            )
            .await?;
        }
        sync_tags(c, s(prior, "arn").unwrap_or_default(), prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.op("DeleteResourceConfiguration", json!({ "resourceConfigurationIdentifier": id })).await.map(drop)
    }
}
