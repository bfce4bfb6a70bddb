//! The admin API for local-only constructs, under `/_lattice-local/`. Same error shapes as the
//! AWS-wire API, and the same authentication: requests are SigV4-signed for the service
//! `lattice-local` and act as the account the signing key names (the provider and the CLI
//! sign). Only `GET health` and `GET ca` (the CA's public certificate) are answered unsigned.
//! Request bodies must be `application/json`, so no HTML form can write one.

use std::collections::BTreeMap;

use lattice_api::{ids, ApiError};
use lattice_model::records::{Tags, Vpc};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::certificates;
use crate::endpoints;
use crate::http::{identify, json_response, HttpResponse, WireRequest};
use crate::identities;
use crate::kit::find_owned;
use crate::kit::Outcome;
use crate::local_compute;
use crate::local_dns;
use crate::security_groups;
use crate::vpcs::new_vpc;
use crate::{Backend, Ctx};

pub(crate) const PREFIX: &str = "/_lattice-local";

/// Everything a client needs to be "in" a VPC.
pub fn vpc_info(backend: &Backend, vpc: &Vpc) -> Value {
    let resolver: std::net::Ipv4Addr = vpc.resolver_ip().parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST);
    let service_ip: std::net::Ipv4Addr = vpc.service_network_ip().parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST);
    let ports: BTreeMap<String, u16> = backend
        .read(|s| served_ports(s, &vpc.id))
        .into_iter()
        .filter_map(|p| Some((p.to_string(), backend.bindings.actual_port(service_ip, p)?)))
        .collect();
    let proxy: std::net::Ipv4Addr = vpc.proxy_ip().parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST);
    let proxy_port = backend.bindings.actual_port(proxy, lattice_model::snapshot::FORWARD_PROXY_PORT);
    let block = format!("{}.", vpc.block);
    let unbound: Vec<Value> = backend
        .bindings
        .unbound()
        .into_iter()
        .filter(|(ip, _, _)| ip.to_string().starts_with(&block))
        .map(|(ip, port, why)| json!({ "address": format!("{ip}:{port}"), "error": why }))
        .collect();
    json!({
        "vpcId": vpc.id,
        "unbound": unbound,
        "arn": format!("arn:aws:ec2:{}:{}:vpc/{}", backend.config().region, vpc.account, vpc.id),
        "ownerId": vpc.account,
        "cidrBlock": vpc.cidr(),
        "resolverAddress": vpc.resolver_ip(),
        "resolverPort": backend.bindings.actual_port(resolver, 53),
        "serviceNetworkAddress": vpc.service_network_ip(),
        "servicePorts": ports,
        "proxyUrl": proxy_port.map(|port| format!("http://{proxy}:{port}")),
        "tags": vpc.tags,
        "createdAt": vpc.created_at,
    })
}

fn served_ports(s: &State, vpc_id: &str) -> Vec<u16> {
    let Some(assoc) = s.sn_vpc_associations.values().find(|a| a.vpc_id == vpc_id) else {
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

pub(crate) fn find_vpc<'a>(ctx: &Ctx, s: &'a State, id: &str) -> Result<&'a Vpc, ApiError> {
    s.vpcs.get(id).filter(|v| v.account == ctx.account).ok_or_else(|| ApiError::not_found("VPC", id))
}

pub(crate) async fn handle(backend: &Backend, req: &WireRequest) -> Result<HttpResponse, ApiError> {
    let path = req.raw_path.trim_start_matches(PREFIX);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["health"]) => {
            let unbound: Vec<Value> = backend
                .bindings
                .unbound()
                .into_iter()
                .map(|(ip, port, why)| json!({ "address": format!("{ip}:{port}"), "error": why }))
                .collect();
            return Ok(json_response(
                200,
                &json!({
                    // Degraded: an address the data plane needs is held by another process (it
                    // keeps trying); `unbound` says which.
                    "status": if unbound.is_empty() { "ok" } else { "degraded" },
                    "unbound": unbound,
                    "region": backend.config().region,
                    "servedGeneration": backend.served_generation(),
                    "lastSnapshotCompileMicros": backend.last_compile_micros(),
                }),
            ));
        }
        ("GET", ["ca"]) => {
            let mut resp = json_response(200, &Value::Null);
            *resp.body_mut() = http_body_util::Full::new(bytes::Bytes::from(backend.ca.cert_pem.clone()));
            resp.headers_mut()
                .insert("content-type", hyper::header::HeaderValue::from_static("application/x-pem-file"));
            return Ok(resp);
        }
        _ => {}
    }
    let account = identify(backend, req, "lattice-local")?;
    let ctx = backend.ctx(&account);
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        let json_type = req.header("content-type").is_some_and(|t| {
            t.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
        });
        if !json_type {
            return Err(ApiError::new(
                415,
                "UnsupportedMediaTypeException",
                "The admin API takes request bodies of Content-Type application/json only",
            ));
        }
        serde_json::from_slice(&req.body)
            .map_err(|_| ApiError::validation_reason("cannotParse", "The request body is not valid JSON", vec![]))?
    };
    match (req.method.as_str(), parts.as_slice()) {
        ("POST", ["shutdown"]) => {
            tracing::info!(account = %ctx.account, "shutdown requested through the admin API");
            backend.request_shutdown();
            Ok(json_response(200, &json!({ "status": "stopping" })))
        }
        ("POST", ["vpcs"]) => {
            let id = match body.get("vpcId").and_then(Value::as_str) {
                Some(id) if ids::is_vpc_id(id) => id.to_string(),
                Some(id) => {
                    return Err(ApiError::invalid_field(
                        "vpcId",
                        format!("'{id}' is not a valid VPC id (vpc- and 8 or 17 lowercase alphanumerics)"),
                    ))
                }
                None => ids::new_id("vpc"),
            };
            let tags = tags_of(&body);
            let vpc_id = id.clone();
            backend
                .execute(
                    |ctx, s| {
                        if let Some(existing) = s.vpcs.get(&id) {
                            return Err(ApiError::conflict(
                                "VPC",
                                &existing.id,
                                format!("VPC {} already exists", existing.id),
                            ));
                        }
                        let vpc = new_vpc(ctx, s, id.clone(), tags)?;
                        Outcome::write(vec![vpc.put()], Value::Null)
                    },
                    &ctx,
                )
                .await?;
            let vpc =
                backend.read(|s| s.vpcs.get(&vpc_id).cloned()).ok_or_else(|| ApiError::not_found("VPC", &vpc_id))?;
            Ok(json_response(201, &vpc_info(backend, &vpc)))
        }
        ("POST", ["vpcs", id, "namespace"]) => {
            let vpc = backend.read(|s| find_vpc(&ctx, s, id).cloned())?;
            let wait = std::time::Duration::from_secs(10);
            match backend.config().namespaces.request(&vpc.id, wait).await {
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
        }
        ("POST", ["explain"]) => {
            let explanation = crate::explain::explain(backend, &ctx, &body)?;
            Ok(json_response(200, &serde_json::to_value(explanation).unwrap_or_default()))
        }
        ("GET", ["vpcs"]) => {
            let vpcs: Vec<Vpc> =
                backend.read(|s| s.vpcs.values().filter(|v| v.account == ctx.account).cloned().collect());
            let items: Vec<Value> = vpcs.iter().map(|v| vpc_info(backend, v)).collect();
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["vpcs", id]) => {
            let vpc = backend.read(|s| find_vpc(&ctx, s, id).cloned())?;
            Ok(json_response(200, &vpc_info(backend, &vpc)))
        }
        ("PATCH", ["vpcs", id]) => {
            let tags = tags_of(&body);
            backend
                .execute(
                    |ctx, s| {
                        let mut vpc = find_vpc(ctx, s, id)?.clone();
                        vpc.tags = tags;
                        Outcome::write(vec![vpc.put()], Value::Null)
                    },
                    &ctx,
                )
                .await?;
            let vpc = backend.read(|s| find_vpc(&ctx, s, id).cloned())?;
            Ok(json_response(200, &vpc_info(backend, &vpc)))
        }
        ("DELETE", ["vpcs", id]) => {
            backend
                .execute(
                    |ctx, s| {
                        let vpc = find_vpc(ctx, s, id)?;
                        // What still lives in the VPC, as EC2's DependencyViolation names it.
                        let dependent = s
                            .sn_vpc_associations
                            .values()
                            .find(|a| a.vpc_id == vpc.id)
                            .map(|a| format!("is associated with service network {} ({})", a.service_network_id, a.id))
                            .or_else(|| {
                                let e = s.vpc_endpoints.values().find(|e| e.vpc_id == vpc.id)?;
                                Some(format!("has VPC endpoint {}", e.id))
                            })
                            .or_else(|| {
                                let g = s.resource_gateways.values().find(|g| g.vpc_id == vpc.id)?;
                                Some(format!("has resource gateway {}", g.id))
                            })
                            .or_else(|| {
                                let tg =
                                    s.target_groups.values().find(|t| t.vpc_identifier() == Some(vpc.id.as_str()))?;
                                Some(format!("is used by target group {}", tg.id))
                            })
                            .or_else(|| {
                                let g = s.security_groups.values().find(|g| g.vpc_id == vpc.id)?;
                                Some(format!("has security group {}", g.id))
                            });
                        if let Some(dependent) = dependent {
                            return Err(ApiError::conflict("VPC", &vpc.id, format!("VPC {} {dependent}", vpc.id)));
                        }
                        Outcome::write(vec![vpc.delete()], Value::Null)
                    },
                    &ctx,
                )
                .await?;
            Ok(json_response(204, &Value::Null))
        }
        ("POST", ["vpcendpoints"]) => {
            let body = backend.execute(|ctx, s| endpoints::create_endpoint(ctx, s, &body), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["vpcendpoints"]) => {
            let items = backend.read(|s| {
                s.vpc_endpoints
                    .values()
                    .filter(|e| e.account == ctx.account)
                    .map(|e| endpoints::endpoint_wire(&ctx, s, e))
                    .collect::<Vec<_>>()
            });
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["vpcendpoints", id]) => {
            let body = backend
                .read(|s| endpoints::find_endpoint(&ctx, s, id).map(|e| endpoints::endpoint_wire(&ctx, s, e)))?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["vpcendpoints", id]) => {
            let body = backend.execute(|ctx, s| endpoints::update_endpoint(ctx, s, id, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["vpcendpoints", id]) => {
            backend.execute(|ctx, s| endpoints::delete_endpoint(ctx, s, id), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        ("POST", ["securitygroups"]) => {
            let body = backend.execute(|ctx, s| security_groups::create(ctx, s, &body), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["securitygroups"]) => {
            let items = backend.read(|s| {
                s.security_groups
                    .values()
                    .filter(|g| g.account == ctx.account)
                    .map(security_groups::wire)
                    .collect::<Vec<_>>()
            });
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["securitygroups", id]) => {
            let body = backend
                .read(|s| find_owned(&s.security_groups, &ctx, id, "SECURITY_GROUP").map(security_groups::wire))?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["securitygroups", id]) => {
            let body = backend.execute(|ctx, s| security_groups::update(ctx, s, id, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["securitygroups", id]) => {
            backend.execute(|ctx, s| security_groups::delete(ctx, s, id), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        ("POST", ["dnszones"]) => {
            let body = backend.execute(|ctx, s| local_dns::create_zone(ctx, s, &body), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["dnszones"]) => {
            let items: Vec<Value> = backend.read(|s| {
                s.dns_zones.values().filter(|z| z.account == ctx.account).map(local_dns::zone_wire).collect()
            });
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["dnszones", id]) => {
            let body = backend.read(|s| find_owned(&s.dns_zones, &ctx, id, "DNS_ZONE").map(local_dns::zone_wire))?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["dnszones", id]) => {
            let body = backend.execute(|ctx, s| local_dns::update_zone(ctx, s, id, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["dnszones", id]) => {
            backend.execute(|ctx, s| local_dns::delete_zone(ctx, s, id), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        ("POST", ["dnsrecords"]) => {
            let body = backend.execute(|ctx, s| local_dns::create_record(ctx, s, &body), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["dnsrecords", id]) => {
            let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy().into_owned();
            let body =
                backend.read(|s| find_owned(&s.dns_records, &ctx, &id, "DNS_RECORD").map(local_dns::record_wire))?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["dnsrecords", id]) => {
            let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy().into_owned();
            let body = backend.execute(|ctx, s| local_dns::update_record(ctx, s, &id, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["dnsrecords", id]) => {
            let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy().into_owned();
            backend.execute(|ctx, s| local_dns::delete_record(ctx, s, &id), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        ("POST", ["instances"]) => {
            let body = backend.execute(|ctx, s| local_compute::create_instance(ctx, s, &body), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["instances"]) => {
            let items: Vec<Value> = backend.read(|s| {
                s.local_instances
                    .values()
                    .filter(|o| o.account == ctx.account)
                    .map(local_compute::instance_wire)
                    .collect()
            });
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["instances", id]) => {
            let body = backend
                .read(|s| find_owned(&s.local_instances, &ctx, id, "INSTANCE").map(local_compute::instance_wire))?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["instances", id]) => {
            let body = backend.execute(|ctx, s| local_compute::update_instance(ctx, s, id, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["instances", id]) => {
            backend.execute(|ctx, s| local_compute::delete_instance(ctx, s, id), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        ("POST", ["functions"]) => {
            let body = backend.execute(|ctx, s| local_compute::create_function(ctx, s, &body), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["functions"]) => {
            let items: Vec<Value> = backend.read(|s| {
                s.local_functions
                    .values()
                    .filter(|o| o.account == ctx.account)
                    .map(local_compute::function_wire)
                    .collect()
            });
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["functions", id]) => {
            let body = backend
                .read(|s| find_owned(&s.local_functions, &ctx, id, "FUNCTION").map(local_compute::function_wire))?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["functions", id]) => {
            let body = backend.execute(|ctx, s| local_compute::update_function(ctx, s, id, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["functions", id]) => {
            backend.execute(|ctx, s| local_compute::delete_function(ctx, s, id), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        ("POST", ["certificates"]) => {
            let ca = backend.ca.clone();
            let body = backend.execute(|ctx, s| certificates::create_certificate(ctx, s, &body, &ca), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["certificates"]) => {
            let items: Vec<Value> = backend.read(|s| {
                s.local_certificates
                    .values()
                    .filter(|c| c.account == ctx.account)
                    .map(certificates::certificate_wire)
                    .collect()
            });
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["certificates", id]) => {
            let id = id.rsplit('/').next().unwrap_or(id);
            let body = backend.read(|s| {
                find_owned(&s.local_certificates, &ctx, id, "CERTIFICATE").map(certificates::certificate_wire)
            })?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["certificates", id]) => {
            let id = id.rsplit('/').next().unwrap_or(id);
            let body = backend.execute(|ctx, s| certificates::update_certificate(ctx, s, id, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["certificates", id]) => {
            let id = id.rsplit('/').next().unwrap_or(id);
            backend.execute(|ctx, s| certificates::delete_certificate(ctx, s, id), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        ("GET", ["whoami"]) => {
            let org = backend.read(|s| {
                crate::sharing::organization_of(s, &ctx.account).map(|o| (o.id.clone(), o.org_path(&ctx.account)))
            });
            Ok(json_response(
                200,
                &json!({ "account": ctx.account, "organizationId": org.as_ref().map(|o| &o.0), "orgPath": org.and_then(|o| o.1) }),
            ))
        }
        ("POST", ["principals"]) => {
            let body = backend.execute(|ctx, s| identities::create_principal(ctx, s, &body), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["principals"]) => {
            let items: Vec<Value> = backend.read(|s| {
                s.local_principals
                    .values()
                    .filter(|p| p.account == ctx.account)
                    .map(identities::principal_wire)
                    .collect()
            });
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["principals", name]) => {
            let body = backend.read(|s| identities::find_principal(&ctx, s, name).map(identities::principal_wire))?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["principals", name]) => {
            let body = backend.execute(|ctx, s| identities::update_principal(ctx, s, name, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["principals", name]) => {
            backend.execute(|ctx, s| identities::delete_principal(ctx, s, name), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        ("POST", ["organizations"]) => {
            let body = backend.execute(|ctx, s| identities::create_organization(ctx, s, &body), &ctx).await?;
            Ok(json_response(201, &body))
        }
        ("GET", ["organization"]) => {
            let body = backend.read(|s| {
                crate::sharing::organization_of(s, &ctx.account)
                    .map(identities::organization_wire)
                    .ok_or_else(|| ApiError::not_found("ORGANIZATION", &ctx.account))
            })?;
            Ok(json_response(200, &body))
        }
        ("GET", ["organizations", id]) => {
            let body = backend
                .read(|s| identities::find_organization(&ctx, s, id, false).map(identities::organization_wire))?;
            Ok(json_response(200, &body))
        }
        ("PATCH", ["organizations", id]) => {
            let body = backend.execute(|ctx, s| identities::update_organization(ctx, s, id, &body), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("POST", ["organizations", id, "accept"]) => {
            let body = backend.execute(|ctx, s| identities::accept_organization(ctx, s, id), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("POST", ["organizations", id, "leave"]) => {
            let body = backend.execute(|ctx, s| identities::leave_organization(ctx, s, id), &ctx).await?;
            Ok(json_response(200, &body))
        }
        ("DELETE", ["organizations", id]) => {
            backend.execute(|ctx, s| identities::delete_organization(ctx, s, id), &ctx).await?;
            Ok(json_response(204, &Value::Null))
        }
        _ => Err(ApiError::unknown_operation(&req.method, &req.raw_path)),
    }
}
