//! VPC endpoints of type `ServiceNetwork` and `Resource`: created through the admin API (they
//! are EC2 objects in AWS), listed and disconnected through the Lattice API.

use lattice_api::ids::{self, id_of, lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::admin::route::{items, read, write, Route};
use crate::kit::{
    find_owned, find_usable, list_owned, pick, req, str_of, string_list, tags_of, Ctx, OpResult, Outcome,
};
use crate::vpcs::vpc_or_implicit;

const VPCE: &str = "VPC_ENDPOINT";
const REA: &str = "RESOURCE_ENDPOINT_ASSOCIATION";
pub(crate) const TYPES: &[&str] = &["ServiceNetwork", "Resource"];

/// The endpoint as the admin API (and `lattice_vpc_endpoint`) shows it.
pub(crate) fn endpoint_wire(ctx: &Ctx, s: &State, e: &VpcEndpoint) -> Value {
    let mut v = json!({
        "vpcEndpointId": e.id,
        "arn": format!("arn:aws:ec2:{}:{}:vpc-endpoint/{}", ctx.region, e.account, e.id),
        "vpcId": e.vpc_id,
        "vpcEndpointType": e.vpc_endpoint_type,
        "subnetIds": e.subnet_ids,
        "securityGroupIds": e.security_group_ids,
        "privateDnsEnabled": e.private_dns_enabled,
        "ipAddressType": e.ip_address_type,
        "state": e.state,
        "ownerId": e.account,
        "creationTimestamp": e.created_at,
        "tags": e.tags,
        "dnsEntries": [],
    });
    if let Some(sn) = e.service_network_id.as_ref().and_then(|id| s.service_networks.get(id)) {
        v["serviceNetworkArn"] = json!(sn.arn);
        v["dnsEntries"] = json!(network_endpoint_names(ctx, s, e, &sn.id)
            .into_iter()
            .map(|name| json!({ "dnsName": name, "hostedZoneId": ids::hosted_zone_id(&ctx.region) }))
            .collect::<Vec<_>>());
    }
    if let Some(c) = e.resource_configuration_id.as_ref().and_then(|id| s.resource_configurations.get(id)) {
        v["resourceConfigurationArn"] = json!(c.arn);
        v["dnsEntries"] = json!([{
            "dnsName": ids::resource_endpoint_domain_name(&e.id, &c.id, &c.account, &ctx.region),
            "hostedZoneId": ids::hosted_zone_id(&ctx.region),
        }]);
    }
    v
}

/// The endpoint-specific names of a `ServiceNetwork` endpoint: one per service association of the
/// network (`<vpce>-<snsa>.…vpc-lattice-svcs…`) and one per resource it reaches
/// (`<vpce>-<snra>.<rcfg>.…vpc-lattice-rsc…`, each child of a GROUP), sorted.
fn network_endpoint_names(ctx: &Ctx, s: &State, e: &VpcEndpoint, sn_id: &str) -> Vec<String> {
    let services = s.sn_service_associations.values().filter(|a| a.service_network_id == sn_id).filter_map(|a| {
        let owner = &s.services.get(&a.service_id)?.account;
        Some(ids::service_endpoint_domain_name(&e.id, &a.id, owner, &ctx.region))
    });
    let resources = s.sn_resource_associations.values().filter(|a| a.service_network_id == sn_id).flat_map(|a| {
        let members: Vec<&str> = match s.resource_configurations.get(&a.resource_configuration_id) {
            Some(c) if c.kind == "GROUP" => s
                .resource_configurations
                .values()
                .filter(|m| m.resource_configuration_group_id.as_deref() == Some(c.id.as_str()))
                .map(|m| m.id.as_str())
                .collect(),
            Some(c) => vec![c.id.as_str()],
            None => vec![],
        };
        members
            .into_iter()
            .map(|m| ids::resource_network_endpoint_domain_name(&e.id, &a.id, m, &a.account, &ctx.region))
            .collect::<Vec<_>>()
    });
    let mut names: Vec<String> = services.chain(resources).collect();
    names.sort();
    names
}

pub(crate) fn create_endpoint(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let kind = req(input, "vpcEndpointType");
    if !TYPES.contains(&kind) {
        return Err(ApiError::invalid_field(
            "vpcEndpointType",
            format!("'{kind}' endpoints are not available locally; use ServiceNetwork or Resource"),
        ));
    }
    let vpc_id = str_of(input, "vpcId").ok_or_else(|| ApiError::invalid_field("vpcId", "vpcId is required"))?;
    let (_, implicit) = vpc_or_implicit(ctx, s, vpc_id, "vpcId")?;
    let (sn_arn, rcfg_arn) = (str_of(input, "serviceNetworkArn"), str_of(input, "resourceConfigurationArn"));
    let (service_network_id, resource_configuration_id) = match (kind, sn_arn, rcfg_arn) {
        ("ServiceNetwork", Some(arn), None) => {
            let sn = find_usable(&s.service_networks, s, ctx, arn, "SERVICE_NETWORK")?;
            if let Some(e) = s.vpc_endpoints.values().find(|e| {
                e.account == ctx.account && e.vpc_id == vpc_id && e.service_network_id.as_deref() == Some(&sn.id)
            }) {
                return Err(ApiError::conflict(
                    VPCE,
                    &e.id,
                    format!("VPC {vpc_id} already has endpoint {} to {}", e.id, sn.id),
                ));
            }
            (Some(sn.id.clone()), None)
        }
        ("Resource", None, Some(arn)) => {
            let c = find_usable(&s.resource_configurations, s, ctx, arn, "RESOURCE_CONFIGURATION")?;
            if c.kind == "CHILD" {
                return Err(ApiError::invalid_field(
                    "resourceConfigurationArn",
                    "point the endpoint at the GROUP, not a CHILD",
                ));
            }
            (None, Some(c.id.clone()))
        }
        ("ServiceNetwork", ..) => {
            return Err(ApiError::invalid_field(
                "serviceNetworkArn",
                "ServiceNetwork endpoints take serviceNetworkArn only",
            ))
        }
        _ => {
            return Err(ApiError::invalid_field(
                "resourceConfigurationArn",
                "Resource endpoints take resourceConfigurationArn only",
            ))
        }
    };
    let id = new_id("vpce");
    let now = now_rfc3339();
    let endpoint = VpcEndpoint {
        id: id.clone(),
        vpc_id: vpc_id.to_string(),
        vpc_endpoint_type: kind.to_string(),
        service_network_id,
        resource_configuration_id: resource_configuration_id.clone(),
        subnet_ids: string_list(input, "subnetIds"),
        security_group_ids: crate::admin::security_group::check_ids(
            s,
            (&ctx.account, vpc_id),
            input,
            "securityGroupIds",
        )?,
        private_dns_enabled: input.get("privateDnsEnabled").and_then(Value::as_bool).unwrap_or(kind == "Resource"),
        ip_address_type: str_of(input, "ipAddressType").unwrap_or("ipv4").to_string(),
        state: "available".into(),
        created_at: now.clone(),
        tags: tags_of(input),
        region: ctx.region.clone(),
        account: ctx.account.clone(),
    };
    let mut changes: Vec<ObjectChange> = implicit.into_iter().collect();
    changes.push(endpoint.put());
    if let Some(rcfg_id) = resource_configuration_id {
        let rea_id = new_id("rea");
        let rcfg_owner = s.resource_configurations.get(&rcfg_id).map_or(ctx.account.clone(), |c| c.account.clone());
        changes.push(
            ResourceEndpointAssociation {
                arn: lattice_arn(&ctx.region, &rcfg_owner, &format!("resourceendpointassociation/{rea_id}")),
                id: rea_id,
                resource_configuration_id: rcfg_id,
                vpc_endpoint_id: id,
                vpc_endpoint_owner: ctx.account.clone(),
                created_by: ctx.account.clone(),
                created_at: now,
                account: rcfg_owner,
            }
            .put(),
        );
    }
    let body = endpoint_wire(ctx, s, &endpoint);
    Outcome::write(changes, body)
}

pub(crate) fn find_endpoint<'a>(ctx: &Ctx, s: &'a State, id: &str) -> Result<&'a VpcEndpoint, ApiError> {
    find_owned(&s.vpc_endpoints, ctx, id, VPCE)
}

pub(crate) fn update_endpoint(ctx: &Ctx, s: &State, id: &str, input: &Value) -> OpResult {
    let mut e = find_endpoint(ctx, s, id)?.clone();
    if input.get("securityGroupIds").is_some() {
        e.security_group_ids =
            crate::admin::security_group::check_ids(s, (&e.account, &e.vpc_id), input, "securityGroupIds")?;
    }
    if input.get("subnetIds").is_some() {
        e.subnet_ids = string_list(input, "subnetIds");
    }
    if input.get("tags").is_some() {
        e.tags = tags_of(input);
    }
    let body = endpoint_wire(ctx, s, &e);
    Outcome::write(vec![e.put()], body)
}

pub(crate) fn delete_endpoint(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let e = find_endpoint(ctx, s, id)?;
    let mut changes: Vec<ObjectChange> =
        s.resource_endpoint_associations.values().filter(|a| a.vpc_endpoint_id == e.id).map(Object::delete).collect();
    changes.push(e.delete());
    Outcome::write(changes, Value::Null)
}

pub(crate) fn list_service_network_vpc_endpoint_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = find_owned(&s.service_networks, ctx, req(input, "serviceNetworkIdentifier"), "SERVICE_NETWORK")?;
    // Endpoints of any account that reach this network (the owner sees them all).
    let items: Vec<(String, Value)> = s
        .vpc_endpoints
        .values()
        .filter(|e| e.service_network_id.as_deref() == Some(sn.id.as_str()))
        .map(|e| {
            let item = json!({
                "id": e.id, "vpcEndpointId": e.id, "vpcId": e.vpc_id, "vpcEndpointOwnerId": e.account,
                "state": if e.state == "available" { "ACTIVE" } else { "PENDING" },
                "serviceNetworkArn": sn.arn, "createdAt": e.created_at,
            });
            (e.id.clone(), item)
        })
        .collect();
    Outcome::read(crate::kit::paginate(items, input)?)
}

fn rea_wire(s: &State, a: &ResourceEndpointAssociation) -> Value {
    let mut v = json!({
        "id": a.id, "arn": a.arn, "resourceConfigurationId": a.resource_configuration_id,
        "vpcEndpointId": a.vpc_endpoint_id, "vpcEndpointOwner": a.vpc_endpoint_owner,
        "createdBy": a.created_by, "createdAt": a.created_at,
    });
    if let Some(c) = s.resource_configurations.get(&a.resource_configuration_id) {
        v["resourceConfigurationArn"] = json!(c.arn);
        v["resourceConfigurationName"] = json!(c.name);
    }
    v
}

pub(crate) fn list_resource_endpoint_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let c = find_owned(
        &s.resource_configurations,
        ctx,
        req(input, "resourceConfigurationIdentifier"),
        "RESOURCE_CONFIGURATION",
    )?;
    let rea = str_of(input, "resourceEndpointAssociationIdentifier").map(id_of);
    let vpce = str_of(input, "vpcEndpointId");
    let owner = str_of(input, "vpcEndpointOwner");
    list_owned(
        &s.resource_endpoint_associations,
        ctx,
        input,
        |a| {
            a.resource_configuration_id == c.id
                && rea.is_none_or(|x| a.id == x)
                && vpce.is_none_or(|x| a.vpc_endpoint_id == x)
                && owner.is_none_or(|x| a.vpc_endpoint_owner == x)
        },
        |a| rea_wire(s, a),
    )
}

pub(crate) fn delete_resource_endpoint_association(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a =
        find_owned(&s.resource_endpoint_associations, ctx, req(input, "resourceEndpointAssociationIdentifier"), REA)?;
    let mut body = rea_wire(s, a);
    body = pick(&body, &["id", "arn", "resourceConfigurationId", "resourceConfigurationArn", "vpcEndpointId"]);
    Outcome::write(vec![a.delete()], body)
}

/// `/_lattice-local/vpcendpoints`.
pub(crate) const ROUTES: &[Route] = &[
    write("POST", "vpcendpoints", 201, |ctx, s, _, body| create_endpoint(ctx, s, body)),
    read("GET", "vpcendpoints", |ctx, s, _| Ok(items(ctx, &s.vpc_endpoints, |e| endpoint_wire(ctx, s, e)))),
    read("GET", "vpcendpoints/{}", |ctx, s, id| find_endpoint(ctx, s, id).map(|e| endpoint_wire(ctx, s, e))),
    write("PATCH", "vpcendpoints/{}", 200, update_endpoint),
    write("DELETE", "vpcendpoints/{}", 204, |ctx, s, id, _| delete_endpoint(ctx, s, id)),
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, A, B};

    use crate::kit::testing::run;
    use crate::lattice::service_network::create_service_network;

    #[test]
    fn a_service_network_endpoint_is_made_in_its_owners_vpc() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let sn = run(&mut s, &a, create_service_network, json!({ "name": "net" })).unwrap();
        let input = json!({ "vpcId": "vpc-0a0a0a0a0a0a0a0a0", "vpcEndpointType": "ServiceNetwork", "serviceNetworkArn": sn["arn"], "subnetIds": ["subnet-0123456789abcdef0"] });
        let e = run(&mut s, &a, create_endpoint, input.clone()).unwrap();
        let id = e["vpcEndpointId"].as_str().unwrap().to_string();
        assert_eq!(code(run(&mut s, &b, create_endpoint, input)), "ResourceNotFoundException");
        assert!(find_endpoint(&b, &s, &id).is_err());
        assert!(delete_endpoint(&a, &s, &id).is_ok());
    }
}
