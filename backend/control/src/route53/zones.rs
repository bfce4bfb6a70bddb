//! `aws_route53_zone`, `aws_route53_zone_association`, `data "aws_route53_zone"`: hosted
//! zones as local zones, their VPCs, comment and tags.

use lattice_api::now_rfc3339;
use lattice_model::records::DnsZone;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::{change_info, error, fqdn, owned_zone, zone_key};
use crate::admin::dns::{check_domain, normalize, zone_id};
use crate::kit::{req, str_of, Ctx, OpResult, Outcome};

/// The name servers Route 53 would delegate a public zone to (never asked here).
pub(crate) const NAME_SERVERS: [&str; 4] =
    ["ns-1.awsdns-00.com.", "ns-2.awsdns-00.net.", "ns-3.awsdns-00.org.", "ns-4.awsdns-00.co.uk."];

pub(crate) fn zone_wire(s: &State, z: &DnsZone) -> Value {
    let records = s.dns_records.values().filter(|r| r.zone_id == z.id).count();
    json!({
        "Id": format!("/hostedzone/{}", z.id), "Name": fqdn(&z.name), "CallerReference": z.caller_reference,
        "Config": { "Comment": z.comment, "PrivateZone": !z.public },
        // SOA and NS are always there.
        "ResourceRecordSetCount": records + 2,
    })
}

fn vpcs_wire(ctx: &Ctx, s: &State, z: &DnsZone) -> Value {
    // A zone's VPCs are its account's.
    let region_of = |id: &str| match s.vpc(&z.account, id).map(|v| v.region.as_str()) {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => ctx.home_region.clone(),
    };
    Value::Array(z.vpc_ids.iter().map(|v| json!({ "VPCId": v, "VPCRegion": region_of(v) })).collect())
}

/// The caller's VPC a request names, in the Region it names (Route 53 is global; its VPCs are not).
fn vpc_of<'a>(ctx: &Ctx, s: &State, vpc: &'a Value) -> Result<&'a str, lattice_api::ApiError> {
    let id = str_of(vpc, "VPCId").ok_or_else(|| error(400, "InvalidVPCId", "The VPC ID is missing"))?;
    let region = str_of(vpc, "VPCRegion").unwrap_or(&ctx.region);
    let there = ctx.in_other_region(region);
    if s.vpc(&ctx.account, id).is_none_or(|v| !there.owns(v)) {
        return Err(error(
            400,
            "InvalidVPCId",
            format!("The VPC ID '{}' is not valid in {region} for this account", lattice_api::model::echo(id)),
        ));
    }
    Ok(id)
}

/// A VPC holds at most one private zone of a name.
fn check_free(s: &State, zone: &DnsZone, vpc: &str) -> Result<(), lattice_api::ApiError> {
    let holds = |o: &&DnsZone| o.id != zone.id && o.account == zone.account && o.name == zone.name;
    match s.dns_zones.values().filter(holds).find(|o| o.vpc_ids.iter().any(|v| v == vpc)) {
        Some(other) => Err(error(
            400,
            "ConflictingDomainExists",
            format!("The VPC {vpc} is already associated with zone {} ({})", other.id, zone.name),
        )),
        None => Ok(()),
    }
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = normalize(req(input, "Name"));
    check_domain("Name", &name).map_err(|e| error(400, "InvalidDomainName", e.message))?;
    let reference = req(input, "CallerReference");
    if s.dns_zones.values().any(|z| ctx.owns(z) && z.caller_reference == reference) {
        return Err(error(
            409,
            "HostedZoneAlreadyExists",
            format!("A hosted zone has already been created with the specified caller reference ({reference})"),
        ));
    }
    let config = input.get("HostedZoneConfig");
    let private = config.and_then(|c| c.get("PrivateZone")).and_then(Value::as_bool);
    let vpc = input.get("VPC");
    if private == Some(true) && vpc.is_none() {
        return Err(error(400, "InvalidInput", "When you're creating a private hosted zone (when you specify true for PrivateZone), you must also specify values for VPCId and VPCRegion."));
    }
    if input.get("DelegationSetId").is_some() {
        return Err(error(400, "InvalidInput", "lattice-local does not emulate reusable delegation sets"));
    }
    let mut zone = DnsZone {
        id: zone_id(),
        name,
        vpc_ids: vec![],
        comment: config.and_then(|c| str_of(c, "Comment")).unwrap_or_default().to_string(),
        created_at: now_rfc3339(),
        tags: Default::default(),
        account: ctx.account.clone(),
        caller_reference: reference.to_string(),
        public: vpc.is_none(),
    };
    if let Some(vpc) = vpc {
        let id = vpc_of(ctx, s, vpc)?;
        check_free(s, &zone, id)?;
        zone.vpc_ids.push(id.to_string());
    }
    let mut body = json!({
        "HostedZone": zone_wire(s, &zone),
        "ChangeInfo": change_info(),
        "Location": format!("https://route53.amazonaws.com/2013-04-01/hostedzone/{}", zone.id),
    });
    match vpc {
        Some(vpc) => body["VPC"] = vpc.clone(),
        None => body["DelegationSet"] = json!({ "NameServers": NAME_SERVERS }),
    }
    Outcome::write(vec![zone.put()], body)
}

pub(crate) fn get(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let zone = owned_zone(ctx, s, req(input, "Id"))?;
    let mut body = json!({ "HostedZone": zone_wire(s, zone) });
    if zone.public {
        body["DelegationSet"] = json!({ "NameServers": NAME_SERVERS });
    } else {
        body["VPCs"] = vpcs_wire(ctx, s, zone);
    }
    Outcome::read(body)
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let zone = owned_zone(ctx, s, req(input, "Id"))?;
    if s.dns_records.values().any(|r| r.zone_id == zone.id) {
        return Err(error(400, "HostedZoneNotEmpty", "The hosted zone contains resource record sets in addition to the default NS and SOA resource record sets. Before you can delete the hosted zone, you must delete the additional resource record sets."));
    }
    Outcome::write(vec![zone.delete()], json!({ "ChangeInfo": change_info() }))
}

fn page(
    input: &Value,
    zones: Vec<&DnsZone>,
    s: &State,
) -> Result<(Vec<Value>, Option<String>, String), lattice_api::ApiError> {
    let max: usize = str_of(input, "MaxItems")
        .map_or(Ok(100), str::parse)
        .map_err(|_| error(400, "InvalidInput", "MaxItems must be a number"))?;
    let max = max.clamp(1, 100);
    let next = zones.get(max).map(|z| z.id.clone());
    Ok((zones.into_iter().take(max).map(|z| zone_wire(s, z)).collect(), next, max.to_string()))
}

pub(crate) fn list(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let kind = str_of(input, "HostedZoneType");
    let marker = str_of(input, "Marker").unwrap_or_default();
    let zones: Vec<&DnsZone> = s
        .dns_zones
        .values()
        .filter(|z| ctx.owns(*z) && z.id.as_str() >= marker)
        .filter(|z| kind.is_none_or(|k| (k == "PrivateHostedZone") != z.public))
        .collect();
    let (items, next, max) = page(input, zones, s)?;
    let mut body = json!({ "HostedZones": items, "IsTruncated": next.is_some(), "MaxItems": max, "Marker": marker });
    if let Some(next) = next {
        body["NextMarker"] = json!(next);
    }
    Outcome::read(body)
}

pub(crate) fn list_by_name(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let start = str_of(input, "DNSName").map(normalize);
    // Route 53 orders by the name's labels reversed (com.example before com.other).
    let key = |name: &str| name.split('.').rev().collect::<Vec<_>>().join(".");
    let mut zones: Vec<&DnsZone> = s.dns_zones.values().filter(|z| ctx.owns(*z)).collect();
    zones.sort_by_key(|z| (key(&z.name), z.id.clone()));
    if let Some(start) = &start {
        zones.retain(|z| key(&z.name) >= key(start));
    }
    let (items, next, max) = page(input, zones.clone(), s)?;
    let mut body = json!({ "HostedZones": items, "IsTruncated": next.is_some(), "MaxItems": max });
    if let Some(start) = start {
        body["DNSName"] = json!(fqdn(&start));
    }
    if let Some(next) = next.and_then(|id| zones.iter().find(|z| z.id == id).copied()) {
        body["NextDNSName"] = json!(fqdn(&next.name));
        body["NextHostedZoneId"] = json!(next.id);
    }
    Outcome::read(body)
}

/// The caller's private zones associated with one of its VPCs.
pub(crate) fn list_by_vpc(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let vpc = vpc_of(ctx, s, input)?;
    let summaries: Vec<Value> = s
        .dns_zones
        .values()
        .filter(|z| ctx.owns(*z) && z.vpc_ids.iter().any(|v| v == vpc))
        .map(|z| json!({ "HostedZoneId": z.id, "Name": fqdn(&z.name), "Owner": { "OwningAccount": z.account } }))
        .collect();
    Outcome::read(json!({ "HostedZoneSummaries": summaries, "MaxItems": "100" }))
}

pub(crate) fn update_comment(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut zone = owned_zone(ctx, s, req(input, "Id"))?.clone();
    zone.comment = str_of(input, "Comment").unwrap_or_default().to_string();
    let body = json!({ "HostedZone": zone_wire(s, &zone) });
    Outcome::write(vec![zone.put()], body)
}

pub(crate) fn associate_vpc(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut zone = owned_zone(ctx, s, req(input, "HostedZoneId"))?.clone();
    if zone.public {
        return Err(error(400, "PublicZoneVPCAssociation", "You're trying to associate a VPC with a public hosted zone. Amazon Route 53 doesn't support associating a VPC with a public hosted zone."));
    }
    let vpc = vpc_of(ctx, s, input.get("VPC").unwrap_or(&Value::Null))?;
    if zone.vpc_ids.iter().any(|v| v == vpc) {
        return Err(error(
            400,
            "ConflictingDomainExists",
            format!("The VPC {vpc} is already associated with the hosted zone {}", zone.id),
        ));
    }
    check_free(s, &zone, vpc)?;
    zone.vpc_ids.push(vpc.to_string());
    Outcome::write(vec![zone.put()], json!({ "ChangeInfo": change_info() }))
}

pub(crate) fn disassociate_vpc(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut zone = owned_zone(ctx, s, req(input, "HostedZoneId"))?.clone();
    let vpc = str_of(input.get("VPC").unwrap_or(&Value::Null), "VPCId").unwrap_or_default().to_string();
    if !zone.vpc_ids.contains(&vpc) {
        return Err(error(
            404,
            "VPCAssociationNotFound",
            format!(
                "The specified VPC {} is not associated with the hosted zone {}",
                lattice_api::model::echo(&vpc),
                zone.id
            ),
        ));
    }
    if zone.vpc_ids.len() == 1 {
        return Err(error(400, "LastVPCAssociation", "The VPC that you're trying to disassociate from the private hosted zone is the last VPC that is associated with the hosted zone. Amazon Route 53 doesn't support disassociating the last VPC from a hosted zone."));
    }
    zone.vpc_ids.retain(|v| *v != vpc);
    Outcome::write(vec![zone.put()], json!({ "ChangeInfo": change_info() }))
}

fn tagged_zone<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a DnsZone, lattice_api::ApiError> {
    if req(input, "ResourceType") != "hostedzone" {
        return Err(error(
            400,
            "InvalidInput",
            "lattice-local tags hosted zones only (health checks are not emulated)",
        ));
    }
    owned_zone(ctx, s, zone_key(req(input, "ResourceId")))
}

pub(crate) fn change_tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut zone = tagged_zone(ctx, s, input)?.clone();
    for key in crate::kit::string_list(input, "RemoveTagKeys") {
        zone.tags.remove(&key);
    }
    for tag in input.get("AddTags").and_then(Value::as_array).into_iter().flatten() {
        if let Some(key) = str_of(tag, "Key") {
            zone.tags.insert(key.to_string(), str_of(tag, "Value").unwrap_or_default().to_string());
        }
    }
    if zone.tags.len() > 50 {
        return Err(error(400, "InvalidInput", "A hosted zone can have at most 50 tags"));
    }
    Outcome::write(vec![zone.put()], json!({}))
}

pub(crate) fn list_tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let zone = tagged_zone(ctx, s, input)?;
    let tags: Vec<Value> = zone.tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect();
    Outcome::read(json!({ "ResourceTagSet": { "ResourceType": "hostedzone", "ResourceId": zone.id, "Tags": tags } }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    fn vpc(s: &mut State, ctx: &Ctx, cidr: &str) -> String {
        let made = run(s, ctx, crate::ec2::vpc::create, json!({ "CidrBlock": cidr })).unwrap();
        made["Vpc"]["VpcId"].as_str().unwrap().to_string()
    }

    #[test]
    fn private_zones_take_the_callers_vpcs_one_zone_of_a_name_each() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let (one, two, theirs) =
            (vpc(&mut s, &a, "10.1.0.0/16"), vpc(&mut s, &a, "10.2.0.0/16"), vpc(&mut s, &b, "10.3.0.0/16"));
        let private = |reference: &str, vpc: &str| {
            json!({ "Name": "internal.example.com", "CallerReference": reference,
                    "HostedZoneConfig": { "PrivateZone": true }, "VPC": { "VPCId": vpc, "VPCRegion": "us-east-1" } })
        };
        assert_eq!(code(run(&mut s, &a, create, private("r0", &theirs))), "InvalidVPCId");
        let made = run(&mut s, &a, create, private("r1", &one)).unwrap();
        let id = made["HostedZone"]["Id"].as_str().unwrap().trim_start_matches("/hostedzone/").to_string();
        assert_eq!(made["HostedZone"]["Name"], "internal.example.com.");
        assert_eq!(code(run(&mut s, &a, create, private("r1", &two))), "HostedZoneAlreadyExists");
        assert_eq!(code(run(&mut s, &a, create, private("r2", &one))), "ConflictingDomainExists");
        assert_eq!(code(run(&mut s, &b, get, json!({ "Id": id }))), "NoSuchHostedZone");
        let pair = |vpc: &str| json!({ "HostedZoneId": id, "VPC": { "VPCId": vpc, "VPCRegion": "us-east-1" } });
        run(&mut s, &a, associate_vpc, pair(&two)).unwrap();
        let got = run(&mut s, &a, get, json!({ "Id": id })).unwrap();
        assert_eq!(got["VPCs"].as_array().unwrap().len(), 2);
        run(&mut s, &a, disassociate_vpc, pair(&one)).unwrap();
        assert_eq!(code(run(&mut s, &a, disassociate_vpc, pair(&two))), "LastVPCAssociation");
        run(&mut s, &a, delete, json!({ "Id": id })).unwrap();
        assert!(s.dns_zones.is_empty());
    }

    #[test]
    fn public_zones_have_name_servers_and_no_vpcs() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let made = run(&mut s, &a, create, json!({ "Name": "example.org", "CallerReference": "p" })).unwrap();
        assert_eq!(made["DelegationSet"]["NameServers"].as_array().unwrap().len(), 4);
        let id = made["HostedZone"]["Id"].as_str().unwrap().to_string();
        let vpc = vpc(&mut s, &a, "10.1.0.0/16");
        let input = json!({ "HostedZoneId": id, "VPC": { "VPCId": vpc, "VPCRegion": "us-east-1" } });
        assert_eq!(code(run(&mut s, &a, associate_vpc, input)), "PublicZoneVPCAssociation");
        assert_eq!(
            code(run(&mut s, &a, create, json!({ "Name": "bad..name", "CallerReference": "q" }))),
            "InvalidDomainName"
        );
        run(&mut s, &a, update_comment, json!({ "Id": id, "Comment": "public" })).unwrap();
        let listed = run(&mut s, &a, list_by_name, json!({ "DNSName": "example.org" })).unwrap();
        assert_eq!(listed["HostedZones"][0]["Config"]["Comment"], "public");
    }
}
