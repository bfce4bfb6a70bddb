//! STS on the `query` protocol: who the caller is, and session credentials for a role.
//! `AssumeRole` of a role a local principal stands for (same account) hands out that
//! principal's keys, so requests signed with them act as it; any other role ARN hands out a
//! key named after the role's account (the 12-digit key convention), so a provider alias with
//! `assume_role` acts in that account.

use lattice_api::ApiError;
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
    global: true,
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
    let principal =
        s.local_principals.values().find(|p| p.account == ctx.account && p.account == account && p.arn == role_arn);
    let (key, secret) = match principal {
        Some(p) => (p.access_key_id.clone(), p.secret_access_key.clone()),
        None => (account.to_string(), "lattice-local".to_string()),
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
