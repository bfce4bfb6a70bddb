//! Instance profiles: a container for one role, as EC2 reads it. Stored and answered; no
//! instance here uses one.

use lattice_api::now_rfc3339;
use lattice_model::records::InstanceProfile;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::role::{retag, wire as role_wire};
use super::{check_name, check_path, error, named, page, unique_id, ROLE};
use crate::kit::{req, tag_list, tags_from_list, Ctx, OpResult, Outcome};

fn wire(s: &State, i: &InstanceProfile) -> Value {
    let roles: Vec<Value> = i
        .roles
        .iter()
        .filter_map(|name| {
            s.local_principals.values().find(|p| p.account == i.account && p.kind == "role" && p.name == *name)
        })
        .map(role_wire)
        .collect();
    json!({
        "Path": i.path, "InstanceProfileName": i.name, "InstanceProfileId": i.id, "Arn": i.arn,
        "CreateDate": i.created_at, "Roles": roles, "Tags": tag_list(&i.tags),
    })
}

fn find<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a InstanceProfile, lattice_api::ApiError> {
    let name = req(input, "InstanceProfileName");
    s.instance_profiles.values().find(|i| i.account == ctx.account && i.name == name).ok_or_else(|| {
        error("NoSuchEntity", format!("Instance Profile {} cannot be found.", lattice_api::model::echo(name)))
    })
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "InstanceProfileName");
    check_name(name, 128, "instanceProfileName")?;
    let path = check_path(input)?;
    if s.instance_profiles.values().any(|i| i.account == ctx.account && i.name.eq_ignore_ascii_case(name)) {
        return Err(error("EntityAlreadyExists", format!("Instance Profile {name} already exists.")));
    }
    let profile = InstanceProfile {
        id: unique_id("AIPA"),
        name: name.to_string(),
        arn: format!("arn:aws:iam::{}:instance-profile{path}{name}", ctx.account),
        path,
        roles: vec![],
        created_at: now_rfc3339(),
        tags: tags_from_list(input.get("Tags")),
        account: ctx.account.clone(),
    };
    Outcome::write(vec![profile.put()], json!({ "InstanceProfile": wire(s, &profile) }))
}

pub(crate) fn get(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    Outcome::read(json!({ "InstanceProfile": wire(s, find(ctx, s, input)?) }))
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let profile = find(ctx, s, input)?;
    if !profile.roles.is_empty() {
        return Err(error("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."));
    }
    Outcome::write(vec![profile.delete()], json!({}))
}

pub(crate) fn list_for_role(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let role = named(ctx, s, input, ROLE)?;
    let items = s
        .instance_profiles
        .values()
        .filter(|i| i.account == ctx.account && i.roles.contains(&role.name))
        .map(|i| wire(s, i))
        .collect();
    Outcome::read(page(items, input, "InstanceProfiles"))
}

pub(crate) fn role(ctx: &Ctx, s: &State, input: &Value, add: bool) -> OpResult {
    let role = named(ctx, s, input, ROLE)?;
    let mut profile = find(ctx, s, input)?.clone();
    let at = profile.roles.iter().position(|r| *r == role.name);
    match (add, at) {
        (true, Some(_)) | (true, None) if !profile.roles.is_empty() => {
            return Err(error("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"))
        }
        (true, _) => profile.roles.push(role.name.clone()),
        (false, Some(i)) => {
            profile.roles.remove(i);
        }
        (false, None) => {
            return Err(error(
                "NoSuchEntity",
                format!("The role with name {} cannot be found in the instance profile.", role.name),
            ))
        }
    }
    Outcome::write(vec![profile.put()], json!({}))
}

pub(crate) fn tag(ctx: &Ctx, s: &State, input: &Value, add: bool) -> OpResult {
    let mut profile = find(ctx, s, input)?.clone();
    retag(&mut profile.tags, input, add);
    Outcome::write(vec![profile.put()], json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::role;
    use crate::kit::testing::{code, run, A, B};

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn a_profile_holds_one_role_of_its_account() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        run(&mut s, &a, role::create, json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST })).unwrap();
        run(&mut s, &a, role::create, json!({ "RoleName": "two", "AssumeRolePolicyDocument": TRUST })).unwrap();
        run(&mut s, &a, create, json!({ "InstanceProfileName": "web" })).unwrap();
        assert_eq!(code(run(&mut s, &a, create, json!({ "InstanceProfileName": "WEB" }))), "EntityAlreadyExists");
        assert_eq!(code(run(&mut s, &b, get, json!({ "InstanceProfileName": "web" }))), "NoSuchEntity");
        let add = |c: &Ctx, s: &State, i: &Value| role(c, s, i, true);
        run(&mut s, &a, add, json!({ "InstanceProfileName": "web", "RoleName": "app" })).unwrap();
        assert_eq!(
            code(run(&mut s, &a, add, json!({ "InstanceProfileName": "web", "RoleName": "two" }))),
            "LimitExceeded"
        );
        let listed = run(&mut s, &a, list_for_role, json!({ "RoleName": "app" })).unwrap();
        assert_eq!(listed["InstanceProfiles"][0]["InstanceProfileName"], "web");
        assert_eq!(code(run(&mut s, &a, delete, json!({ "InstanceProfileName": "web" }))), "DeleteConflict");
        assert_eq!(code(run(&mut s, &a, role::delete, json!({ "RoleName": "app" }))), "DeleteConflict");
        run(&mut s, &a, |c, s, i| role(c, s, i, false), json!({ "InstanceProfileName": "web", "RoleName": "app" }))
            .unwrap();
        run(&mut s, &a, delete, json!({ "InstanceProfileName": "web" })).unwrap();
        assert!(s.instance_profiles.is_empty());
    }
}
