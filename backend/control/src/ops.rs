//! VPC Lattice operations. Each handler reads the state and a validated input and returns the
//! changes to commit and the response body; it never mutates anything itself, so a rejected
//! request stores nothing.

use std::collections::BTreeMap;

use lattice_api::ids::{self, id_of, lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::policy_grammar::PolicyKind;
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{endpoints, sharing};

/// Who is calling and where.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub account: String,
    pub region: String,
    /// Address blocks VPCs may be given, as `(first, last)` /24 indexes of 127.0.0.0/8.
    pub vpc_pool: (u32, u32),
}

/// What an operation did: the changes to commit, and the response body.
#[derive(Debug, Default)]
pub struct Outcome {
    pub changes: Vec<ObjectChange>,
    pub body: Value,
}

impl Outcome {
    pub(crate) fn read(body: Value) -> Result<Self, ApiError> {
        Ok(Self { changes: vec![], body })
    }
    pub(crate) fn write(changes: Vec<ObjectChange>, body: Value) -> Result<Self, ApiError> {
        Ok(Self { changes, body })
    }
}

pub(crate) type OpResult = Result<Outcome, ApiError>;

/// Operations this backend implements; the rest of the model answers `NotImplemented`.
const IMPLEMENTED: &[&str] = &[
    "CreateServiceNetwork",
    "GetServiceNetwork",
    "ListServiceNetworks",
    "UpdateServiceNetwork",
    "DeleteServiceNetwork",
    "CreateService",
    "GetService",
    "ListServices",
    "UpdateService",
    "DeleteService",
    "CreateTargetGroup",
    "GetTargetGroup",
    "ListTargetGroups",
    "UpdateTargetGroup",
    "DeleteTargetGroup",
    "RegisterTargets",
    "DeregisterTargets",
    "ListTargets",
    "CreateListener",
    "GetListener",
    "ListListeners",
    "UpdateListener",
    "DeleteListener",
    "CreateServiceNetworkServiceAssociation",
    "GetServiceNetworkServiceAssociation",
    "ListServiceNetworkServiceAssociations",
    "DeleteServiceNetworkServiceAssociation",
    "CreateServiceNetworkVpcAssociation",
    "GetServiceNetworkVpcAssociation",
    "ListServiceNetworkVpcAssociations",
    "UpdateServiceNetworkVpcAssociation",
    "DeleteServiceNetworkVpcAssociation",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "PutAuthPolicy",
    "GetAuthPolicy",
    "DeleteAuthPolicy",
    "PutResourcePolicy",
    "GetResourcePolicy",
    "DeleteResourcePolicy",
    "CreateAccessLogSubscription",
    "GetAccessLogSubscription",
    "ListAccessLogSubscriptions",
    "UpdateAccessLogSubscription",
    "DeleteAccessLogSubscription",
    "CreateRule",
    "GetRule",
    "ListRules",
    "UpdateRule",
    "DeleteRule",
    "BatchUpdateRule",
    "CreateResourceGateway",
    "GetResourceGateway",
    "ListResourceGateways",
    "UpdateResourceGateway",
    "DeleteResourceGateway",
    "CreateResourceConfiguration",
    "GetResourceConfiguration",
    "ListResourceConfigurations",
    "UpdateResourceConfiguration",
    "DeleteResourceConfiguration",
    "CreateServiceNetworkResourceAssociation",
    "GetServiceNetworkResourceAssociation",
    "ListServiceNetworkResourceAssociations",
    "DeleteServiceNetworkResourceAssociation",
    "StartDomainVerification",
    "GetDomainVerification",
    "ListDomainVerifications",
    "DeleteDomainVerification",
    "ListServiceNetworkVpcEndpointAssociations",
    "ListResourceEndpointAssociations",
    "DeleteResourceEndpointAssociation",
];

pub(crate) fn implemented(name: &str) -> bool {
    IMPLEMENTED.contains(&name)
}

/// Runs operation `name` of the VPC Lattice model. `None` when the operation is not
/// implemented by this backend yet.
pub(crate) fn dispatch(name: &str, ctx: &Ctx, s: &State, input: &Value) -> Option<OpResult> {
    let r = match name {
        "CreateServiceNetwork" => create_service_network(ctx, s, input),
        "GetServiceNetwork" => get_service_network(ctx, s, input),
        "ListServiceNetworks" => list_service_networks(ctx, s, input),
        "UpdateServiceNetwork" => update_service_network(ctx, s, input),
        "DeleteServiceNetwork" => delete_service_network(ctx, s, input),
        "CreateService" => create_service(ctx, s, input),
        "GetService" => get_service(ctx, s, input),
        "ListServices" => list_services(ctx, s, input),
        "UpdateService" => update_service(ctx, s, input),
        "DeleteService" => delete_service(ctx, s, input),
        "CreateTargetGroup" => create_target_group(ctx, s, input),
        "GetTargetGroup" => get_target_group(ctx, s, input),
        "ListTargetGroups" => list_target_groups(ctx, s, input),
        "UpdateTargetGroup" => update_target_group(ctx, s, input),
        "DeleteTargetGroup" => delete_target_group(ctx, s, input),
        "RegisterTargets" => register_targets(ctx, s, input),
        "DeregisterTargets" => deregister_targets(ctx, s, input),
        "ListTargets" => list_targets(ctx, s, input),
        "CreateListener" => create_listener(ctx, s, input),
        "GetListener" => get_listener(ctx, s, input),
        "ListListeners" => list_listeners(ctx, s, input),
        "UpdateListener" => update_listener(ctx, s, input),
        "DeleteListener" => delete_listener(ctx, s, input),
        "CreateServiceNetworkServiceAssociation" => create_snsa(ctx, s, input),
        "GetServiceNetworkServiceAssociation" => get_snsa(ctx, s, input),
        "ListServiceNetworkServiceAssociations" => list_snsa(ctx, s, input),
        "DeleteServiceNetworkServiceAssociation" => delete_snsa(ctx, s, input),
        "CreateServiceNetworkVpcAssociation" => create_snva(ctx, s, input),
        "GetServiceNetworkVpcAssociation" => get_snva(ctx, s, input),
        "ListServiceNetworkVpcAssociations" => list_snva(ctx, s, input),
        "UpdateServiceNetworkVpcAssociation" => update_snva(ctx, s, input),
        "DeleteServiceNetworkVpcAssociation" => delete_snva(ctx, s, input),
        "TagResource" => tag_resource(ctx, s, input),
        "UntagResource" => untag_resource(ctx, s, input),
        "ListTagsForResource" => list_tags(ctx, s, input),
        "PutAuthPolicy" => put_auth_policy(ctx, s, input),
        "GetAuthPolicy" => get_auth_policy(ctx, s, input),
        "DeleteAuthPolicy" => delete_auth_policy(ctx, s, input),
        "PutResourcePolicy" => put_resource_policy(ctx, s, input),
        "GetResourcePolicy" => get_resource_policy(ctx, s, input),
        "DeleteResourcePolicy" => delete_resource_policy(ctx, s, input),
        "CreateAccessLogSubscription" => create_access_log_subscription(ctx, s, input),
        "GetAccessLogSubscription" => get_access_log_subscription(ctx, s, input),
        "ListAccessLogSubscriptions" => list_access_log_subscriptions(ctx, s, input),
        "UpdateAccessLogSubscription" => update_access_log_subscription(ctx, s, input),
        "DeleteAccessLogSubscription" => delete_access_log_subscription(ctx, s, input),
        "CreateRule" => create_rule(ctx, s, input),
        "GetRule" => get_rule(ctx, s, input),
        "ListRules" => list_rules(ctx, s, input),
        "UpdateRule" => update_rule(ctx, s, input),
        "DeleteRule" => delete_rule(ctx, s, input),
        "BatchUpdateRule" => batch_update_rule(ctx, s, input),
        "CreateResourceGateway" => create_resource_gateway(ctx, s, input),
        "GetResourceGateway" => get_resource_gateway(ctx, s, input),
        "ListResourceGateways" => list_resource_gateways(ctx, s, input),
        "UpdateResourceGateway" => update_resource_gateway(ctx, s, input),
        "DeleteResourceGateway" => delete_resource_gateway(ctx, s, input),
        "CreateResourceConfiguration" => create_resource_configuration(ctx, s, input),
        "GetResourceConfiguration" => get_resource_configuration(ctx, s, input),
        "ListResourceConfigurations" => list_resource_configurations(ctx, s, input),
        "UpdateResourceConfiguration" => update_resource_configuration(ctx, s, input),
        "DeleteResourceConfiguration" => delete_resource_configuration(ctx, s, input),
        "CreateServiceNetworkResourceAssociation" => create_snra(ctx, s, input),
        "GetServiceNetworkResourceAssociation" => get_snra(ctx, s, input),
        "ListServiceNetworkResourceAssociations" => list_snra(ctx, s, input),
        "DeleteServiceNetworkResourceAssociation" => delete_snra(ctx, s, input),
        "StartDomainVerification" => start_domain_verification(ctx, s, input),
        "GetDomainVerification" => get_domain_verification(ctx, s, input),
        "ListDomainVerifications" => list_domain_verifications(ctx, s, input),
        "DeleteDomainVerification" => delete_domain_verification(ctx, s, input),
        "ListServiceNetworkVpcEndpointAssociations" => {
            endpoints::list_service_network_vpc_endpoint_associations(ctx, s, input)
        }
        "ListResourceEndpointAssociations" => endpoints::list_resource_endpoint_associations(ctx, s, input),
        "DeleteResourceEndpointAssociation" => endpoints::delete_resource_endpoint_association(ctx, s, input),
        _ => return None,
    };
    Some(r)
}

// ---- helpers ----------------------------------------------------------------------------

pub(crate) fn str_of<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

pub(crate) fn req<'a>(input: &'a Value, key: &str) -> &'a str {
    // The model validator has already rejected requests that miss required members.
    str_of(input, key).unwrap_or_default()
}

pub(crate) fn tags_of(input: &Value) -> Tags {
    input
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// Serialises a record for the wire, leaving out what only the backend keeps.
fn wire<T: Serialize>(obj: &T, drop: &[&str]) -> Value {
    let mut v = serde_json::to_value(obj).unwrap_or(Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.remove("account");
        map.remove("tags");
        for key in drop {
            map.remove(*key);
        }
    }
    v
}

pub(crate) fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut out = Map::new();
    for k in keys {
        if let Some(x) = v.get(*k).filter(|x| !x.is_null()) {
            out.insert((*k).to_string(), x.clone());
        }
    }
    Value::Object(out)
}

/// Finds an object the caller owns by id or ARN.
pub(crate) fn find_owned<'a, T: Object>(
    map: &'a BTreeMap<String, T>,
    ctx: &Ctx,
    identifier: &str,
    resource_type: &str,
) -> Result<&'a T, ApiError> {
    find(map, ctx, identifier, resource_type)
}

/// Finds an object the caller can see by id or ARN.
fn find<'a, T: Object>(
    map: &'a BTreeMap<String, T>,
    ctx: &Ctx,
    identifier: &str,
    resource_type: &str,
) -> Result<&'a T, ApiError> {
    map.get(id_of(identifier))
        .filter(|o| o.account() == ctx.account)
        .ok_or_else(|| ApiError::not_found(resource_type, identifier))
}

/// Finds a service network, service or resource configuration the caller owns or that a RAM
/// share grants it.
pub(crate) fn find_usable<'a, T: Object + Tagged>(
    map: &'a BTreeMap<String, T>,
    s: &State,
    ctx: &Ctx,
    identifier: &str,
    resource_type: &str,
) -> Result<&'a T, ApiError> {
    map.get(id_of(identifier))
        .filter(|o| sharing::can_use(s, o.account(), o.arn(), &ctx.account))
        .ok_or_else(|| ApiError::not_found(resource_type, identifier))
}

/// A page of the objects of one kind the caller owns or that are shared with it.
fn list_usable<T: Object + Tagged>(
    map: &BTreeMap<String, T>,
    s: &State,
    ctx: &Ctx,
    input: &Value,
    keep: impl Fn(&T) -> bool,
    item: impl Fn(&T) -> Value,
) -> OpResult {
    let shared = sharing::shared_with(s, &ctx.account);
    let items = map
        .values()
        .filter(|o| (o.account() == ctx.account || shared.contains(o.arn())) && keep(o))
        .map(|o| (o.id().to_string(), item(o)))
        .collect();
    Outcome::read(paginate(items, input)?)
}

/// Finds an association the caller made, or one made with an object the caller owns (the
/// owner of a shared service network sees and may remove consumers' associations).
fn find_association<'a, T: Object>(
    map: &'a BTreeMap<String, T>,
    ctx: &Ctx,
    identifier: &str,
    resource_type: &str,
    owners: impl Fn(&T) -> [Option<&'a str>; 2],
) -> Result<&'a T, ApiError> {
    map.get(id_of(identifier))
        .filter(|a| seen_by(ctx, a.account(), owners(a)))
        .ok_or_else(|| ApiError::not_found(resource_type, identifier))
}

/// An association is visible to its creator and to the owners of what it joins.
fn seen_by(ctx: &Ctx, creator: &str, owners: [Option<&str>; 2]) -> bool {
    creator == ctx.account || owners.contains(&Some(ctx.account.as_str()))
}

/// One page of `items` (already in a stable order) after `nextToken`.
pub(crate) fn paginate(items: Vec<(String, Value)>, input: &Value) -> Result<Value, ApiError> {
    let max = input.get("maxResults").and_then(Value::as_u64).unwrap_or(100) as usize;
    let start = match str_of(input, "nextToken") {
        Some(token) => {
            let after = hex::decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::invalid_field("nextToken", "The pagination token is invalid"))?;
            items.iter().position(|(k, _)| *k > after).unwrap_or(items.len())
        }
        None => 0,
    };
    let page: Vec<&(String, Value)> = items.iter().skip(start).take(max).collect();
    let mut out = json!({ "items": page.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>() });
    if start + page.len() < items.len() {
        if let Some((last, _)) = page.last() {
            out["nextToken"] = json!(hex::encode(last));
        }
    }
    Ok(out)
}

/// A page of the caller's objects of one kind that `keep` selects, each summarised by `item`.
pub(crate) fn list_owned<T: Object>(
    map: &BTreeMap<String, T>,
    ctx: &Ctx,
    input: &Value,
    keep: impl Fn(&T) -> bool,
    item: impl Fn(&T) -> Value,
) -> OpResult {
    let items =
        map.values().filter(|o| o.account() == ctx.account && keep(o)).map(|o| (o.id().to_string(), item(o))).collect();
    Outcome::read(paginate(items, input)?)
}

/// A page of the objects of one kind that `keep` selects (`keep` decides visibility too).
fn list_visible<T: Object>(
    map: &BTreeMap<String, T>,
    input: &Value,
    keep: impl Fn(&T) -> bool,
    item: impl Fn(&T) -> Value,
) -> OpResult {
    let items = map.values().filter(|o| keep(o)).map(|o| (o.id().to_string(), item(o))).collect();
    Outcome::read(paginate(items, input)?)
}

fn conflict_if<T: Object>(
    map: &BTreeMap<String, T>,
    pred: impl Fn(&T) -> bool,
    resource_type: &str,
    message: impl Fn(&T) -> String,
) -> Result<(), ApiError> {
    match map.values().find(|o| pred(o)) {
        Some(o) => Err(ApiError::conflict(resource_type, o.id(), message(o))),
        None => Ok(()),
    }
}

const SN: &str = "SERVICE_NETWORK";
const SVC: &str = "SERVICE";
const TG: &str = "TARGET_GROUP";
const LISTENER: &str = "LISTENER";
const SNSA: &str = "SERVICE_NETWORK_SERVICE_ASSOCIATION";
const SNVA: &str = "SERVICE_NETWORK_VPC_ASSOCIATION";

// ---- VPCs (implicit on first reference) ------------------------------------------------

/// The VPC with this id, created (with a fresh address block) when it does not exist yet.
pub(crate) fn vpc_or_implicit(
    ctx: &Ctx,
    s: &State,
    vpc_id: &str,
    field: &str,
) -> Result<(Vpc, Option<ObjectChange>), ApiError> {
    if let Some(vpc) = s.vpcs.get(vpc_id) {
        if vpc.account != ctx.account {
            return Err(ApiError::not_found("VPC", vpc_id));
        }
        return Ok((vpc.clone(), None));
    }
    if !ids::is_vpc_id(vpc_id) {
        return Err(ApiError::invalid_field(field, format!("'{vpc_id}' is not a valid VPC id")));
    }
    let vpc = new_vpc(ctx, s, vpc_id.to_string(), Tags::new())?;
    let change = vpc.put();
    Ok((vpc, Some(change)))
}

pub(crate) fn new_vpc(ctx: &Ctx, s: &State, id: String, tags: Tags) -> Result<Vpc, ApiError> {
    let owned = s.vpcs.values().filter(|v| v.account == ctx.account).count();
    if owned >= VPCS_PER_ACCOUNT {
        return Err(ApiError {
            resource_id: Some(id),
            resource_type: Some("VPC".into()),
            ..ApiError::new(
                402,
                "ServiceQuotaExceededException",
                format!("An account may have at most {VPCS_PER_ACCOUNT} VPCs here"),
            )
        });
    }
    let used: std::collections::HashSet<&str> = s.vpcs.values().map(|v| v.block.as_str()).collect();
    // Blocks where another process (another backend on the same pool, say) has sockets are
    // skipped: this VPC's resolver and services could not bind there.
    let busy = crate::probe::busy_blocks();
    let block = (ctx.vpc_pool.0..=ctx.vpc_pool.1)
        .map(|i| format!("127.{}.{}", (i >> 8) & 0xff, i & 0xff))
        .find(|b| !used.contains(b.as_str()) && !busy.contains(b))
        .ok_or_else(|| ApiError {
            status: 402,
            code: "ServiceQuotaExceededException".into(),
            message: "No free loopback address block is left for another VPC (the pool is used up, or other processes hold its addresses); widen --vpc-pool or pick another".into(),
            reason: None,
            field_list: vec![],
            resource_id: Some(id.clone()),
            resource_type: Some("VPC".into()),
        })?;
    Ok(Vpc { id, account: ctx.account.clone(), block, tags, created_at: now_rfc3339() })
}

// ---- service networks ------------------------------------------------------------------

/// Associations of a service network: (VPCs, services, resource configurations).
fn sn_counts(s: &State, sn_id: &str) -> (usize, usize, usize) {
    let vpcs = s.sn_vpc_associations.values().filter(|a| a.service_network_id == sn_id).count();
    let services = s.sn_service_associations.values().filter(|a| a.service_network_id == sn_id).count();
    let resources = s.sn_resource_associations.values().filter(|a| a.service_network_id == sn_id).count();
    (vpcs, services, resources)
}

fn sn_wire(s: &State, sn: &ServiceNetwork) -> Value {
    let (vpcs, services, resources) = sn_counts(s, &sn.id);
    let mut v = wire(sn, &[]);
    v["numberOfAssociatedResourceConfigurations"] = json!(resources); // list summaries carry it
    v["numberOfAssociatedVPCs"] = json!(vpcs);
    v["numberOfAssociatedServices"] = json!(services);
    v
}

/// VPCs one account may have (AWS's default is 5 per Region): it keeps one account from taking
/// the whole shared loopback pool with implicit VPCs.
const VPCS_PER_ACCOUNT: usize = 100;

/// Default quotas, per account (AWS applies them per Region).
const SERVICE_NETWORKS_PER_ACCOUNT: usize = 50;
const SERVICES_PER_ACCOUNT: usize = 2000;
const TARGET_GROUPS_PER_ACCOUNT: usize = 500;

fn check_count_quota<T: Object>(
    map: &BTreeMap<String, T>,
    ctx: &Ctx,
    limit: usize,
    resource_type: &str,
    what: &str,
) -> Result<(), ApiError> {
    let count = map.values().filter(|o| o.account() == ctx.account).count();
    if count >= limit {
        return Err(quota_exceeded(resource_type, format!("Account {} already has {count} {what}", ctx.account), what));
    }
    Ok(())
}

fn create_service_network(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    check_count_quota(&s.service_networks, ctx, SERVICE_NETWORKS_PER_ACCOUNT, SN, "service networks")?;
    let name = req(input, "name");
    conflict_if(
        &s.service_networks,
        |o| o.account == ctx.account && o.name == name,
        SN,
        |o| format!("A service network named '{name}' already exists ({})", o.id),
    )?;
    let id = new_id("sn");
    let now = now_rfc3339();
    let sn = ServiceNetwork {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("servicenetwork/{id}")),
        id,
        name: name.to_string(),
        auth_type: str_of(input, "authType").unwrap_or("NONE").to_string(),
        sharing_config: input.get("sharingConfig").cloned(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&wire(&sn, &[]), &["id", "name", "arn", "authType", "sharingConfig"]);
    Outcome::write(vec![sn.put()], body)
}

fn get_service_network(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = find_usable(&s.service_networks, s, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    Outcome::read(sn_wire(s, sn))
}

fn list_service_networks(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &[
        "id",
        "name",
        "arn",
        "createdAt",
        "lastUpdatedAt",
        "numberOfAssociatedVPCs",
        "numberOfAssociatedServices",
        "numberOfAssociatedResourceConfigurations",
    ];
    list_usable(&s.service_networks, s, ctx, input, |_| true, |sn| pick(&sn_wire(s, sn), FIELDS))
}

fn update_service_network(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut sn = find(&s.service_networks, ctx, req(input, "serviceNetworkIdentifier"), SN)?.clone();
    sn.auth_type = req(input, "authType").to_string();
    sn.last_updated_at = now_rfc3339();
    let body = pick(&wire(&sn, &[]), &["id", "name", "arn", "authType"]);
    Outcome::write(vec![sn.put()], body)
}

fn delete_service_network(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = find(&s.service_networks, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    if let Some(e) = s.vpc_endpoints.values().find(|e| e.service_network_id.as_deref() == Some(sn.id.as_str())) {
        return Err(ApiError::conflict(
            SN,
            &sn.id,
            format!("Service network {} is reached by VPC endpoint {}; delete the endpoint first", sn.id, e.id),
        ));
    }
    let (vpcs, services, resources) = sn_counts(s, &sn.id);
    if vpcs + services + resources > 0 {
        return Err(ApiError::conflict(
            SN,
            &sn.id,
            format!(
                "Service network {} still has {vpcs} VPC, {services} service and {resources} resource configuration association(s); delete them first",
                sn.id
            ),
        ));
    }
    let mut changes = dependents_of(ctx, s, &sn.id, &sn.arn);
    changes.push(sn.delete());
    Outcome::write(changes, Value::Null)
}

// ---- services --------------------------------------------------------------------------

fn create_service(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    check_count_quota(&s.services, ctx, SERVICES_PER_ACCOUNT, SVC, "services")?;
    let name = req(input, "name");
    conflict_if(
        &s.services,
        |o| o.account == ctx.account && o.name == name,
        SVC,
        |o| format!("A service named '{name}' already exists ({})", o.id),
    )?;
    let custom = str_of(input, "customDomainName").map(str::to_string);
    if let Some(domain) = &custom {
        conflict_if(
            &s.services,
            |o| o.custom_domain_name.as_deref() == Some(domain.as_str()),
            SVC,
            |o| format!("Custom domain name {domain} is already used by service {}", o.id),
        )?;
    }
    let id = new_id("svc");
    let now = now_rfc3339();
    let svc = Service {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("service/{id}")),
        dns_entry: DnsEntry {
            domain_name: ids::service_domain_name(name, &id, &ctx.account, &ctx.region),
            hosted_zone_id: ids::hosted_zone_id(&ctx.region),
        },
        id,
        name: name.to_string(),
        auth_type: str_of(input, "authType").unwrap_or("NONE").to_string(),
        custom_domain_name: custom,
        certificate_arn: str_of(input, "certificateArn").filter(|c| !c.is_empty()).map(str::to_string),
        idle_timeout_seconds: input.get("idleTimeoutSeconds").and_then(Value::as_i64).unwrap_or(60),
        status: "ACTIVE".into(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = wire(&svc, &["createdAt", "lastUpdatedAt"]);
    Outcome::write(vec![svc.put()], body)
}

fn get_service(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let svc = find_usable(&s.services, s, ctx, req(input, "serviceIdentifier"), SVC)?;
    Outcome::read(wire(svc, &[]))
}

fn list_services(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] =
        &["id", "name", "arn", "createdAt", "lastUpdatedAt", "dnsEntry", "customDomainName", "status"];
    list_usable(&s.services, s, ctx, input, |_| true, |svc| pick(&wire(svc, &[]), FIELDS))
}

fn update_service(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?.clone();
    if let Some(auth) = str_of(input, "authType") {
        svc.auth_type = auth.to_string();
    }
    if let Some(cert) = str_of(input, "certificateArn") {
        svc.certificate_arn = Some(cert.to_string()).filter(|c| !c.is_empty());
    }
    if let Some(idle) = input.get("idleTimeoutSeconds").and_then(Value::as_i64) {
        svc.idle_timeout_seconds = idle;
    }
    svc.last_updated_at = now_rfc3339();
    let body = pick(
        &wire(&svc, &[]),
        &["id", "arn", "name", "customDomainName", "certificateArn", "authType", "idleTimeoutSeconds"],
    );
    Outcome::write(vec![svc.put()], body)
}

fn delete_service(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?;
    conflict_if(
        &s.sn_service_associations,
        |a| a.service_id == svc.id,
        SVC,
        |a| {
            format!(
                "Service {} is associated with service network {} ({}); delete the association first",
                svc.id, a.service_network_id, a.id
            )
        },
    )?;
    // Listeners, policies and log subscriptions go with their service, as in Lattice.
    let mut changes: Vec<ObjectChange> =
        s.listeners.values().filter(|l| l.service_id == svc.id).map(Object::delete).collect();
    changes.extend(s.rules.values().filter(|r| r.service_id == svc.id).map(Object::delete));
    changes.extend(dependents_of(ctx, s, &svc.id, &svc.arn));
    changes.push(svc.delete());
    let body = json!({ "id": svc.id, "arn": svc.arn, "name": svc.name, "status": "DELETE_IN_PROGRESS" });
    Outcome::write(changes, body)
}

// ---- target groups ---------------------------------------------------------------------

fn with_default(obj: &mut Map<String, Value>, key: &str, value: Value) {
    if obj.get(key).is_none_or(Value::is_null) {
        obj.insert(key.to_string(), value);
    }
}

fn health_check_defaults(hc: &mut Map<String, Value>, protocol: &str) {
    with_default(hc, "enabled", json!(true));
    with_default(hc, "protocol", json!(if protocol == "HTTPS" { "HTTPS" } else { "HTTP" }));
    with_default(hc, "protocolVersion", json!("HTTP1"));
    with_default(hc, "path", json!("/"));
    with_default(hc, "healthCheckIntervalSeconds", json!(30));
    with_default(hc, "healthCheckTimeoutSeconds", json!(5));
    with_default(hc, "healthyThresholdCount", json!(5));
    with_default(hc, "unhealthyThresholdCount", json!(2));
    with_default(hc, "matcher", json!({ "httpCode": "200" }));
}

fn create_target_group(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    check_count_quota(&s.target_groups, ctx, TARGET_GROUPS_PER_ACCOUNT, TG, "target groups")?;
    let name = req(input, "name");
    let kind = req(input, "type");
    conflict_if(
        &s.target_groups,
        |o| o.account == ctx.account && o.name == name,
        TG,
        |o| format!("A target group named '{name}' already exists ({})", o.id),
    )?;
    let mut changes = Vec::new();
    let config = match (kind, input.get("config").and_then(Value::as_object)) {
        ("LAMBDA", Some(cfg)) => {
            if cfg.contains_key("port") || cfg.contains_key("protocol") || cfg.contains_key("vpcIdentifier") {
                return Err(ApiError::invalid_field(
                    "config",
                    "LAMBDA target groups take no port, protocol or vpcIdentifier",
                ));
            }
            let mut cfg = cfg.clone();
            with_default(&mut cfg, "lambdaEventStructureVersion", json!("V1"));
            Some(Value::Object(cfg))
        }
        ("LAMBDA", None) => Some(json!({ "lambdaEventStructureVersion": "V1" })),
        (_, None) => {
            return Err(ApiError::invalid_field("config", format!("config is required for {kind} target groups")))
        }
        (_, Some(cfg)) => {
            let mut cfg = cfg.clone();
            for required in ["port", "protocol", "vpcIdentifier"] {
                if cfg.get(required).is_none_or(Value::is_null) {
                    return Err(ApiError::invalid_field(
                        &format!("config.{required}"),
                        format!("config.{required} is required for {kind} target groups"),
                    ));
                }
            }
            let vpc_id = cfg["vpcIdentifier"].as_str().unwrap_or_default().to_string();
            let (_, implicit) = vpc_or_implicit(ctx, s, &vpc_id, "config.vpcIdentifier")?;
            changes.extend(implicit);
            let protocol = cfg["protocol"].as_str().unwrap_or("HTTP").to_string();
            if protocol != "TCP" {
                with_default(&mut cfg, "protocolVersion", json!("HTTP1"));
            }
            with_default(&mut cfg, "ipAddressType", json!("IPV4"));
            let mut hc = cfg.get("healthCheck").and_then(Value::as_object).cloned().unwrap_or_default();
            health_check_defaults(&mut hc, &protocol);
            cfg.insert("healthCheck".into(), Value::Object(hc));
            Some(Value::Object(cfg))
        }
    };
    let id = new_id("tg");
    let now = now_rfc3339();
    let tg = TargetGroup {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("targetgroup/{id}")),
        id,
        name: name.to_string(),
        kind: kind.to_string(),
        config,
        status: "ACTIVE".into(),
        created_at: now.clone(),
        last_updated_at: now,
        targets: vec![],
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&wire(&tg, &[]), &["id", "arn", "name", "type", "config", "status"]);
    changes.push(tg.put());
    Outcome::write(changes, body)
}

fn action_uses(action: &Value, tg_id: &str) -> bool {
    action.pointer("/forward/targetGroups").and_then(Value::as_array).is_some_and(|gs| {
        gs.iter().any(|g| g.get("targetGroupIdentifier").and_then(Value::as_str).map(id_of) == Some(tg_id))
    })
}

/// Listeners and rules that forward to `tg`: `(service ARN, listener or rule ARN)`.
fn target_group_users<'a>(s: &'a State, tg: &TargetGroup) -> Vec<(&'a str, &'a str)> {
    let listeners = s
        .listeners
        .values()
        .filter(|l| action_uses(&l.default_action, &tg.id))
        .map(|l| (l.service_arn.as_str(), l.arn.as_str()));
    let rules = s.rules.values().filter(|r| action_uses(&r.action, &tg.id)).filter_map(|r| {
        let service = s.services.get(&r.service_id)?;
        Some((service.arn.as_str(), r.arn.as_str()))
    });
    listeners.chain(rules).collect()
}

fn tg_wire(s: &State, tg: &TargetGroup) -> Value {
    let mut v = wire(tg, &["targets"]);
    let mut arns: Vec<&str> = target_group_users(s, tg).into_iter().map(|(service, _)| service).collect();
    arns.sort_unstable();
    arns.dedup();
    v["serviceArns"] = json!(arns);
    v
}

fn get_target_group(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?;
    Outcome::read(tg_wire(s, tg))
}

fn list_target_groups(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &["id", "arn", "name", "type", "createdAt", "lastUpdatedAt", "status", "serviceArns"];
    const CONFIG_FIELDS: &[&str] =
        &["port", "protocol", "ipAddressType", "vpcIdentifier", "lambdaEventStructureVersion"];
    let vpc = str_of(input, "vpcIdentifier");
    let kind = str_of(input, "targetGroupType");
    list_owned(
        &s.target_groups,
        ctx,
        input,
        |tg| (vpc.is_none() || tg.vpc_identifier() == vpc) && kind.is_none_or(|k| tg.kind == k),
        |tg| {
            let mut item = pick(&tg_wire(s, tg), FIELDS);
            if let (Some(item), Some(Value::Object(cfg))) =
                (item.as_object_mut(), tg.config.as_ref().map(|c| pick(c, CONFIG_FIELDS)))
            {
                item.extend(cfg);
            }
            item
        },
    )
}

fn update_target_group(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?.clone();
    let Some(cfg) = tg.config.as_mut().and_then(Value::as_object_mut).filter(|_| tg.kind != "LAMBDA") else {
        return Err(ApiError::invalid_field("healthCheck", format!("{} target groups have no health check", tg.kind)));
    };
    let protocol = cfg.get("protocol").and_then(Value::as_str).unwrap_or("HTTP").to_string();
    let mut hc = cfg.get("healthCheck").and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(update) = input.get("healthCheck").and_then(Value::as_object) {
        for (k, v) in update {
            hc.insert(k.clone(), v.clone());
        }
    }
    health_check_defaults(&mut hc, &protocol);
    cfg.insert("healthCheck".into(), Value::Object(hc));
    tg.last_updated_at = now_rfc3339();
    let body = pick(&wire(&tg, &[]), &["id", "arn", "name", "type", "config", "status"]);
    Outcome::write(vec![tg.put()], body)
}

fn delete_target_group(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?;
    if let Some((_, user)) = target_group_users(s, tg).first() {
        return Err(ApiError::conflict(TG, &tg.id, format!("Target group {} is in use by {user}", tg.id)));
    }
    let body = json!({ "id": tg.id, "arn": tg.arn, "status": "DELETE_IN_PROGRESS" });
    Outcome::write(vec![tg.delete()], body)
}

fn targets_of(input: &Value) -> Vec<(String, Option<i64>)> {
    input
        .get("targets")
        .and_then(Value::as_array)
        .map(|ts| {
            ts.iter()
                .filter_map(|t| Some((t.get("id")?.as_str()?.to_string(), t.get("port").and_then(Value::as_i64))))
                .collect()
        })
        .unwrap_or_default()
}

fn register_targets(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?.clone();
    let default_port = tg.default_port().unwrap_or(0);
    let (mut ok, mut failed) = (vec![], vec![]);
    for (id, port) in targets_of(input) {
        let port = port.unwrap_or(default_port);
        if tg.kind == "IP" && id.parse::<std::net::IpAddr>().is_err() {
            failed.push(json!({ "id": id, "port": port, "failureCode": "InvalidParameter", "failureMessage": format!("{id} is not an IP address") }));
            continue;
        }
        if tg.kind == "INSTANCE" && !id.starts_with("i-") {
            failed.push(json!({ "id": id, "port": port, "failureCode": "InvalidParameter", "failureMessage": format!("{id} is not an instance id") }));
            continue;
        }
        // Compute is the target group's own: another account's instance or function is as
        // unknown as one that does not exist (nothing tells the two apart).
        if let Some(why) = foreign_compute(s, &tg, &id) {
            failed.push(json!({ "id": id, "port": port, "failureCode": "InvalidParameter", "failureMessage": why }));
            continue;
        }
        if tg.kind == "LAMBDA" && !(tg.targets.is_empty() || tg.targets.iter().any(|t| t.id == id)) {
            failed.push(json!({ "id": id, "failureCode": "InvalidParameter", "failureMessage": "A LAMBDA target group holds one target" }));
            continue;
        }
        if !tg.targets.iter().any(|t| t.id == id && t.port == port) {
            tg.targets.push(Target { id: id.clone(), port });
        }
        ok.push(json!({ "id": id, "port": port }));
    }
    let changes = if ok.is_empty() { vec![] } else { vec![tg.put()] };
    Outcome::write(changes, json!({ "successful": ok, "unsuccessful": failed }))
}

/// Why `id` cannot be a target of `tg`: an `INSTANCE` target must be a local instance, and a
/// `LAMBDA` target a local function, of the group's own account (as in AWS, where neither an
/// instance nor a function of another account can be registered).
fn foreign_compute(s: &State, tg: &TargetGroup, id: &str) -> Option<String> {
    match tg.kind.as_str() {
        "INSTANCE" => s
            .local_instances
            .get(id)
            .filter(|i| i.account == tg.account)
            .is_none()
            .then(|| format!("Instance {id} does not exist")),
        "LAMBDA" => lattice_model::snapshot::owned_function(s, &tg.account, id)
            .is_none()
            .then(|| format!("Function not found: {id}")),
        _ => None,
    }
}

fn deregister_targets(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?.clone();
    let default_port = tg.default_port().unwrap_or(0);
    let (mut ok, mut failed) = (vec![], vec![]);
    for (id, port) in targets_of(input) {
        let port = port.unwrap_or(default_port);
        let before = tg.targets.len();
        tg.targets.retain(|t| !(t.id == id && t.port == port));
        if tg.targets.len() < before {
            ok.push(json!({ "id": id, "port": port }));
        } else {
            failed.push(json!({ "id": id, "port": port, "failureCode": "TargetNotFound", "failureMessage": format!("{id}:{port} is not registered") }));
        }
    }
    let changes = if ok.is_empty() { vec![] } else { vec![tg.put()] };
    Outcome::write(changes, json!({ "successful": ok, "unsuccessful": failed }))
}

/// Target health as far as the control plane knows it: targets of a group no listener uses
/// are `UNUSED`; with health checks off, `UNAVAILABLE`; otherwise the server fills in the
/// result of a connection probe (see `server::probe_targets`).
pub(crate) fn list_targets(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let tg = find(&s.target_groups, ctx, req(input, "targetGroupIdentifier"), TG)?;
    let filter = targets_of(input);
    let used = !target_group_users(s, tg).is_empty();
    let hc_enabled = tg
        .config
        .as_ref()
        .and_then(|c| c.pointer("/healthCheck/enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(tg.kind != "LAMBDA");
    let items = tg
        .targets
        .iter()
        .filter(|t| {
            filter.is_empty() || filter.iter().any(|(id, port)| *id == t.id && port.is_none_or(|p| p == t.port))
        })
        .map(|t| {
            let (status, reason) = if !used {
                ("UNUSED", Some("TargetGroupNotInUse"))
            } else if !hc_enabled {
                ("UNAVAILABLE", Some("HealthCheckDisabled"))
            } else {
                ("PROBE", None)
            };
            let mut item = json!({ "id": t.id, "port": t.port, "status": status });
            if let Some(r) = reason {
                item["reasonCode"] = json!(r);
            }
            (format!("{}:{:05}", t.id, t.port), item)
        })
        .collect();
    Outcome::read(paginate(items, input)?)
}

// ---- listeners -------------------------------------------------------------------------

fn check_action(ctx: &Ctx, s: &State, action: &Value, field: &str) -> Result<(), ApiError> {
    if let Some(groups) = action.pointer("/forward/targetGroups").and_then(Value::as_array) {
        for (i, g) in groups.iter().enumerate() {
            let ident = g.get("targetGroupIdentifier").and_then(Value::as_str).unwrap_or_default();
            find(&s.target_groups, ctx, ident, TG).map_err(|mut e| {
                e.message = format!("{field}.forward.targetGroups.{}: target group {ident} not found", i + 1);
                e
            })?;
        }
    }
    Ok(())
}

fn listener_wire(l: &Listener) -> Value {
    wire(l, &[])
}

fn create_listener(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?;
    let name = req(input, "name");
    let protocol = req(input, "protocol");
    let port = match (input.get("port").and_then(Value::as_i64), protocol) {
        (Some(p), _) => p,
        (None, "HTTP") => 80,
        (None, "HTTPS") => 443,
        (None, _) => return Err(ApiError::invalid_field("port", "port is required for TLS_PASSTHROUGH listeners")),
    };
    let action = input.get("defaultAction").cloned().unwrap_or(Value::Null);
    check_action(ctx, s, &action, "defaultAction")?;
    conflict_if(
        &s.listeners,
        |l| l.service_id == svc.id && (l.name == name || l.port == port),
        LISTENER,
        |l| format!("Service {} already has listener {} ({} on port {})", svc.id, l.id, l.name, l.port),
    )?;
    let id = new_id("listener");
    let now = now_rfc3339();
    let listener = Listener {
        arn: format!("{}/listener/{id}", svc.arn),
        id,
        name: name.to_string(),
        protocol: protocol.to_string(),
        port,
        service_id: svc.id.clone(),
        service_arn: svc.arn.clone(),
        default_action: action,
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = wire(&listener, &["createdAt", "lastUpdatedAt"]);
    Outcome::write(vec![listener.put()], body)
}

fn find_listener<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a Listener, ApiError> {
    let svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?;
    let ident = req(input, "listenerIdentifier");
    s.listeners.get(id_of(ident)).filter(|l| l.service_id == svc.id).ok_or_else(|| ApiError::not_found(LISTENER, ident))
}

fn get_listener(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    Outcome::read(listener_wire(find_listener(ctx, s, input)?))
}

fn list_listeners(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &["arn", "id", "name", "protocol", "port", "createdAt", "lastUpdatedAt"];
    let svc = find(&s.services, ctx, req(input, "serviceIdentifier"), SVC)?;
    list_owned(&s.listeners, ctx, input, |l| l.service_id == svc.id, |l| pick(&listener_wire(l), FIELDS))
}

fn update_listener(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut l = find_listener(ctx, s, input)?.clone();
    let action = input.get("defaultAction").cloned().unwrap_or(Value::Null);
    check_action(ctx, s, &action, "defaultAction")?;
    l.default_action = action;
    l.last_updated_at = now_rfc3339();
    let body = wire(&l, &["createdAt", "lastUpdatedAt"]);
    Outcome::write(vec![l.put()], body)
}

fn delete_listener(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let l = find_listener(ctx, s, input)?;
    let mut changes: Vec<ObjectChange> =
        s.rules.values().filter(|r| r.listener_id == l.id).map(Object::delete).collect();
    changes.push(l.delete());
    Outcome::write(changes, Value::Null)
}

// ---- service network ↔ service associations ---------------------------------------------

fn snsa_wire(s: &State, a: &ServiceNetworkServiceAssociation) -> Value {
    let mut v = wire(a, &[]);
    if let Some(svc) = s.services.get(&a.service_id) {
        v["serviceName"] = json!(svc.name);
        v["serviceArn"] = json!(svc.arn);
        v["dnsEntry"] = json!(svc.dns_entry);
        if let Some(c) = &svc.custom_domain_name {
            v["customDomainName"] = json!(c);
        }
    }
    if let Some(sn) = s.service_networks.get(&a.service_network_id) {
        v["serviceNetworkName"] = json!(sn.name);
        v["serviceNetworkArn"] = json!(sn.arn);
    }
    v
}

fn create_snsa(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let svc = find_usable(&s.services, s, ctx, req(input, "serviceIdentifier"), SVC)?;
    let sn = find_usable(&s.service_networks, s, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    conflict_if(
        &s.sn_service_associations,
        |a| a.service_id == svc.id && a.service_network_id == sn.id,
        SNSA,
        |a| format!("Service {} is already associated with service network {} ({})", svc.id, sn.id, a.id),
    )?;
    let id = new_id("snsa");
    let a = ServiceNetworkServiceAssociation {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("servicenetworkserviceassociation/{id}")),
        id,
        service_network_id: sn.id.clone(),
        service_id: svc.id.clone(),
        status: "ACTIVE".into(),
        created_by: ctx.account.clone(),
        created_at: now_rfc3339(),
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&snsa_wire(s, &a), &["id", "status", "arn", "createdBy", "customDomainName", "dnsEntry"]);
    Outcome::write(vec![a.put()], body)
}

fn find_snsa<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a ServiceNetworkServiceAssociation, ApiError> {
    let ident = req(input, "serviceNetworkServiceAssociationIdentifier");
    find_association(&s.sn_service_associations, ctx, ident, SNSA, |a| snsa_owners(s, a))
}

/// The owners of what a service association joins (they see it besides its creator).
fn snsa_owners<'a>(s: &'a State, a: &ServiceNetworkServiceAssociation) -> [Option<&'a str>; 2] {
    [
        s.service_networks.get(&a.service_network_id).map(|o| o.account.as_str()),
        s.services.get(&a.service_id).map(|o| o.account.as_str()),
    ]
}

fn get_snsa(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snsa(ctx, s, input)?;
    Outcome::read(snsa_wire(s, a))
}

fn list_snsa(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = str_of(input, "serviceNetworkIdentifier").map(id_of);
    let svc = str_of(input, "serviceIdentifier").map(id_of);
    list_visible(
        &s.sn_service_associations,
        input,
        |a| {
            sn.is_none_or(|x| a.service_network_id == x)
                && svc.is_none_or(|x| a.service_id == x)
                && seen_by(ctx, &a.account, snsa_owners(s, a))
        },
        |a| snsa_wire(s, a),
    )
}

fn delete_snsa(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snsa(ctx, s, input)?;
    delete_association(a)
}

/// Deletes an association; Lattice answers with its id, ARN and `DELETE_IN_PROGRESS`.
fn delete_association<T: Object + Tagged>(a: &T) -> OpResult {
    let body = json!({ "id": a.id(), "arn": a.arn(), "status": "DELETE_IN_PROGRESS" });
    Outcome::write(vec![a.delete()], body)
}

// ---- service network ↔ VPC associations -------------------------------------------------

fn snva_wire(s: &State, a: &ServiceNetworkVpcAssociation) -> Value {
    let mut v = wire(a, &[]);
    if let Some(sn) = s.service_networks.get(&a.service_network_id) {
        v["serviceNetworkName"] = json!(sn.name);
        v["serviceNetworkArn"] = json!(sn.arn);
    }
    v
}

fn create_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = find_usable(&s.service_networks, s, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    let vpc_id = req(input, "vpcIdentifier");
    let (_, implicit) = vpc_or_implicit(ctx, s, vpc_id, "vpcIdentifier")?;
    conflict_if(
        &s.sn_vpc_associations,
        |a| a.vpc_id == vpc_id,
        SNVA,
        |a| format!("VPC {vpc_id} is already associated with service network {} ({})", a.service_network_id, a.id),
    )?;
    let id = new_id("snva");
    let now = now_rfc3339();
    let a = ServiceNetworkVpcAssociation {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("servicenetworkvpcassociation/{id}")),
        id,
        service_network_id: sn.id.clone(),
        vpc_id: vpc_id.to_string(),
        security_group_ids: crate::security_groups::check_ids(s, vpc_id, input, "securityGroupIds")?,
        private_dns_enabled: input.get("privateDnsEnabled").and_then(Value::as_bool),
        dns_options: input.get("dnsOptions").cloned(),
        status: "ACTIVE".into(),
        created_by: ctx.account.clone(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(
        &snva_wire(s, &a),
        &["id", "status", "arn", "createdBy", "securityGroupIds", "privateDnsEnabled", "dnsOptions"],
    );
    let mut changes: Vec<ObjectChange> = implicit.into_iter().collect();
    changes.push(a.put());
    Outcome::write(changes, body)
}

pub(crate) fn string_list(input: &Value, key: &str) -> Vec<String> {
    input
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn find_snva<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a ServiceNetworkVpcAssociation, ApiError> {
    let ident = req(input, "serviceNetworkVpcAssociationIdentifier");
    find_association(&s.sn_vpc_associations, ctx, ident, SNVA, |a| [sn_owner(s, &a.service_network_id), None])
}

fn sn_owner<'a>(s: &'a State, sn_id: &str) -> Option<&'a str> {
    s.service_networks.get(sn_id).map(|o| o.account.as_str())
}

fn get_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snva(ctx, s, input)?;
    Outcome::read(snva_wire(s, a))
}

fn list_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &[
        "id",
        "arn",
        "status",
        "createdBy",
        "serviceNetworkId",
        "serviceNetworkName",
        "serviceNetworkArn",
        "vpcId",
        "createdAt",
        "lastUpdatedAt",
    ];
    let sn = str_of(input, "serviceNetworkIdentifier").map(id_of);
    let vpc = str_of(input, "vpcIdentifier");
    list_visible(
        &s.sn_vpc_associations,
        input,
        |a| {
            sn.is_none_or(|x| a.service_network_id == x)
                && vpc.is_none_or(|x| a.vpc_id == x)
                && seen_by(ctx, &a.account, [sn_owner(s, &a.service_network_id), None])
        },
        |a| pick(&snva_wire(s, a), FIELDS),
    )
}

fn update_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut a = find(&s.sn_vpc_associations, ctx, req(input, "serviceNetworkVpcAssociationIdentifier"), SNVA)?.clone();
    if input.get("securityGroupIds").is_some() {
        a.security_group_ids = crate::security_groups::check_ids(s, &a.vpc_id, input, "securityGroupIds")?;
    }
    if let Some(p) = input.get("privateDnsEnabled").and_then(Value::as_bool) {
        a.private_dns_enabled = Some(p);
    }
    if let Some(d) = input.get("dnsOptions") {
        a.dns_options = Some(d.clone());
    }
    a.last_updated_at = now_rfc3339();
    let body = pick(
        &snva_wire(s, &a),
        &["id", "arn", "status", "createdBy", "securityGroupIds", "privateDnsEnabled", "dnsOptions"],
    );
    Outcome::write(vec![a.put()], body)
}

fn delete_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snva(ctx, s, input)?;
    delete_association(a)
}

// ---- tags ------------------------------------------------------------------------------

/// Finds the caller's taggable object with this ARN, runs `f` on a copy of its tags, and
/// returns the new tags and the change.
fn with_tags(ctx: &Ctx, s: &State, arn: &str, f: impl FnOnce(&mut Tags)) -> Result<(Tags, ObjectChange), ApiError> {
    fn edit<T: Object + Tagged>(
        map: &BTreeMap<String, T>,
        ctx: &Ctx,
        arn: &str,
        f: &mut Option<impl FnOnce(&mut Tags)>,
    ) -> Option<(Tags, ObjectChange)> {
        let obj = map.get(id_of(arn)).filter(|o| o.account() == ctx.account && o.arn() == arn)?;
        let mut obj = obj.clone();
        (f.take()?)(obj.tags_mut());
        Some((obj.tags_mut().clone(), obj.put()))
    }
    let mut f = Some(f);
    let f = &mut f;
    edit(&s.service_networks, ctx, arn, f)
        .or_else(|| edit(&s.services, ctx, arn, f))
        .or_else(|| edit(&s.target_groups, ctx, arn, f))
        .or_else(|| edit(&s.listeners, ctx, arn, f))
        .or_else(|| edit(&s.rules, ctx, arn, f))
        .or_else(|| edit(&s.sn_service_associations, ctx, arn, f))
        .or_else(|| edit(&s.sn_vpc_associations, ctx, arn, f))
        .or_else(|| edit(&s.sn_resource_associations, ctx, arn, f))
        .or_else(|| edit(&s.access_log_subscriptions, ctx, arn, f))
        .or_else(|| edit(&s.resource_gateways, ctx, arn, f))
        .or_else(|| edit(&s.resource_configurations, ctx, arn, f))
        .or_else(|| edit(&s.domain_verifications, ctx, arn, f))
        .ok_or_else(|| ApiError::not_found("RESOURCE", arn))
}

fn tag_resource(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let new = tags_of(input);
    let (_, change) = with_tags(ctx, s, req(input, "resourceArn"), |t| t.extend(new))?;
    Outcome::write(vec![change], json!({}))
}

fn untag_resource(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let keys = string_list(input, "tagKeys");
    let (_, change) = with_tags(ctx, s, req(input, "resourceArn"), |t| t.retain(|k, _| !keys.contains(k)))?;
    Outcome::write(vec![change], json!({}))
}

fn list_tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (tags, _) = with_tags(ctx, s, req(input, "resourceArn"), |_| {})?;
    Outcome::read(json!({ "tags": tags }))
}

// ---- auth and resource policies, access-log subscriptions -------------------------------

/// What goes when a service network or service is deleted: its policies, log subscriptions
/// and place in RAM shares.
fn dependents_of(ctx: &Ctx, s: &State, resource_id: &str, arn: &str) -> Vec<ObjectChange> {
    let mut changes: Vec<ObjectChange> = s.auth_policies.get(resource_id).map(Object::delete).into_iter().collect();
    changes.extend(s.resource_policies.get(resource_id).map(Object::delete));
    changes.extend(crate::ram::policy_share_changes(ctx, s, arn, None));
    changes.extend(crate::ram::forget_resource(s, arn));
    changes.extend(s.access_log_subscriptions.values().filter(|a| a.resource_id == resource_id).map(Object::delete));
    changes
}

/// A service network or service the caller owns: `(id, arn, auth type)`.
fn policy_target(ctx: &Ctx, s: &State, identifier: &str) -> Result<(String, String, String), ApiError> {
    let id = id_of(identifier);
    if let Some(sn) = s.service_networks.get(id).filter(|o| o.account == ctx.account) {
        return Ok((sn.id.clone(), sn.arn.clone(), sn.auth_type.clone()));
    }
    if let Some(svc) = s.services.get(id).filter(|o| o.account == ctx.account) {
        return Ok((svc.id.clone(), svc.arn.clone(), svc.auth_type.clone()));
    }
    let kind = if id.starts_with("svc-") { SVC } else { SN };
    Err(ApiError::not_found(kind, identifier))
}

/// A policy must be a JSON object with a `Statement`.
/// A policy AWS would store: the IAM policy grammar, checked before anything is written.
fn check_policy(policy: &str, kind: PolicyKind) -> Result<(), ApiError> {
    lattice_model::policy_grammar::validate(policy, kind).map_err(|why| ApiError::invalid_field("policy", why))
}

fn auth_policy_state(auth_type: &str) -> &'static str {
    if auth_type == "AWS_IAM" {
        "Active"
    } else {
        "Inactive"
    }
}

fn put_auth_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (id, arn, auth_type) = policy_target(ctx, s, req(input, "resourceIdentifier"))?;
    let policy = req(input, "policy").to_string();
    check_policy(&policy, PolicyKind::Auth)?;
    let now = now_rfc3339();
    let created_at = s.auth_policies.get(&id).map_or(now.clone(), |p| p.created_at.clone());
    let record =
        AuthPolicy { id, resource_arn: arn, policy, created_at, last_updated_at: now, account: ctx.account.clone() };
    let body = json!({ "policy": record.policy, "state": auth_policy_state(&auth_type) });
    Outcome::write(vec![record.put()], body)
}

fn get_auth_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let ident = req(input, "resourceIdentifier");
    let (id, _, auth_type) = policy_target(ctx, s, ident)?;
    let p = s.auth_policies.get(&id).ok_or_else(|| ApiError::not_found("AUTH_POLICY", ident))?;
    Outcome::read(json!({
        "policy": p.policy, "state": auth_policy_state(&auth_type),
        "createdAt": p.created_at, "lastUpdatedAt": p.last_updated_at,
    }))
}

fn delete_auth_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let ident = req(input, "resourceIdentifier");
    let (id, _, _) = policy_target(ctx, s, ident)?;
    let p = s.auth_policies.get(&id).ok_or_else(|| ApiError::not_found("AUTH_POLICY", ident))?;
    Outcome::write(vec![p.delete()], Value::Null)
}

fn put_resource_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "resourceArn");
    let (id, owner_arn, _) = policy_target(ctx, s, arn)?;
    if owner_arn != arn {
        return Err(ApiError::not_found("RESOURCE", arn));
    }
    let policy = req(input, "policy").to_string();
    check_policy(&policy, PolicyKind::Resource)?;
    let mut changes = crate::ram::policy_share_changes(ctx, s, &owner_arn, Some(&policy));
    changes.push(ResourcePolicy { id, resource_arn: owner_arn, policy, account: ctx.account.clone() }.put());
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, json!({}))
}

fn get_resource_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "resourceArn");
    let (id, _, _) = policy_target(ctx, s, arn)?;
    let p = s.resource_policies.get(&id).ok_or_else(|| ApiError::not_found("RESOURCE_POLICY", arn))?;
    Outcome::read(json!({ "policy": p.policy }))
}

fn delete_resource_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "resourceArn");
    let (id, _, _) = policy_target(ctx, s, arn)?;
    let p = s.resource_policies.get(&id).ok_or_else(|| ApiError::not_found("RESOURCE_POLICY", arn))?;
    let mut changes = crate::ram::policy_share_changes(ctx, s, &p.resource_arn, None);
    changes.push(p.delete());
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, Value::Null)
}

const ALS: &str = "ACCESS_LOG_SUBSCRIPTION";

/// `logs`, `s3` or `firehose`: at most one subscription per destination type (and log type).
fn destination_type(arn: &str) -> &str {
    arn.split(':').nth(2).unwrap_or_default()
}

fn als_wire(a: &AccessLogSubscription) -> Value {
    wire(a, &[])
}

fn check_als_conflict(s: &State, a: &AccessLogSubscription) -> Result<(), ApiError> {
    conflict_if(
        &s.access_log_subscriptions,
        |o| {
            o.id != a.id
                && o.resource_id == a.resource_id
                && destination_type(&o.destination_arn) == destination_type(&a.destination_arn)
                && o.service_network_log_type == a.service_network_log_type
        },
        ALS,
        |o| {
            let kind = destination_type(&a.destination_arn);
            format!("{} already has an access-log subscription to a {kind} destination ({})", a.resource_id, o.id)
        },
    )
}

fn create_access_log_subscription(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (resource_id, resource_arn, _) = policy_target(ctx, s, req(input, "resourceIdentifier"))?;
    let log_type = str_of(input, "serviceNetworkLogType").map(str::to_string);
    let on_network = resource_id.starts_with("sn-");
    if log_type.is_some() && !on_network {
        return Err(ApiError::invalid_field(
            "serviceNetworkLogType",
            "serviceNetworkLogType applies to service networks only",
        ));
    }
    let id = new_id("als");
    let now = now_rfc3339();
    let a = AccessLogSubscription {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("accesslogsubscription/{id}")),
        id,
        resource_id,
        resource_arn,
        destination_arn: req(input, "destinationArn").to_string(),
        service_network_log_type: if on_network { log_type.or_else(|| Some("SERVICE".into())) } else { None },
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    check_als_conflict(s, &a)?;
    let body =
        pick(&als_wire(&a), &["id", "arn", "resourceId", "resourceArn", "serviceNetworkLogType", "destinationArn"]);
    Outcome::write(vec![a.put()], body)
}

fn get_access_log_subscription(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find(&s.access_log_subscriptions, ctx, req(input, "accessLogSubscriptionIdentifier"), ALS)?;
    Outcome::read(als_wire(a))
}

fn list_access_log_subscriptions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (resource_id, _, _) = policy_target(ctx, s, req(input, "resourceIdentifier"))?;
    list_owned(&s.access_log_subscriptions, ctx, input, |a| a.resource_id == resource_id, als_wire)
}

fn update_access_log_subscription(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut a = find(&s.access_log_subscriptions, ctx, req(input, "accessLogSubscriptionIdentifier"), ALS)?.clone();
    a.destination_arn = req(input, "destinationArn").to_string();
    a.last_updated_at = now_rfc3339();
    check_als_conflict(s, &a)?;
    let body = pick(&als_wire(&a), &["id", "arn", "resourceId", "resourceArn", "destinationArn"]);
    Outcome::write(vec![a.put()], body)
}

fn delete_access_log_subscription(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find(&s.access_log_subscriptions, ctx, req(input, "accessLogSubscriptionIdentifier"), ALS)?;
    Outcome::write(vec![a.delete()], Value::Null)
}

// ---- listener rules ---------------------------------------------------------------------

const RULE: &str = "RULE";
/// Default quota: rules per listener.
const RULES_PER_LISTENER: usize = 10;

fn quota_exceeded(resource_type: &str, message: String, quota_code: &str) -> ApiError {
    ApiError {
        status: 402,
        code: "ServiceQuotaExceededException".into(),
        message: format!("{message}; the quota of {quota_code} is reached"),
        reason: None,
        field_list: vec![],
        resource_id: None,
        resource_type: Some(resource_type.into()),
    }
}

fn rule_wire(r: &Rule) -> Value {
    let mut v = wire(r, &["serviceId", "listenerId"]);
    v["isDefault"] = json!(false);
    v
}

fn find_rule<'a>(ctx: &Ctx, s: &'a State, listener: &Listener, ident: &str) -> Result<&'a Rule, ApiError> {
    s.rules
        .get(id_of(ident))
        .filter(|r| r.listener_id == listener.id && r.account == ctx.account)
        .ok_or_else(|| ApiError::not_found(RULE, ident))
}

/// Priority and name are unique per listener.
fn check_rule_conflicts(s: &State, rule: &Rule, pending: &[Rule]) -> Result<(), ApiError> {
    let others = s
        .rules
        .values()
        .filter(|o| o.listener_id == rule.listener_id && o.id != rule.id && !pending.iter().any(|p| p.id == o.id))
        .chain(pending.iter().filter(|p| p.id != rule.id));
    for o in others {
        if o.priority == rule.priority {
            return Err(ApiError::conflict(
                RULE,
                &o.id,
                format!("Priority {} is already used by rule {}", rule.priority, o.id),
            ));
        }
        if o.name == rule.name {
            return Err(ApiError::conflict(
                RULE,
                &o.id,
                format!("A rule named '{}' already exists ({})", rule.name, o.id),
            ));
        }
    }
    Ok(())
}

fn create_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    let action = input.get("action").cloned().unwrap_or(Value::Null);
    check_action(ctx, s, &action, "action")?;
    let count = s.rules.values().filter(|r| r.listener_id == listener.id).count();
    if count >= RULES_PER_LISTENER {
        return Err(quota_exceeded(
            RULE,
            format!("Listener {} already has {count} rules", listener.id),
            "rules per listener",
        ));
    }
    let id = new_id("rule");
    let now = now_rfc3339();
    let rule = Rule {
        arn: format!("{}/rule/{id}", listener.arn),
        id,
        name: req(input, "name").to_string(),
        service_id: listener.service_id.clone(),
        listener_id: listener.id.clone(),
        priority: input.get("priority").and_then(Value::as_i64).unwrap_or_default(),
        rule_match: input.get("match").cloned().unwrap_or(Value::Null),
        action,
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    check_rule_conflicts(s, &rule, &[])?;
    let body = pick(&rule_wire(&rule), &["arn", "id", "name", "match", "priority", "action"]);
    Outcome::write(vec![rule.put()], body)
}

fn get_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    Outcome::read(rule_wire(find_rule(ctx, s, listener, req(input, "ruleIdentifier"))?))
}

fn list_rules(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &["arn", "id", "name", "priority", "isDefault", "createdAt", "lastUpdatedAt"];
    let listener = find_listener(ctx, s, input)?;
    list_owned(&s.rules, ctx, input, |r| r.listener_id == listener.id, |r| pick(&rule_wire(r), FIELDS))
}

/// Applies one `RuleUpdate` (or `UpdateRule` input) to a copy of the rule.
fn updated_rule(ctx: &Ctx, s: &State, listener: &Listener, update: &Value) -> Result<Rule, ApiError> {
    let mut rule = find_rule(ctx, s, listener, req(update, "ruleIdentifier"))?.clone();
    if let Some(m) = update.get("match") {
        rule.rule_match = m.clone();
    }
    if let Some(p) = update.get("priority").and_then(Value::as_i64) {
        rule.priority = p;
    }
    if let Some(a) = update.get("action") {
        check_action(ctx, s, a, "action")?;
        rule.action = a.clone();
    }
    rule.last_updated_at = now_rfc3339();
    Ok(rule)
}

fn update_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    let rule = updated_rule(ctx, s, listener, input)?;
    check_rule_conflicts(s, &rule, &[])?;
    let body = pick(&rule_wire(&rule), &["arn", "id", "name", "isDefault", "match", "priority", "action"]);
    Outcome::write(vec![rule.put()], body)
}

/// Updates several rules at once; priorities may be swapped within the batch.
fn batch_update_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    let mut done: Vec<Rule> = Vec::new();
    let mut failed = Vec::new();
    for update in input.get("rules").and_then(Value::as_array).into_iter().flatten() {
        match updated_rule(ctx, s, listener, update) {
            Ok(rule) => {
                done.retain(|r| r.id != rule.id);
                done.push(rule);
            }
            Err(e) => failed.push(json!({
                "ruleIdentifier": update.get("ruleIdentifier"), "failureCode": e.code, "failureMessage": e.message,
            })),
        }
    }
    // Conflicts are judged on the state after the whole batch.
    let mut ok = Vec::new();
    for rule in &done {
        match check_rule_conflicts(s, rule, &done) {
            Ok(()) => ok.push(rule.clone()),
            Err(e) => {
                failed.push(json!({ "ruleIdentifier": rule.id, "failureCode": e.code, "failureMessage": e.message }))
            }
        }
    }
    if ok.len() != done.len() {
        // A conflicting batch changes nothing: report every rule of it as failed.
        for rule in &ok {
            failed.push(json!({ "ruleIdentifier": rule.id, "failureCode": "ConflictException",
                "failureMessage": "another rule of this batch conflicts" }));
        }
        ok.clear();
    }
    let successful: Vec<Value> = ok
        .iter()
        .map(|r| pick(&rule_wire(r), &["arn", "id", "name", "isDefault", "match", "priority", "action"]))
        .collect();
    let changes = ok.iter().map(Object::put).collect();
    Outcome::write(changes, json!({ "successful": successful, "unsuccessful": failed }))
}

fn delete_rule(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let listener = find_listener(ctx, s, input)?;
    let rule = find_rule(ctx, s, listener, req(input, "ruleIdentifier"))?;
    Outcome::write(vec![rule.delete()], Value::Null)
}

// ---- resource gateways, resource configurations, their associations ---------------------

const RGW: &str = "RESOURCE_GATEWAY";
const RCFG: &str = "RESOURCE_CONFIGURATION";
const SNRA: &str = "SERVICE_NETWORK_RESOURCE_ASSOCIATION";
const DV: &str = "DOMAIN_VERIFICATION";

fn rgw_wire(g: &ResourceGateway) -> Value {
    wire(g, &[])
}

fn create_resource_gateway(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "name");
    conflict_if(
        &s.resource_gateways,
        |o| o.account == ctx.account && o.name == name,
        RGW,
        |o| format!("A resource gateway named '{name}' already exists ({})", o.id),
    )?;
    let vpc_id = str_of(input, "vpcIdentifier")
        .ok_or_else(|| ApiError::invalid_field("vpcIdentifier", "vpcIdentifier is required"))?;
    let subnets = string_list(input, "subnetIds");
    if subnets.is_empty() {
        return Err(ApiError::invalid_field("subnetIds", "at least one subnet is required"));
    }
    let (vpc, implicit) = vpc_or_implicit(ctx, s, vpc_id, "vpcIdentifier")?;
    let ip_type = str_of(input, "ipAddressType").unwrap_or("IPV4").to_string();
    let per_eni = input.get("ipv4AddressesPerEni").and_then(Value::as_i64);
    if ip_type == "IPV6" && per_eni.is_some() {
        return Err(ApiError::invalid_field(
            "ipv4AddressesPerEni",
            "ipv4AddressesPerEni does not apply to IPV6 gateways",
        ));
    }
    let id = new_id("rgw");
    let now = now_rfc3339();
    let g = ResourceGateway {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("resourcegateway/{id}")),
        id,
        name: name.to_string(),
        vpc_id: vpc_id.to_string(),
        subnet_ids: subnets,
        security_group_ids: crate::security_groups::check_ids(s, &vpc.id, input, "securityGroupIds")?,
        ipv4_addresses_per_eni: if ip_type == "IPV6" { None } else { Some(per_eni.unwrap_or(16)) },
        ip_address_type: ip_type,
        resource_config_dns_resolution: str_of(input, "resourceConfigDnsResolution").unwrap_or("PUBLIC").to_string(),
        status: "ACTIVE".into(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let mut body = rgw_wire(&g);
    if let Some(map) = body.as_object_mut() {
        if let Some(v) = map.remove("vpcId") {
            map.insert("vpcIdentifier".into(), v);
        }
        map.remove("createdAt");
        map.remove("lastUpdatedAt");
    }
    let mut changes: Vec<ObjectChange> = implicit.into_iter().collect();
    changes.push(g.put());
    Outcome::write(changes, body)
}

fn get_resource_gateway(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let g = find(&s.resource_gateways, ctx, req(input, "resourceGatewayIdentifier"), RGW)?;
    Outcome::read(rgw_wire(g))
}

fn list_resource_gateways(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    list_owned(
        &s.resource_gateways,
        ctx,
        input,
        |_| true,
        |g| {
            let mut v = rgw_wire(g);
            if let Some(map) = v.as_object_mut() {
                if let Some(vpc) = map.remove("vpcId") {
                    map.insert("vpcIdentifier".into(), vpc);
                }
            }
            v
        },
    )
}

fn update_resource_gateway(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut g = find(&s.resource_gateways, ctx, req(input, "resourceGatewayIdentifier"), RGW)?.clone();
    if input.get("securityGroupIds").is_some() {
        g.security_group_ids = crate::security_groups::check_ids(s, &g.vpc_id, input, "securityGroupIds")?;
    }
    if let Some(r) = str_of(input, "resourceConfigDnsResolution") {
        g.resource_config_dns_resolution = r.to_string();
    }
    g.last_updated_at = now_rfc3339();
    let body = pick(
        &rgw_wire(&g),
        &[
            "name",
            "id",
            "arn",
            "status",
            "vpcId",
            "subnetIds",
            "securityGroupIds",
            "ipAddressType",
            "resourceConfigDnsResolution",
        ],
    );
    Outcome::write(vec![g.put()], body)
}

fn delete_resource_gateway(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let g = find(&s.resource_gateways, ctx, req(input, "resourceGatewayIdentifier"), RGW)?;
    conflict_if(
        &s.resource_configurations,
        |c| c.resource_gateway_id.as_deref() == Some(g.id.as_str()),
        RGW,
        |c| format!("Resource gateway {} is used by resource configuration {}", g.id, c.id),
    )?;
    let body = json!({ "id": g.id, "arn": g.arn, "name": g.name, "status": "DELETE_IN_PROGRESS" });
    Outcome::write(vec![g.delete()], body)
}

fn rcfg_wire(c: &ResourceConfiguration) -> Value {
    let mut v = wire(c, &[]);
    v["amazonManaged"] = json!(false);
    v
}

/// Port ranges are `N` or `N-M` with 1 ≤ N ≤ M ≤ 65535 (the model checks only the shape).
fn check_port_ranges(ranges: &[String]) -> Result<(), ApiError> {
    for (i, r) in ranges.iter().enumerate() {
        let (lo, hi) = r.split_once('-').unwrap_or((r, r));
        let ok = matches!((lo.parse::<u32>(), hi.parse::<u32>()), (Ok(a), Ok(b)) if (1..=65535).contains(&a) && a <= b && b <= 65535);
        if !ok {
            return Err(ApiError::invalid_field(
                &format!("portRanges.{}", i + 1),
                format!("'{r}' is not a port or port range between 1 and 65535"),
            ));
        }
    }
    Ok(())
}

/// Which definition member a configuration type takes.
fn check_definition(kind: &str, definition: Option<&Value>) -> Result<(), ApiError> {
    let member = definition.and_then(Value::as_object).and_then(|d| d.keys().next().cloned());
    let ok = match kind {
        "GROUP" => member.is_none(),
        "ARN" => member.as_deref() == Some("arnResource"),
        "CIDR" => member.as_deref() == Some("cidrResource"),
        _ => matches!(member.as_deref(), Some("ipResource" | "dnsResource")),
    };
    if ok {
        return Ok(());
    }
    let expected = match kind {
        "GROUP" => "no resourceConfigurationDefinition",
        "ARN" => "an arnResource definition",
        "CIDR" => "a cidrResource definition",
        _ => "an ipResource or dnsResource definition",
    };
    Err(ApiError::invalid_field(
        "resourceConfigurationDefinition",
        format!("{kind} resource configurations take {expected}"),
    ))
}

fn create_resource_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "name");
    let kind = req(input, "type");
    conflict_if(
        &s.resource_configurations,
        |o| o.account == ctx.account && o.name == name,
        RCFG,
        |o| format!("A resource configuration named '{name}' already exists ({})", o.id),
    )?;
    let definition = input.get("resourceConfigurationDefinition").cloned();
    check_definition(kind, definition.as_ref())?;
    let port_ranges = string_list(input, "portRanges");
    check_port_ranges(&port_ranges)?;
    let (gateway, group, protocol) = if kind == "CHILD" {
        let group_ident = str_of(input, "resourceConfigurationGroupIdentifier").ok_or_else(|| {
            ApiError::invalid_field(
                "resourceConfigurationGroupIdentifier",
                "CHILD resource configurations need a group",
            )
        })?;
        if input.get("resourceGatewayIdentifier").is_some() || input.get("protocol").is_some() {
            return Err(ApiError::invalid_field(
                "resourceGatewayIdentifier",
                "CHILD resource configurations take the gateway and protocol of their group",
            ));
        }
        let group = find(&s.resource_configurations, ctx, group_ident, RCFG)?;
        if group.kind != "GROUP" {
            return Err(ApiError::invalid_field(
                "resourceConfigurationGroupIdentifier",
                format!("{} is not a GROUP resource configuration", group.id),
            ));
        }
        (group.resource_gateway_id.clone(), Some(group.id.clone()), group.protocol.clone())
    } else {
        let gw_ident = str_of(input, "resourceGatewayIdentifier").ok_or_else(|| {
            ApiError::invalid_field(
                "resourceGatewayIdentifier",
                format!("{kind} resource configurations need a resource gateway"),
            )
        })?;
        if input.get("resourceConfigurationGroupIdentifier").is_some() {
            return Err(ApiError::invalid_field(
                "resourceConfigurationGroupIdentifier",
                "only CHILD resource configurations belong to a group",
            ));
        }
        let gw = find(&s.resource_gateways, ctx, gw_ident, RGW)?;
        if kind != "ARN" && port_ranges.is_empty() {
            return Err(ApiError::invalid_field(
                "portRanges",
                format!("{kind} resource configurations need portRanges"),
            ));
        }
        (Some(gw.id.clone()), None, Some(str_of(input, "protocol").unwrap_or("TCP").to_string()))
    };
    let dv = match str_of(input, "domainVerificationIdentifier") {
        Some(ident) => Some(find(&s.domain_verifications, ctx, ident, DV)?.id.clone()),
        None => None,
    };
    let id = new_id("rcfg");
    let now = now_rfc3339();
    let c = ResourceConfiguration {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("resourceconfiguration/{id}")),
        id,
        name: name.to_string(),
        kind: kind.to_string(),
        port_ranges,
        protocol,
        resource_gateway_id: gateway,
        resource_configuration_group_id: group,
        resource_configuration_definition: definition,
        allow_association_to_shareable_service_network: input
            .get("allowAssociationToShareableServiceNetwork")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        custom_domain_name: str_of(input, "customDomainName").map(str::to_string),
        group_domain: str_of(input, "groupDomain").map(str::to_string),
        domain_verification_id: dv,
        status: "ACTIVE".into(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let mut body = rcfg_wire(&c);
    if let Some(map) = body.as_object_mut() {
        map.remove("lastUpdatedAt");
        map.remove("amazonManaged");
    }
    Outcome::write(vec![c.put()], body)
}

fn get_resource_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let c = find_usable(&s.resource_configurations, s, ctx, req(input, "resourceConfigurationIdentifier"), RCFG)?;
    Outcome::read(rcfg_wire(c))
}

fn list_resource_configurations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &[
        "id",
        "name",
        "arn",
        "resourceGatewayId",
        "resourceConfigurationGroupId",
        "type",
        "status",
        "createdAt",
        "lastUpdatedAt",
        "amazonManaged",
        "customDomainName",
        "groupDomain",
        "domainVerificationId",
    ];
    let gw = str_of(input, "resourceGatewayIdentifier").map(id_of);
    let group = str_of(input, "resourceConfigurationGroupIdentifier").map(id_of);
    let dv = str_of(input, "domainVerificationIdentifier").map(id_of);
    list_usable(
        &s.resource_configurations,
        s,
        ctx,
        input,
        |c| {
            gw.is_none_or(|g| c.resource_gateway_id.as_deref() == Some(g))
                && group.is_none_or(|g| c.resource_configuration_group_id.as_deref() == Some(g))
                && dv.is_none_or(|d| c.domain_verification_id.as_deref() == Some(d))
        },
        |c| pick(&rcfg_wire(c), FIELDS),
    )
}

fn update_resource_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut c = find(&s.resource_configurations, ctx, req(input, "resourceConfigurationIdentifier"), RCFG)?.clone();
    if let Some(def) = input.get("resourceConfigurationDefinition") {
        check_definition(&c.kind, Some(def))?;
        c.resource_configuration_definition = Some(def.clone());
    }
    if input.get("portRanges").is_some() {
        let ranges = string_list(input, "portRanges");
        check_port_ranges(&ranges)?;
        c.port_ranges = ranges;
    }
    if let Some(b) = input.get("allowAssociationToShareableServiceNetwork").and_then(Value::as_bool) {
        c.allow_association_to_shareable_service_network = b;
    }
    c.last_updated_at = now_rfc3339();
    let body = pick(
        &rcfg_wire(&c),
        &[
            "id",
            "name",
            "arn",
            "resourceGatewayId",
            "resourceConfigurationGroupId",
            "type",
            "portRanges",
            "allowAssociationToShareableServiceNetwork",
            "protocol",
            "status",
            "resourceConfigurationDefinition",
        ],
    );
    Outcome::write(vec![c.put()], body)
}

fn delete_resource_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let c = find(&s.resource_configurations, ctx, req(input, "resourceConfigurationIdentifier"), RCFG)?;
    conflict_if(
        &s.resource_configurations,
        |o| o.resource_configuration_group_id.as_deref() == Some(c.id.as_str()),
        RCFG,
        |o| format!("Resource configuration group {} still has child {}", c.id, o.id),
    )?;
    conflict_if(
        &s.sn_resource_associations,
        |a| a.resource_configuration_id == c.id,
        RCFG,
        |a| {
            format!(
                "Resource configuration {} is associated with service network {} ({})",
                c.id, a.service_network_id, a.id
            )
        },
    )?;
    conflict_if(
        &s.resource_endpoint_associations,
        |a| a.resource_configuration_id == c.id,
        RCFG,
        |a| format!("Resource configuration {} is reached by VPC endpoint {} ({})", c.id, a.vpc_endpoint_id, a.id),
    )?;
    let mut changes: Vec<ObjectChange> = s.resource_policies.get(&c.id).map(Object::delete).into_iter().collect();
    changes.extend(crate::ram::policy_share_changes(ctx, s, &c.arn, None));
    changes.extend(crate::ram::forget_resource(s, &c.arn));
    changes.push(c.delete());
    Outcome::write(changes, Value::Null)
}

fn snra_wire(s: &State, a: &ServiceNetworkResourceAssociation) -> Value {
    let mut v = wire(a, &[]);
    if let Some(c) = s.resource_configurations.get(&a.resource_configuration_id) {
        v["resourceConfigurationArn"] = json!(c.arn);
        v["resourceConfigurationName"] = json!(c.name);
    }
    if let Some(sn) = s.service_networks.get(&a.service_network_id) {
        v["serviceNetworkArn"] = json!(sn.arn);
        v["serviceNetworkName"] = json!(sn.name);
    }
    v["isManagedAssociation"] = json!(false);
    v
}

fn create_snra(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let c = find_usable(&s.resource_configurations, s, ctx, req(input, "resourceConfigurationIdentifier"), RCFG)?;
    let sn = find_usable(&s.service_networks, s, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    if c.kind == "CHILD" {
        return Err(ApiError::invalid_field(
            "resourceConfigurationIdentifier",
            "associate the GROUP resource configuration; its children come with it",
        ));
    }
    conflict_if(
        &s.sn_resource_associations,
        |a| a.resource_configuration_id == c.id && a.service_network_id == sn.id,
        SNRA,
        |a| format!("Resource configuration {} is already associated with service network {} ({})", c.id, sn.id, a.id),
    )?;
    let id = new_id("snra");
    let a = ServiceNetworkResourceAssociation {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("servicenetworkresourceassociation/{id}")),
        dns_entry: DnsEntry {
            domain_name: ids::resource_association_domain_name(&id, &c.id, &ctx.account, &ctx.region),
            hosted_zone_id: ids::hosted_zone_id(&ctx.region),
        },
        id,
        service_network_id: sn.id.clone(),
        resource_configuration_id: c.id.clone(),
        private_dns_enabled: input.get("privateDnsEnabled").and_then(Value::as_bool).unwrap_or(false),
        status: "ACTIVE".into(),
        created_by: ctx.account.clone(),
        created_at: now_rfc3339(),
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&snra_wire(s, &a), &["id", "arn", "status", "createdBy", "privateDnsEnabled"]);
    Outcome::write(vec![a.put()], body)
}

fn find_snra<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a ServiceNetworkResourceAssociation, ApiError> {
    let ident = req(input, "serviceNetworkResourceAssociationIdentifier");
    find_association(&s.sn_resource_associations, ctx, ident, SNRA, |a| snra_owners(s, a))
}

fn snra_owners<'a>(s: &'a State, a: &ServiceNetworkResourceAssociation) -> [Option<&'a str>; 2] {
    [
        sn_owner(s, &a.service_network_id),
        s.resource_configurations.get(&a.resource_configuration_id).map(|o| o.account.as_str()),
    ]
}

fn get_snra(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snra(ctx, s, input)?;
    Outcome::read(snra_wire(s, a))
}

fn list_snra(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = str_of(input, "serviceNetworkIdentifier").map(id_of);
    let rcfg = str_of(input, "resourceConfigurationIdentifier").map(id_of);
    list_visible(
        &s.sn_resource_associations,
        input,
        |a| {
            sn.is_none_or(|x| a.service_network_id == x)
                && rcfg.is_none_or(|x| a.resource_configuration_id == x)
                && seen_by(ctx, &a.account, snra_owners(s, a))
        },
        |a| snra_wire(s, a),
    )
}

fn delete_snra(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snra(ctx, s, input)?;
    delete_association(a)
}

// ---- domain verifications ----------------------------------------------------------------

/// A verification is `VERIFIED` once a local zone of the account publishes its TXT record.
fn dv_wire(s: &State, d: &DomainVerification) -> Value {
    let mut v = wire(d, &[]);
    v["tags"] = json!(d.tags);
    let name = d.txt_method_config.get("name").and_then(Value::as_str).unwrap_or_default();
    let value = d.txt_method_config.get("value").and_then(Value::as_str).unwrap_or_default();
    if crate::local_dns::txt_published(s, &d.account, name, value) {
        v["status"] = json!("VERIFIED");
        v["lastVerifiedTime"] = json!(d.created_at);
    }
    v
}

fn start_domain_verification(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let domain = req(input, "domainName").to_ascii_lowercase();
    conflict_if(
        &s.domain_verifications,
        |d| d.account == ctx.account && d.domain_name == domain,
        DV,
        |d| format!("Domain {domain} is already being verified ({})", d.id),
    )?;
    let id = new_id("dv");
    let d = DomainVerification {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("domainverification/{id}")),
        txt_method_config: json!({
            "name": format!("_vpc-lattice-verification.{domain}"),
            "value": format!("vpc-lattice-verification={}", new_id("v").trim_start_matches("v-")),
        }),
        id,
        domain_name: domain,
        // Nothing publishes the TXT record locally, so verification stays pending.
        status: "PENDING".into(),
        created_at: now_rfc3339(),
        last_verified_time: None,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&dv_wire(s, &d), &["id", "arn", "domainName", "status", "txtMethodConfig"]);
    Outcome::write(vec![d.put()], body)
}

fn get_domain_verification(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let d = find(&s.domain_verifications, ctx, req(input, "domainVerificationIdentifier"), DV)?;
    Outcome::read(dv_wire(s, d))
}

fn list_domain_verifications(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    list_owned(&s.domain_verifications, ctx, input, |_| true, |d| dv_wire(s, d))
}

fn delete_domain_verification(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let d = find(&s.domain_verifications, ctx, req(input, "domainVerificationIdentifier"), DV)?;
    conflict_if(
        &s.resource_configurations,
        |c| c.domain_verification_id.as_deref() == Some(d.id.as_str()),
        DV,
        |c| format!("Domain verification {} is used by resource configuration {}", d.id, c.id),
    )?;
    Outcome::write(vec![d.delete()], json!({}))
}
