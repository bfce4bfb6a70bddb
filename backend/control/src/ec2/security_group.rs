//! `aws_security_group` and `aws_vpc_security_group_{ingress,egress}_rule`: the groups the
//! data plane enforces, through EC2. EC2 keeps one rule per source (a CIDR, an IPv6 CIDR or a
//! group), each with its `sgr-` id; rules written through the admin API (several CIDRs per
//! rule) are split that way the first time EC2 changes their group.

use lattice_api::{ids, now_rfc3339, ApiError};
use lattice_model::firewall::Cidr;
use lattice_model::records::{SecurityGroup, SecurityGroupRule, Tags};
use lattice_model::{Object, State};
use serde_json::{json, Map, Value};

use super::filter::{one, spec_tags, Filters};
use super::vpc::owned as owned_vpc;
use super::{done, error};
use crate::kit::tag_list;
use crate::kit::{req, str_of, string_list, Ctx, OpResult, Outcome};

fn not_found(id: &str) -> ApiError {
    error("InvalidGroup.NotFound", format!("The security group '{}' does not exist", lattice_api::model::echo(id)))
}

fn owned<'a>(ctx: &Ctx, s: &'a State, id: &str) -> Result<&'a SecurityGroup, ApiError> {
    s.security_groups.get(id).filter(|g| ctx.owns(*g)).ok_or_else(|| not_found(id))
}

/// The group an input names by `GroupId` (or by `GroupName`, unique among the caller's groups).
fn named<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a SecurityGroup, ApiError> {
    if let Some(id) = str_of(input, "GroupId") {
        return owned(ctx, s, id);
    }
    let name = str_of(input, "GroupName")
        .ok_or_else(|| error("MissingParameter", "The request must contain the parameter groupId or groupName"))?;
    let mut matching = s.security_groups.values().filter(|g| ctx.owns(*g) && g.name == name);
    match (matching.next(), matching.next()) {
        (Some(g), None) => Ok(g),
        (Some(_), Some(_)) => {
            Err(error("InvalidParameterValue", format!("Several groups are named '{name}': give GroupId")))
        }
        _ => Err(error("InvalidGroup.NotFound", format!("The security group '{name}' does not exist in default VPC"))),
    }
}

/// A rule's single source.
fn source(r: &SecurityGroupRule) -> (&'static str, &str) {
    if let Some(c) = r.cidr_blocks.first() {
        ("CidrIpv4", c)
    } else if let Some(c) = r.ipv6_cidr_blocks.first() {
        ("CidrIpv6", c)
    } else {
        ("ReferencedGroupId", r.groups.first().map(String::as_str).unwrap_or(""))
    }
}

/// The group's rules one way, one source each, every one with an id.
fn pieces(group: &SecurityGroup, egress: bool) -> Vec<SecurityGroupRule> {
    let rules = if egress { &group.egress } else { &group.ingress };
    let mut out = vec![];
    for (i, r) in rules.iter().enumerate() {
        let only = |v4: &[String], v6: &[String], groups: &[String]| SecurityGroupRule {
            cidr_blocks: v4.to_vec(),
            ipv6_cidr_blocks: v6.to_vec(),
            groups: groups.to_vec(),
            ..r.clone()
        };
        let sources: Vec<SecurityGroupRule> = r
            .cidr_blocks
            .iter()
            .map(|c| only(std::slice::from_ref(c), &[], &[]))
            .chain(r.ipv6_cidr_blocks.iter().map(|c| only(&[], std::slice::from_ref(c), &[])))
            .chain(r.groups.iter().map(|g| only(&[], &[], std::slice::from_ref(g))))
            .collect();
        let single = sources.len() == 1;
        for (j, mut piece) in sources.into_iter().enumerate() {
            if !single || r.id.is_empty() {
                let way = if egress { 'e' } else { 'i' };
                piece.id =
                    format!("sgr-{way}{i:02x}{j:02x}{}", &ids::suffix(&group.id).chars().take(12).collect::<String>());
            }
            out.push(piece);
        }
    }
    out
}

fn protocol_name(text: &str) -> Result<&'static str, ApiError> {
    match text.to_ascii_lowercase().as_str() {
        "tcp" | "6" => Ok("tcp"),
        "udp" | "17" => Ok("udp"),
        "icmp" | "1" => Ok("icmp"),
        "icmpv6" | "58" => Ok("icmpv6"),
        "-1" | "all" => Ok("-1"),
        other => Err(error(
            "InvalidParameterValue",
            format!("Invalid value '{}' for IP protocol. Unknown protocol.", lattice_api::model::echo(other)),
        )),
    }
}

/// Ports as EC2 checks them for the protocol; `-1` keeps none.
fn ports(protocol: &str, from: Option<i64>, to: Option<i64>) -> Result<(i32, i32), ApiError> {
    match protocol {
        "tcp" | "udp" => {
            let (Some(from), Some(to)) = (from, to) else {
                return Err(error(
                    "InvalidParameterValue",
                    "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange",
                ));
            };
            if !(0..=65535).contains(&from) || !(0..=65535).contains(&to) || from > to {
                return Err(error(
                    "InvalidParameterValue",
                    format!("Invalid value '{from}-{to}' for portRange: ports are 0-65535, from <= to"),
                ));
            }
            Ok((from as i32, to as i32))
        }
        "icmp" | "icmpv6" => Ok((from.unwrap_or(-1) as i32, to.unwrap_or(-1) as i32)),
        _ => Ok((-1, -1)),
    }
}

fn check_source(s: &State, ctx: &Ctx, kind: &str, value: &str) -> Result<(), ApiError> {
    let ok = match kind {
        "CidrIpv4" => Cidr::parse(value).is_some_and(|c| !c.is_ipv6()) && value.contains('/'),
        "CidrIpv6" => Cidr::parse(value).is_some_and(|c| c.is_ipv6()) && value.contains('/'),
        _ => {
            owned(ctx, s, value)?;
            true
        }
    };
    if !ok {
        return Err(error(
            "InvalidParameterValue",
            format!(
                "Value ({}) for parameter cidrIp is invalid. This is not a valid CIDR block.",
                lattice_api::model::echo(value)
            ),
        ));
    }
    Ok(())
}

/// The rules an `IpPermissions` list asks for, one per source, without ids yet.
fn from_permissions(ctx: &Ctx, s: &State, input: &Value, tags: &Tags) -> Result<Vec<SecurityGroupRule>, ApiError> {
    let perms = input.get("IpPermissions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut out = vec![];
    for p in perms {
        let protocol = protocol_name(str_of(p, "IpProtocol").unwrap_or("-1"))?;
        let (from_port, to_port) =
            ports(protocol, p.get("FromPort").and_then(Value::as_i64), p.get("ToPort").and_then(Value::as_i64))?;
        if p.get("PrefixListIds").and_then(Value::as_array).is_some_and(|l| !l.is_empty()) {
            return Err(error(
                "UnsupportedOperation",
                "lattice-local does not emulate prefix lists in security group rules",
            ));
        }
        let list = |key: &str| p.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        let mut sources = vec![];
        for r in list("IpRanges") {
            sources.push((
                "CidrIpv4",
                str_of(&r, "CidrIp").unwrap_or_default().to_string(),
                str_of(&r, "Description").unwrap_or_default().to_string(),
            ));
        }
        for r in list("Ipv6Ranges") {
            sources.push((
                "CidrIpv6",
                str_of(&r, "CidrIpv6").unwrap_or_default().to_string(),
                str_of(&r, "Description").unwrap_or_default().to_string(),
            ));
        }
        for r in list("UserIdGroupPairs") {
            let id = str_of(&r, "GroupId").unwrap_or_default().to_string();
            sources.push(("ReferencedGroupId", id, str_of(&r, "Description").unwrap_or_default().to_string()));
        }
        if sources.is_empty() {
            return Err(error(
                "InvalidParameterValue",
                "A rule needs a source or destination: IpRanges, Ipv6Ranges or UserIdGroupPairs",
            ));
        }
        for (kind, value, description) in sources {
            check_source(s, ctx, kind, &value)?;
            out.push(rule(protocol, from_port, to_port, kind, value, description, tags.clone()));
        }
    }
    Ok(out)
}

fn rule(
    protocol: &str,
    from_port: i32,
    to_port: i32,
    kind: &str,
    value: String,
    description: String,
    tags: Tags,
) -> SecurityGroupRule {
    let (mut cidr_blocks, mut ipv6_cidr_blocks, mut groups) = (vec![], vec![], vec![]);
    match kind {
        "CidrIpv4" => cidr_blocks.push(value),
        "CidrIpv6" => ipv6_cidr_blocks.push(value),
        _ => groups.push(value),
    }
    SecurityGroupRule {
        protocol: protocol.into(),
        from_port,
        to_port,
        cidr_blocks,
        ipv6_cidr_blocks,
        description,
        groups,
        id: String::new(),
        tags,
    }
}

fn same_rule(a: &SecurityGroupRule, b: &SecurityGroupRule) -> bool {
    a.protocol == b.protocol && a.from_port == b.from_port && a.to_port == b.to_port && source(a) == source(b)
}

/// The rule as `DescribeSecurityGroupRules` and `Authorize…` answer it.
fn rule_wire(ctx: &Ctx, group: &SecurityGroup, r: &SecurityGroupRule, egress: bool) -> Value {
    let mut v = json!({
        "SecurityGroupRuleId": r.id, "GroupId": group.id, "GroupOwnerId": group.account, "IsEgress": egress,
        "IpProtocol": r.protocol, "FromPort": r.from_port, "ToPort": r.to_port, "Tags": tag_list(&r.tags),
        "SecurityGroupRuleArn": format!("arn:aws:ec2:{}:{}:security-group-rule/{}", ctx.region, group.account, r.id),
    });
    match source(r) {
        ("ReferencedGroupId", g) => v["ReferencedGroupInfo"] = json!({ "GroupId": g, "UserId": group.account }),
        (kind, c) => v[kind] = json!(c),
    }
    if !r.description.is_empty() {
        v["Description"] = json!(r.description);
    }
    v
}

/// Rules grouped into `IpPermissions` by protocol and ports.
fn permissions(group: &SecurityGroup, egress: bool) -> Value {
    let mut out: Vec<Map<String, Value>> = vec![];
    for r in pieces(group, egress) {
        let slot = out.iter().position(|p| {
            p["IpProtocol"] == json!(r.protocol)
                && p.get("FromPort").and_then(Value::as_i64).unwrap_or(-1) == i64::from(r.from_port)
                && p.get("ToPort").and_then(Value::as_i64).unwrap_or(-1) == i64::from(r.to_port)
        });
        let p = match slot {
            Some(i) => &mut out[i],
            None => {
                let mut p = Map::new();
                p.insert("IpProtocol".into(), json!(r.protocol));
                if r.protocol != "-1" {
                    p.insert("FromPort".into(), json!(r.from_port));
                    p.insert("ToPort".into(), json!(r.to_port));
                }
                for key in ["IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds"] {
                    p.insert(key.into(), json!([]));
                }
                out.push(p);
                out.last_mut().expect("just pushed")
            }
        };
        let desc = |mut v: Value| {
            if !r.description.is_empty() {
                v["Description"] = json!(r.description);
            }
            v
        };
        let (key, entry) = match source(&r) {
            ("CidrIpv4", c) => ("IpRanges", desc(json!({ "CidrIp": c }))),
            ("CidrIpv6", c) => ("Ipv6Ranges", desc(json!({ "CidrIpv6": c }))),
            (_, g) => ("UserIdGroupPairs", desc(json!({ "GroupId": g, "UserId": group.account }))),
        };
        if let Some(Value::Array(list)) = p.get_mut(key) {
            list.push(entry);
        }
    }
    Value::Array(out.into_iter().map(Value::Object).collect())
}

fn group_wire(group: &SecurityGroup) -> Value {
    json!({
        "GroupId": group.id, "GroupName": group.name, "Description": group.description, "VpcId": group.vpc_id,
        "OwnerId": group.account, "SecurityGroupArn": group.arn, "Tags": tag_list(&group.tags),
        "IpPermissions": permissions(group, false), "IpPermissionsEgress": permissions(group, true),
    })
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "GroupName");
    let Some(vpc_id) = str_of(input, "VpcId") else {
        return Err(error("VPCIdNotSpecified", "No default VPC for this user: give VpcId"));
    };
    let vpc = owned_vpc(ctx, s, vpc_id)?;
    if name.eq_ignore_ascii_case("default") {
        return Err(error("InvalidParameterValue", "Cannot use reserved security group name: default"));
    }
    if name.starts_with("sg-") {
        return Err(error("InvalidParameterValue", "Group names may not be in the format sg-*."));
    }
    if s.security_groups.values().any(|g| g.account == vpc.account && g.vpc_id == vpc.id && g.name == name) {
        return Err(error(
            "InvalidGroup.Duplicate",
            format!("The security group '{name}' already exists for VPC '{}'", vpc.id),
        ));
    }
    let id = ids::new_id("sg");
    let mut egress = rule("-1", -1, -1, "CidrIpv4", "0.0.0.0/0".into(), String::new(), Tags::new());
    egress.id = ids::new_id("sgr");
    let group = SecurityGroup {
        arn: format!("arn:aws:ec2:{}:{}:security-group/{id}", ctx.region, ctx.account),
        id,
        vpc_id: vpc.id.clone(),
        name: name.to_string(),
        description: req(input, "Description").to_string(),
        ingress: vec![],
        egress: vec![egress],
        tags: spec_tags(input, "security-group"),
        created_at: now_rfc3339(),
        account: ctx.account.clone(),
    };
    let body = json!({ "GroupId": group.id, "SecurityGroupArn": group.arn, "Tags": tag_list(&group.tags) });
    Outcome::write(vec![group.put()], body)
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let group = named(ctx, s, input)?;
    if group.name == "default" && group.id == crate::vpcs::default_group_id(&group.vpc_id) {
        return Err(error(
            "CannotDelete",
            format!("the specified group: \"{}\" name: \"default\" cannot be deleted by a user", group.id),
        ));
    }
    if let Some(user) = crate::admin::security_group::user_of(s, &group.id) {
        return Err(error("DependencyViolation", format!("resource {} has a dependent object ({user})", group.id)));
    }
    Outcome::write(vec![group.delete()], done())
}

pub(crate) fn describe(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let wanted = string_list(input, "GroupIds");
    if let Some(missing) = wanted.iter().find(|id| owned(ctx, s, id).is_err()) {
        return Err(not_found(missing));
    }
    let names = string_list(input, "GroupNames");
    let filters = Filters::of(input);
    let mut out = vec![];
    for g in s.security_groups.values().filter(|g| ctx.owns(*g)) {
        if (!wanted.is_empty() && !wanted.contains(&g.id)) || (!names.is_empty() && !names.contains(&g.name)) {
            continue;
        }
        let fits = filters.matches(&g.tags, |name| match name {
            "group-id" => one(&g.id),
            "group-name" => one(&g.name),
            "vpc-id" => one(&g.vpc_id),
            "owner-id" => one(&g.account),
            "description" => one(&g.description),
            _ => None,
        })?;
        if fits {
            out.push(group_wire(g));
        }
    }
    Outcome::read(json!({ "SecurityGroups": out }))
}

fn with_rules(group: &SecurityGroup, egress: bool, rules: Vec<SecurityGroupRule>) -> SecurityGroup {
    let mut group = group.clone();
    if egress {
        group.egress = rules;
    } else {
        group.ingress = rules;
    }
    group
}

pub(crate) fn authorize(ctx: &Ctx, s: &State, input: &Value, egress: bool) -> OpResult {
    let group = named(ctx, s, input)?;
    let tags = spec_tags(input, "security-group-rule");
    let mut rules = pieces(group, egress);
    let mut added = vec![];
    for mut r in from_permissions(ctx, s, input, &tags)? {
        if rules.iter().chain(&added).any(|have| same_rule(have, &r)) {
            let (_, peer) = source(&r);
            return Err(error(
                "InvalidPermission.Duplicate",
                format!(
                    "the specified rule \"peer: {peer}, {}, from port: {}, to port: {}, ALLOW\" already exists",
                    r.protocol.to_uppercase(),
                    r.from_port,
                    r.to_port
                ),
            ));
        }
        r.id = ids::new_id("sgr");
        added.push(r);
    }
    let answer: Vec<Value> = added.iter().map(|r| rule_wire(ctx, group, r, egress)).collect();
    rules.extend(added);
    let group = with_rules(group, egress, rules);
    Outcome::write(vec![group.put()], json!({ "Return": true, "SecurityGroupRules": answer }))
}

pub(crate) fn revoke(ctx: &Ctx, s: &State, input: &Value, egress: bool) -> OpResult {
    let group = named(ctx, s, input)?;
    let mut rules = pieces(group, egress);
    let by_id = crate::kit::string_list(input, "SecurityGroupRuleIds");
    for id in &by_id {
        let before = rules.len();
        rules.retain(|r| &r.id != id);
        if rules.len() == before {
            return Err(error(
                "InvalidSecurityGroupRuleId.NotFound",
                format!("The security group rule ID '{}' does not exist", lattice_api::model::echo(id)),
            ));
        }
    }
    for r in from_permissions(ctx, s, input, &Tags::new())? {
        let before = rules.len();
        rules.retain(|have| !same_rule(have, &r));
        if rules.len() == before {
            return Err(error(
                "InvalidPermission.NotFound",
                "The specified rule does not exist in this security group.",
            ));
        }
    }
    Outcome::write(vec![with_rules(group, egress, rules).put()], done())
}

pub(crate) fn describe_rules(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let wanted = string_list(input, "SecurityGroupRuleIds");
    let filters = Filters::of(input);
    let mut out = vec![];
    for g in s.security_groups.values().filter(|g| ctx.owns(*g)) {
        for egress in [false, true] {
            for r in pieces(g, egress) {
                if !wanted.is_empty() && !wanted.contains(&r.id) {
                    continue;
                }
                let fits = filters.matches(&r.tags, |name| match name {
                    "group-id" => one(&g.id),
                    "security-group-rule-id" => one(&r.id),
                    _ => None,
                })?;
                if fits {
                    out.push(rule_wire(ctx, g, &r, egress));
                }
            }
        }
    }
    if let Some(missing) = wanted.iter().find(|id| !out.iter().any(|r| r["SecurityGroupRuleId"] == json!(id))) {
        return Err(error(
            "InvalidSecurityGroupRuleId.NotFound",
            format!("The security group rule ID '{}' does not exist", lattice_api::model::echo(missing)),
        ));
    }
    Outcome::read(json!({ "SecurityGroupRules": out }))
}

pub(crate) fn modify_rules(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let group = owned(ctx, s, req(input, "GroupId"))?;
    let (mut ingress, mut egress) = (pieces(group, false), pieces(group, true));
    let updates = input.get("SecurityGroupRules").and_then(Value::as_array).cloned().unwrap_or_default();
    for u in updates {
        let id = req(&u, "SecurityGroupRuleId");
        let spec = u.get("SecurityGroupRule").cloned().unwrap_or(Value::Null);
        let slot = ingress.iter_mut().chain(egress.iter_mut()).find(|r| r.id == id).ok_or_else(|| {
            error(
                "InvalidSecurityGroupRuleId.NotFound",
                format!("The security group rule ID '{}' does not exist", lattice_api::model::echo(id)),
            )
        })?;
        let protocol = protocol_name(str_of(&spec, "IpProtocol").unwrap_or("-1"))?;
        let (from, to) =
            ports(protocol, spec.get("FromPort").and_then(Value::as_i64), spec.get("ToPort").and_then(Value::as_i64))?;
        let (kind, value) = ["CidrIpv4", "CidrIpv6", "ReferencedGroupId"]
            .iter()
            .find_map(|k| Some((*k, str_of(&spec, k)?.to_string())))
            .ok_or_else(|| error("InvalidParameterValue", "A rule needs CidrIpv4, CidrIpv6 or ReferencedGroupId"))?;
        check_source(s, ctx, kind, &value)?;
        let description = str_of(&spec, "Description").unwrap_or_default().to_string();
        let mut next = rule(protocol, from, to, kind, value, description, slot.tags.clone());
        next.id = slot.id.clone();
        *slot = next;
    }
    let group = SecurityGroup { ingress, egress, ..group.clone() };
    Outcome::write(vec![group.put()], done())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    fn setup() -> (State, Ctx, String) {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let vpc = run(&mut s, &a, super::super::vpc::create, json!({ "CidrBlock": "10.0.0.0/16" })).unwrap();
        let vpc_id = vpc["Vpc"]["VpcId"].as_str().unwrap().to_string();
        let group =
            run(&mut s, &a, create, json!({ "GroupName": "web", "Description": "web", "VpcId": vpc_id })).unwrap();
        (s, a, group["GroupId"].as_str().unwrap().to_string())
    }

    #[test]
    fn rules_are_added_once_described_by_permission_and_by_id_and_revoked() {
        let (mut s, a, id) = setup();
        let perm = json!({ "GroupId": id, "IpPermissions": [{ "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
            "IpRanges": [{ "CidrIp": "10.0.0.0/16", "Description": "vpc" }, { "CidrIp": "192.168.0.0/24" }] }] });
        let added = run(&mut s, &a, |c, s, i| authorize(c, s, i, false), perm.clone()).unwrap();
        assert_eq!(added["SecurityGroupRules"].as_array().unwrap().len(), 2);
        assert_eq!(code(run(&mut s, &a, |c, s, i| authorize(c, s, i, false), perm)), "InvalidPermission.Duplicate");
        let described = run(&mut s, &a, describe, json!({ "GroupIds": [id] })).unwrap();
        let p = &described["SecurityGroups"][0]["IpPermissions"][0];
        assert_eq!((p["FromPort"].as_i64(), p["IpRanges"].as_array().unwrap().len()), (Some(80), 2));
        assert_eq!(described["SecurityGroups"][0]["IpPermissionsEgress"][0]["IpProtocol"], "-1");
        let rule_id = added["SecurityGroupRules"][0]["SecurityGroupRuleId"].as_str().unwrap().to_string();
        let one = run(&mut s, &a, describe_rules, json!({ "SecurityGroupRuleIds": [rule_id] })).unwrap();
        assert_eq!(one["SecurityGroupRules"][0]["CidrIpv4"], "10.0.0.0/16");
        let change = json!({ "GroupId": id, "SecurityGroupRules": [{ "SecurityGroupRuleId": rule_id,
            "SecurityGroupRule": { "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv4": "10.0.0.0/16" } }] });
        run(&mut s, &a, modify_rules, change).unwrap();
        assert_eq!(s.security_groups[&id].ingress.iter().find(|r| r.id == rule_id).unwrap().from_port, 443);
        run(&mut s, &a, |c, s, i| revoke(c, s, i, false), json!({ "GroupId": id, "SecurityGroupRuleIds": [rule_id] }))
            .unwrap();
        assert_eq!(s.security_groups[&id].ingress.len(), 1);
        let missing = json!({ "GroupId": id, "SecurityGroupRuleIds": [rule_id] });
        assert_eq!(
            code(run(&mut s, &a, |c, s, i| revoke(c, s, i, false), missing)),
            "InvalidSecurityGroupRuleId.NotFound"
        );
    }

    #[test]
    fn groups_are_the_callers_named_once_and_the_default_one_stays() {
        let (mut s, a, id) = setup();
        let vpc_id = s.security_groups[&id].vpc_id.clone();
        let again = json!({ "GroupName": "web", "Description": "x", "VpcId": vpc_id });
        assert_eq!(code(run(&mut s, &a, create, again)), "InvalidGroup.Duplicate");
        assert_eq!(code(run(&mut s, &Ctx::test(B), describe, json!({ "GroupIds": [id] }))), "InvalidGroup.NotFound");
        let default = crate::vpcs::default_group_id(&vpc_id);
        assert_eq!(code(run(&mut s, &a, delete, json!({ "GroupId": default }))), "CannotDelete");
        let bad = json!({ "GroupId": id, "IpPermissions": [{ "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{ "CidrIp": "10.0.0.0" }] }] });
        assert_eq!(code(run(&mut s, &a, |c, s, i| authorize(c, s, i, false), bad)), "InvalidParameterValue");
        run(&mut s, &a, delete, json!({ "GroupId": id })).unwrap();
    }
}
