//! Resource gateways: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::kit::*;
use crate::vpcs::*;

pub(crate) fn rgw_wire(g: &ResourceGateway) -> Value {
    wire(g, &[])
}

pub(crate) fn create_resource_gateway(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "name");
    conflict_if(
        &s.resource_gateways,
        |o| ctx.owns(o) && o.name == name,
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
        security_group_ids: crate::admin::security_group::check_ids(
            s,
            (&vpc.account, &vpc.id),
            input,
            "securityGroupIds",
        )?,
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

pub(crate) fn get_resource_gateway(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let g = find(&s.resource_gateways, ctx, req(input, "resourceGatewayIdentifier"), RGW)?;
    Outcome::read(rgw_wire(g))
}

pub(crate) fn list_resource_gateways(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

pub(crate) fn update_resource_gateway(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut g = find(&s.resource_gateways, ctx, req(input, "resourceGatewayIdentifier"), RGW)?.clone();
    if input.get("securityGroupIds").is_some() {
        g.security_group_ids =
            crate::admin::security_group::check_ids(s, (&g.account, &g.vpc_id), input, "securityGroupIds")?;
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

pub(crate) fn delete_resource_gateway(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn a_gateway_lives_in_its_owners_vpc() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let input = json!({ "name": "gw", "vpcIdentifier": "vpc-0a0a0a0a0a0a0a0a0", "subnetIds": ["subnet-0123456789abcdef0"] });
        let gw = run(&mut s, &a, create_resource_gateway, input.clone()).unwrap();
        // B's VPC of the same id is B's own: A's is neither found nor revealed.
        let b_gw = run(&mut s, &b, create_resource_gateway, input).unwrap();
        let (a_vpc, b_vpc) = (s.vpc(A, "vpc-0a0a0a0a0a0a0a0a0").unwrap(), s.vpc(B, "vpc-0a0a0a0a0a0a0a0a0").unwrap());
        assert_ne!(a_vpc.block, b_vpc.block);
        assert_eq!(s.resource_gateways[b_gw["id"].as_str().unwrap()].account, B);
        let id = json!({ "resourceGatewayIdentifier": gw["id"] });
        assert_eq!(code(run(&mut s, &b, get_resource_gateway, id.clone())), "ResourceNotFoundException");
        assert_eq!(run(&mut s, &a, list_resource_gateways, json!({})).unwrap()["items"].as_array().unwrap().len(), 1);
        run(&mut s, &a, delete_resource_gateway, id).unwrap();
        assert_eq!(s.resource_gateways.len(), 1, "B's gateway stays");
    }
}
