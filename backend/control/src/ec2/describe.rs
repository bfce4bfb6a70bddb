//! What EC2 derives and reports without being asked to create it: each VPC's main route table
//! and default network ACL (ids derived from the VPC's), the Region's Availability Zones, the
//! Regions, the account's attributes; and the lists a module may read that are empty here
//! (network interfaces, prefix lists).

use lattice_api::ids;
use lattice_model::records::Vpc;
use lattice_model::State;
use serde_json::{json, Value};

use super::filter::{one, Filters};
use super::vpc::cidr_of;
use crate::kit::{string_list, Ctx, OpResult, Outcome};

fn owned_vpcs<'a>(ctx: &'a Ctx, s: &'a State) -> impl Iterator<Item = &'a Vpc> {
    s.vpcs.values().filter(|v| ctx.owns(*v))
}

pub(crate) fn route_tables(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let wanted = string_list(input, "RouteTableIds");
    let filters = Filters::of(input);
    let mut out = vec![];
    for vpc in owned_vpcs(ctx, s) {
        let id = format!("rtb-{}", ids::suffix(&vpc.id));
        let association = format!("rtbassoc-{}", ids::suffix(&vpc.id));
        if !wanted.is_empty() && !wanted.contains(&id) {
            continue;
        }
        let fits = filters.matches(&Default::default(), |name| match name {
            "vpc-id" => one(&vpc.id),
            "route-table-id" | "association.route-table-id" => one(&id),
            "association.main" => one("true"),
            "association.route-table-association-id" => one(&association),
            "owner-id" => one(&vpc.account),
            "route.destination-cidr-block" => one(cidr_of(vpc)),
            "route.gateway-id" => one("local"),
            _ => None,
        })?;
        if fits {
            out.push(json!({
                "RouteTableId": id, "VpcId": vpc.id, "OwnerId": vpc.account, "Tags": [], "PropagatingVgws": [],
                "Associations": [{ "Main": true, "RouteTableAssociationId": association, "RouteTableId": id,
                                   "AssociationState": { "State": "associated" } }],
                "Routes": [{ "DestinationCidrBlock": cidr_of(vpc), "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active" }],
            }));
        }
    }
    Outcome::read(json!({ "RouteTables": out }))
}

pub(crate) fn network_acls(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let wanted = string_list(input, "NetworkAclIds");
    let filters = Filters::of(input);
    let mut out = vec![];
    for vpc in owned_vpcs(ctx, s) {
        let id = format!("acl-{}", ids::suffix(&vpc.id));
        if !wanted.is_empty() && !wanted.contains(&id) {
            continue;
        }
        let fits = filters.matches(&Default::default(), |name| match name {
            "vpc-id" => one(&vpc.id),
            "network-acl-id" => one(&id),
            "default" => one("true"),
            "owner-id" => one(&vpc.account),
            _ => None,
        })?;
        if fits {
            let entry = |n: i64, egress: bool, action: &str| json!({ "RuleNumber": n, "Protocol": "-1", "RuleAction": action, "Egress": egress, "CidrBlock": "0.0.0.0/0" });
            out.push(json!({
                "NetworkAclId": id, "VpcId": vpc.id, "OwnerId": vpc.account, "IsDefault": true, "Tags": [], "Associations": [],
                "Entries": [entry(100, false, "allow"), entry(32767, false, "deny"), entry(100, true, "allow"), entry(32767, true, "deny")],
            }));
        }
    }
    Outcome::read(json!({ "NetworkAcls": out }))
}

/// The zone id EC2 gives a Region's `n`th zone (`us-east-1` → `use1-az1`).
pub(crate) fn zone_id(region: &str, n: usize) -> String {
    let mut parts = region.split('-');
    let (area, direction, number) =
        (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    format!("{area}{}{number}-az{n}", direction.chars().next().unwrap_or('x'))
}

pub(crate) fn availability_zones(ctx: &Ctx, _: &State, input: &Value) -> OpResult {
    let names = string_list(input, "ZoneNames");
    let zone_ids = string_list(input, "ZoneIds");
    let filters = Filters::of(input);
    let mut out = vec![];
    for (n, letter) in ["a", "b", "c"].iter().enumerate() {
        let name = format!("{}{letter}", ctx.region);
        let id = zone_id(&ctx.region, n + 1);
        if (!names.is_empty() && !names.contains(&name)) || (!zone_ids.is_empty() && !zone_ids.contains(&id)) {
            continue;
        }
        let fits = filters.matches(&Default::default(), |f| match f {
            "zone-name" => one(&name),
            "zone-id" => one(&id),
            "state" => one("available"),
            "region-name" | "group-name" | "network-border-group" => one(&ctx.region),
            "opt-in-status" => one("opt-in-not-required"),
            "zone-type" => one("availability-zone"),
            _ => None,
        })?;
        if fits {
            out.push(json!({
                "ZoneName": name, "ZoneId": id, "State": "available", "RegionName": ctx.region, "GroupName": ctx.region,
                "NetworkBorderGroup": ctx.region, "OptInStatus": "opt-in-not-required", "ZoneType": "availability-zone", "Messages": [],
            }));
        }
    }
    Outcome::read(json!({ "AvailabilityZones": out }))
}

/// The commercial Regions (the backend serves whichever a request is signed for).
const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ca-central-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

pub(crate) fn regions(_: &Ctx, _: &State, input: &Value) -> OpResult {
    let names = string_list(input, "RegionNames");
    let filters = Filters::of(input);
    let mut out = vec![];
    for region in REGIONS {
        let endpoint = format!("ec2.{region}.amazonaws.com");
        if !names.is_empty() && !names.iter().any(|n| n == region) {
            continue;
        }
        let fits = filters.matches(&Default::default(), |f| match f {
            "region-name" => one(*region),
            "endpoint" => one(&endpoint),
            "opt-in-status" => one("opt-in-not-required"),
            _ => None,
        })?;
        if fits {
            out.push(json!({ "RegionName": region, "Endpoint": endpoint, "OptInStatus": "opt-in-not-required" }));
        }
    }
    Outcome::read(json!({ "Regions": out }))
}

pub(crate) fn account_attributes(_: &Ctx, _: &State, input: &Value) -> OpResult {
    let all = [
        ("supported-platforms", "VPC"),
        ("default-vpc", "none"),
        ("max-instances", "20"),
        ("vpc-max-security-groups-per-interface", "5"),
    ];
    let wanted = string_list(input, "AttributeNames");
    let out: Vec<Value> = all
        .iter()
        .filter(|(name, _)| wanted.is_empty() || wanted.iter().any(|w| w == name))
        .map(|(name, value)| json!({ "AttributeName": name, "AttributeValues": [{ "AttributeValue": value }] }))
        .collect();
    Outcome::read(json!({ "AccountAttributes": out }))
}

/// There are no network interfaces here (no instances; Lattice's own are not EC2's to show).
pub(crate) fn network_interfaces(_: &Ctx, _: &State, input: &Value) -> OpResult {
    Filters::of(input).matches(&Default::default(), |f| match f {
        "vpc-id"
        | "subnet-id"
        | "group-id"
        | "description"
        | "interface-type"
        | "requester-id"
        | "status"
        | "network-interface-id"
        | "attachment.instance-id"
        | "private-ip-address"
        | "owner-id" => Some(vec![]),
        _ => None,
    })?;
    Outcome::read(json!({ "NetworkInterfaces": [] }))
}

pub(crate) fn prefix_lists(_: &Ctx, _: &State, _: &Value) -> OpResult {
    Outcome::read(json!({ "PrefixLists": [] }))
}

pub(crate) fn managed_prefix_lists(_: &Ctx, _: &State, _: &Value) -> OpResult {
    Outcome::read(json!({ "PrefixLists": [] }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A};

    #[test]
    fn zones_and_regions_are_the_callers_and_filter() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let zones =
            run(&mut s, &a, availability_zones, json!({ "Filters": [{ "Name": "zone-name", "Values": ["*b"] }] }))
                .unwrap();
        assert_eq!(zones["AvailabilityZones"][0]["ZoneId"], "use1-az2");
        assert_eq!(zones["AvailabilityZones"].as_array().unwrap().len(), 1);
        let regions = run(&mut s, &a, regions, json!({ "RegionNames": ["eu-west-1"] })).unwrap();
        assert_eq!(regions["Regions"][0]["Endpoint"], "ec2.eu-west-1.amazonaws.com");
        assert_eq!(
            code(run(&mut s, &a, network_interfaces, json!({ "Filters": [{ "Name": "bogus", "Values": ["x"] }] }))),
            "InvalidParameterValue"
        );
    }

    #[test]
    fn every_vpc_has_a_main_route_table_and_a_default_acl() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let vpc = run(&mut s, &a, super::super::vpc::create, json!({ "CidrBlock": "10.0.0.0/16" })).unwrap();
        let id = vpc["Vpc"]["VpcId"].as_str().unwrap();
        let filter = json!({ "Filters": [{ "Name": "vpc-id", "Values": [id] }, { "Name": "association.main", "Values": ["true"] }] });
        let tables = run(&mut s, &a, route_tables, filter).unwrap();
        assert_eq!(tables["RouteTables"][0]["Routes"][0]["DestinationCidrBlock"], "10.0.0.0/16");
        let acls =
            run(&mut s, &a, network_acls, json!({ "Filters": [{ "Name": "default", "Values": ["true"] }] })).unwrap();
        assert_eq!(acls["NetworkAcls"][0]["VpcId"], id);
    }
}
