//! Local private hosted zones and their records (admin API): what `lattice_local_dns_zone` and
//! `lattice_local_dns_record` manage. A zone is answered by the resolvers of its VPCs.

use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::{DnsAlias, DnsRecord, DnsZone};
use lattice_model::{Object, ObjectChange, State};
use rand::Rng;
use serde_json::{json, Value};

use crate::admin::route::{items, read, write, Route};
use crate::kit::{find_owned, str_of, string_list, tags_of, Ctx, OpResult, Outcome};
use crate::vpcs::vpc_or_implicit;

const ZONE: &str = "DNS_ZONE";
const RECORD: &str = "DNS_RECORD";
pub(crate) const RECORD_TYPES: &[&str] = &["A", "AAAA", "CNAME", "TXT"];

pub(crate) fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

pub(crate) fn check_domain(field: &str, name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*')
        });
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_field(field, format!("'{name}' is not a valid domain name")))
    }
}

pub(crate) fn zone_id() -> String {
    let mut rng = rand::rng();
    let tail: String =
        (0..19).map(|_| char::from_digit(rng.random_range(0..36), 36).unwrap_or('0').to_ascii_uppercase()).collect();
    format!("Z{tail}")
}

pub(crate) fn zone_wire(z: &DnsZone) -> Value {
    json!({
        "zoneId": z.id, "name": z.name, "vpcIds": z.vpc_ids, "comment": z.comment,
        "arn": format!("arn:aws:route53:::hostedzone/{}", z.id), "createdAt": z.created_at, "tags": z.tags,
    })
}

/// VPCs for a zone; a VPC may hold only one zone of a given name.
fn zone_vpcs(
    ctx: &Ctx,
    s: &State,
    zone: &DnsZone,
    input: &Value,
) -> Result<(Vec<String>, Vec<ObjectChange>), ApiError> {
    let mut changes = Vec::new();
    let vpcs = string_list(input, "vpcIds");
    for vpc in &vpcs {
        let (_, implicit) = vpc_or_implicit(ctx, s, vpc, "vpcIds")?;
        changes.extend(implicit);
        if let Some(other) = s
            .dns_zones
            .values()
            .find(|o| o.id != zone.id && o.account == ctx.account && o.name == zone.name && o.vpc_ids.contains(vpc))
        {
            return Err(ApiError::conflict(
                ZONE,
                &other.id,
                format!("VPC {vpc} already has a zone named {} ({})", zone.name, other.id),
            ));
        }
    }
    Ok((vpcs, changes))
}

pub(crate) fn create_zone(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = normalize(str_of(input, "name").unwrap_or_default());
    check_domain("name", &name)?;
    let mut zone = DnsZone {
        id: zone_id(),
        name,
        vpc_ids: vec![],
        comment: str_of(input, "comment").unwrap_or_default().to_string(),
        created_at: now_rfc3339(),
        tags: tags_of(input),
        account: ctx.account.clone(),
        caller_reference: String::new(),
        public: false,
    };
    let (vpcs, mut changes) = zone_vpcs(ctx, s, &zone, input)?;
    zone.vpc_ids = vpcs;
    changes.push(zone.put());
    Outcome::write(changes, zone_wire(&zone))
}

pub(crate) fn update_zone(ctx: &Ctx, s: &State, id: &str, input: &Value) -> OpResult {
    let mut zone = find_owned(&s.dns_zones, ctx, id, ZONE)?.clone();
    let mut changes = Vec::new();
    if input.get("vpcIds").is_some() {
        let (vpcs, implicit) = zone_vpcs(ctx, s, &zone, input)?;
        zone.vpc_ids = vpcs;
        changes.extend(implicit);
    }
    if let Some(c) = str_of(input, "comment") {
        zone.comment = c.to_string();
    }
    if input.get("tags").is_some() {
        zone.tags = tags_of(input);
    }
    changes.push(zone.put());
    Outcome::write(changes, zone_wire(&zone))
}

pub(crate) fn delete_zone(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let zone = find_owned(&s.dns_zones, ctx, id, ZONE)?;
    if let Some(r) = s.dns_records.values().find(|r| r.zone_id == zone.id) {
        return Err(ApiError::conflict(
            ZONE,
            &zone.id,
            format!("Zone {} still has record {}; delete its records first", zone.id, r.id),
        ));
    }
    Outcome::write(vec![zone.delete()], Value::Null)
}

pub(crate) fn record_wire(r: &DnsRecord) -> Value {
    let mut v = json!({ "recordId": r.id, "zoneId": r.zone_id, "name": r.name, "type": r.kind, "ttl": r.ttl, "records": r.records });
    if let Some(a) = &r.alias {
        v["alias"] = json!({ "dnsName": a.dns_name, "hostedZoneId": a.hosted_zone_id, "evaluateTargetHealth": a.evaluate_target_health });
    }
    v
}

/// An alias (`alias: { dnsName, hostedZoneId, evaluateTargetHealth }`): the record answers what
/// the name it points at answers (a Lattice service or resource name, say), as Route 53's do.
fn alias_of(kind: &str, input: &Value) -> Result<Option<DnsAlias>, ApiError> {
    let Some(alias) = input.get("alias").filter(|a| !a.is_null()) else { return Ok(None) };
    if !matches!(kind, "A" | "AAAA") {
        return Err(ApiError::invalid_field("alias", format!("alias records are A or AAAA, not {kind}")));
    }
    if !string_list(input, "records").is_empty() {
        return Err(ApiError::invalid_field("records", "an alias record takes no records"));
    }
    let name = normalize(str_of(alias, "dnsName").unwrap_or_default());
    check_domain("alias.dnsName", &name)?;
    Ok(Some(DnsAlias {
        dns_name: name,
        hosted_zone_id: str_of(alias, "hostedZoneId").unwrap_or_default().to_string(),
        evaluate_target_health: alias.get("evaluateTargetHealth").and_then(Value::as_bool).unwrap_or(false),
    }))
}

pub(crate) fn check_values(kind: &str, values: &[String]) -> Result<(), ApiError> {
    if values.is_empty() {
        return Err(ApiError::invalid_field("records", "at least one value is required"));
    }
    for v in values {
        let ok = match kind {
            "A" => v.parse::<std::net::Ipv4Addr>().is_ok(),
            "AAAA" => v.parse::<std::net::Ipv6Addr>().is_ok(),
            "CNAME" => values.len() == 1 && check_domain("records", &normalize(v)).is_ok(),
            _ => v.len() <= 255 * 16,
        };
        if !ok {
            return Err(ApiError::invalid_field("records", format!("'{v}' is not a valid {kind} value")));
        }
    }
    Ok(())
}

pub(crate) fn create_record(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let zone = find_owned(&s.dns_zones, ctx, str_of(input, "zoneId").unwrap_or_default(), ZONE)?;
    let mut name = normalize(str_of(input, "name").unwrap_or_default());
    // As in Route 53, a name outside the zone is relative to it ("www" in example.com).
    if name != zone.name && !name.ends_with(&format!(".{}", zone.name)) {
        name = if name.is_empty() { zone.name.clone() } else { format!("{name}.{}", zone.name) };
    }
    check_domain("name", &name)?;
    let kind = str_of(input, "type").unwrap_or_default().to_ascii_uppercase();
    if !RECORD_TYPES.contains(&kind.as_str()) {
        return Err(ApiError::invalid_field("type", format!("'{kind}' is not one of {}", RECORD_TYPES.join(", "))));
    }
    let alias = alias_of(&kind, input)?;
    let values = string_list(input, "records");
    if alias.is_none() {
        check_values(&kind, &values)?;
    }
    let id = format!("{}_{}_{}", zone.id, name, kind);
    let at_name = s.dns_records.values().filter(|r| r.zone_id == zone.id && r.name == name);
    for existing in at_name {
        if existing.kind == kind {
            return Err(ApiError::conflict(RECORD, &existing.id, format!("{name} already has a {kind} record set")));
        }
        if existing.kind == "CNAME" || kind == "CNAME" {
            return Err(ApiError::conflict(
                RECORD,
                &existing.id,
                format!("{name} cannot hold a CNAME beside other records"),
            ));
        }
    }
    let ttl = input.get("ttl").and_then(Value::as_u64).unwrap_or(300).min(u64::from(u32::MAX)) as u32;
    let record = DnsRecord {
        id,
        zone_id: zone.id.clone(),
        name,
        kind,
        ttl,
        records: values,
        account: ctx.account.clone(),
        alias,
    };
    Outcome::write(vec![record.put()], record_wire(&record))
}

pub(crate) fn update_record(ctx: &Ctx, s: &State, id: &str, input: &Value) -> OpResult {
    let mut record = find_owned(&s.dns_records, ctx, id, RECORD)?.clone();
    if input.get("alias").is_some() {
        record.alias = alias_of(&record.kind, input)?;
        if record.alias.is_some() {
            record.records.clear();
        }
    }
    if input.get("records").is_some() && record.alias.is_none() {
        let values = string_list(input, "records");
        check_values(&record.kind, &values)?;
        record.records = values;
    }
    if let Some(ttl) = input.get("ttl").and_then(Value::as_u64) {
        record.ttl = ttl.min(u64::from(u32::MAX)) as u32;
    }
    Outcome::write(vec![record.put()], record_wire(&record))
}

pub(crate) fn delete_record(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let record = find_owned(&s.dns_records, ctx, id, RECORD)?;
    Outcome::write(vec![record.delete()], Value::Null)
}

/// Whether a TXT record in one of the account's zones carries a domain verification's token.
pub(crate) fn txt_published(s: &State, account: &str, name: &str, value: &str) -> bool {
    s.dns_records.values().any(|r| {
        r.account == account
            && r.kind == "TXT"
            && r.name == normalize(name)
            && r.records.iter().any(|v| v.trim_matches('"') == value)
    })
}

/// A DNS record's id in a path: percent-encoded (`<zone>_<fqdn>_<type>`).
fn record_id(id: &str) -> String {
    percent_encoding::percent_decode_str(id).decode_utf8_lossy().into_owned()
}

/// `/_lattice-local/dnszones` and `/_lattice-local/dnsrecords`.
pub(crate) const ROUTES: &[Route] = &[
    write("POST", "dnszones", 201, |ctx, s, _, body| create_zone(ctx, s, body)),
    read("GET", "dnszones", |ctx, s, _| Ok(items(ctx, &s.dns_zones, zone_wire))),
    read("GET", "dnszones/{}", |ctx, s, id| find_owned(&s.dns_zones, ctx, id, "DNS_ZONE").map(zone_wire)),
    write("PATCH", "dnszones/{}", 200, update_zone),
    write("DELETE", "dnszones/{}", 204, |ctx, s, id, _| delete_zone(ctx, s, id)),
    write("POST", "dnsrecords", 201, |ctx, s, _, body| create_record(ctx, s, body)),
    read("GET", "dnsrecords/{}", |ctx, s, id| {
        find_owned(&s.dns_records, ctx, &record_id(id), "DNS_RECORD").map(record_wire)
    }),
    write("PATCH", "dnsrecords/{}", 200, |ctx, s, id, body| update_record(ctx, s, &record_id(id), body)),
    write("DELETE", "dnsrecords/{}", 204, |ctx, s, id, _| delete_record(ctx, s, &record_id(id))),
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, A, B};

    #[test]
    fn records_live_in_their_owners_zone_relative_names_included() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let out = create_zone(&a, &s, &json!({ "name": "example.internal" })).unwrap();
        for change in &out.changes {
            s.apply(change).unwrap();
        }
        let zone = out.body["zoneId"].clone();
        let record = json!({ "zoneId": zone, "name": "db", "type": "A", "records": ["127.0.0.1"] });
        let made = create_record(&a, &s, &record).unwrap();
        assert_eq!(made.body["name"], "db.example.internal", "relative to the zone, as in Route 53");
        assert_eq!(code(create_record(&b, &s, &record).map(|o| o.body)), "ResourceNotFoundException");
        let bad = json!({ "zoneId": zone, "name": "db", "type": "A", "records": ["not-an-ip"] });
        assert_eq!(create_record(&a, &s, &bad).unwrap_err().code, "ValidationException");
    }
}
