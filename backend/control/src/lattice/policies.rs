//! Auth policies and resource policies: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::id_of;
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::policy_grammar::PolicyKind;
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::*;
use crate::sharing;

/// A service network or service the caller owns: `(id, arn, auth type)`.
pub(crate) fn policy_target(ctx: &Ctx, s: &State, identifier: &str) -> Result<(String, String, String), ApiError> {
    let id = id_of(identifier);
    if let Some(sn) = s.service_networks.get(id).filter(|o| ctx.owns(*o)) {
        return Ok((sn.id.clone(), sn.arn.clone(), sn.auth_type.clone()));
    }
    if let Some(svc) = s.services.get(id).filter(|o| ctx.owns(*o)) {
        return Ok((svc.id.clone(), svc.arn.clone(), svc.auth_type.clone()));
    }
    let kind = if id.starts_with("svc-") { SVC } else { SN };
    Err(ApiError::not_found(kind, identifier))
}

/// A policy must be a JSON object with a `Statement`.
/// A policy AWS would store: the IAM policy grammar, checked before anything is written.
pub(crate) fn check_policy(policy: &str, kind: PolicyKind) -> Result<(), ApiError> {
    lattice_model::policy_grammar::validate(policy, kind).map_err(|why| ApiError::invalid_field("policy", why))
}

pub(crate) fn auth_policy_state(auth_type: &str) -> &'static str {
    if auth_type == "AWS_IAM" {
        "Active"
    } else {
        "Inactive"
    }
}

pub(crate) fn put_auth_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (id, arn, auth_type) = policy_target(ctx, s, req(input, "resourceIdentifier"))?;
    let policy = req(input, "policy").to_string();
    check_policy(&policy, PolicyKind::Auth)?;
    let now = now_rfc3339();
    let created_at = s.auth_policies.get(&id).map_or(now.clone(), |p| p.created_at.clone());
    let record =
        AuthPolicy { id, resource_arn: arn, policy, created_at, last_updated_at: now, account: ctx.account.clone() };
    let body = json!({ "policy": record.policy, "state": auth_policy_state(&auth_type) });
    Outcome::write(vec![record.put()], body)
}

pub(crate) fn get_auth_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let ident = req(input, "resourceIdentifier");
    let (id, _, auth_type) = policy_target(ctx, s, ident)?;
    // An object without a policy answers 200 with none, as AWS does.
    let Some(p) = s.auth_policies.get(&id) else { return Outcome::read(json!({})) };
    Outcome::read(json!({
        "policy": p.policy, "state": auth_policy_state(&auth_type),
        "createdAt": p.created_at, "lastUpdatedAt": p.last_updated_at,
    }))
}

pub(crate) fn delete_auth_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let ident = req(input, "resourceIdentifier");
    let (id, _, _) = policy_target(ctx, s, ident)?;
    let p = s.auth_policies.get(&id).ok_or_else(|| ApiError::not_found("AUTH_POLICY", ident))?;
    Outcome::write(vec![p.delete()], Value::Null)
}

pub(crate) fn put_resource_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "resourceArn");
    let (id, owner_arn, _) = policy_target(ctx, s, arn)?;
    if owner_arn != arn {
        return Err(ApiError::not_found("RESOURCE", arn));
    }
    let policy = req(input, "policy").to_string();
    check_policy(&policy, PolicyKind::Resource)?;
    let mut changes = crate::ram::policy::policy_share_changes(ctx, s, &owner_arn, Some(&policy));
    changes.push(ResourcePolicy { id, resource_arn: owner_arn, policy, account: ctx.account.clone() }.put());
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, json!({}))
}

pub(crate) fn get_resource_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "resourceArn");
    let (id, _, _) = policy_target(ctx, s, arn)?;
    let Some(p) = s.resource_policies.get(&id) else { return Outcome::read(json!({})) };
    Outcome::read(json!({ "policy": p.policy }))
}

pub(crate) fn delete_resource_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "resourceArn");
    let (id, _, _) = policy_target(ctx, s, arn)?;
    let p = s.resource_policies.get(&id).ok_or_else(|| ApiError::not_found("RESOURCE_POLICY", arn))?;
    let mut changes = crate::ram::policy::policy_share_changes(ctx, s, &p.resource_arn, None);
    changes.push(p.delete());
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;

    #[test]
    fn auth_policies_are_checked_stored_and_read_back_by_the_owner() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "web" })).unwrap();
        let good =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*"}]}"#;
        let put = json!({ "resourceIdentifier": svc["id"], "policy": good });
        assert_eq!(run(&mut s, &a, put_auth_policy, put.clone()).unwrap()["state"], "Inactive", "auth type NONE");
        let typo = good.replace("Allow", "allow");
        let bad = run(&mut s, &a, put_auth_policy, json!({ "resourceIdentifier": svc["id"], "policy": typo }));
        assert_eq!(code(bad), "ValidationException");
        assert_eq!(
            run(&mut s, &a, get_auth_policy, json!({ "resourceIdentifier": svc["id"] })).unwrap()["policy"],
            good
        );
        assert_eq!(code(run(&mut s, &b, put_auth_policy, put)), "ResourceNotFoundException");
        run(&mut s, &a, delete_auth_policy, json!({ "resourceIdentifier": svc["id"] })).unwrap();
        assert!(s.auth_policies.is_empty());
    }
}
