//! Local VPCs (`/_lattice-local/vpcs`): created explicitly or on first reference, each with its
//! loopback block; what a client needs to be "in" one (resolver, service and proxy addresses,
//! live ports, its network namespace).

use std::collections::BTreeMap;

use lattice_api::{ids, ApiError};
use lattice_model::records::{Tags, Vpc};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::admin::route::{custom, write, BoxAnswer, Route};
use crate::http::json_response;
use crate::kit::{Ctx, OpResult, Outcome};
use crate::vpcs::new_vpc;
use crate::Backend;

/// Addresses the data plane needs but another process holds (those of one block when given:
/// `127.x.y.`), as `{ address, error }`.
pub(crate) fn unbound(backend: &Backend, block: Option<&str>) -> Vec<Value> {
    backend
        .bindings
        .unbound()
        .into_iter()
        .filter(|(ip, _, _)| block.is_none_or(|b| ip.to_string().starts_with(b)))
        .map(|(ip, port, why)| json!({ "address": format!("{ip}:{port}"), "error": why }))
        .collect()
}

/// Everything a client needs to be "in" a VPC.
pub(crate) fn vpc_info(backend: &Backend, vpc: &Vpc) -> Value {
    let resolver: std::net::Ipv4Addr = vpc.resolver_ip().parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST);
    let service_ip: std::net::Ipv4Addr = vpc.service_network_ip().parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST);
    let ports: BTreeMap<String, u16> = backend
        .read(|s| served_ports(s, vpc))
        .into_iter()
        .filter_map(|p| Some((p.to_string(), backend.bindings.actual_port(service_ip, p)?)))
        .collect();
    let proxy: std::net::Ipv4Addr = vpc.proxy_ip().parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST);
    let proxy_port = backend.bindings.actual_port(proxy, lattice_model::snapshot::FORWARD_PROXY_PORT);
    let unbound = unbound(backend, Some(&format!("{}.", vpc.block)));
    json!({
        "vpcId": vpc.id,
        "unbound": unbound,
        "arn": format!("arn:aws:ec2:{}:{}:vpc/{}", vpc.region_or(&backend.config().region), vpc.account, vpc.id),
        "region": vpc.region_or(&backend.config().region),
        "ownerId": vpc.account,
        "cidrBlock": vpc.cidr(),
        // The block declared through EC2 (what security group rules are written against).
        "ec2CidrBlock": (!vpc.ec2.cidr_block.is_empty()).then_some(&vpc.ec2.cidr_block),
        "resolverAddress": vpc.resolver_ip(),
        "resolverPort": backend.bindings.actual_port(resolver, backend.config().dns_port),
        "serviceNetworkAddress": vpc.service_network_ip(),
        "servicePorts": ports,
        "proxyUrl": proxy_port.map(|port| format!("http://{proxy}:{port}")),
        "tags": vpc.tags,
        "createdAt": vpc.created_at,
    })
}

fn served_ports(s: &State, vpc: &Vpc) -> Vec<u16> {
    let Some(assoc) = s.sn_vpc_associations.values().find(|a| a.account == vpc.account && a.vpc_id == vpc.id) else {
        return vec![];
    };
    let mut ports: Vec<u16> = s
        .sn_service_associations
        .values()
        .filter(|a| a.service_network_id == assoc.service_network_id)
        .flat_map(|a| s.listeners.values().filter(move |l| l.service_id == a.service_id))
        .filter_map(|l| u16::try_from(l.port).ok())
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

fn tags_of(body: &Value) -> Tags {
    body.get("tags")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// One of the caller's VPCs, in any Region: the admin API (the CLI, `exec`, `explain`) names
/// VPCs by id, and ids are unique across Regions.
pub(crate) fn find_vpc<'a>(ctx: &Ctx, s: &'a State, id: &str) -> Result<&'a Vpc, ApiError> {
    s.vpc(&ctx.account, id).ok_or_else(|| ApiError::not_found("VPC", id))
}

fn create<'a>(backend: &'a Backend, ctx: &'a Ctx, _: &'a str, body: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        let id = match body.get("vpcId").and_then(Value::as_str) {
            Some(id) if ids::is_vpc_id(id) => id.to_string(),
            Some(id) => {
                return Err(ApiError::invalid_field(
                    "vpcId",
                    format!(
                        "'{}' is not a valid VPC id (vpc- and 8 or 17 lowercase alphanumerics)",
                        lattice_api::model::echo(id)
                    ),
                ))
            }
            None => ids::new_id("vpc"),
        };
        let tags = tags_of(body);
        backend
            .execute(
                |ctx, s| {
                    if let Some(existing) = s.vpc(&ctx.account, &id) {
                        return Err(ApiError::conflict(
                            "VPC",
                            &existing.id,
                            format!("VPC {} already exists", existing.id),
                        ));
                    }
                    let vpc = new_vpc(ctx, s, id.clone(), tags)?;
                    Outcome::write(vec![vpc.put()], Value::Null)
                },
                ctx,
            )
            .await?;
        let vpc = backend.read(|s| s.vpc(&ctx.account, &id).cloned()).ok_or_else(|| ApiError::not_found("VPC", &id))?;
        Ok(json_response(201, &vpc_info(backend, &vpc)))
    })
}

fn list<'a>(backend: &'a Backend, ctx: &'a Ctx, _: &'a str, _: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        let vpcs: Vec<Vpc> = backend.read(|s| s.vpcs.values().filter(|v| v.account == ctx.account).cloned().collect());
        let items: Vec<Value> = vpcs.iter().map(|v| vpc_info(backend, v)).collect();
        Ok(json_response(200, &json!({ "items": items })))
    })
}

fn get<'a>(backend: &'a Backend, ctx: &'a Ctx, id: &'a str, _: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        let vpc = backend.read(|s| find_vpc(ctx, s, id).cloned())?;
        Ok(json_response(200, &vpc_info(backend, &vpc)))
    })
}

fn update<'a>(backend: &'a Backend, ctx: &'a Ctx, id: &'a str, body: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        let tags = tags_of(body);
        backend
            .execute(
                |ctx, s| {
                    let mut vpc = find_vpc(ctx, s, id)?.clone();
                    vpc.tags = tags;
                    Outcome::write(vec![vpc.put()], Value::Null)
                },
                ctx,
            )
            .await?;
        let vpc = backend.read(|s| find_vpc(ctx, s, id).cloned())?;
        Ok(json_response(200, &vpc_info(backend, &vpc)))
    })
}

/// Deletes a VPC nothing lives in (as EC2's `DependencyViolation` names what does).
fn delete(ctx: &Ctx, s: &State, id: &str, _: &Value) -> OpResult {
    let vpc = find_vpc(ctx, s, id)?;
    let dependent = crate::vpcs::dependent(s, vpc);
    if let Some(dependent) = dependent {
        return Err(ApiError::conflict("VPC", &vpc.id, format!("VPC {} {dependent}", vpc.id)));
    }
    Outcome::write(crate::vpcs::delete_with_defaults(s, vpc), Value::Null)
}

/// The VPC's network namespace (for `lattice-local exec`), created by the data plane.
fn namespace<'a>(backend: &'a Backend, ctx: &'a Ctx, id: &'a str, _: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        let vpc = backend.read(|s| find_vpc(ctx, s, id).cloned())?;
        let wait = std::time::Duration::from_secs(10);
        match backend.config().namespaces.request(&vpc.key(), wait).await {
            Some(Ok(namespace)) => Ok(json_response(
                200,
                &json!({
                    "vpcId": vpc.id,
                    "namespace": namespace,
                    "clientAddress": format!("{}.{}", vpc.block, lattice_model::snapshot::CLIENT_OCTET),
                    "resolverAddress": vpc.resolver_ip(),
                    "serviceAddress": vpc.service_network_ip().parse().map(lattice_model::snapshot::link_local)
                        .map(|ip| ip.to_string()).unwrap_or_default(),
                }),
            )),
            Some(Err(why)) => Err(ApiError::new(400, "NamespaceUnavailable", why)),
            None => Err(ApiError::internal(format!("the data plane did not create the namespace of {}", vpc.id))),
        }
    })
}

/// `/_lattice-local/vpcs`.
pub(crate) const ROUTES: &[Route] = &[
    custom("POST", "vpcs", create),
    custom("GET", "vpcs", list),
    custom("GET", "vpcs/{}", get),
    custom("PATCH", "vpcs/{}", update),
    write("DELETE", "vpcs/{}", 204, delete),
    custom("POST", "vpcs/{}/namespace", namespace),
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service_network::create_service_network;
    use crate::lattice::sn_vpc_association::create_snva;

    #[test]
    fn a_vpc_in_use_cannot_be_deleted_and_another_account_cannot_see_it() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let sn = run(&mut s, &a, create_service_network, json!({ "name": "net" })).unwrap();
        let vpc = "vpc-0a0a0a0a0a0a0a0a0";
        let assoc = run(&mut s, &a, create_snva, json!({ "serviceNetworkIdentifier": sn["id"], "vpcIdentifier": vpc }))
            .unwrap();
        let err = delete(&a, &s, vpc, &json!({})).unwrap_err();
        assert_eq!(err.code, "ConflictException");
        assert!(err.message.contains(assoc["id"].as_str().unwrap()), "{}", err.message);
        assert_eq!(code(delete(&b, &s, vpc, &json!({})).map(|o| o.body)), "ResourceNotFoundException");
        assert!(find_vpc(&b, &s, vpc).is_err() && find_vpc(&a, &s, vpc).is_ok());
        // B's VPC of the same id is its own: A's association does not hold it, and deleting it
        // leaves A's.
        let (_, made) = crate::vpcs::vpc_or_implicit(&b, &s, vpc, "vpcId").unwrap();
        s.apply(&made.unwrap()).unwrap();
        for change in delete(&b, &s, vpc, &json!({})).unwrap().changes {
            s.apply(&change).unwrap();
        }
        assert!(find_vpc(&b, &s, vpc).is_err() && find_vpc(&a, &s, vpc).is_ok());
    }
}
