//! `aws_route53_record`: record sets of a hosted zone, changed in atomic batches (CREATE,
//! UPSERT, DELETE) and listed with the zone's SOA and NS. A, AAAA, CNAME, TXT and alias
//! records are answered by the VPC resolvers; other types are stored and listed only.

use std::collections::BTreeMap;

use lattice_model::records::{DnsAlias, DnsRecord};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::{change_info, error, fqdn, owned_zone};
use crate::admin::dns::{check_domain, check_values, normalize, RECORD_TYPES};
use crate::kit::{req, str_of, Ctx, OpResult, Outcome};

/// Types stored and listed but not answered by the local resolvers.
const STORED_ONLY: &[&str] = &["MX", "SRV", "CAA", "PTR", "SPF", "NAPTR", "DS", "NS"];

fn batch_error(problem: String) -> lattice_api::ApiError {
    error(400, "InvalidChangeBatch", format!("[{problem}]"))
}

/// A name as Route 53 takes it (`\052` is `*`), lower case, without the trailing dot.
fn record_name(name: &str) -> String {
    normalize(&name.replace("\\052", "*"))
}

fn record_wire(r: &DnsRecord) -> Value {
    let mut v = json!({ "Name": fqdn(&r.name.replace('*', "\\052")), "Type": r.kind });
    match &r.alias {
        Some(a) => {
            v["AliasTarget"] = json!({ "HostedZoneId": a.hosted_zone_id, "DNSName": fqdn(&a.dns_name), "EvaluateTargetHealth": a.evaluate_target_health });
        }
        None => {
            v["TTL"] = json!(r.ttl);
            v["ResourceRecords"] = Value::Array(r.records.iter().map(|x| json!({ "Value": x })).collect());
        }
    }
    v
}

/// The record set a change describes, checked.
fn record_of(ctx: &Ctx, zone_id: &str, zone_name: &str, set: &Value) -> Result<DnsRecord, lattice_api::ApiError> {
    let name = record_name(req(set, "Name"));
    let kind = req(set, "Type").to_string();
    let shown = format!("name='{}', type='{kind}'", fqdn(&name));
    if name != zone_name && !name.ends_with(&format!(".{zone_name}")) {
        return Err(batch_error(format!(
            "RRSet with DNS name {} is not permitted in zone {}",
            fqdn(&name),
            fqdn(zone_name)
        )));
    }
    check_domain("Name", &name).map_err(|e| batch_error(e.message))?;
    for routing in [
        "SetIdentifier",
        "Weight",
        "Region",
        "GeoLocation",
        "Failover",
        "MultiValueAnswer",
        "HealthCheckId",
        "CidrRoutingConfig",
        "GeoProximityLocation",
    ] {
        if set.get(routing).is_some() {
            return Err(error(
                400,
                "InvalidInput",
                format!("lattice-local serves simple routing only ({routing} in [{shown}])"),
            ));
        }
    }
    if kind == "SOA" || (kind == "NS" && name == zone_name) {
        return Err(batch_error(format!("The zone's own {kind} record is managed by the zone ([{shown}])")));
    }
    if !RECORD_TYPES.contains(&kind.as_str()) && !STORED_ONLY.contains(&kind.as_str()) {
        return Err(error(400, "InvalidInput", format!("lattice-local does not store {kind} records")));
    }
    let alias = match set.get("AliasTarget") {
        Some(target) => {
            if set.get("TTL").is_some() || set.get("ResourceRecords").is_some() {
                return Err(batch_error(format!("Alias record sets take no TTL or ResourceRecords ([{shown}])")));
            }
            Some(DnsAlias {
                dns_name: normalize(req(target, "DNSName")),
                hosted_zone_id: req(target, "HostedZoneId").to_string(),
                evaluate_target_health: target.get("EvaluateTargetHealth").and_then(Value::as_bool).unwrap_or(false),
            })
        }
        None => None,
    };
    let values: Vec<String> = set
        .get("ResourceRecords")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| str_of(r, "Value").map(str::to_string))
        .collect();
    if alias.is_none() {
        if set.get("TTL").is_none() {
            return Err(batch_error(format!("TTL must be given for a non-alias record set ([{shown}])")));
        }
        if RECORD_TYPES.contains(&kind.as_str()) {
            check_values(&kind, &values)
                .map_err(|e| batch_error(format!("Invalid Resource Record: {} ([{shown}])", e.message)))?;
        }
    }
    Ok(DnsRecord {
        id: format!("{zone_id}_{name}_{kind}"),
        zone_id: zone_id.to_string(),
        name,
        kind,
        ttl: set.get("TTL").and_then(Value::as_u64).unwrap_or(0).min(u64::from(u32::MAX)) as u32,
        records: values,
        account: ctx.account.clone(),
        alias,
    })
}

pub(crate) fn change(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let zone = owned_zone(ctx, s, req(input, "HostedZoneId"))?;
    let mut sets: BTreeMap<String, DnsRecord> =
        s.dns_records.values().filter(|r| r.zone_id == zone.id).map(|r| (r.id.clone(), r.clone())).collect();
    let changes =
        input.get("ChangeBatch").and_then(|b| b.get("Changes")).and_then(Value::as_array).cloned().unwrap_or_default();
    for c in &changes {
        let record = record_of(ctx, &zone.id, &zone.name, c.get("ResourceRecordSet").unwrap_or(&Value::Null))?;
        let shown = format!("name='{}', type='{}'", fqdn(&record.name), record.kind);
        let beside = |sets: &BTreeMap<String, DnsRecord>| {
            sets.values()
                .any(|r| r.name == record.name && r.id != record.id && (r.kind == "CNAME" || record.kind == "CNAME"))
        };
        match req(c, "Action") {
            "CREATE" if sets.contains_key(&record.id) => {
                return Err(batch_error(format!(
                    "Tried to create resource record set [{shown}] but it already exists"
                )));
            }
            "CREATE" | "UPSERT" => {
                if beside(&sets) {
                    return Err(batch_error(format!("RRSet of type CNAME with DNS name {} is not permitted as it conflicts with other records with the same DNS name in zone {}", fqdn(&record.name), fqdn(&zone.name))));
                }
                sets.insert(record.id.clone(), record);
            }
            _ => match sets.get(&record.id) {
                None => {
                    return Err(batch_error(format!(
                        "Tried to delete resource record set [{shown}] but it was not found"
                    )))
                }
                Some(have)
                    if have.records != record.records
                        || have.alias != record.alias
                        || (have.alias.is_none() && have.ttl != record.ttl) =>
                {
                    return Err(batch_error(format!("Tried to delete resource record set [{shown}] but the values provided do not match the current values")));
                }
                Some(_) => {
                    sets.remove(&record.id);
                }
            },
        }
    }
    if sets.len() > 10_000 {
        return Err(error(400, "InvalidChangeBatch", "A hosted zone holds at most 10,000 record sets"));
    }
    let mut writes = vec![];
    for old in s.dns_records.values().filter(|r| r.zone_id == zone.id) {
        match sets.get(&old.id) {
            None => writes.push(old.delete()),
            Some(new) if new != old => writes.push(new.put()),
            Some(_) => {}
        }
    }
    writes.extend(sets.values().filter(|r| !s.dns_records.contains_key(&r.id)).map(Object::put));
    Outcome::write(writes, json!({ "ChangeInfo": change_info() }))
}

pub(crate) fn list(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let zone = owned_zone(ctx, s, req(input, "HostedZoneId"))?;
    let order = |name: &str, kind: &str| (name.split('.').rev().collect::<Vec<_>>().join("."), kind.to_string());
    let apex = fqdn(&zone.name);
    let servers: Vec<Value> = super::zones::NAME_SERVERS.iter().map(|v| json!({ "Value": v })).collect();
    let mut sets: Vec<((String, String), Value)> = vec![
        (
            order(&zone.name, "NS"),
            json!({ "Name": apex, "Type": "NS", "TTL": 172800,
            "ResourceRecords": servers }),
        ),
        (
            order(&zone.name, "SOA"),
            json!({ "Name": apex, "Type": "SOA", "TTL": 900,
            "ResourceRecords": [{ "Value": "ns-1.awsdns-00.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400" }] }),
        ),
    ];
    sets.extend(
        s.dns_records.values().filter(|r| r.zone_id == zone.id).map(|r| (order(&r.name, &r.kind), record_wire(r))),
    );
    sets.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(start) = str_of(input, "StartRecordName") {
        let from = order(&record_name(start), str_of(input, "StartRecordType").unwrap_or(""));
        sets.retain(|(key, _)| *key >= from);
    }
    let max: usize = str_of(input, "MaxItems")
        .map_or(Ok(300), str::parse)
        .map_err(|_| error(400, "InvalidInput", "MaxItems must be a number"))?;
    let max = max.clamp(1, 300);
    let next = sets.get(max).map(|(_, v)| v.clone());
    let items: Vec<Value> = sets.into_iter().take(max).map(|(_, v)| v).collect();
    let mut body = json!({ "ResourceRecordSets": items, "IsTruncated": next.is_some(), "MaxItems": max.to_string() });
    if let Some(next) = next {
        body["NextRecordName"] = next["Name"].clone();
        body["NextRecordType"] = next["Type"].clone();
    }
    Outcome::read(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn batches_apply_whole_or_not_at_all_and_list_with_soa_and_ns() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let vpc =
            run(&mut s, &a, crate::ec2::tests_support::create_vpc, json!({ "CidrBlock": "10.0.0.0/16" })).unwrap();
        let vpc_id = vpc["Vpc"]["VpcId"].as_str().unwrap().to_string();
        let zone = run(
            &mut s,
            &a,
            super::super::zones::create,
            json!({ "Name": "corp.internal.", "CallerReference": "r1",
            "VPC": { "VPCId": vpc_id, "VPCRegion": "us-east-1" } }),
        )
        .unwrap();
        let id = zone["HostedZone"]["Id"].as_str().unwrap().to_string();
        let set = |action: &str, name: &str, value: &str| {
            json!({ "Action": action, "ResourceRecordSet": {
            "Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{ "Value": value }] } })
        };
        let batch = |changes: Vec<Value>| json!({ "HostedZoneId": id, "ChangeBatch": { "Changes": changes } });
        run(&mut s, &a, change, batch(vec![set("CREATE", "db.corp.internal.", "127.0.0.9")])).unwrap();
        let again = batch(vec![
            set("CREATE", "web.corp.internal.", "127.0.0.8"),
            set("CREATE", "db.corp.internal.", "127.0.0.9"),
        ]);
        assert_eq!(code(run(&mut s, &a, change, again)), "InvalidChangeBatch");
        assert_eq!(s.dns_records.len(), 1, "the batch's first change was not kept");
        let listed = run(&mut s, &a, list, json!({ "HostedZoneId": id })).unwrap();
        let types: Vec<&str> =
            listed["ResourceRecordSets"].as_array().unwrap().iter().map(|r| r["Type"].as_str().unwrap()).collect();
        assert_eq!(types, ["NS", "SOA", "A"]);
        assert_eq!(
            code(run(&mut s, &a, change, batch(vec![set("DELETE", "db.corp.internal.", "127.0.0.1")]))),
            "InvalidChangeBatch"
        );
        assert_eq!(code(run(&mut s, &a, super::super::zones::delete, json!({ "Id": id }))), "HostedZoneNotEmpty");
        run(&mut s, &a, change, batch(vec![set("DELETE", "db.corp.internal.", "127.0.0.9")])).unwrap();
        assert_eq!(code(run(&mut s, &Ctx::test(B), list, json!({ "HostedZoneId": id }))), "NoSuchHostedZone");
        run(&mut s, &a, super::super::zones::delete, json!({ "Id": id })).unwrap();
    }
}
