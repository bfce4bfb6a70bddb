//! `lattice_local_dns_zone` and `lattice_local_dns_record`: a private hosted zone associated with
//! local VPCs, and its record sets, shaped like `aws_route53_zone` / `aws_route53_record`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use crate::client::{label, Client, ClientError};
use crate::engine::Kind;
use crate::schema::{domain_name, vpc_id, Attr, BlockDef, Default, TypeSchema};

pub(crate) struct LocalDnsZone;

#[async_trait]
impl Kind for LocalDnsZone {
    fn label(&self) -> &'static str {
        "local DNS zone"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A private hosted zone answered by the resolvers of the local VPCs it is associated with, e.g. to give a Lattice service or resource a friendly name with a CNAME.",
            attrs: vec![
                Attr::string("id").computed().doc("The zone id."),
                Attr::string("zone_id").computed(),
                Attr::string("arn").computed(),
                Attr::string("name").required().force_new().validate(domain_name).doc("The zone's domain, e.g. `example.internal`."),
                Attr::string("comment").default(Default::Str("Managed by Terraform")),
                Attr::list_of_string("name_servers").computed(),
                Attr::tags(),
            ],
            blocks: vec![BlockDef::new("vpc", 0, 100)
                .doc("VPCs whose resolvers answer this zone (updatable).")
                .attrs(vec![Attr::string("vpc_id").required().validate(vpc_id)])],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let body = json!({ "name": s(plan, "name"), "comment": s(plan, "comment"), "vpcIds": vpc_ids(plan), "tags": tags_of(plan) });
        let r = c.admin("POST", "/dnszones", Some(body)).await?;
        Ok(s(&r, "zoneId").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/dnszones/{}", label(id)), None).await)? else { return Ok(None) };
        let tags = r.get("tags").cloned().unwrap_or(json!({}));
        let vpcs: Vec<Json> = r["vpcIds"].as_array().into_iter().flatten().map(|v| json!({ "vpc_id": v })).collect();
        let name = match s(prior, "name") {
            Some(p) if p.trim_end_matches('.').eq_ignore_ascii_case(s(&r, "name").unwrap_or_default()) => json!(p),
            _ => r["name"].clone(),
        };
        Ok(Some(json!({
            "id": r["zoneId"], "zone_id": r["zoneId"], "arn": r["arn"], "name": name, "comment": r["comment"],
            "name_servers": [], "vpc": vpcs, "tags": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({ "comment": s(plan, "comment"), "vpcIds": vpc_ids(plan), "tags": tags_of(plan) });
        c.admin("PATCH", &format!("/dnszones/{}", label(id)), Some(body)).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/dnszones/{}", label(id)), None).await.map(drop)
    }
}

/// `db`, `db.example.internal` and `DB.example.internal.` name the same record.
fn same_record_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_end_matches('.').to_ascii_lowercase(), b.trim_end_matches('.').to_ascii_lowercase());
    a == b || a.starts_with(&format!("{b}.")) || b.starts_with(&format!("{a}."))
}

/// The admin API's `alias` member from the block (null without one).
fn alias_body(plan: &Json) -> Json {
    block(plan, "alias").map_or(Json::Null, |a| {
        json!({ "dnsName": s(a, "name"), "hostedZoneId": s(a, "zone_id"), "evaluateTargetHealth": a.get("evaluate_target_health") })
    })
}

fn vpc_ids(plan: &Json) -> Vec<Json> {
    plan.get("vpc").and_then(Json::as_array).into_iter().flatten().filter_map(|v| v.get("vpc_id").cloned()).collect()
}

pub(crate) struct LocalDnsRecord;

#[async_trait]
impl Kind for LocalDnsRecord {
    fn label(&self) -> &'static str {
        "local DNS record"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A record set in a local zone. CNAMEs are followed within the asking VPC's view, so a name can point at a Lattice service or resource name.",
            attrs: vec![
                Attr::string("id").computed().doc("`<zone_id>_<fqdn>_<type>`."),
                Attr::string("zone_id").required().force_new(),
                Attr::string("name")
                    .required()
                    .force_new()
                    .equivalent(same_record_name)
                    .doc("The record's name, absolute or relative to the zone."),
                Attr::string("type").required().force_new().one_of(&["A", "AAAA", "CNAME", "TXT"]),
                Attr::number("ttl").default(Default::Num(300)).range(0, 2147483647),
                Attr::set_of_string("records").doc("Values (updatable); not with `alias`."),
                Attr::string("fqdn").computed(),
            ],
            blocks: vec![BlockDef::new("alias", 0, 1)
                .doc("An alias (A or AAAA): the record answers what `name` answers — a Lattice service or resource name, say — as Route 53's alias records do (updatable).")
                .attrs(vec![
                    Attr::string("name").required().doc("The name aliased."),
                    Attr::string("zone_id").doc("The hosted zone of `name` (informational)."),
                    Attr::bool("evaluate_target_health").default(Default::Bool(false)),
                ])],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let records = config.get("records").is_some_and(|r| !r.is_null());
        let alias = block(config, "alias").is_some();
        if records == alias {
            diags.error(
                "Invalid record",
                "exactly one of records or an alias block must be set",
                AttributePath::new("records"),
            );
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let body = json!({
            "zoneId": s(plan, "zone_id"), "name": s(plan, "name"), "type": s(plan, "type"),
            "ttl": plan.get("ttl"), "records": plan.get("records"), "alias": alias_body(plan),
        });
        let r = c.admin("POST", "/dnsrecords", Some(body)).await?;
        Ok(s(&r, "recordId").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/dnsrecords/{}", label(id)), None).await)? else {
            return Ok(None);
        };
        let fqdn = s(&r, "name").unwrap_or_default();
        // Keep the user's spelling of the name (relative, or with a trailing dot).
        let name = match s(prior, "name") {
            Some(p) => {
                let p_norm = p.trim_end_matches('.').to_ascii_lowercase();
                if p_norm == fqdn || fqdn.starts_with(&format!("{p_norm}.")) {
                    json!(p)
                } else {
                    json!(fqdn)
                }
            }
            None => json!(fqdn),
        };
        let records = match prior.get("records").and_then(Json::as_array) {
            // CNAME targets may be written with a trailing dot.
            Some(p)
                if p.iter()
                    .map(|v| v.as_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase())
                    .collect::<Vec<_>>()
                    == r["records"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|v| v.as_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase())
                        .collect::<Vec<_>>() =>
            {
                Json::Array(p.clone())
            }
            _ => r["records"].clone(),
        };
        let alias = match r.get("alias").filter(|a| a.is_object()) {
            Some(a) => {
                let target = s(a, "dnsName").unwrap_or_default();
                let configured = block(prior, "alias").and_then(|p| s(p, "name"));
                // The configured spelling (a trailing dot, capitals) when it names the same target.
                let name =
                    configured.filter(|p| p.trim_end_matches('.').eq_ignore_ascii_case(target)).unwrap_or(target);
                let zone = s(a, "hostedZoneId").filter(|z| !z.is_empty());
                json!([{ "name": name, "zone_id": zone, "evaluate_target_health": a["evaluateTargetHealth"] }])
            }
            None => json!([]),
        };
        let records = if alias.as_array().is_some_and(|a| !a.is_empty()) { Json::Null } else { records };
        Ok(Some(json!({
            "id": r["recordId"], "zone_id": r["zoneId"], "name": name, "type": r["type"], "ttl": r["ttl"],
            "records": records, "fqdn": fqdn, "alias": alias,
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({ "ttl": plan.get("ttl"), "records": plan.get("records"), "alias": alias_body(plan) });
        c.admin("PATCH", &format!("/dnsrecords/{}", label(id)), Some(body)).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/dnsrecords/{}", label(id)), None).await.map(drop)
    }
}
