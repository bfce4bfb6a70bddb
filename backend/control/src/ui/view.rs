//! What the UI's pages show, as JSON: the topology (every account's VPCs, service networks,
//! services, resource configurations and gateways, with associations, endpoints and RAM shares
//! as edges) and the reachability matrix, each cell the verdict of the same `explain` that
//! `lattice-local explain` runs, asked as it asks by default (an unsigned `GET /` on the
//! service's first listener; a resource's name on its first port).

use std::collections::BTreeSet;

use lattice_model::records::{Regional, Tags, Vpc};
use lattice_model::state::{scoped_key, State};
use lattice_model::Object;
use serde::Serialize;
use serde_json::{json, Value};

use crate::Backend;

/// A node: what every object shows, and its whole record for the side panel.
fn node<T: Serialize + Regional>(
    record: &T,
    (id, account, name): (&str, &str, &str),
    tags: &Tags,
    home: &str,
) -> Value {
    json!({
        "id": id,
        "account": account,
        "name": name,
        "region": record.region().unwrap_or(home),
        "tags": tags,
        "attributes": serde_json::to_value(record).unwrap_or(Value::Null),
    })
}

fn edge(kind: &str, from: &str, to: &str, status: &str) -> Value {
    json!({ "kind": kind, "from": from, "to": to, "status": status })
}

pub(super) fn topology(backend: &Backend) -> Value {
    let home = backend.config().region.clone();
    backend.read(|s| {
        let mut accounts = BTreeSet::new();
        let vpcs: Vec<Value> = s
            .vpcs
            .values()
            .map(|v| {
                accounts.insert(v.account.clone());
                let name = v.tags.get("Name").cloned().unwrap_or_default();
                // Keyed account:id (each account has VPC ids of its own); shown by id.
                let mut n = node(v, (&v.key(), &v.account, &name), &v.tags, &home);
                n["vpcId"] = json!(v.id);
                n["region"] = json!(v.region_or(&home));
                n["cidr"] = json!(v.cidr());
                n
            })
            .collect();
        let networks: Vec<Value> = s
            .service_networks
            .values()
            .map(|n| {
                accounts.insert(n.account.clone());
                let mut v = node(n, (&n.id, &n.account, &n.name), &n.tags, &home);
                v["arn"] = json!(n.arn);
                v["authType"] = json!(n.auth_type);
                v
            })
            .collect();
        let services: Vec<Value> = s
            .services
            .values()
            .map(|svc| {
                accounts.insert(svc.account.clone());
                let mut v = node(svc, (&svc.id, &svc.account, &svc.name), &svc.tags, &home);
                v["arn"] = json!(svc.arn);
                v["authType"] = json!(svc.auth_type);
                v["dnsName"] = json!(svc.dns_entry.domain_name);
                let mut listeners: Vec<(i64, &str, &str)> = s
                    .listeners
                    .values()
                    .filter(|l| l.service_id == svc.id)
                    .map(|l| (l.port, l.protocol.as_str(), l.id.as_str()))
                    .collect();
                listeners.sort_unstable();
                v["listeners"] = json!(listeners
                    .iter()
                    .map(|(port, protocol, id)| json!({ "id": id, "port": port, "protocol": protocol }))
                    .collect::<Vec<_>>());
                v
            })
            .collect();
        let resources: Vec<Value> = s
            .resource_configurations
            .values()
            .map(|r| {
                accounts.insert(r.account.clone());
                let mut v = node(r, (&r.id, &r.account, &r.name), &r.tags, &home);
                v["arn"] = json!(r.arn);
                v["type"] = json!(r.kind);
                v["gatewayId"] = json!(r.resource_gateway_id);
                v["groupId"] = json!(r.resource_configuration_group_id);
                v
            })
            .collect();
        let gateways: Vec<Value> = s
            .resource_gateways
            .values()
            .map(|g| {
                let mut v = node(g, (&g.id, &g.account, &g.name), &g.tags, &home);
                v["vpcId"] = json!(g.vpc_id);
                v
            })
            .collect();
        json!({
            "region": home,
            "accounts": accounts,
            "vpcs": vpcs,
            "serviceNetworks": networks,
            "services": services,
            "resourceConfigurations": resources,
            "resourceGateways": gateways,
            "edges": edges(s),
            "shares": shares(s),
        })
    })
}

fn edges(s: &State) -> Vec<Value> {
    let mut edges = Vec::new();
    // What lives in a VPC is its account's: VPC nodes are keyed account:id.
    let vpc = scoped_key;
    for a in s.sn_vpc_associations.values() {
        edges.push(edge("vpc-association", &vpc(&a.account, &a.vpc_id), &a.service_network_id, &a.status));
    }
    for a in s.sn_service_associations.values() {
        edges.push(edge("service-association", &a.service_network_id, &a.service_id, &a.status));
    }
    for a in s.sn_resource_associations.values() {
        edges.push(edge("resource-association", &a.service_network_id, &a.resource_configuration_id, &a.status));
    }
    for e in s.vpc_endpoints.values() {
        let to = e.service_network_id.as_deref().or(e.resource_configuration_id.as_deref());
        if let Some(to) = to {
            edges.push(edge("endpoint", &vpc(&e.account, &e.vpc_id), to, &e.state));
        }
    }
    for g in s.resource_gateways.values() {
        edges.push(edge("gateway", &vpc(&g.account, &g.vpc_id), &g.id, "ACTIVE"));
    }
    for r in s.resource_configurations.values() {
        if let Some(gw) = &r.resource_gateway_id {
            edges.push(edge("gateway", gw, &r.id, &r.status));
        }
    }
    edges
}

/// Active RAM shares: who owns them, whom they share with, and which objects (by id).
fn shares(s: &State) -> Vec<Value> {
    let id_of_arn = |arn: &str| {
        let id = arn.rsplit('/').next().unwrap_or(arn);
        let known = s.service_networks.contains_key(id)
            || s.services.contains_key(id)
            || s.resource_configurations.contains_key(id);
        known.then(|| id.to_string())
    };
    s.resource_shares
        .values()
        .filter(|share| share.status == "ACTIVE")
        .map(|share| {
            let associated = |kind: &str| {
                s.share_associations
                    .values()
                    .filter(|a| a.share_id == share.id && a.association_type == kind && a.status == "ASSOCIATED")
                    .map(|a| a.associated_entity.clone())
                    .collect::<Vec<_>>()
            };
            let resources: Vec<String> = associated("RESOURCE").iter().filter_map(|arn| id_of_arn(arn)).collect();
            json!({
                "arn": share.resource_share_arn,
                "name": share.name,
                "account": share.owning_account_id,
                "principals": associated("PRINCIPAL"),
                "resources": resources,
            })
        })
        .collect()
}

/// One column of the matrix: what a client would ask for.
struct Column {
    key: String,
    kind: &'static str,
    name: String,
    account: String,
}

fn columns(s: &State) -> Vec<Column> {
    let mut columns: Vec<Column> = s
        .services
        .values()
        .map(|svc| Column {
            key: svc.id.clone(),
            kind: "service",
            name: svc.name.clone(),
            account: svc.account.clone(),
        })
        .collect();
    columns.extend(s.resource_configurations.values().filter(|r| r.kind != "GROUP").map(|r| Column {
        key: r.id.clone(),
        kind: "resource",
        name: r.name.clone(),
        account: r.account.clone(),
    }));
    columns
}

/// The request `explain` is asked for a column from `vpc`: a URL (services) or `host:port`
/// (resources); `None` when there is nothing to ask (a service without listeners, a resource
/// no VPC reaches).
fn ask(backend: &Backend, s: &State, vpc: &Vpc, column: &str) -> Option<Value> {
    if let Some(svc) = s.services.get(column) {
        let listener = s.listeners.values().filter(|l| l.service_id == svc.id).min_by_key(|l| l.port)?;
        let scheme = if listener.protocol == "HTTP" { "http" } else { "https" };
        let url = format!("{scheme}://{}:{}/", svc.dns_entry.domain_name, listener.port);
        return Some(json!({ "vpcId": vpc.id, "url": url }));
    }
    let arn = &s.resource_configurations.get(column)?.arn;
    let snapshot = backend.snapshot();
    let reaches = |view: &lattice_model::snapshot::VpcView| {
        view.resources()
            .find(|(_, r)| &r.resource_configuration_arn == arn)
            .and_then(|(_, r)| Some(format!("{}:{}", r.names.first()?, r.ports.first()?.0)))
    };
    // The VPC's own name for it, else the name another VPC reaches it by.
    let address = snapshot
        .vpcs
        .get(&vpc.key())
        .and_then(|v| reaches(v))
        .or_else(|| snapshot.vpcs.values().find_map(|v| reaches(v)))?;
    Some(json!({ "vpcId": vpc.id, "address": address }))
}

fn verdict(backend: &Backend, account: &str, body: &Value) -> Value {
    match crate::admin::explain::explain(backend, &backend.ctx(account), body) {
        Ok(answer) => serde_json::to_value(answer).unwrap_or(Value::Null),
        Err(e) => json!({ "reachable": false, "decidedBy": "error", "summary": e.message }),
    }
}

pub(super) fn matrix(backend: &Backend) -> Value {
    let (vpcs, columns, asks) = backend.read(|s| {
        let vpcs: Vec<&Vpc> = s.vpcs.values().collect();
        let columns = columns(s);
        let asks: Vec<Vec<Option<Value>>> =
            vpcs.iter().map(|vpc| columns.iter().map(|c| ask(backend, s, vpc, &c.key)).collect()).collect();
        // Rows are named by key: VPC ids are each account's own.
        let vpcs: Vec<(String, String, String, String)> = vpcs
            .iter()
            .map(|v| (v.key(), v.id.clone(), v.account.clone(), v.tags.get("Name").cloned().unwrap_or_default()))
            .collect();
        (vpcs, columns, asks)
    });
    let cells: Vec<Vec<Value>> = vpcs
        .iter()
        .zip(&asks)
        .map(|((_, _, account, _), row)| {
            row.iter()
                .map(|ask| match ask {
                    None => Value::Null,
                    Some(body) => {
                        let v = verdict(backend, account, body);
                        json!({
                            "reachable": v["reachable"],
                            "status": v["status"],
                            "decidedBy": v["decidedBy"],
                            "summary": v["summary"],
                            "ask": body.get("url").or(body.get("address")),
                        })
                    }
                })
                .collect()
        })
        .collect();
    json!({
        "generation": backend.snapshot().generation,
        "vpcs": vpcs.iter().map(|(key, id, account, name)| json!({ "key": key, "id": id, "account": account, "name": name })).collect::<Vec<_>>(),
        "columns": columns.iter().map(|c| json!({ "key": c.key, "kind": c.kind, "name": c.name, "account": c.account })).collect::<Vec<_>>(),
        "cells": cells,
    })
}

/// The whole trace behind one cell (`vpc` is the row's key).
pub(super) fn explain_cell(backend: &Backend, vpc: &str, column: &str) -> Option<Value> {
    let (account, body) = backend.read(|s| {
        let vpc = s.vpcs.get(vpc)?;
        Some((vpc.account.clone(), ask(backend, s, vpc, column)?))
    })?;
    let mut answer = verdict(backend, &account, &body);
    answer["ask"] = body.get("url").or(body.get("address")).cloned().unwrap_or(Value::Null);
    Some(answer)
}
