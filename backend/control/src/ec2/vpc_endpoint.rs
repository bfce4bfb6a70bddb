//! `aws_vpc_endpoint` of types `ServiceNetwork` and `Resource`: the endpoints the admin API
//! makes (`admin::vpc_endpoint`), created, read, changed and deleted through EC2's words.

use lattice_api::{ApiError, ErrorCode};
use lattice_model::records::VpcEndpoint;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use super::filter::{one, spec_tags, Filters};
use super::{error, vpc::owned as owned_vpc};
use crate::admin::vpc_endpoint::{create_endpoint, delete_endpoint, endpoint_wire, update_endpoint};
use crate::kit::tag_list;
use crate::kit::{str_of, string_list, Ctx, OpResult, Outcome};

fn not_found(id: &str) -> ApiError {
    error(
        "InvalidVpcEndpointId.NotFound",
        format!("The Vpc Endpoint Id '{}' does not exist", lattice_api::model::echo(id)),
    )
}

/// A Lattice-worded refusal of the admin room, in EC2's words.
fn in_ec2_words(e: ApiError) -> ApiError {
    match e.code {
        ErrorCode::Validation => error("InvalidParameter", e.message),
        ErrorCode::ResourceNotFound => {
            error("InvalidParameter", format!("{} (not found, or not shared with this account)", e.message))
        }
        ErrorCode::Conflict => error("InvalidParameter", e.message),
        _ => e,
    }
}

fn wire(ctx: &Ctx, s: &State, e: &VpcEndpoint) -> Value {
    let admin = endpoint_wire(ctx, s, e);
    let groups: Vec<Value> = e
        .security_group_ids
        .iter()
        .map(|g| json!({ "GroupId": g, "GroupName": s.security_groups.get(g).map(|g| g.name.clone()).unwrap_or_default() }))
        .collect();
    let dns: Vec<Value> = admin["dnsEntries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| json!({ "DnsName": d["dnsName"], "HostedZoneId": d["hostedZoneId"] }))
        .collect();
    let mut v = json!({
        "VpcEndpointId": e.id, "VpcEndpointType": e.vpc_endpoint_type, "VpcId": e.vpc_id, "State": "Available",
        "SubnetIds": e.subnet_ids, "Groups": groups, "PrivateDnsEnabled": e.private_dns_enabled,
        "IpAddressType": e.ip_address_type, "DnsOptions": { "DnsRecordIpType": e.ip_address_type },
        "RequesterManaged": false, "NetworkInterfaceIds": [], "RouteTableIds": [], "DnsEntries": dns,
        "CreationTimestamp": e.created_at, "Tags": tag_list(&e.tags), "OwnerId": e.account,
    });
    for (from, to) in
        [("serviceNetworkArn", "ServiceNetworkArn"), ("resourceConfigurationArn", "ResourceConfigurationArn")]
    {
        if let Some(arn) = admin.get(from) {
            v[to] = arn.clone();
        }
    }
    v
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let kind = str_of(input, "VpcEndpointType").unwrap_or("Gateway");
    if kind != "ServiceNetwork" && kind != "Resource" {
        return Err(error(
            "InvalidParameter",
            format!("lattice-local emulates VPC endpoints of types ServiceNetwork and Resource, not {kind}"),
        ));
    }
    owned_vpc(ctx, s, str_of(input, "VpcId").unwrap_or_default())?;
    let tags = spec_tags(input, "vpc-endpoint");
    let admin_input = json!({
        "vpcEndpointType": kind,
        "vpcId": input["VpcId"],
        "serviceNetworkArn": input.get("ServiceNetworkArn"),
        "resourceConfigurationArn": input.get("ResourceConfigurationArn"),
        "subnetIds": string_list(input, "SubnetIds"),
        "securityGroupIds": string_list(input, "SecurityGroupIds"),
        "privateDnsEnabled": input.get("PrivateDnsEnabled"),
        "ipAddressType": input.get("IpAddressType"),
        "tags": tags,
    });
    let admin_input = strip_nulls(admin_input);
    let outcome = create_endpoint(ctx, s, &admin_input).map_err(in_ec2_words)?;
    // The endpoint as the admin room wrote it; what it names (network, configuration, groups)
    // is in the state already.
    let endpoint: VpcEndpoint = outcome
        .changes
        .iter()
        .find_map(|change| match change {
            ObjectChange::Put { kind, body, .. } if *kind == VpcEndpoint::KIND => {
                serde_json::from_value(body.clone()).ok()
            }
            _ => None,
        })
        .ok_or_else(|| ApiError::internal("the endpoint was not made"))?;
    let body = json!({ "VpcEndpoint": wire(ctx, s, &endpoint) });
    Outcome::write(outcome.changes, body)
}

fn strip_nulls(mut v: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        map.retain(|_, x| !x.is_null());
    }
    v
}

pub(crate) fn describe(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let wanted = string_list(input, "VpcEndpointIds");
    if let Some(missing) = wanted.iter().find(|id| s.vpc_endpoints.get(*id).is_none_or(|e| !ctx.owns(e))) {
        return Err(not_found(missing));
    }
    let filters = Filters::of(input);
    let mut out = vec![];
    for e in s.vpc_endpoints.values().filter(|e| ctx.owns(*e)) {
        if !wanted.is_empty() && !wanted.contains(&e.id) {
            continue;
        }
        let fits = filters.matches(&e.tags, |name| match name {
            "vpc-endpoint-id" => one(&e.id),
            "vpc-id" => one(&e.vpc_id),
            "vpc-endpoint-type" => one(&e.vpc_endpoint_type),
            "vpc-endpoint-state" => one("available"),
            "ip-address-type" => one(&e.ip_address_type),
            _ => None,
        })?;
        if fits {
            out.push(wire(ctx, s, e));
        }
    }
    Outcome::read(json!({ "VpcEndpoints": out }))
}

pub(crate) fn modify(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let id = str_of(input, "VpcEndpointId").unwrap_or_default();
    let e = s.vpc_endpoints.get(id).filter(|e| ctx.owns(*e)).ok_or_else(|| not_found(id))?;
    let unsupported = [
        "AddRouteTableIds",
        "RemoveRouteTableIds",
        "PolicyDocument",
        "ResetPolicy",
        "DnsOptions",
        "IpAddressType",
        "PrivateDnsEnabled",
        "SubnetConfigurations",
    ];
    if let Some(key) = unsupported.iter().find(|k| input.get(**k).is_some()) {
        return Err(error(
            "InvalidParameter",
            format!("{key} cannot be changed on a {} endpoint here", e.vpc_endpoint_type),
        ));
    }
    let mut groups = e.security_group_ids.clone();
    groups.retain(|g| !string_list(input, "RemoveSecurityGroupIds").contains(g));
    groups.extend(string_list(input, "AddSecurityGroupIds").into_iter().filter(|g| !e.security_group_ids.contains(g)));
    let mut subnets = e.subnet_ids.clone();
    subnets.retain(|n| !string_list(input, "RemoveSubnetIds").contains(n));
    subnets.extend(string_list(input, "AddSubnetIds").into_iter().filter(|n| !e.subnet_ids.contains(n)));
    let change = json!({ "securityGroupIds": groups, "subnetIds": subnets });
    let mut outcome = update_endpoint(ctx, s, id, &change).map_err(in_ec2_words)?;
    outcome.body = json!({ "Return": true });
    Ok(outcome)
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut changes = vec![];
    let mut unsuccessful = vec![];
    for id in string_list(input, "VpcEndpointIds") {
        match delete_endpoint(ctx, s, &id) {
            Ok(outcome) => changes.extend(outcome.changes),
            Err(_) => unsuccessful.push(json!({ "ResourceId": id, "Error": { "Code": "InvalidVpcEndpoint.NotFound",
                "Message": format!("The VPC Endpoint Id '{id}' does not exist") } })),
        }
    }
    Outcome::write(changes, json!({ "Unsuccessful": unsuccessful }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service_network::create_service_network;

    #[test]
    fn a_service_network_endpoint_is_made_changed_and_deleted_in_ec2_words() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let vpc = run(&mut s, &a, super::super::vpc::create, json!({ "CidrBlock": "10.0.0.0/16" })).unwrap();
        let vpc_id = vpc["Vpc"]["VpcId"].as_str().unwrap().to_string();
        let sn = run(&mut s, &a, create_service_network, json!({ "name": "net" })).unwrap();
        let input = json!({ "VpcId": vpc_id, "VpcEndpointType": "ServiceNetwork", "ServiceNetworkArn": sn["arn"],
                            "SubnetIds": ["subnet-1"], "TagSpecifications": [{ "ResourceType": "vpc-endpoint", "Tags": [{ "Key": "k", "Value": "v" }] }] });
        let made = run(&mut s, &a, create, input.clone()).unwrap()["VpcEndpoint"].clone();
        let id = made["VpcEndpointId"].as_str().unwrap().to_string();
        assert_eq!((made["State"].as_str(), made["Tags"][0]["Key"].as_str()), (Some("Available"), Some("k")));
        assert_eq!(code(run(&mut s, &a, create, input)), "InvalidParameter", "one endpoint per network and VPC");
        let group = crate::vpcs::default_group_id(&vpc_id);
        run(
            &mut s,
            &a,
            modify,
            json!({ "VpcEndpointId": id, "AddSecurityGroupIds": [group], "AddSubnetIds": ["subnet-2"] }),
        )
        .unwrap();
        assert_eq!(s.vpc_endpoints[&id].security_group_ids, vec![group]);
        assert_eq!(s.vpc_endpoints[&id].subnet_ids, vec!["subnet-1".to_string(), "subnet-2".to_string()]);
        assert_eq!(code(run(&mut s, &b, describe, json!({ "VpcEndpointIds": [id] }))), "InvalidVpcEndpointId.NotFound");
        let gone = run(&mut s, &b, delete, json!({ "VpcEndpointIds": [id] })).unwrap();
        assert_eq!(gone["Unsuccessful"][0]["ResourceId"], id, "another account cannot delete it");
        run(&mut s, &a, delete, json!({ "VpcEndpointIds": [id] })).unwrap();
        assert!(s.vpc_endpoints.is_empty());
    }
}
