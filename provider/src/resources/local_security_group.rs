//! `lattice_local_security_group`: a security group with ingress and egress rules, shaped like
//! `aws_security_group`. Where it guards a service-network VPC association or a VPC endpoint,
//! the data plane admits only connections its ingress rules allow, by the client's source
//! address; on a resource gateway, its egress rules decide which resources the gateway may reach.

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{label, Client, ClientError};
use crate::engine::Kind;
use crate::schema::{vpc_id, Attr, BlockDef, Default, TypeSchema};

pub(crate) struct LocalSecurityGroup;

#[async_trait]
impl Kind for LocalSecurityGroup {
    fn label(&self) -> &'static str {
        "local security group"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A security group of a local VPC. Listed in `security_group_ids` of a `lattice_service_network_vpc_association` or `lattice_vpc_endpoint`, its ingress rules decide which clients (by source address: a namespace client is `.250` of the VPC block, the VPC's forward proxy `.3`, a host client whatever loopback address it binds) may connect to the services and resources reached that way. Listed in `security_group_ids` of a `lattice_resource_gateway`, its egress rules decide which resource addresses and ports the gateway may connect to; as with `aws_security_group`, a group without `egress` blocks allows no egress. An `sg-…` id never declared with this resource admits everything.",
            attrs: vec![
                Attr::string("id").computed().doc("The group id (`sg-…`)."),
                Attr::string("arn").computed(),
                Attr::string("owner_id").computed(),
                Attr::string("vpc_id").required().force_new().validate(vpc_id),
                Attr::string("name").optional_computed().force_new().doc("Generated (`terraform-sg-…`) when omitted."),
                Attr::string("description").default(Default::Str("Managed by Terraform")).force_new(),
                Attr::tags(),
            ],
            blocks: vec![
                rule_block("ingress", "Ingress rules (updatable).", "IPv4 sources, e.g. the VPC's `cidr_block`."),
                rule_block(
                    "egress",
                    "Egress rules (updatable): where a resource gateway carrying the group may connect.",
                    "IPv4 destinations, e.g. the resource's address as `a.b.c.d/32`.",
                ),
            ],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let body = json!({
            "vpcId": s(plan, "vpc_id"), "groupName": s(plan, "name"), "description": s(plan, "description"),
            "ingress": rules_wire(plan, "ingress"), "egress": rules_wire(plan, "egress"), "tags": tags_of(plan),
        });
        let r = c.admin("POST", "/securitygroups", Some(body)).await?;
        Ok(s(&r, "groupId").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/securitygroups/{}", label(id)), None).await)? else {
            return Ok(None);
        };
        let tags = r.get("tags").cloned().unwrap_or(json!({}));
        Ok(Some(json!({
            "id": r["groupId"], "arn": r["arn"], "owner_id": r["ownerId"], "vpc_id": r["vpcId"], "name": r["groupName"],
            "description": r["description"], "ingress": rules_state(&r, prior, "ingress"),
            "egress": rules_state(&r, prior, "egress"), "tags": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({
            "ingress": rules_wire(plan, "ingress"), "egress": rules_wire(plan, "egress"), "tags": tags_of(plan),
        });
        c.admin("PATCH", &format!("/securitygroups/{}", label(id)), Some(body)).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/securitygroups/{}", label(id)), None).await.map(drop)
    }
}

/// The protocol number EC2 also accepts for a protocol name.
fn protocol_number(name: &str) -> Option<&'static str> {
    match name {
        "tcp" => Some("6"),
        "udp" => Some("17"),
        "icmp" => Some("1"),
        _ => None,
    }
}

/// An `ingress` or `egress` block list; the same shape either way.
fn rule_block(name: &'static str, doc: &'static str, blocks_doc: &'static str) -> BlockDef {
    BlockDef::new(name, 0, 60).doc(doc).attrs(vec![
        Attr::number("from_port").required().range(-1, 65535),
        Attr::number("to_port").required().range(-1, 65535),
        Attr::string("protocol").required().doc("`tcp`, `udp`, `icmp` or `-1` (all); Lattice traffic is TCP."),
        Attr::list_of_string("cidr_blocks").doc(blocks_doc),
        Attr::list_of_string("ipv6_cidr_blocks"),
        Attr::string("description").default(Default::Str("")),
    ])
}

/// The `key` rules of the group `r` as Terraform state, written as `prior` wrote them.
fn rules_state(r: &Json, prior: &Json, key: &str) -> Vec<Json> {
    let prior_rules = prior.get(key).and_then(Json::as_array);
    r[key]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, rule)| {
            let before = prior_rules.and_then(|p| p.get(i)).unwrap_or(&Json::Null);
            // An empty list reads back as the configuration wrote it: omitted or `[]`.
            let list = |field: &str, wire: &str| match rule.get(wire).and_then(Json::as_array) {
                Some(l) if !l.is_empty() => Json::Array(l.clone()),
                _ if before.get(field).is_some_and(Json::is_array) => json!([]),
                _ => Json::Null,
            };
            // EC2 answers `-1` for every spelling of "all protocols"; keep the user's.
            let protocol = match (s(before, "protocol"), s(rule, "protocol")) {
                (Some(p), Some("-1")) if p.eq_ignore_ascii_case("all") || p == "-1" => json!(p),
                (Some(p), Some(theirs)) if p.eq_ignore_ascii_case(theirs) || protocol_number(theirs) == Some(p) => {
                    json!(p)
                }
                _ => rule["protocol"].clone(),
            };
            json!({
                "from_port": rule["fromPort"], "to_port": rule["toPort"], "protocol": protocol,
                "cidr_blocks": list("cidr_blocks", "cidrBlocks"),
                "ipv6_cidr_blocks": list("ipv6_cidr_blocks", "ipv6CidrBlocks"),
                "description": rule["description"],
            })
        })
        .collect()
}

fn rules_wire(plan: &Json, key: &str) -> Vec<Json> {
    plan.get(key)
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|r| {
            json!({
                "fromPort": n(r, "from_port"), "toPort": n(r, "to_port"), "protocol": s(r, "protocol"),
                "cidrBlocks": r.get("cidr_blocks"), "ipv6CidrBlocks": r.get("ipv6_cidr_blocks"),
                "description": s(r, "description"),
            })
        })
        .collect()
}
