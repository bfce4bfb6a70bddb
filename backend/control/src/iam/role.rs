//! IAM roles: a role is a local principal of kind `role` whose trust policy says who may
//! assume it (STS `AssumeRole`), and service-linked roles made for an AWS service.

use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::{IamPrincipal, LocalPrincipal};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::{check_document, check_name, check_path, encoded, error, named, page, unique_id, ROLE};
use crate::kit::{req, str_of, tag_list, tags_from_list, Ctx, OpResult, Outcome};

/// A role as `GetRole` answers it.
pub(crate) fn wire(p: &LocalPrincipal) -> Value {
    let iam = p.iam.clone().unwrap_or_default();
    let mut role = json!({
        "Path": p.path, "RoleName": p.name, "RoleId": p.id, "Arn": p.arn, "CreateDate": p.created_at,
        "MaxSessionDuration": if iam.max_session_duration > 0 { iam.max_session_duration } else { 3600 },
        "Tags": tag_list(&p.tags), "RoleLastUsed": {},
    });
    if !iam.trust_policy.is_empty() {
        role["AssumeRolePolicyDocument"] = json!(encoded(&iam.trust_policy));
    }
    if !iam.description.is_empty() {
        role["Description"] = json!(iam.description);
    }
    if let Some(arn) = &iam.permissions_boundary {
        role["PermissionsBoundary"] = json!({ "PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn });
    }
    role
}

/// A new role (or user) principal of the caller's account, with fresh keys (a role's are
/// handed out by `AssumeRole`; a user's own are never shown: it signs with access keys).
pub(crate) fn new_principal(
    ctx: &Ctx,
    s: &State,
    kind: &str,
    name: &str,
    path: String,
    iam: IamPrincipal,
) -> Result<LocalPrincipal, ApiError> {
    let taken = s
        .local_principals
        .values()
        .any(|p| p.account == ctx.account && p.kind == kind && p.name.eq_ignore_ascii_case(name));
    if taken {
        let noun = if kind == "role" { "Role" } else { "User" };
        return Err(error("EntityAlreadyExists", format!("{noun} with name {name} already exists.")));
    }
    let prefix = if kind == "role" { "AROA" } else { "AIDA" };
    let (access_key_id, secret_access_key) = super::new_key("ASIA");
    Ok(LocalPrincipal {
        id: unique_id(prefix),
        name: name.to_string(),
        kind: kind.to_string(),
        arn: format!("arn:aws:iam::{}:{kind}{path}{name}", ctx.account),
        path,
        access_key_id,
        secret_access_key,
        policy: None,
        iam: Some(iam),
        created_at: now_rfc3339(),
        tags: Default::default(),
        account: ctx.account.clone(),
    })
}

fn session_duration(input: &Value) -> Result<i64, ApiError> {
    let seconds = input.get("MaxSessionDuration").and_then(Value::as_i64).unwrap_or(3600);
    if !(3600..=43200).contains(&seconds) {
        return Err(error(
            "ValidationError",
            "The requested MaxSessionDuration exceeds the allowed range: it must be between 3600 and 43200 seconds.",
        ));
    }
    Ok(seconds)
}

fn boundary_arn(s: &State, arn: &str) -> Result<String, ApiError> {
    if lattice_model::iam_policies::managed_document(s, arn).is_none() {
        return Err(error(
            "NoSuchEntity",
            format!("Scope ARN: {} does not exist or is not attachable.", lattice_api::model::echo(arn)),
        ));
    }
    Ok(arn.to_string())
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "RoleName");
    check_name(name, 64, "roleName")?;
    let iam = IamPrincipal {
        description: str_of(input, "Description").unwrap_or_default().to_string(),
        trust_policy: check_document(req(input, "AssumeRolePolicyDocument"), true)?,
        max_session_duration: session_duration(input)?,
        permissions_boundary: str_of(input, "PermissionsBoundary").map(|arn| boundary_arn(s, arn)).transpose()?,
        ..IamPrincipal::default()
    };
    let mut role = new_principal(ctx, s, "role", name, check_path(input)?, iam)?;
    role.tags = tags_from_list(input.get("Tags"));
    Outcome::write(vec![role.put()], json!({ "Role": wire(&role) }))
}

pub(crate) fn get(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    Outcome::read(json!({ "Role": wire(named(ctx, s, input, ROLE)?) }))
}

/// Changes a role's (or user's) IAM details.
pub(crate) fn edit(
    ctx: &Ctx,
    s: &State,
    input: &Value,
    kind: super::Kind,
    change: impl FnOnce(&mut LocalPrincipal) -> Result<(), ApiError>,
) -> OpResult {
    let mut p = named(ctx, s, input, kind)?.clone();
    change(&mut p)?;
    Outcome::write(vec![p.put()], json!({}))
}

fn details(p: &mut LocalPrincipal) -> &mut IamPrincipal {
    p.iam.get_or_insert_with(IamPrincipal::default)
}

pub(crate) fn update(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    edit(ctx, s, input, ROLE, |p| {
        if let Some(d) = str_of(input, "Description") {
            details(p).description = d.to_string();
        }
        if input.get("MaxSessionDuration").is_some() {
            details(p).max_session_duration = session_duration(input)?;
        }
        Ok(())
    })
}

pub(crate) fn update_description(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut role = named(ctx, s, input, ROLE)?.clone();
    details(&mut role).description = str_of(input, "Description").unwrap_or_default().to_string();
    Outcome::write(vec![role.put()], json!({ "Role": wire(&role) }))
}

pub(crate) fn update_trust(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let document = check_document(req(input, "PolicyDocument"), true)?;
    edit(ctx, s, input, ROLE, |p| {
        details(p).trust_policy = document;
        Ok(())
    })
}

pub(crate) fn boundary(ctx: &Ctx, s: &State, input: &Value, put: bool) -> OpResult {
    let arn = if put { Some(boundary_arn(s, req(input, "PermissionsBoundary"))?) } else { None };
    edit(ctx, s, input, ROLE, |p| {
        details(p).permissions_boundary = arn;
        Ok(())
    })
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let role = named(ctx, s, input, ROLE)?;
    let iam = role.iam.clone().unwrap_or_default();
    if !iam.inline_policies.is_empty() {
        return Err(error("DeleteConflict", "Cannot delete entity, must delete policies first."));
    }
    if !iam.attached_policies.is_empty() {
        return Err(error("DeleteConflict", "Cannot delete entity, must detach all policies first."));
    }
    if s.instance_profiles.values().any(|i| i.account == role.account && i.roles.contains(&role.name)) {
        return Err(error("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."));
    }
    Outcome::write(vec![role.delete()], json!({}))
}

pub(crate) fn list(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let prefix = str_of(input, "PathPrefix").unwrap_or("/");
    let roles = s
        .local_principals
        .values()
        .filter(|p| p.account == ctx.account && p.kind == "role" && p.path.starts_with(prefix))
        .map(|p| {
            let mut w = wire(p);
            if let Some(o) = w.as_object_mut() {
                o.remove("Tags");
                o.remove("RoleLastUsed");
            }
            w
        })
        .collect();
    Outcome::read(page(roles, input, "Roles"))
}

pub(crate) fn tag(ctx: &Ctx, s: &State, input: &Value, add: bool) -> OpResult {
    edit(ctx, s, input, ROLE, |p| {
        retag(&mut p.tags, input, add);
        Ok(())
    })
}

/// Adds `Tags` or removes `TagKeys`.
pub(crate) fn retag(tags: &mut lattice_model::records::Tags, input: &Value, add: bool) {
    if add {
        tags.extend(tags_from_list(input.get("Tags")));
    } else {
        for key in crate::kit::string_list(input, "TagKeys") {
            tags.remove(&key);
        }
    }
}

pub(crate) fn list_tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let role = named(ctx, s, input, ROLE)?;
    Outcome::read(json!({ "Tags": tag_list(&role.tags), "IsTruncated": false }))
}

/// `AWSServiceRoleFor…`: the role a service links to the account (trusting only that service).
pub(crate) fn create_service_linked(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let description = str_of(input, "Description").unwrap_or_default();
    let role = service_linked(ctx, s, req(input, "AWSServiceName"), description, str_of(input, "CustomSuffix"))?;
    Outcome::write(vec![role.put()], json!({ "Role": wire(&role) }))
}

/// A new service-linked role for `service` (`ram.amazonaws.com`) in the caller's account.
pub(crate) fn service_linked(
    ctx: &Ctx,
    s: &State,
    service: &str,
    description: &str,
    suffix: Option<&str>,
) -> Result<LocalPrincipal, ApiError> {
    let Some(prefix) = service.strip_suffix(".amazonaws.com").filter(|p| !p.is_empty()) else {
        return Err(error("InvalidInput", format!("Invalid service name {}", lattice_api::model::echo(service))));
    };
    let base: String = match prefix {
        "ram" => "ResourceAccessManager".to_string(),
        "vpc-lattice" => "VpcLattice".to_string(),
        other => other
            .split(['-', '.'])
            .map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
            })
            .collect(),
    };
    let suffix = suffix.map(|s| format!("_{s}")).unwrap_or_default();
    let name = format!("AWSServiceRoleFor{base}{suffix}");
    let trust = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow",
        "Principal": { "Service": service }, "Action": "sts:AssumeRole" }] });
    let iam = IamPrincipal {
        description: description.to_string(),
        trust_policy: trust.to_string(),
        max_session_duration: 3600,
        service_linked: true,
        ..IamPrincipal::default()
    };
    new_principal(ctx, s, "role", &name, format!("/aws-service-role/{service}/"), iam)
}

pub(crate) fn delete_service_linked(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let role = named(ctx, s, input, ROLE)?;
    if !role.iam.as_ref().is_some_and(|i| i.service_linked) {
        return Err(error("InvalidInput", format!("{} is not a service-linked role", role.name)));
    }
    let task = format!("task{}{}/{}", role.path, role.name, lattice_api::ids::uuid());
    Outcome::write(vec![role.delete()], json!({ "DeletionTaskId": task }))
}

/// Deletions finish at once here.
pub(crate) fn deletion_status(_: &Ctx, _: &State, _: &Value) -> OpResult {
    Outcome::read(json!({ "Status": "SUCCEEDED" }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn a_role_belongs_to_its_account_and_is_refused_as_iam_refuses_it() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let role = run(&mut s, &a, create, json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST })).unwrap();
        assert_eq!(role["Role"]["Arn"], format!("arn:aws:iam::{A}:role/app"));
        let again = run(&mut s, &a, create, json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST }));
        assert_eq!(code(again), "EntityAlreadyExists");
        // Another account has its own name space and does not see A's role.
        assert_eq!(code(run(&mut s, &b, get, json!({ "RoleName": "app" }))), "NoSuchEntity");
        run(&mut s, &b, create, json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST })).unwrap();
        assert_eq!(run(&mut s, &a, list, json!({})).unwrap()["Roles"].as_array().unwrap().len(), 1);
        for bad in ["not json", r#"{"Statement":"x"}"#] {
            let refused = run(&mut s, &a, create, json!({ "RoleName": "other", "AssumeRolePolicyDocument": bad }));
            assert_eq!(code(refused), "MalformedPolicyDocument", "{bad}");
        }
        let long = run(&mut s, &a, create, json!({ "RoleName": "x".repeat(65), "AssumeRolePolicyDocument": TRUST }));
        assert_eq!(code(long), "ValidationError");
        assert_eq!(s.local_principals.len(), 2, "nothing is stored on rejection");
    }

    #[test]
    fn updates_keep_the_role_and_delete_waits_for_its_policies() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        run(&mut s, &a, create, json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST })).unwrap();
        run(&mut s, &a, update, json!({ "RoleName": "app", "Description": "the app", "MaxSessionDuration": 7200 }))
            .unwrap();
        let got = run(&mut s, &a, get, json!({ "RoleName": "app" })).unwrap();
        assert_eq!(
            (got["Role"]["Description"].clone(), got["Role"]["MaxSessionDuration"].clone()),
            (json!("the app"), json!(7200))
        );
        let too_long = run(&mut s, &a, update, json!({ "RoleName": "app", "MaxSessionDuration": 99999 }));
        assert_eq!(code(too_long), "ValidationError");
        let policy = "arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess";
        run(
            &mut s,
            &a,
            |c, s, i| crate::iam::policy::attach(c, s, i, crate::iam::ROLE, true),
            json!({ "RoleName": "app", "PolicyArn": policy }),
        )
        .unwrap();
        assert_eq!(code(run(&mut s, &a, delete, json!({ "RoleName": "app" }))), "DeleteConflict");
        run(
            &mut s,
            &a,
            |c, s, i| crate::iam::policy::attach(c, s, i, crate::iam::ROLE, false),
            json!({ "RoleName": "app", "PolicyArn": policy }),
        )
        .unwrap();
        run(&mut s, &a, delete, json!({ "RoleName": "app" })).unwrap();
        assert!(s.local_principals.is_empty());
    }
}
