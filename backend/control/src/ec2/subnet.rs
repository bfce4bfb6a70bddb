//! `aws_subnet`: a block inside its VPC's declared CIDR, in one of the Region's zones. Stored
//! for what names subnets (resource gateways, endpoints, modules); traffic ignores them.

use lattice_api::{ids, now_rfc3339};
use lattice_model::records::Subnet;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::filter::{one, spec_tags, Filters};
use super::vpc::{check_cidr, owned as owned_vpc};
use super::{done, error};
use crate::kit::tag_list;
use crate::kit::{req, string_list, Ctx, OpResult, Outcome};

fn not_found(id: &str) -> lattice_api::ApiError {
    error("InvalidSubnetID.NotFound", format!("The subnet ID '{}' does not exist", lattice_api::model::echo(id)))
}

pub(crate) fn owned<'a>(ctx: &Ctx, s: &'a State, id: &str) -> Result<&'a Subnet, lattice_api::ApiError> {
    s.subnets.get(id).filter(|n| ctx.owns(*n)).ok_or_else(|| not_found(id))
}

/// The id of one of the Region's zones, by its name (`us-east-1b` → `use1-az2`).
fn zone_id(ctx: &Ctx, zone: &str) -> String {
    let letter = zone.strip_prefix(ctx.region.as_str()).and_then(|l| l.bytes().next()).unwrap_or(b'a');
    super::describe::zone_id(&ctx.region, usize::from(letter.saturating_sub(b'a')) + 1)
}

fn wire(ctx: &Ctx, n: &Subnet) -> Value {
    let size = n.cidr_block.split_once('/').and_then(|(_, l)| l.parse::<u32>().ok()).unwrap_or(24);
    json!({
        "SubnetId": n.id, "VpcId": n.vpc_id, "CidrBlock": n.cidr_block, "OwnerId": n.account, "State": "available",
        "AvailabilityZone": n.availability_zone, "AvailabilityZoneId": zone_id(ctx, &n.availability_zone),
        // EC2 keeps five addresses of every subnet.
        "AvailableIpAddressCount": (1u64 << (32 - size.min(32))).saturating_sub(5),
        "MapPublicIpOnLaunch": n.map_public_ip_on_launch, "DefaultForAz": false, "AssignIpv6AddressOnCreation": false,
        "MapCustomerOwnedIpOnLaunch": false, "EnableDns64": false, "Ipv6Native": false, "Ipv6CidrBlockAssociationSet": [],
        "PrivateDnsNameOptionsOnLaunch": { "HostnameType": "ip-name", "EnableResourceNameDnsARecord": false, "EnableResourceNameDnsAAAARecord": false },
        "SubnetArn": format!("arn:aws:ec2:{}:{}:subnet/{}", ctx.region, n.account, n.id),
        "Tags": tag_list(&n.tags),
    })
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let vpc = owned_vpc(ctx, s, req(input, "VpcId"))?;
    let Some(text) = input.get("CidrBlock").and_then(Value::as_str) else {
        return Err(error(
            "MissingParameter",
            "The request must contain the parameter cidrBlock (IPv6-only subnets are not emulated)",
        ));
    };
    let cidr = check_cidr(text, "cidrBlock", 16, 28, "InvalidSubnet.Range")?;
    let inside = lattice_model::firewall::Cidr::parse(&super::vpc::cidr_of(vpc))
        .is_some_and(|v| v.contains(cidr.network()) && v.prefix() <= cidr.prefix());
    if !inside {
        return Err(error("InvalidSubnet.Range", format!("The CIDR '{text}' is invalid.")));
    }
    if let Some(other) = s.subnets.values().find(|n| {
        n.account == vpc.account
            && n.vpc_id == vpc.id
            && lattice_model::firewall::Cidr::parse(&n.cidr_block).is_some_and(|c| c.overlaps(&cidr))
    }) {
        return Err(error(
            "InvalidSubnet.Conflict",
            format!("The CIDR '{text}' conflicts with another subnet ({})", other.id),
        ));
    }
    let zone = match (
        input.get("AvailabilityZone").and_then(Value::as_str),
        input.get("AvailabilityZoneId").and_then(Value::as_str),
    ) {
        (Some(zone), _) => zone.to_string(),
        (None, Some(id)) => {
            let n = id.rsplit("-az").next().and_then(|n| n.parse::<u8>().ok()).unwrap_or(1);
            format!("{}{}", ctx.region, char::from(b'a' + n.saturating_sub(1).min(25)))
        }
        (None, None) => format!("{}a", ctx.region),
    };
    if !zone.strip_prefix(ctx.region.as_str()).is_some_and(|l| l.len() == 1 && ("a"..="c").contains(&l)) {
        return Err(error("InvalidParameterValue", format!("Value ({}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {r}a, {r}b, {r}c.", lattice_api::model::echo(&zone), r = ctx.region)));
    }
    let subnet = Subnet {
        id: ids::new_id("subnet"),
        vpc_id: vpc.id.clone(),
        cidr_block: text.to_string(),
        availability_zone: zone,
        map_public_ip_on_launch: false,
        tags: spec_tags(input, "subnet"),
        created_at: now_rfc3339(),
        region: ctx.region.clone(),
        account: ctx.account.clone(),
    };
    let body = json!({ "Subnet": wire(ctx, &subnet) });
    Outcome::write(vec![subnet.put()], body)
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let subnet = owned(ctx, s, req(input, "SubnetId"))?;
    let used = s
        .resource_gateways
        .values()
        .find(|g| g.subnet_ids.contains(&subnet.id))
        .map(|g| g.id.clone())
        .or_else(|| s.vpc_endpoints.values().find(|e| e.subnet_ids.contains(&subnet.id)).map(|e| e.id.clone()));
    if let Some(user) = used {
        return Err(error(
            "DependencyViolation",
            format!("The subnet '{}' has dependencies and cannot be deleted: {user} uses it.", subnet.id),
        ));
    }
    Outcome::write(vec![subnet.delete()], done())
}

pub(crate) fn describe(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let wanted = string_list(input, "SubnetIds");
    if let Some(missing) = wanted.iter().find(|id| owned(ctx, s, id).is_err()) {
        return Err(not_found(missing));
    }
    let filters = Filters::of(input);
    let mut out = vec![];
    for n in s.subnets.values().filter(|n| ctx.owns(*n)) {
        if !wanted.is_empty() && !wanted.contains(&n.id) {
            continue;
        }
        let fits = filters.matches(&n.tags, |name| match name {
            "vpc-id" => one(&n.vpc_id),
            "subnet-id" => one(&n.id),
            "cidr-block" | "cidr" | "cidrBlock" => one(&n.cidr_block),
            "availability-zone" | "availabilityZone" => one(&n.availability_zone),
            "availability-zone-id" => one(zone_id(ctx, &n.availability_zone)),
            "state" => one("available"),
            "owner-id" => one(&n.account),
            "default-for-az" | "defaultForAz" => one("false"),
            "map-public-ip-on-launch" => one(n.map_public_ip_on_launch.to_string()),
            _ => None,
        })?;
        if fits {
            out.push(wire(ctx, n));
        }
    }
    Outcome::read(json!({ "Subnets": out }))
}

pub(crate) fn modify_attribute(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut subnet = owned(ctx, s, req(input, "SubnetId"))?.clone();
    let flag = |key: &str| input.get(key).and_then(|v| v.get("Value")).and_then(Value::as_bool);
    if let Some(v) = flag("MapPublicIpOnLaunch") {
        subnet.map_public_ip_on_launch = v;
        return Outcome::write(vec![subnet.put()], done());
    }
    // What the provider sets to its defaults on create is accepted when it asks for the default.
    let defaults_only = [
        "AssignIpv6AddressOnCreation",
        "EnableDns64",
        "EnableResourceNameDnsARecordOnLaunch",
        "EnableResourceNameDnsAAAARecordOnLaunch",
        "MapCustomerOwnedIpOnLaunch",
    ]
    .iter()
    .all(|k| flag(k) != Some(true))
        && input.get("PrivateDnsHostnameTypeOnLaunch").and_then(Value::as_str).is_none_or(|t| t == "ip-name")
        && input.get("EnableLniAtDeviceIndex").is_none();
    if defaults_only {
        return Outcome::read(done());
    }
    Err(error(
        "UnsupportedOperation",
        "lattice-local subnets are IPv4 with EC2's defaults; only MapPublicIpOnLaunch can change",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn subnets_sit_inside_their_vpc_without_overlapping() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let vpc = run(&mut s, &a, super::super::vpc::create, json!({ "CidrBlock": "10.0.0.0/16" })).unwrap();
        let vpc_id = vpc["Vpc"]["VpcId"].as_str().unwrap().to_string();
        let made = run(
            &mut s,
            &a,
            create,
            json!({ "VpcId": vpc_id, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1b" }),
        )
        .unwrap();
        assert_eq!(made["Subnet"]["AvailabilityZoneId"], "use1-az2");
        assert_eq!(made["Subnet"]["AvailableIpAddressCount"], 251);
        let overlapping = json!({ "VpcId": vpc_id, "CidrBlock": "10.0.1.128/25" });
        assert_eq!(code(run(&mut s, &a, create, overlapping)), "InvalidSubnet.Conflict");
        assert_eq!(
            code(run(&mut s, &a, create, json!({ "VpcId": vpc_id, "CidrBlock": "10.1.0.0/24" }))),
            "InvalidSubnet.Range"
        );
        assert_eq!(
            code(run(&mut s, &b, create, json!({ "VpcId": vpc_id, "CidrBlock": "10.0.2.0/24" }))),
            "InvalidVpcID.NotFound"
        );
        assert_eq!(code(run(&mut s, &a, super::super::vpc::delete, json!({ "VpcId": vpc_id }))), "DependencyViolation");
        let id = made["Subnet"]["SubnetId"].as_str().unwrap();
        run(&mut s, &a, delete, json!({ "SubnetId": id })).unwrap();
        assert_eq!(code(run(&mut s, &a, delete, json!({ "SubnetId": id }))), "InvalidSubnetID.NotFound");
    }
}
