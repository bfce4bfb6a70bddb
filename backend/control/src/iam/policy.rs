//! IAM policies: customer managed policies with up to five versions, AWS managed policies
//! (read only, from `lattice_model::iam_policies`), their attachments to roles and users, and
//! inline policies. What a principal's policies allow is its identity policy for Lattice auth.

use lattice_api::{now_rfc3339, ApiError};
use lattice_model::iam_policies::{aws_managed, AWS_MANAGED};
use lattice_model::records::{IamPolicy, IamPolicyVersion, IamPrincipal, LocalPrincipal};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::role::{edit, retag};
use super::{check_document, check_name, check_path, encoded, error, named, page, unique_id, Kind};
use crate::kit::{req, str_of, tag_list, tags_from_list, Ctx, OpResult, Outcome};

/// Versions a managed policy may have.
const VERSIONS: usize = 5;
/// Managed policies attached to one role or user.
const ATTACHED: usize = 10;

/// Roles and users of `account` with `arn` attached.
fn holders<'a>(s: &'a State, account: &'a str, arn: &'a str) -> impl Iterator<Item = &'a LocalPrincipal> + 'a {
    s.local_principals.values().filter(move |p| {
        p.account == account && p.iam.as_ref().is_some_and(|i| i.attached_policies.iter().any(|a| a == arn))
    })
}

fn wire(s: &State, p: &IamPolicy) -> Value {
    json!({
        "PolicyName": p.name, "PolicyId": p.id, "Arn": p.arn, "Path": p.path, "DefaultVersionId": p.default_version,
        "AttachmentCount": holders(s, &p.account, &p.arn).count(), "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true, "Description": p.description, "CreateDate": p.created_at, "UpdateDate": p.updated_at,
        "Tags": tag_list(&p.tags),
    })
}

/// An AWS managed policy as IAM describes it.
fn managed_wire(s: &State, ctx: &Ctx, m: &lattice_model::iam_policies::ManagedPolicy) -> Value {
    let arn = m.arn();
    json!({
        "PolicyName": m.name, "PolicyId": format!("ANPA{}", lattice_api::ids::suffix(&arn).to_ascii_uppercase()),
        "Arn": arn, "Path": m.path, "DefaultVersionId": "v1",
        "AttachmentCount": holders(s, &ctx.account, &arn).count(), "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true, "Description": m.description, "CreateDate": "2019-01-01T00:00:00Z",
        "UpdateDate": "2019-01-01T00:00:00Z",
    })
}

fn no_policy(arn: &str) -> ApiError {
    error("NoSuchEntity", format!("Policy {} does not exist or is not attachable.", lattice_api::model::echo(arn)))
}

/// The caller's customer managed policy with this ARN.
fn owned<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a IamPolicy, ApiError> {
    s.iam_policies.values().find(|p| p.account == ctx.account && p.arn == arn).ok_or_else(|| no_policy(arn))
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "PolicyName");
    check_name(name, 128, "policyName")?;
    let path = check_path(input)?;
    if s.iam_policies.values().any(|p| p.account == ctx.account && p.name.eq_ignore_ascii_case(name)) {
        return Err(error(
            "EntityAlreadyExists",
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let document = check_document(req(input, "PolicyDocument"), false)?;
    let now = now_rfc3339();
    let policy = IamPolicy {
        id: unique_id("ANPA"),
        name: name.to_string(),
        arn: format!("arn:aws:iam::{}:policy{path}{name}", ctx.account),
        path,
        description: str_of(input, "Description").unwrap_or_default().to_string(),
        versions: [("v1".to_string(), IamPolicyVersion { document, created_at: now.clone() })].into(),
        default_version: "v1".into(),
        next_version: 2,
        created_at: now.clone(),
        updated_at: now,
        tags: tags_from_list(input.get("Tags")),
        account: ctx.account.clone(),
    };
    Outcome::write(vec![policy.put()], json!({ "Policy": wire(s, &policy) }))
}

pub(crate) fn get(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "PolicyArn");
    if let Some(m) = aws_managed(arn) {
        return Outcome::read(json!({ "Policy": managed_wire(s, ctx, m) }));
    }
    Outcome::read(json!({ "Policy": wire(s, owned(ctx, s, arn)?) }))
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let policy = owned(ctx, s, req(input, "PolicyArn"))?;
    if holders(s, &ctx.account, &policy.arn).next().is_some() {
        return Err(error("DeleteConflict", "Cannot delete a policy attached to entities."));
    }
    if policy.versions.len() > 1 {
        return Err(error("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."));
    }
    Outcome::write(vec![policy.delete()], json!({}))
}

pub(crate) fn list(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let scope = str_of(input, "Scope").unwrap_or("All");
    let prefix = str_of(input, "PathPrefix").unwrap_or("/");
    let attached_only = input.get("OnlyAttached").and_then(Value::as_bool).unwrap_or(false);
    let mut items: Vec<Value> = vec![];
    if scope != "Local" {
        items.extend(AWS_MANAGED.iter().filter(|m| m.path.starts_with(prefix)).map(|m| managed_wire(s, ctx, m)));
    }
    if scope != "AWS" {
        items.extend(
            s.iam_policies
                .values()
                .filter(|p| p.account == ctx.account && p.path.starts_with(prefix))
                .map(|p| wire(s, p)),
        );
    }
    items.retain(|p| !attached_only || p["AttachmentCount"].as_u64().unwrap_or(0) > 0);
    for p in &mut items {
        if let Some(o) = p.as_object_mut() {
            o.remove("Tags");
        }
    }
    Outcome::read(page(items, input, "Policies"))
}

fn edit_policy(
    ctx: &Ctx,
    s: &State,
    input: &Value,
    change: impl FnOnce(&mut IamPolicy) -> Result<(), ApiError>,
) -> OpResult {
    let mut policy = owned(ctx, s, req(input, "PolicyArn"))?.clone();
    change(&mut policy)?;
    Outcome::write(vec![policy.put()], json!({}))
}

pub(crate) fn tag(ctx: &Ctx, s: &State, input: &Value, add: bool) -> OpResult {
    edit_policy(ctx, s, input, |p| {
        retag(&mut p.tags, input, add);
        Ok(())
    })
}

pub(crate) fn list_tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let policy = owned(ctx, s, req(input, "PolicyArn"))?;
    Outcome::read(json!({ "Tags": tag_list(&policy.tags), "IsTruncated": false }))
}

fn version_wire(id: &str, v: &IamPolicyVersion, default: bool) -> Value {
    json!({ "Document": encoded(&v.document), "VersionId": id, "IsDefaultVersion": default, "CreateDate": v.created_at })
}

pub(crate) fn create_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let document = check_document(req(input, "PolicyDocument"), false)?;
    let mut policy = owned(ctx, s, req(input, "PolicyArn"))?.clone();
    if policy.versions.len() >= VERSIONS {
        return Err(error("LimitExceeded", format!("A managed policy can have up to {VERSIONS} versions. Before you create a new version, you must delete an existing version.")));
    }
    let id = format!("v{}", policy.next_version);
    policy.next_version += 1;
    let now = now_rfc3339();
    let version = IamPolicyVersion { document, created_at: now.clone() };
    let default = input.get("SetAsDefault").and_then(Value::as_bool).unwrap_or(false);
    let body = json!({ "PolicyVersion": version_wire(&id, &version, default) });
    policy.versions.insert(id.clone(), version);
    if default {
        policy.default_version = id;
    }
    policy.updated_at = now;
    Outcome::write(vec![policy.put()], body)
}

pub(crate) fn get_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (arn, id) = (req(input, "PolicyArn"), req(input, "VersionId"));
    if let Some(m) = aws_managed(arn).filter(|_| id == "v1") {
        let v = IamPolicyVersion { document: m.document.to_string(), created_at: "2019-01-01T00:00:00Z".into() };
        return Outcome::read(json!({ "PolicyVersion": version_wire("v1", &v, true) }));
    }
    let policy = owned(ctx, s, arn)?;
    let version = policy.versions.get(id).ok_or_else(|| {
        error(
            "NoSuchEntity",
            format!("Policy {arn} version {} does not exist or is not attachable.", lattice_api::model::echo(id)),
        )
    })?;
    Outcome::read(json!({ "PolicyVersion": version_wire(id, version, id == policy.default_version) }))
}

pub(crate) fn delete_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let id = req(input, "VersionId").to_string();
    edit_policy(ctx, s, input, |p| {
        if p.default_version == id {
            return Err(error("DeleteConflict", "Cannot delete the default version of a policy."));
        }
        p.versions
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| error("NoSuchEntity", format!("Policy {} version {id} does not exist.", p.arn)))
    })
}

pub(crate) fn list_versions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "PolicyArn");
    if let Some(m) = aws_managed(arn) {
        let v = IamPolicyVersion { document: m.document.to_string(), created_at: "2019-01-01T00:00:00Z".into() };
        let mut item = version_wire("v1", &v, true);
        item.as_object_mut().map(|o| o.remove("Document"));
        return Outcome::read(page(vec![item], input, "Versions"));
    }
    let policy = owned(ctx, s, arn)?;
    let mut items: Vec<(u32, Value)> = policy
        .versions
        .iter()
        .map(|(id, v)| {
            let mut item = version_wire(id, v, *id == policy.default_version);
            item.as_object_mut().map(|o| o.remove("Document"));
            (id.trim_start_matches('v').parse().unwrap_or(0), item)
        })
        .collect();
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    Outcome::read(page(items.into_iter().map(|(_, v)| v).collect(), input, "Versions"))
}

pub(crate) fn set_default_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let id = req(input, "VersionId").to_string();
    edit_policy(ctx, s, input, |p| {
        if !p.versions.contains_key(&id) {
            return Err(error("NoSuchEntity", format!("Policy {} version {id} does not exist.", p.arn)));
        }
        p.default_version = id;
        p.updated_at = now_rfc3339();
        Ok(())
    })
}

pub(crate) fn entities(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "PolicyArn");
    if aws_managed(arn).is_none() {
        owned(ctx, s, arn)?;
    }
    let (mut roles, mut users) = (vec![], vec![]);
    for p in holders(s, &ctx.account, arn) {
        match p.kind.as_str() {
            "role" => roles.push(json!({ "RoleName": p.name, "RoleId": p.id })),
            _ => users.push(json!({ "UserName": p.name, "UserId": p.id })),
        }
    }
    Outcome::read(json!({ "PolicyGroups": [], "PolicyUsers": users, "PolicyRoles": roles, "IsTruncated": false }))
}

fn details(p: &mut LocalPrincipal) -> &mut IamPrincipal {
    p.iam.get_or_insert_with(IamPrincipal::default)
}

pub(crate) fn attach(ctx: &Ctx, s: &State, input: &Value, kind: Kind, add: bool) -> OpResult {
    let arn = req(input, "PolicyArn").to_string();
    // AWS managed policies, or the caller's own.
    if aws_managed(&arn).is_none() && owned(ctx, s, &arn).is_err() {
        return Err(no_policy(&arn));
    }
    edit(ctx, s, input, kind, |p| {
        let list = &mut details(p).attached_policies;
        let at = list.iter().position(|a| *a == arn);
        match (add, at) {
            (true, None) if list.len() >= ATTACHED => {
                Err(error("LimitExceeded", format!("Cannot exceed quota for PoliciesPerRole: {ATTACHED}")))
            }
            (true, None) => {
                list.push(arn);
                Ok(())
            }
            (true, Some(_)) => Ok(()),
            (false, Some(i)) => {
                list.remove(i);
                Ok(())
            }
            (false, None) => Err(error("NoSuchEntity", format!("Policy {arn} was not found."))),
        }
    })
}

pub(crate) fn list_attached(ctx: &Ctx, s: &State, input: &Value, kind: Kind) -> OpResult {
    let p = named(ctx, s, input, kind)?;
    let prefix = str_of(input, "PathPrefix").unwrap_or("/");
    let items = p
        .iam
        .iter()
        .flat_map(|i| &i.attached_policies)
        .filter(|arn| arn.split(":policy").nth(1).is_some_and(|rest| rest.starts_with(prefix)))
        .map(|arn| json!({ "PolicyName": arn.rsplit('/').next().unwrap_or_default(), "PolicyArn": arn }))
        .collect();
    Outcome::read(page(items, input, "AttachedPolicies"))
}

pub(crate) fn put_inline(ctx: &Ctx, s: &State, input: &Value, kind: Kind) -> OpResult {
    let name = req(input, "PolicyName").to_string();
    check_name(&name, 128, "policyName")?;
    let document = check_document(req(input, "PolicyDocument"), false)?;
    edit(ctx, s, input, kind, |p| {
        details(p).inline_policies.insert(name, document);
        Ok(())
    })
}

pub(crate) fn get_inline(ctx: &Ctx, s: &State, input: &Value, kind: Kind) -> OpResult {
    let p = named(ctx, s, input, kind)?;
    let name = req(input, "PolicyName");
    let document = p.iam.as_ref().and_then(|i| i.inline_policies.get(name)).ok_or_else(|| {
        error(
            "NoSuchEntity",
            format!("The {} policy with name {} cannot be found.", kind.noun, lattice_api::model::echo(name)),
        )
    })?;
    Outcome::read(json!({ kind.member: p.name, "PolicyName": name, "PolicyDocument": encoded(document) }))
}

pub(crate) fn delete_inline(ctx: &Ctx, s: &State, input: &Value, kind: Kind) -> OpResult {
    let name = req(input, "PolicyName").to_string();
    edit(ctx, s, input, kind, |p| {
        details(p).inline_policies.remove(&name).map(|_| ()).ok_or_else(|| {
            error(
                "NoSuchEntity",
                format!("The {} policy with name {} cannot be found.", kind.noun, lattice_api::model::echo(&name)),
            )
        })
    })
}

pub(crate) fn list_inline(ctx: &Ctx, s: &State, input: &Value, kind: Kind) -> OpResult {
    let p = named(ctx, s, input, kind)?;
    let names = p.iam.iter().flat_map(|i| i.inline_policies.keys()).map(|n| json!(n)).collect();
    Outcome::read(page(names, input, "PolicyNames"))
}
