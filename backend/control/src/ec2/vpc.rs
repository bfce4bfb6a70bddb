//! `aws_vpc`: CreateVpc gives a local VPC (a loopback block, its resolver, forward proxy and
//! namespace) and its default security group; the declared IPv4 CIDR is kept for EC2's
//! answers. VPCs made through the admin API answer with their loopback block.

use lattice_api::ids;
use lattice_model::firewall::Cidr;
use lattice_model::records::{Ec2Vpc, SecurityGroup, SecurityGroupRule, Vpc};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::filter::{one, spec_tags, Filters};
use super::{done, error};
use crate::kit::tag_list;
use crate::kit::{req, string_list, Ctx, OpResult, Outcome};
use crate::vpcs::{default_group_id, delete_with_defaults, dependent, new_vpc};

/// The CIDR EC2 answers for `vpc`: the declared one, else its loopback block.
pub(crate) fn cidr_of(vpc: &Vpc) -> String {
    if vpc.ec2.cidr_block.is_empty() {
        vpc.cidr()
    } else {
        vpc.ec2.cidr_block.clone()
    }
}

pub(crate) fn not_found(id: &str) -> lattice_api::ApiError {
    error("InvalidVpcID.NotFound", format!("The vpc ID '{}' does not exist", lattice_api::model::echo(id)))
}

/// The caller's VPC `id`, or EC2's not-found.
pub(crate) fn owned<'a>(ctx: &Ctx, s: &'a State, id: &str) -> Result<&'a Vpc, lattice_api::ApiError> {
    s.vpc(&ctx.account, id).filter(|v| ctx.owns(*v)).ok_or_else(|| not_found(id))
}

/// An IPv4 block of `/min`–`/max` whose address is its network address.
pub(crate) fn check_cidr(
    text: &str,
    param: &str,
    min: u8,
    max: u8,
    range_code: &str,
) -> Result<Cidr, lattice_api::ApiError> {
    let invalid = || {
        error(
            "InvalidParameterValue",
            format!(
                "Value ({}) for parameter {param} is invalid. This is not a valid CIDR block.",
                lattice_api::model::echo(text)
            ),
        )
    };
    let (addr, len) = text.split_once('/').ok_or_else(invalid)?;
    let addr: std::net::Ipv4Addr = addr.parse().map_err(|_| invalid())?;
    let len: u8 = len.parse().map_err(|_| invalid())?;
    if len > 32 || u32::from(addr) & !(u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)) != 0 {
        return Err(invalid());
    }
    if !(min..=max).contains(&len) {
        return Err(error(range_code, format!("The CIDR '{text}' is invalid.")));
    }
    Cidr::parse(text).ok_or_else(invalid)
}

fn wire(ctx: &Ctx, vpc: &Vpc) -> Value {
    let cidr = cidr_of(vpc);
    json!({
        "VpcId": vpc.id,
        "OwnerId": vpc.account,
        "State": "available",
        "CidrBlock": cidr,
        "CidrBlockAssociationSet": [{
            "AssociationId": format!("vpc-cidr-assoc-{}", ids::suffix(&vpc.id)),
            "CidrBlock": cidr,
            "CidrBlockState": { "State": "associated" },
        }],
        "Ipv6CidrBlockAssociationSet": [],
        "DhcpOptionsId": format!("dopt-{}", ids::suffix(&vpc.id)),
        "InstanceTenancy": vpc.ec2.instance_tenancy,
        "IsDefault": false,
        "Tags": tag_list(&vpc.tags),
        "BlockPublicAccessStates": { "InternetGatewayBlockMode": "off" },
        "VpcArn": format!("arn:aws:ec2:{}:{}:vpc/{}", ctx.region, vpc.account, vpc.id),
    })
}

/// The default group EC2 gives a new VPC: members reach each other, everything may go out.
fn default_group(ctx: &Ctx, vpc: &Vpc) -> SecurityGroup {
    let id = default_group_id(&vpc.id);
    let all = |groups: Vec<String>, cidrs: Vec<String>, n: &str| SecurityGroupRule {
        protocol: "-1".into(),
        from_port: -1,
        to_port: -1,
        cidr_blocks: cidrs,
        ipv6_cidr_blocks: vec![],
        description: String::new(),
        groups,
        tags: Default::default(),
        id: format!("sgr-{n}{}", &ids::suffix(&vpc.id)[1..]),
    };
    SecurityGroup {
        arn: format!("arn:aws:ec2:{}:{}:security-group/{id}", ctx.region, ctx.account),
        ingress: vec![all(vec![id.clone()], vec![], "1")],
        egress: vec![all(vec![], vec!["0.0.0.0/0".into()], "2")],
        id,
        vpc_id: vpc.id.clone(),
        name: "default".into(),
        description: "default VPC security group".into(),
        tags: Default::default(),
        created_at: vpc.created_at.clone(),
        account: ctx.account.clone(),
    }
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    if input.get("Ipv4IpamPoolId").is_some() || input.get("Ipv6IpamPoolId").is_some() {
        return Err(error("UnsupportedOperation", "lattice-local does not emulate IPAM pools: give CidrBlock"));
    }
    if input.get("AmazonProvidedIpv6CidrBlock").and_then(Value::as_bool) == Some(true)
        || input.get("Ipv6CidrBlock").is_some()
    {
        return Err(error("UnsupportedOperation", "lattice-local VPCs are IPv4 only: IPv6 blocks are not assigned"));
    }
    let Some(cidr) = input.get("CidrBlock").and_then(Value::as_str) else {
        return Err(error("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided."));
    };
    check_cidr(cidr, "cidrBlock", 16, 28, "InvalidVpc.Range")?;
    let tenancy = input.get("InstanceTenancy").and_then(Value::as_str).unwrap_or("default");
    let mut vpc = new_vpc(ctx, s, ids::new_id("vpc"), spec_tags(input, "vpc"))?;
    vpc.ec2 = Ec2Vpc { cidr_block: cidr.to_string(), instance_tenancy: tenancy.to_string(), ..Ec2Vpc::default() };
    let group = default_group(ctx, &vpc);
    let body = json!({ "Vpc": wire(ctx, &vpc) });
    Outcome::write(vec![vpc.put(), group.put()], body)
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let vpc = owned(ctx, s, req(input, "VpcId"))?;
    if let Some(why) = dependent(s, vpc) {
        return Err(error(
            "DependencyViolation",
            format!("The vpc '{}' has dependencies and cannot be deleted: it {why}.", vpc.id),
        ));
    }
    Outcome::write(delete_with_defaults(s, vpc), done())
}

pub(crate) fn describe(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let wanted = string_list(input, "VpcIds");
    if let Some(missing) = wanted.iter().find(|id| owned(ctx, s, id).is_err()) {
        return Err(not_found(missing));
    }
    let filters = Filters::of(input);
    let mut out = vec![];
    for vpc in s.vpcs.values().filter(|v| ctx.owns(*v)) {
        if !wanted.is_empty() && !wanted.contains(&vpc.id) {
            continue;
        }
        let cidr = cidr_of(vpc);
        let fits = filters.matches(&vpc.tags, |name| match name {
            "vpc-id" => one(&vpc.id),
            "cidr" | "cidr-block-association.cidr-block" => one(&cidr),
            "cidr-block-association.state" | "state" => one("available"),
            "is-default" => one("false"),
            "owner-id" => one(&vpc.account),
            "dhcp-options-id" => one(format!("dopt-{}", ids::suffix(&vpc.id))),
            _ => None,
        })?;
        if fits {
            out.push(wire(ctx, vpc));
        }
    }
    Outcome::read(json!({ "Vpcs": out }))
}

const ATTRIBUTES: [(&str, &str); 3] = [
    ("enableDnsSupport", "EnableDnsSupport"),
    ("enableDnsHostnames", "EnableDnsHostnames"),
    ("enableNetworkAddressUsageMetrics", "EnableNetworkAddressUsageMetrics"),
];

fn attribute(vpc: &Vpc, member: &str) -> bool {
    match member {
        "EnableDnsSupport" => vpc.ec2.enable_dns_support,
        "EnableDnsHostnames" => vpc.ec2.enable_dns_hostnames,
        _ => vpc.ec2.enable_network_address_usage_metrics,
    }
}

pub(crate) fn describe_attribute(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let vpc = owned(ctx, s, req(input, "VpcId"))?;
    let name = req(input, "Attribute");
    let Some((_, member)) = ATTRIBUTES.iter().find(|(a, _)| *a == name) else {
        return Err(error(
            "InvalidParameterValue",
            format!("Value ({}) for parameter attribute is invalid.", lattice_api::model::echo(name)),
        ));
    };
    Outcome::read(json!({ "VpcId": vpc.id, (*member): { "Value": attribute(vpc, member) } }))
}

pub(crate) fn modify_attribute(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut vpc = owned(ctx, s, req(input, "VpcId"))?.clone();
    let given: Vec<(&str, bool)> = ATTRIBUTES
        .iter()
        .filter_map(|(_, member)| Some((*member, input.get(*member)?.get("Value")?.as_bool()?)))
        .collect();
    let [(member, value)] = given.as_slice() else {
        return Err(error("InvalidParameterCombination", "Exactly one attribute must be modified per request"));
    };
    match *member {
        "EnableDnsSupport" => vpc.ec2.enable_dns_support = *value,
        "EnableDnsHostnames" => vpc.ec2.enable_dns_hostnames = *value,
        _ => vpc.ec2.enable_network_address_usage_metrics = *value,
    }
    if vpc.ec2.enable_dns_hostnames && !vpc.ec2.enable_dns_support {
        return Err(error("InvalidParameterValue", "DNS hostnames cannot be enabled when DNS support is disabled"));
    }
    Outcome::write(vec![vpc.put()], done())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn a_vpc_is_created_described_and_deleted_with_its_default_group() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let input = json!({ "CidrBlock": "10.0.0.0/16", "TagSpecifications": [{ "ResourceType": "vpc", "Tags": [{ "Key": "Name", "Value": "hub" }] }] });
        let vpc = run(&mut s, &a, create, input).unwrap()["Vpc"].clone();
        let id = vpc["VpcId"].as_str().unwrap().to_string();
        assert_eq!(vpc["CidrBlock"], "10.0.0.0/16");
        assert!(s.security_groups.contains_key(&default_group_id(&id)));
        let found =
            run(&mut s, &a, describe, json!({ "Filters": [{ "Name": "tag:Name", "Values": ["hub"] }] })).unwrap();
        assert_eq!(found["Vpcs"].as_array().unwrap().len(), 1);
        assert_eq!(code(run(&mut s, &b, describe, json!({ "VpcIds": [id] }))), "InvalidVpcID.NotFound");
        assert_eq!(code(run(&mut s, &b, delete, json!({ "VpcId": id }))), "InvalidVpcID.NotFound");
        run(&mut s, &a, delete, json!({ "VpcId": id })).unwrap();
        assert!(s.vpcs.is_empty() && s.security_groups.is_empty());
    }

    #[test]
    fn cidrs_and_attributes_are_checked_as_ec2_checks_them() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        for (cidr, want) in [
            ("10.0.0.1/16", "InvalidParameterValue"),
            ("10.0.0.0/8", "InvalidVpc.Range"),
            ("nope", "InvalidParameterValue"),
        ] {
            assert_eq!(code(run(&mut s, &a, create, json!({ "CidrBlock": cidr }))), want, "{cidr}");
        }
        assert!(s.vpcs.is_empty(), "nothing is stored on rejection");
        let id = run(&mut s, &a, create, json!({ "CidrBlock": "10.1.0.0/16" })).unwrap()["Vpc"]["VpcId"]
            .as_str()
            .unwrap()
            .to_string();
        run(&mut s, &a, modify_attribute, json!({ "VpcId": id, "EnableDnsHostnames": { "Value": true } })).unwrap();
        let got =
            run(&mut s, &a, describe_attribute, json!({ "VpcId": id, "Attribute": "enableDnsHostnames" })).unwrap();
        assert_eq!(got["EnableDnsHostnames"]["Value"], true);
        let bad = json!({ "VpcId": id, "EnableDnsSupport": { "Value": false } });
        assert_eq!(code(run(&mut s, &a, modify_attribute, bad)), "InvalidParameterValue");
    }
}
