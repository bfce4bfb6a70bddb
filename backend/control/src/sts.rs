//! STS on the `query` protocol: who the caller is, and session credentials for a role.
//! `AssumeRole` of a role a local principal stands for (same account) hands out that
//! principal's keys, so requests signed with them act as it; any other role ARN hands out a
//! key named after the role's account (the 12-digit key convention), so a provider alias with
//! `assume_role` acts in that account.

use lattice_api::ApiError;
use lattice_model::iam::strings;
use lattice_model::State;
use serde_json::{json, Value};

use crate::kit::{req, AwsService, Ctx, Handler, OpResult, Outcome};

pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "sts",
    model: lattice_api::model::sts,
    operations: OPERATIONS,
    validation_error,
    token_mismatch: |e| e,
    client_token: None,
    async_operations: &[],
    left_out_for_terraform_aws: &[],
};

pub(crate) const OPERATIONS: &[(&str, Handler)] =
    &[("GetCallerIdentity", get_caller_identity), ("AssumeRole", assume_role)];

/// STS words model violations as `ValidationError` (missing members included).
pub(crate) fn validation_error(err: ApiError) -> ApiError {
    if err.code == lattice_api::ErrorCode::Validation {
        ApiError::new(400, "ValidationError", err.message)
    } else {
        err
    }
}

fn get_caller_identity(ctx: &Ctx, _: &State, _: &Value) -> OpResult {
    let arn = ctx.caller.clone().unwrap_or_else(|| format!("arn:aws:iam::{}:root", ctx.account));
    let user_id = if ctx.caller.is_some() { format!("AIDA{}", &ctx.account) } else { ctx.account.clone() };
    Outcome::read(json!({ "UserId": user_id, "Account": ctx.account, "Arn": arn }))
}

fn assume_role(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let role_arn = req(input, "RoleArn");
    let session = req(input, "RoleSessionName");
    let Some((account, name)) =
        role_arn.strip_prefix("arn:aws:iam::").and_then(|rest| rest.split_once(":role/")).filter(|(account, name)| {
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        })
    else {
        return Err(ApiError::new(
            400,
            "ValidationError",
            format!(
                "{} is not a valid role ARN (arn:aws:iam::<account>:role/<name>)",
                lattice_api::model::echo(role_arn)
            ),
        ));
    };
    let seconds = input.get("DurationSeconds").and_then(Value::as_i64).unwrap_or(3600);
    let expires = std::time::SystemTime::now() + std::time::Duration::from_secs(seconds.max(0) as u64);
    let role = s.local_principals.values().find(|p| p.kind == "role" && p.account == account && p.arn == role_arn);
    let (key, secret) = match role {
        // An IAM role: its trust policy must allow the caller, whatever its account.
        Some(p) if p.iam.is_some() => {
            let trust = p.iam.as_ref().map(|i| i.trust_policy.as_str()).unwrap_or_default();
            if !trusts(trust, &ctx.account, ctx.caller.as_deref()) {
                let caller = ctx.caller.clone().unwrap_or_else(|| format!("arn:aws:iam::{}:root", ctx.account));
                return Err(ApiError::new(
                    403,
                    "AccessDenied",
                    format!("User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"),
                ));
            }
            (p.access_key_id.clone(), p.secret_access_key.clone())
        }
        // A `lattice_local_principal` role: its keys, to its own account only.
        Some(p) if ctx.owns(p) => (p.access_key_id.clone(), p.secret_access_key.clone()),
        _ => (account.to_string(), "lattice-local".to_string()),
    };
    let role_name = name.rsplit('/').next().unwrap_or(name);
    Outcome::read(json!({
        "Credentials": {
            "AccessKeyId": key,
            "SecretAccessKey": secret,
            "SessionToken": format!("lattice-local-session-{}", lattice_api::ids::random_hex(32)),
            "Expiration": lattice_api::rfc3339(expires),
        },
        "AssumedRoleUser": {
            "AssumedRoleId": format!("AROA{account}:{session}"),
            "Arn": format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session}"),
        },
    }))
}

/// Whether a trust policy lets the caller (`account`'s root, or the principal `caller`) assume
/// the role: an `Allow` of `sts:AssumeRole` whose `AWS` principal names the caller, its account
/// (`<id>` or `arn:aws:iam::<id>:root`) or `*`, and no such `Deny`. Conditions are not
/// evaluated (`sts:ExternalId` and the like are taken as met).
fn trusts(trust: &str, account: &str, caller: Option<&str>) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(trust) else { return false };
    let root = format!("arn:aws:iam::{account}:root");
    let names_caller = |p: &str| p == "*" || p == account || p == root || Some(p) == caller;
    let covers = |statement: &Value| {
        let acts = statement
            .get("Action")
            .is_some_and(|a| strings(a).any(|a| lattice_model::iam::wildcard(&a, "sts:AssumeRole", true)));
        let principal = statement.get("Principal");
        let named = principal.and_then(Value::as_str) == Some("*")
            || principal.and_then(|p| p.get("AWS")).is_some_and(|p| strings(p).any(|p| names_caller(&p)));
        acts && named
    };
    let statements: Vec<&Value> = lattice_model::iam::statements(&doc).collect();
    let effect = |s: &&Value, e: &str| s.get("Effect").and_then(Value::as_str) == Some(e);
    !statements.iter().any(|s| effect(s, "Deny") && covers(s))
        && statements.iter().any(|s| effect(s, "Allow") && covers(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{A, B};

    #[test]
    fn caller_identity_is_the_account_or_the_signing_principal() {
        let s = State::default();
        let out = get_caller_identity(&Ctx::test(A), &s, &json!({})).unwrap().body;
        assert_eq!(out["Arn"], format!("arn:aws:iam::{A}:root"));
        let mut ctx = Ctx::test(A);
        ctx.caller = Some(format!("arn:aws:iam::{A}:role/app"));
        assert_eq!(
            get_caller_identity(&ctx, &s, &json!({})).unwrap().body["Arn"],
            format!("arn:aws:iam::{A}:role/app")
        );
    }

    #[test]
    fn an_iam_role_is_assumed_only_by_whom_its_trust_policy_names() {
        let mut s = State::default();
        let trust =
            json!({ "Statement": [{ "Effect": "Allow", "Principal": { "AWS": B }, "Action": "sts:AssumeRole" }] });
        let input = json!({ "RoleName": "app", "AssumeRolePolicyDocument": trust.to_string() });
        crate::kit::testing::run(&mut s, &Ctx::test(A), crate::iam::SERVICE.handler("CreateRole").unwrap(), input)
            .unwrap();
        let role = s.local_principals.values().next().unwrap().clone();
        let ask = json!({ "RoleArn": role.arn, "RoleSessionName": "s" });
        let out = assume_role(&Ctx::test(B), &s, &ask).unwrap().body;
        assert_eq!(out["Credentials"]["AccessKeyId"], role.access_key_id, "the trusted account gets the role's keys");
        assert_eq!(
            assume_role(&Ctx::test(A), &s, &ask).unwrap_err().code,
            "AccessDenied",
            "its own account is not named"
        );
        assert!(trusts(
            &json!({ "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": "sts:*" }] }).to_string(),
            A,
            None
        ));
        let denied = json!({ "Statement": [
            { "Effect": "Allow", "Principal": { "AWS": "*" }, "Action": "sts:AssumeRole" },
            { "Effect": "Deny", "Principal": { "AWS": format!("arn:aws:iam::{A}:root") }, "Action": "sts:AssumeRole" }] });
        assert!(!trusts(&denied.to_string(), A, None) && trusts(&denied.to_string(), B, None));
    }

    #[test]
    fn assume_role_acts_in_the_roles_account() {
        let s = State::default();
        let input = json!({ "RoleArn": format!("arn:aws:iam::{B}:role/deployer"), "RoleSessionName": "tf" });
        let out = assume_role(&Ctx::test(A), &s, &input).unwrap().body;
        assert_eq!(out["Credentials"]["AccessKeyId"], B);
        assert_eq!(out["AssumedRoleUser"]["Arn"], format!("arn:aws:sts::{B}:assumed-role/deployer/tf"));
        let bad = json!({ "RoleArn": "arn:aws:iam::1:user/x", "RoleSessionName": "tf" });
        assert_eq!(assume_role(&Ctx::test(A), &s, &bad).unwrap_err().code, "ValidationError");
    }
}
