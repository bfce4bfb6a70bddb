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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::{role, ROLE};
    use crate::kit::testing::{code, run, A, B};

    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"vpc-lattice-svcs:Invoke","Resource":"*"}]}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;

    fn arn_of(created: &Value) -> String {
        created["Policy"]["Arn"].as_str().unwrap().to_string()
    }

    #[test]
    fn versions_are_kept_up_to_five_and_the_default_cannot_go() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        let arn = arn_of(&run(&mut s, &a, create, json!({ "PolicyName": "invoke", "PolicyDocument": DOC })).unwrap());
        for _ in 0..4 {
            run(&mut s, &a, create_version, json!({ "PolicyArn": arn, "PolicyDocument": DOC, "SetAsDefault": true }))
                .unwrap();
        }
        let sixth = run(&mut s, &a, create_version, json!({ "PolicyArn": arn, "PolicyDocument": DOC }));
        assert_eq!(code(sixth), "LimitExceeded");
        let versions = run(&mut s, &a, list_versions, json!({ "PolicyArn": arn })).unwrap();
        assert_eq!(versions["Versions"][0]["VersionId"], "v5", "newest first");
        assert_eq!(versions["Versions"][0]["IsDefaultVersion"], true);
        let default = run(&mut s, &a, delete_version, json!({ "PolicyArn": arn, "VersionId": "v5" }));
        assert_eq!(code(default), "DeleteConflict");
        assert_eq!(code(run(&mut s, &a, delete, json!({ "PolicyArn": arn }))), "DeleteConflict");
        for v in ["v1", "v2", "v3", "v4"] {
            run(&mut s, &a, delete_version, json!({ "PolicyArn": arn, "VersionId": v })).unwrap();
        }
        run(&mut s, &a, delete, json!({ "PolicyArn": arn })).unwrap();
        assert!(s.iam_policies.is_empty());
    }

    #[test]
    fn only_aws_managed_or_own_policies_attach() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let theirs =
            arn_of(&run(&mut s, &b, create, json!({ "PolicyName": "theirs", "PolicyDocument": DOC })).unwrap());
        assert_eq!(code(run(&mut s, &a, get, json!({ "PolicyArn": theirs }))), "NoSuchEntity");
        run(&mut s, &a, role::create, json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST })).unwrap();
        let attach = |c: &Ctx, s: &State, i: &Value| attach(c, s, i, ROLE, true);
        assert_eq!(code(run(&mut s, &a, attach, json!({ "RoleName": "app", "PolicyArn": theirs }))), "NoSuchEntity");
        let mine = arn_of(&run(&mut s, &a, create, json!({ "PolicyName": "mine", "PolicyDocument": DOC })).unwrap());
        run(&mut s, &a, attach, json!({ "RoleName": "app", "PolicyArn": mine })).unwrap();
        let managed = "arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess";
        run(&mut s, &a, attach, json!({ "RoleName": "app", "PolicyArn": managed })).unwrap();
        let attached = run(&mut s, &a, |c, s, i| list_attached(c, s, i, ROLE), json!({ "RoleName": "app" })).unwrap();
        assert_eq!(attached["AttachedPolicies"].as_array().unwrap().len(), 2);
        assert_eq!(run(&mut s, &a, get, json!({ "PolicyArn": mine })).unwrap()["Policy"]["AttachmentCount"], 1);
        assert_eq!(code(run(&mut s, &a, delete, json!({ "PolicyArn": mine }))), "DeleteConflict");
        let bad = run(
            &mut s,
            &a,
            create,
            json!({ "PolicyName": "bad", "PolicyDocument": r#"{"Statement":[{"Effect":"deny"}]}"# }),
        );
        assert_eq!(code(bad), "MalformedPolicyDocument");
    }

    #[test]
    fn inline_policies_are_put_read_and_deleted_by_name() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        run(&mut s, &a, role::create, json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST })).unwrap();
        let input = json!({ "RoleName": "app", "PolicyName": "inline", "PolicyDocument": DOC });
        run(&mut s, &a, |c, s, i| put_inline(c, s, i, ROLE), input).unwrap();
        let got =
            run(&mut s, &a, |c, s, i| get_inline(c, s, i, ROLE), json!({ "RoleName": "app", "PolicyName": "inline" }))
                .unwrap();
        assert_eq!(got["PolicyName"], "inline");
        let listed = run(&mut s, &a, |c, s, i| list_inline(c, s, i, ROLE), json!({ "RoleName": "app" })).unwrap();
        assert_eq!(listed["PolicyNames"], json!(["inline"]));
        run(&mut s, &a, |c, s, i| delete_inline(c, s, i, ROLE), json!({ "RoleName": "app", "PolicyName": "inline" }))
            .unwrap();
        let gone =
            run(&mut s, &a, |c, s, i| get_inline(c, s, i, ROLE), json!({ "RoleName": "app", "PolicyName": "inline" }));
        assert_eq!(code(gone), "NoSuchEntity");
    }
}
