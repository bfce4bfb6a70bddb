//! IAM on the `query` protocol: roles (trust policies), users and their access keys, inline
//! and managed policies with versions and attachments, instance profiles, service-linked
//! roles. Roles and users are local principals (`LocalPrincipal` with `iam` details), so the
//! data plane authenticates their keys, STS `AssumeRole` hands out a role's session keys when
//! its trust policy allows the caller, and their identity policies decide Lattice auth together
//! with auth policies. IAM is global: no Region in its ARNs, every Region sees it. Errors take
//! IAM's codes (`NoSuchEntity` 404, `EntityAlreadyExists` 409, `DeleteConflict` 409,
//! `MalformedPolicyDocument` 400, `LimitExceeded` 409).

mod policy;
mod profile;
pub(crate) mod role;
mod user;

use lattice_api::ApiError;
use lattice_model::policy_grammar::{validate, PolicyKind};
use lattice_model::records::LocalPrincipal;
use lattice_model::State;
use serde_json::{json, Value};

use crate::kit::{page_at, str_of, AwsService, Ctx, Handler, Paging};

pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "iam",
    model: lattice_api::model::iam,
    operations: OPERATIONS,
    validation_error,
    token_mismatch: |e| e,
    client_token: None,
    async_operations: &[],
    // hashicorp/aws waits 10 seconds after `DeleteServiceLinkedRole` before it asks
    // `GetServiceLinkedRoleDeletionStatus`, unless the answer has no `DeletionTaskId`. Deletions
    // finish at once here.
    left_out_for_terraform_aws: &[("DeleteServiceLinkedRole", "DeletionTaskId")],
};

/// Every IAM operation served, by its botocore name: the only list of them.
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateRole", role::create),
    ("GetRole", role::get),
    ("DeleteRole", role::delete),
    ("UpdateRole", role::update),
    ("UpdateRoleDescription", role::update_description),
    ("UpdateAssumeRolePolicy", role::update_trust),
    ("ListRoles", role::list),
    ("TagRole", |c, s, i| role::tag(c, s, i, true)),
    ("UntagRole", |c, s, i| role::tag(c, s, i, false)),
    ("ListRoleTags", role::list_tags),
    ("PutRolePermissionsBoundary", |c, s, i| role::boundary(c, s, i, true)),
    ("DeleteRolePermissionsBoundary", |c, s, i| role::boundary(c, s, i, false)),
    ("CreateServiceLinkedRole", role::create_service_linked),
    ("DeleteServiceLinkedRole", role::delete_service_linked),
    ("GetServiceLinkedRoleDeletionStatus", role::deletion_status),
    ("PutRolePolicy", |c, s, i| policy::put_inline(c, s, i, ROLE)),
    ("GetRolePolicy", |c, s, i| policy::get_inline(c, s, i, ROLE)),
    ("DeleteRolePolicy", |c, s, i| policy::delete_inline(c, s, i, ROLE)),
    ("ListRolePolicies", |c, s, i| policy::list_inline(c, s, i, ROLE)),
    ("AttachRolePolicy", |c, s, i| policy::attach(c, s, i, ROLE, true)),
    ("DetachRolePolicy", |c, s, i| policy::attach(c, s, i, ROLE, false)),
    ("ListAttachedRolePolicies", |c, s, i| policy::list_attached(c, s, i, ROLE)),
    ("CreatePolicy", policy::create),
    ("GetPolicy", policy::get),
    ("DeletePolicy", policy::delete),
    ("ListPolicies", policy::list),
    ("TagPolicy", |c, s, i| policy::tag(c, s, i, true)),
    ("UntagPolicy", |c, s, i| policy::tag(c, s, i, false)),
    ("ListPolicyTags", policy::list_tags),
    ("CreatePolicyVersion", policy::create_version),
    ("GetPolicyVersion", policy::get_version),
    ("DeletePolicyVersion", policy::delete_version),
    ("ListPolicyVersions", policy::list_versions),
    ("SetDefaultPolicyVersion", policy::set_default_version),
    ("ListEntitiesForPolicy", policy::entities),
    ("CreateUser", user::create),
    ("GetUser", user::get),
    ("DeleteUser", user::delete),
    ("UpdateUser", user::update),
    ("ListUsers", user::list),
    ("TagUser", |c, s, i| user::tag(c, s, i, true)),
    ("UntagUser", |c, s, i| user::tag(c, s, i, false)),
    ("ListUserTags", user::list_tags),
    ("PutUserPolicy", |c, s, i| policy::put_inline(c, s, i, USER)),
    ("GetUserPolicy", |c, s, i| policy::get_inline(c, s, i, USER)),
    ("DeleteUserPolicy", |c, s, i| policy::delete_inline(c, s, i, USER)),
    ("ListUserPolicies", |c, s, i| policy::list_inline(c, s, i, USER)),
    ("AttachUserPolicy", |c, s, i| policy::attach(c, s, i, USER, true)),
    ("DetachUserPolicy", |c, s, i| policy::attach(c, s, i, USER, false)),
    ("ListAttachedUserPolicies", |c, s, i| policy::list_attached(c, s, i, USER)),
    ("ListGroupsForUser", |c, s, i| user::empty_list(c, s, i, "Groups")),
    ("ListMFADevices", |c, s, i| user::empty_list(c, s, i, "MFADevices")),
    ("ListSigningCertificates", |c, s, i| user::empty_list(c, s, i, "Certificates")),
    ("ListSSHPublicKeys", |c, s, i| user::empty_list(c, s, i, "SSHPublicKeys")),
    ("ListServiceSpecificCredentials", user::service_specific_credentials),
    ("GetLoginProfile", user::login_profile),
    ("CreateAccessKey", user::create_key),
    ("DeleteAccessKey", user::delete_key),
    ("UpdateAccessKey", user::update_key),
    ("ListAccessKeys", user::list_keys),
    ("GetAccessKeyLastUsed", user::key_last_used),
    ("CreateInstanceProfile", profile::create),
    ("GetInstanceProfile", profile::get),
    ("DeleteInstanceProfile", profile::delete),
    ("ListInstanceProfilesForRole", profile::list_for_role),
    ("AddRoleToInstanceProfile", |c, s, i| profile::role(c, s, i, true)),
    ("RemoveRoleFromInstanceProfile", |c, s, i| profile::role(c, s, i, false)),
    ("TagInstanceProfile", |c, s, i| profile::tag(c, s, i, true)),
    ("UntagInstanceProfile", |c, s, i| profile::tag(c, s, i, false)),
];

/// Which kind of principal an operation addresses: its kind, the input member naming it, and
/// how IAM names it in messages.
#[derive(Clone, Copy)]
pub(crate) struct Kind {
    pub kind: &'static str,
    pub member: &'static str,
    pub noun: &'static str,
}

pub(crate) const ROLE: Kind = Kind { kind: "role", member: "RoleName", noun: "role" };
pub(crate) const USER: Kind = Kind { kind: "user", member: "UserName", noun: "user" };

/// An IAM error with IAM's status for its code.
pub(crate) fn error(code: &str, message: impl Into<String>) -> ApiError {
    let status = match code {
        "NoSuchEntity" => 404,
        "EntityAlreadyExists" | "DeleteConflict" | "LimitExceeded" => 409,
        _ => 400,
    };
    ApiError::new(status, code, message)
}

/// IAM words model violations as `ValidationError`.
fn validation_error(err: ApiError) -> ApiError {
    if err.code == lattice_api::ErrorCode::Validation {
        ApiError::new(400, "ValidationError", err.message)
    } else {
        err
    }
}

/// The caller's role or user of this name.
pub(crate) fn principal<'a>(ctx: &Ctx, s: &'a State, kind: Kind, name: &str) -> Result<&'a LocalPrincipal, ApiError> {
    s.local_principals.values().find(|p| p.account == ctx.account && p.kind == kind.kind && p.name == name).ok_or_else(
        || {
            error(
                "NoSuchEntity",
                format!("The {} with name {} cannot be found.", kind.noun, lattice_api::model::echo(name)),
            )
        },
    )
}

/// The principal named by the operation's input member.
pub(crate) fn named<'a>(ctx: &Ctx, s: &'a State, input: &Value, kind: Kind) -> Result<&'a LocalPrincipal, ApiError> {
    principal(ctx, s, kind, str_of(input, kind.member).unwrap_or_default())
}

/// A policy document IAM accepts: JSON that follows the policy grammar (`Principal` only in
/// trust policies). Refused as `MalformedPolicyDocument`.
pub(crate) fn check_document(document: &str, trust: bool) -> Result<String, ApiError> {
    let kind = if trust { PolicyKind::Resource } else { PolicyKind::Identity };
    validate(document, kind).map_err(|why| error("MalformedPolicyDocument", why))?;
    Ok(document.to_string())
}

/// A policy document as IAM answers it: URL-encoded JSON.
pub(crate) fn encoded(document: &str) -> String {
    let mut out = String::with_capacity(document.len() * 2);
    for b in document.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path IAM accepts: `/`, or `/…/` of printable ASCII, at most 512 characters.
pub(crate) fn check_path(input: &Value) -> Result<String, ApiError> {
    let path = str_of(input, "Path").unwrap_or("/");
    let ok = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && path.bytes().all(|b| (0x21..0x7f).contains(&b));
    if !ok {
        return Err(error("ValidationError", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."));
    }
    Ok(path.to_string())
}

/// A name IAM accepts for roles, users, policies and instance profiles.
pub(crate) fn check_name(name: &str, max: usize, what: &str) -> Result<(), ApiError> {
    let ok =
        (1..=max).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(error("ValidationError", format!("The specified value for {what} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_- (at most {max})")))
    }
}

/// A fresh access key: its id (`prefix`, `AKIA` or `ASIA`, and 16 characters) and secret.
pub(crate) fn new_key(prefix: &str) -> (String, String) {
    let id = format!("{prefix}{}", lattice_api::ids::random_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
    let secret = lattice_api::ids::random_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
    (id, secret)
}

/// A fresh IAM unique id: `prefix` and 17 upper-case letters and digits.
pub(crate) fn unique_id(prefix: &str) -> String {
    format!("{prefix}{}", lattice_api::ids::random_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17))
}

/// One page of `items` after the `Marker`, at most `MaxItems` (100 by default), as IAM's
/// `List*` answer it under `key`.
pub(crate) fn page(items: Vec<Value>, input: &Value, key: &str) -> Value {
    const PAGING: Paging = Paging { size: "MaxItems", token: "Marker", default: 100, max: 1000, next: "Marker" };
    let mut out = page_at(items, input, key, &PAGING);
    out["IsTruncated"] = json!(out.get("Marker").is_some());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_model_has_a_handler() {
        let model = lattice_api::model::iam();
        for op in &model.operations {
            assert!(SERVICE.handler(&op.name).is_some(), "{} has no handler", op.name);
        }
        assert_eq!(model.operations.len(), OPERATIONS.len());
    }

    use crate::kit::testing::{code, run, A, B};
    use lattice_model::State;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}]}"#;
    const INVOKE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"vpc-lattice-svcs:Invoke","Resource":"*"}]}"#;

    #[test]
    fn a_role_with_policies_lives_and_dies_as_in_iam() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let role = json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST, "Tags": [{ "Key": "team", "Value": "web" }] });
        let made = run(&mut s, &a, role::create, role.clone()).unwrap();
        assert_eq!(made["Role"]["Arn"], format!("arn:aws:iam::{A}:role/app"));
        assert!(made["Role"]["RoleId"].as_str().unwrap().starts_with("AROA"));
        assert_eq!(made["Role"]["AssumeRolePolicyDocument"], encoded(TRUST), "documents come back URL-encoded");
        assert_eq!(code(run(&mut s, &a, role::create, role)), "EntityAlreadyExists");
        assert_eq!(code(run(&mut s, &Ctx::test(B), role::get, json!({ "RoleName": "app" }))), "NoSuchEntity");
        let bad = json!({ "RoleName": "app", "PolicyName": "p", "PolicyDocument": "{\"Statement\": 1}" });
        assert_eq!(code(run(&mut s, &a, SERVICE.handler("PutRolePolicy").unwrap(), bad)), "MalformedPolicyDocument");
        run(
            &mut s,
            &a,
            |c, s, i| policy::put_inline(c, s, i, ROLE),
            json!({ "RoleName": "app", "PolicyName": "invoke", "PolicyDocument": INVOKE }),
        )
        .unwrap();
        let managed = "arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess";
        run(
            &mut s,
            &a,
            |c, s, i| policy::attach(c, s, i, ROLE, true),
            json!({ "RoleName": "app", "PolicyArn": managed }),
        )
        .unwrap();
        let unknown = json!({ "RoleName": "app", "PolicyArn": "arn:aws:iam::aws:policy/Nope" });
        assert_eq!(code(run(&mut s, &a, |c, s, i| policy::attach(c, s, i, ROLE, true), unknown)), "NoSuchEntity");
        let p = s.local_principals.values().find(|p| p.name == "app").unwrap();
        let doc = lattice_model::iam_policies::identity_document(&s, p).unwrap();
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 2, "inline and attached statements decide Lattice auth");
        assert_eq!(code(run(&mut s, &a, role::delete, json!({ "RoleName": "app" }))), "DeleteConflict");
        run(
            &mut s,
            &a,
            |c, s, i| policy::delete_inline(c, s, i, ROLE),
            json!({ "RoleName": "app", "PolicyName": "invoke" }),
        )
        .unwrap();
        run(
            &mut s,
            &a,
            |c, s, i| policy::attach(c, s, i, ROLE, false),
            json!({ "RoleName": "app", "PolicyArn": managed }),
        )
        .unwrap();
        run(&mut s, &a, role::delete, json!({ "RoleName": "app" })).unwrap();
        assert!(s.local_principals.is_empty());
    }

    #[test]
    fn managed_policies_keep_versions_and_refuse_deletion_while_attached() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let made =
            run(&mut s, &a, policy::create, json!({ "PolicyName": "invoke", "PolicyDocument": INVOKE })).unwrap();
        let arn = made["Policy"]["Arn"].as_str().unwrap().to_string();
        assert_eq!(arn, format!("arn:aws:iam::{A}:policy/invoke"));
        for _ in 0..4 {
            run(
                &mut s,
                &a,
                policy::create_version,
                json!({ "PolicyArn": arn, "PolicyDocument": INVOKE, "SetAsDefault": true }),
            )
            .unwrap();
        }
        let sixth = run(&mut s, &a, policy::create_version, json!({ "PolicyArn": arn, "PolicyDocument": INVOKE }));
        assert_eq!(code(sixth), "LimitExceeded");
        assert_eq!(
            run(&mut s, &a, policy::get, json!({ "PolicyArn": arn })).unwrap()["Policy"]["DefaultVersionId"],
            "v5"
        );
        run(&mut s, &a, user::create, json!({ "UserName": "ci" })).unwrap();
        run(&mut s, &a, |c, s, i| policy::attach(c, s, i, USER, true), json!({ "UserName": "ci", "PolicyArn": arn }))
            .unwrap();
        assert_eq!(code(run(&mut s, &a, policy::delete, json!({ "PolicyArn": arn }))), "DeleteConflict");
        let b_attach = run(&mut s, &Ctx::test(B), policy::get, json!({ "PolicyArn": arn }));
        assert_eq!(code(b_attach), "NoSuchEntity", "another account does not see the policy");
    }

    #[test]
    fn users_hold_at_most_two_access_keys() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        run(&mut s, &a, user::create, json!({ "UserName": "ci" })).unwrap();
        let key = run(&mut s, &a, user::create_key, json!({ "UserName": "ci" })).unwrap();
        assert!(key["AccessKey"]["AccessKeyId"].as_str().unwrap().starts_with("AKIA"));
        assert_eq!(key["AccessKey"]["SecretAccessKey"].as_str().unwrap().len(), 40);
        run(&mut s, &a, user::create_key, json!({ "UserName": "ci" })).unwrap();
        assert_eq!(code(run(&mut s, &a, user::create_key, json!({ "UserName": "ci" }))), "LimitExceeded");
        assert_eq!(code(run(&mut s, &a, user::delete, json!({ "UserName": "ci" }))), "DeleteConflict");
        let listed = run(&mut s, &a, user::list_keys, json!({ "UserName": "ci" })).unwrap();
        assert_eq!(listed["AccessKeyMetadata"].as_array().unwrap().len(), 2);
        assert!(listed["AccessKeyMetadata"][0].get("SecretAccessKey").is_none(), "secrets are shown once");
    }

    #[test]
    fn documents_are_answered_url_encoded_and_pages_carry_a_marker() {
        assert_eq!(encoded(r#"{"a": "b+c"}"#), "%7B%22a%22%3A%20%22b%2Bc%22%7D");
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let first = page(items.clone(), &json!({ "MaxItems": 2 }), "Items");
        assert_eq!(
            (first["Items"].clone(), first["IsTruncated"].clone(), first["Marker"].clone()),
            (json!([0, 1]), json!(true), json!("2"))
        );
        let last = page(items, &json!({ "MaxItems": 2, "Marker": "4" }), "Items");
        assert_eq!((last["Items"].clone(), last["IsTruncated"].clone()), (json!([4]), json!(false)));
        assert!(last.get("Marker").is_none());
    }
}
