//! IAM users and their access keys: a key signs requests as its user (the control plane and
//! the data plane verify it against its secret) while it is `Active`.

use lattice_api::now_rfc3339;
use lattice_model::records::{AccessKey, IamPrincipal, LocalPrincipal};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::role::{edit, new_principal, retag};
use super::{check_name, check_path, error, named, page, USER};
use crate::kit::{req, str_of, tag_list, tags_from_list, Ctx, OpResult, Outcome};

/// Access keys per user, as IAM allows.
const KEYS_PER_USER: usize = 2;

fn wire(p: &LocalPrincipal) -> Value {
    let mut user = json!({
        "Path": p.path, "UserName": p.name, "UserId": p.id, "Arn": p.arn, "CreateDate": p.created_at,
        "Tags": tag_list(&p.tags),
    });
    if let Some(arn) = p.iam.as_ref().and_then(|i| i.permissions_boundary.as_ref()) {
        user["PermissionsBoundary"] = json!({ "PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn });
    }
    user
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "UserName");
    check_name(name, 64, "userName")?;
    let mut iam = IamPrincipal::default();
    if let Some(arn) = str_of(input, "PermissionsBoundary") {
        if lattice_model::iam_policies::managed_document(s, arn).is_none() {
            return Err(error(
                "NoSuchEntity",
                format!("Scope ARN: {} does not exist or is not attachable.", lattice_api::model::echo(arn)),
            ));
        }
        iam.permissions_boundary = Some(arn.to_string());
    }
    let mut user = new_principal(ctx, s, "user", name, check_path(input)?, iam)?;
    user.tags = tags_from_list(input.get("Tags"));
    Outcome::write(vec![user.put()], json!({ "User": wire(&user) }))
}

/// `GetUser` without a name is the caller itself (a user that signed, else the account root).
pub(crate) fn get(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    if str_of(input, "UserName").is_none() {
        let me = ctx
            .caller
            .as_deref()
            .and_then(|arn| s.local_principals.values().find(|p| p.arn == arn && p.kind == "user"));
        return match me {
            Some(p) => Outcome::read(json!({ "User": wire(p) })),
            None => Outcome::read(json!({ "User": {
                "Path": "/", "UserName": ctx.account, "UserId": ctx.account,
                "Arn": format!("arn:aws:iam::{}:root", ctx.account), "CreateDate": "2024-01-01T00:00:00Z",
            } })),
        };
    }
    Outcome::read(json!({ "User": wire(named(ctx, s, input, USER)?) }))
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let user = named(ctx, s, input, USER)?;
    let iam = user.iam.clone().unwrap_or_default();
    if s.access_keys.values().any(|k| k.account == user.account && k.user_name == user.name) {
        return Err(error("DeleteConflict", "Cannot delete entity, must delete access keys first."));
    }
    if !iam.inline_policies.is_empty() {
        return Err(error("DeleteConflict", "Cannot delete entity, must delete policies first."));
    }
    if !iam.attached_policies.is_empty() {
        return Err(error("DeleteConflict", "Cannot delete entity, must detach all policies first."));
    }
    Outcome::write(vec![user.delete()], json!({}))
}

/// `UpdateUser`: a new name or path. The user's keys and the ARN follow.
pub(crate) fn update(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let user = named(ctx, s, input, USER)?;
    let mut renamed = user.clone();
    if let Some(name) = str_of(input, "NewUserName") {
        check_name(name, 64, "newUserName")?;
        let taken = s.local_principals.values().any(|p| {
            p.account == ctx.account && p.kind == "user" && p.id != user.id && p.name.eq_ignore_ascii_case(name)
        });
        if taken {
            return Err(error("EntityAlreadyExists", format!("User with name {name} already exists.")));
        }
        renamed.name = name.to_string();
    }
    if let Some(path) = str_of(input, "NewPath") {
        renamed.path = check_path(&json!({ "Path": path }))?;
    }
    renamed.arn = format!("arn:aws:iam::{}:user{}{}", ctx.account, renamed.path, renamed.name);
    let mut changes = vec![renamed.put()];
    for key in s.access_keys.values().filter(|k| k.account == user.account && k.user_name == user.name) {
        changes.push(AccessKey { user_name: renamed.name.clone(), ..key.clone() }.put());
    }
    Outcome::write(changes, json!({}))
}

pub(crate) fn list(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let prefix = str_of(input, "PathPrefix").unwrap_or("/");
    let users = s
        .local_principals
        .values()
        .filter(|p| p.account == ctx.account && p.kind == "user" && p.path.starts_with(prefix))
        .map(wire)
        .collect();
    Outcome::read(page(users, input, "Users"))
}

pub(crate) fn tag(ctx: &Ctx, s: &State, input: &Value, add: bool) -> OpResult {
    edit(ctx, s, input, USER, |p| {
        retag(&mut p.tags, input, add);
        Ok(())
    })
}

pub(crate) fn list_tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let user = named(ctx, s, input, USER)?;
    Outcome::read(json!({ "Tags": tag_list(&user.tags), "IsTruncated": false }))
}

/// What users have none of here (groups, MFA devices, certificates, SSH keys): an empty page,
/// once the user is known.
pub(crate) fn empty_list(ctx: &Ctx, s: &State, input: &Value, key: &str) -> OpResult {
    named(ctx, s, input, USER)?;
    Outcome::read(json!({ key: [], "IsTruncated": false }))
}

pub(crate) fn service_specific_credentials(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    if str_of(input, "UserName").is_some() {
        named(ctx, s, input, USER)?;
    }
    Outcome::read(json!({ "ServiceSpecificCredentials": [] }))
}

/// Users have no console password here.
pub(crate) fn login_profile(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let user = named(ctx, s, input, USER)?;
    Err(error("NoSuchEntity", format!("Login Profile for User {} cannot be found.", user.name)))
}

fn key_wire(k: &AccessKey) -> Value {
    json!({ "UserName": k.user_name, "AccessKeyId": k.id, "Status": k.status, "CreateDate": k.created_at })
}

/// The user an access-key call names (the caller when a user signed and none is named).
fn key_user<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a LocalPrincipal, lattice_api::ApiError> {
    if str_of(input, "UserName").is_none() {
        if let Some(me) =
            ctx.caller.as_deref().and_then(|arn| s.local_principals.values().find(|p| p.arn == arn && p.kind == "user"))
        {
            return Ok(me);
        }
    }
    named(ctx, s, input, USER)
}

fn find_key<'a>(s: &'a State, user: &LocalPrincipal, id: &str) -> Result<&'a AccessKey, lattice_api::ApiError> {
    s.access_keys.get(id).filter(|k| k.account == user.account && k.user_name == user.name).ok_or_else(|| {
        error("NoSuchEntity", format!("The Access Key with id {} cannot be found.", lattice_api::model::echo(id)))
    })
}

pub(crate) fn create_key(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let user = key_user(ctx, s, input)?;
    let held = s.access_keys.values().filter(|k| k.account == user.account && k.user_name == user.name).count();
    if held >= KEYS_PER_USER {
        return Err(error("LimitExceeded", format!("Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}")));
    }
    let (id, secret_access_key) = super::new_key("AKIA");
    let key = AccessKey {
        id,
        user_name: user.name.clone(),
        secret_access_key,
        status: "Active".into(),
        created_at: now_rfc3339(),
        account: user.account.clone(),
    };
    let mut body = key_wire(&key);
    body["SecretAccessKey"] = json!(key.secret_access_key);
    Outcome::write(vec![key.put()], json!({ "AccessKey": body }))
}

pub(crate) fn delete_key(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let user = key_user(ctx, s, input)?;
    let key = find_key(s, user, req(input, "AccessKeyId"))?;
    Outcome::write(vec![key.delete()], json!({}))
}

pub(crate) fn update_key(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let user = key_user(ctx, s, input)?;
    let mut key = find_key(s, user, req(input, "AccessKeyId"))?.clone();
    key.status = req(input, "Status").to_string();
    Outcome::write(vec![key.put()], json!({}))
}

pub(crate) fn list_keys(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let user = key_user(ctx, s, input)?;
    let keys = s
        .access_keys
        .values()
        .filter(|k| k.account == user.account && k.user_name == user.name)
        .map(key_wire)
        .collect();
    Outcome::read(page(keys, input, "AccessKeyMetadata"))
}

pub(crate) fn key_last_used(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let id = req(input, "AccessKeyId");
    let key = s.access_keys.get(id).filter(|k| k.account == ctx.account).ok_or_else(|| {
        error("NoSuchEntity", format!("The Access Key with id {} cannot be found.", lattice_api::model::echo(id)))
    })?;
    Outcome::read(json!({ "UserName": key.user_name, "AccessKeyLastUsed": { "ServiceName": "N/A", "Region": "N/A" } }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn a_user_has_at_most_two_keys_that_sign_as_it() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let user = run(&mut s, &a, create, json!({ "UserName": "ci" })).unwrap();
        assert_eq!(user["User"]["Arn"], format!("arn:aws:iam::{A}:user/ci"));
        assert_eq!(code(run(&mut s, &b, create_key, json!({ "UserName": "ci" }))), "NoSuchEntity");
        let key = run(&mut s, &a, create_key, json!({ "UserName": "ci" })).unwrap();
        let id = key["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string();
        assert!(id.starts_with("AKIA") && key["AccessKey"]["SecretAccessKey"].as_str().unwrap().len() == 40);
        run(&mut s, &a, create_key, json!({ "UserName": "ci" })).unwrap();
        assert_eq!(code(run(&mut s, &a, create_key, json!({ "UserName": "ci" }))), "LimitExceeded");
        let listed = run(&mut s, &a, list_keys, json!({ "UserName": "ci" })).unwrap();
        assert_eq!(listed["AccessKeyMetadata"].as_array().unwrap().len(), 2);
        assert!(listed.to_string().find("SecretAccessKey").is_none(), "secrets are shown once");
        run(&mut s, &a, update_key, json!({ "UserName": "ci", "AccessKeyId": id, "Status": "Inactive" })).unwrap();
        assert_eq!(s.access_keys[&id].status, "Inactive");
        assert_eq!(code(run(&mut s, &b, delete_key, json!({ "UserName": "ci", "AccessKeyId": id }))), "NoSuchEntity");
        run(&mut s, &a, delete_key, json!({ "UserName": "ci", "AccessKeyId": id })).unwrap();
        assert_eq!(s.access_keys.len(), 1);
    }

    #[test]
    fn get_user_without_a_name_is_the_caller() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let me = run(&mut s, &a, get, json!({})).unwrap();
        assert_eq!(me["User"]["Arn"], format!("arn:aws:iam::{A}:root"));
        run(&mut s, &a, create, json!({ "UserName": "ci", "Path": "/team/" })).unwrap();
        run(&mut s, &a, update, json!({ "UserName": "ci", "NewUserName": "deploy" })).unwrap();
        assert_eq!(code(run(&mut s, &a, get, json!({ "UserName": "ci" }))), "NoSuchEntity");
        assert_eq!(run(&mut s, &a, get, json!({ "UserName": "deploy" })).unwrap()["User"]["Path"], "/team/");
        run(&mut s, &a, delete, json!({ "UserName": "deploy" })).unwrap();
        assert!(s.local_principals.is_empty());
    }
}
