//! `lattice_local_vpc`: a local stand-in for a VPC, with the loopback addresses a client uses
//! to be "in" it (its resolver and its service-network address).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::common::*;
use crate::client::{label, Client, ClientError};
use crate::engine::Kind;
use crate::schema::{vpc_id, Attr, TypeSchema};

pub(crate) struct LocalVpc;

#[async_trait]
impl Kind for LocalVpc {
    fn label(&self) -> &'static str {
        "local VPC"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A local VPC. Each gets its own /24 of loopback addresses: a DNS resolver that answers the Lattice names this VPC may reach, and a service-network address where those services answer.",
            attrs: vec![
                Attr::string("id").computed().doc("The VPC id."),
                Attr::string("vpc_id").optional_computed().force_new().validate(vpc_id).doc("The id to give the VPC (`vpc-` and 8 or 17 lower-case alphanumerics); generated when omitted."),
                Attr::string("arn").computed(),
                Attr::string("owner_id").computed().doc("The owning account."),
                Attr::string("cidr_block").computed().doc("The loopback block of this VPC, e.g. `127.77.1.0/24`."),
                Attr::string("resolver_address").computed().doc("Address of the VPC resolver (`dig @resolver_address -p resolver_port …`)."),
                Attr::number("resolver_port").computed().doc("Port of the VPC resolver (53 unless the OS refused it)."),
                Attr::string("service_network_address").computed().doc("Address where services reachable from this VPC answer."),
                Attr::tags(),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let r = c.admin("POST", "/vpcs", Some(json!({ "vpcId": plan.get("vpc_id"), "tags": tags_of(plan) }))).await?;
        Ok(s(&r, "vpcId").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/vpcs/{}", label(id)), None).await)? else {
            return Ok(None);
        };
        let tags = r.get("tags").cloned().unwrap_or(json!({}));
        Ok(Some(json!({
            "id": r["vpcId"], "vpc_id": r["vpcId"], "arn": r["arn"], "owner_id": r["ownerId"], "cidr_block": r["cidrBlock"],
            "resolver_address": r["resolverAddress"], "resolver_port": r["resolverPort"],
            "service_network_address": r["serviceNetworkAddress"], "tags": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        c.admin("PATCH", &format!("/vpcs/{}", label(id)), Some(json!({ "tags": tags_of(plan) }))).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/vpcs/{}", label(id)), None).await.map(drop)
    }
}
