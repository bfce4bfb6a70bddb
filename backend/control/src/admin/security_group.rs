//! Local security groups (admin API, `lattice_local_security_group`): ingress rules that the data
//! plane enforces where a group guards a service-network VPC association or a VPC endpoint, and
//! egress rules it enforces where a group is on a resource gateway. In AWS they are EC2 objects,
//! so they live beside VPCs, not in the Lattice API.

use lattice_api::ids::new_id;
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::firewall::Cidr;
use lattice_model::records::{SecurityGroup, SecurityGroupRule};
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::admin::route::{items, read, write, Route};
use crate::kit::{find_owned, str_of, string_list, tags_of, Ctx, OpResult, Outcome};
use crate::vpcs::vpc_or_implicit;

const SG: &str = "SECURITY_GROUP";
/// How many security groups an association or endpoint may carry (a fixed Lattice quota).
const MAX_GROUPS: usize = 5;

pub(crate) fn wire(g: &SecurityGroup) -> Value {
    json!({
        "groupId": g.id, "arn": g.arn, "vpcId": g.vpc_id, "groupName": g.name, "description": g.description,
        "ingress": g.ingress, "egress": g.egress, "ownerId": g.account, "createdAt": g.created_at, "tags": g.tags,
    })
}

/// `tcp`, `udp`, `icmp` or `-1`, from what EC2 accepts (names in any case, numbers, `all`).
fn protocol(field: &str, text: &str) -> Result<&'static str, ApiError> {
    match text.to_ascii_lowercase().as_str() {
        "tcp" | "6" => Ok("tcp"),
        "udp" | "17" => Ok("udp"),
        "icmp" | "1" => Ok("icmp"),
        "-1" | "all" => Ok("-1"),
        other => {
            Err(ApiError::invalid_field(field, format!("'{other}' is not a protocol: use tcp, udp, icmp or -1 (all)")))
        }
    }
}

fn port(rule: &Value, key: &str, field: &str) -> Result<i32, ApiError> {
    let n = rule.get(key).and_then(Value::as_i64).unwrap_or(0);
    if !(-1..=65535).contains(&n) {
        return Err(ApiError::invalid_field(field, format!("{n} is not a port (-1 to 65535)")));
    }
    Ok(n as i32)
}

fn cidrs(rule: &Value, key: &str, field: &str, v6: bool) -> Result<Vec<String>, ApiError> {
    let list = string_list(rule, key);
    for c in &list {
        let family_ok = Cidr::parse(c).is_some_and(|p| p.is_ipv6() == v6) && c.contains('/');
        if !family_ok {
            let kind = if v6 { "IPv6" } else { "IPv4" };
            return Err(ApiError::invalid_field(field, format!("'{c}' is not an {kind} CIDR block")));
        }
    }
    Ok(list)
}

/// The `ingress` or `egress` rules of `input`, checked as EC2 checks them.
fn rules(input: &Value, key: &str) -> Result<Vec<SecurityGroupRule>, ApiError> {
    let rules = input.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut out = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        let at = |k: &str| format!("{key}[{i}].{k}");
        let protocol = protocol(&at("protocol"), str_of(r, "protocol").unwrap_or_default())?;
        let (from_port, to_port) = (port(r, "fromPort", &at("fromPort"))?, port(r, "toPort", &at("toPort"))?);
        let (from_port, to_port) = match protocol {
            "tcp" | "udp" if from_port > to_port || from_port < 0 => {
                return Err(ApiError::invalid_field(
                    &at("fromPort"),
                    format!("the port range {from_port}-{to_port} is empty or negative"),
                ));
            }
            _ => (from_port, to_port),
        };
        let cidr_blocks = cidrs(r, "cidrBlocks", &at("cidrBlocks"), false)?;
        let ipv6_cidr_blocks = cidrs(r, "ipv6CidrBlocks", &at("ipv6CidrBlocks"), true)?;
        let description = str_of(r, "description").unwrap_or_default().to_string();
        out.push(SecurityGroupRule {
            protocol: protocol.into(),
            from_port,
            to_port,
            cidr_blocks,
            ipv6_cidr_blocks,
            description,
            groups: vec![],
            id: String::new(),
            tags: Default::default(),
        });
    }
    Ok(out)
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let vpc_id = str_of(input, "vpcId").ok_or_else(|| ApiError::invalid_field("vpcId", "vpcId is required"))?;
    let (vpc, implicit) = vpc_or_implicit(ctx, s, vpc_id, "vpcId")?;
    let id = new_id("sg");
    let name =
        str_of(input, "groupName").filter(|n| !n.is_empty()).map_or_else(|| format!("terraform-{id}"), str::to_string);
    if name.len() > 255 || name.starts_with("sg-") {
        return Err(ApiError::invalid_field(
            "groupName",
            format!("'{name}' is not a valid group name (≤255 characters, not starting with sg-)"),
        ));
    }
    if let Some(other) =
        s.security_groups.values().find(|g| g.account == vpc.account && g.vpc_id == vpc.id && g.name == name)
    {
        return Err(ApiError::conflict(
            SG,
            &other.id,
            format!("VPC {} already has a security group named {name}", vpc.id),
        ));
    }
    let group = SecurityGroup {
        arn: format!("arn:aws:ec2:{}:{}:security-group/{id}", ctx.region, ctx.account),
        id,
        vpc_id: vpc.id,
        name,
        description: str_of(input, "description").unwrap_or("Managed by Terraform").to_string(),
        ingress: rules(input, "ingress")?,
        egress: rules(input, "egress")?,
        tags: tags_of(input),
        created_at: now_rfc3339(),
        account: ctx.account.clone(),
    };
    let mut changes: Vec<ObjectChange> = implicit.into_iter().collect();
    changes.push(group.put());
    Outcome::write(changes, wire(&group))
}

pub(crate) fn update(ctx: &Ctx, s: &State, id: &str, input: &Value) -> OpResult {
    let mut group = find_owned(&s.security_groups, ctx, id, SG)?.clone();
    if input.get("ingress").is_some() {
        group.ingress = rules(input, "ingress")?;
    }
    if input.get("egress").is_some() {
        group.egress = rules(input, "egress")?;
    }
    if input.get("tags").is_some() {
        group.tags = tags_of(input);
    }
    Outcome::write(vec![group.put()], wire(&group))
}

/// What uses group `id`: an association, endpoint or resource gateway, or another group's rule.
pub(crate) fn user_of(s: &State, id: &str) -> Option<String> {
    let id = id.to_string();
    s.sn_vpc_associations
        .values()
        .find(|a| a.security_group_ids.contains(&id))
        .map(|a| a.id.clone())
        .or_else(|| s.vpc_endpoints.values().find(|e| e.security_group_ids.contains(&id)).map(|e| e.id.clone()))
        .or_else(|| s.resource_gateways.values().find(|g| g.security_group_ids.contains(&id)).map(|g| g.id.clone()))
        .or_else(|| {
            let referencing = s
                .security_groups
                .values()
                .find(|g| g.id != id && g.ingress.iter().chain(&g.egress).any(|r| r.groups.contains(&id)))?;
            Some(format!("a rule of {}", referencing.id))
        })
}

pub(crate) fn delete(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let group = find_owned(&s.security_groups, ctx, id, SG)?;
    if let Some(user) = user_of(s, &group.id) {
        return Err(ApiError::conflict(
            SG,
            &group.id,
            format!("DependencyViolation: security group {} is still used by {user}", group.id),
        ));
    }
    Outcome::write(vec![group.delete()], Value::Null)
}

/// The `securityGroupIds` of an association, endpoint or resource gateway in `account`'s VPC `vpc_id`, checked:
/// well-formed ids, at most five, and the account's declared groups in that VPC.
pub(crate) fn check_ids(
    s: &State,
    (account, vpc_id): (&str, &str),
    input: &Value,
    field: &str,
) -> Result<Vec<String>, ApiError> {
    let ids = string_list(input, field);
    if ids.len() > MAX_GROUPS {
        return Err(ApiError::invalid_field(field, format!("at most {MAX_GROUPS} security groups, got {}", ids.len())));
    }
    for id in &ids {
        let well_formed = id.strip_prefix("sg-").is_some_and(|rest| {
            (rest.len() == 8 || rest.len() == 17) && rest.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        });
        if !well_formed {
            return Err(ApiError::invalid_field(field, format!("'{id}' is not a security group id (sg-…)")));
        }
        if let Some(group) = s.security_groups.get(id).filter(|g| g.account == account && g.vpc_id != vpc_id) {
            return Err(ApiError::invalid_field(
                field,
                format!("security group {id} belongs to {}, not to {vpc_id}", group.vpc_id),
            ));
        }
    }
    Ok(ids)
}

/// `/_lattice-local/securitygroups`.
pub(crate) const ROUTES: &[Route] = &[
    write("POST", "securitygroups", 201, |ctx, s, _, body| create(ctx, s, body)),
    read("GET", "securitygroups", |ctx, s, _| Ok(items(ctx, &s.security_groups, wire))),
    read("GET", "securitygroups/{}", |ctx, s, id| find_owned(&s.security_groups, ctx, id, "SECURITY_GROUP").map(wire)),
    write("PATCH", "securitygroups/{}", 200, update),
    write("DELETE", "securitygroups/{}", 204, |ctx, s, id, _| delete(ctx, s, id)),
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, A, B};

    #[test]
    fn a_group_is_named_once_per_vpc_and_is_its_owners() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let input = json!({ "vpcId": "vpc-0a0a0a0a0a0a0a0a0", "groupName": "web",
            "ingress": [{ "fromPort": 80, "toPort": 80, "protocol": "tcp", "cidrBlocks": ["127.0.0.0/8"] }] });
        let out = create(&a, &s, &input).unwrap();
        for change in &out.changes {
            s.apply(change).unwrap();
        }
        let id = out.body["groupId"].as_str().unwrap().to_string();
        assert_eq!(create(&a, &s, &input).unwrap_err().code, "ConflictException");
        assert_eq!(code(delete(&b, &s, &id).map(|o| o.body)), "ResourceNotFoundException");
        assert!(delete(&a, &s, &id).is_ok());
        let bad = json!({ "vpcId": "vpc-0a0a0a0a0a0a0a0a0", "groupName": "x", "ingress": [{ "fromPort": 80, "toPort": 70, "protocol": "tcp", "cidrBlocks": ["127.0.0.0/8"] }] });
        assert_eq!(create(&a, &s, &bad).unwrap_err().code, "ValidationException");
    }
}
