//! Domain verifications: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{lattice_arn, new_id};
use lattice_api::now_rfc3339;
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::*;

/// A verification is `VERIFIED` once a local zone of the account publishes its TXT record.
pub(crate) fn dv_wire(s: &State, d: &DomainVerification) -> Value {
    let mut v = wire(d, &[]);
    v["tags"] = json!(d.tags);
    let name = d.txt_method_config.get("name").and_then(Value::as_str).unwrap_or_default();
    let value = d.txt_method_config.get("value").and_then(Value::as_str).unwrap_or_default();
    if crate::admin::dns::txt_published(s, &d.account, name, value) {
        v["status"] = json!("VERIFIED");
        v["lastVerifiedTime"] = json!(d.created_at);
    }
    v
}

pub(crate) fn start_domain_verification(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let domain = req(input, "domainName").to_ascii_lowercase();
    conflict_if(
        &s.domain_verifications,
        |d| ctx.owns(d) && d.domain_name == domain,
        DV,
        |d| format!("Domain {domain} is already being verified ({})", d.id),
    )?;
    let id = new_id("dv");
    let d = DomainVerification {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("domainverification/{id}")),
        txt_method_config: json!({
            "name": format!("_vpc-lattice-verification.{domain}"),
            "value": format!("vpc-lattice-verification={}", new_id("v").trim_start_matches("v-")),
        }),
        id,
        domain_name: domain,
        // Nothing publishes the TXT record locally, so verification stays pending.
        status: "PENDING".into(),
        created_at: now_rfc3339(),
        last_verified_time: None,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&dv_wire(s, &d), &["id", "arn", "domainName", "status", "txtMethodConfig"]);
    Outcome::write(vec![d.put()], body)
}

pub(crate) fn get_domain_verification(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let d = find(&s.domain_verifications, ctx, req(input, "domainVerificationIdentifier"), DV)?;
    Outcome::read(dv_wire(s, d))
}

pub(crate) fn list_domain_verifications(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    list_owned(&s.domain_verifications, ctx, input, |_| true, |d| dv_wire(s, d))
}

pub(crate) fn delete_domain_verification(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let d = find(&s.domain_verifications, ctx, req(input, "domainVerificationIdentifier"), DV)?;
    conflict_if(
        &s.resource_configurations,
        |c| c.domain_verification_id.as_deref() == Some(d.id.as_str()),
        DV,
        |c| format!("Domain verification {} is used by resource configuration {}", d.id, c.id),
    )?;
    Outcome::write(vec![d.delete()], json!({}))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn a_verification_is_pending_until_its_txt_record_is_published() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let dv = run(&mut s, &a, start_domain_verification, json!({ "domainName": "shop.example.com" })).unwrap();
        let id = json!({ "domainVerificationIdentifier": dv["id"] });
        assert_eq!(run(&mut s, &a, get_domain_verification, id.clone()).unwrap()["status"], "PENDING");
        assert_eq!(code(run(&mut s, &b, get_domain_verification, id.clone())), "ResourceNotFoundException");
        run(&mut s, &a, delete_domain_verification, id.clone()).unwrap();
        assert_eq!(code(run(&mut s, &a, get_domain_verification, id)), "ResourceNotFoundException");
    }
}
