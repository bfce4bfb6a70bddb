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
