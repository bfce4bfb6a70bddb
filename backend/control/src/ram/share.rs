//! Resource shares and organization sharing.

use std::collections::BTreeMap;

use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::kit::{str_of, string_list, Ctx, OpResult, Outcome};
use crate::ram::association::associate;
use crate::ram::common::*;
use crate::ram::permission::version_input;
use crate::sharing::{self};

pub(crate) fn create_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = str_of(input, "name").unwrap_or_default();
    if name.trim().is_empty() {
        return Err(invalid("name must not be empty"));
    }
    let t = now();
    let id = uuid();
    let mut share = ResourceShare {
        resource_share_arn: ram_arn(ctx, &ctx.account, &format!("resource-share/{id}")),
        id,
        name: name.to_string(),
        owning_account_id: ctx.account.clone(),
        allow_external_principals: input.get("allowExternalPrincipals").and_then(Value::as_bool).unwrap_or(true),
        status: "ACTIVE".into(),
        feature_set: "STANDARD".into(),
        resource_share_configuration: input.get("resourceShareConfiguration").cloned(),
        creation_time: t,
        last_updated_time: t,
        permissions: BTreeMap::new(),
        tags: tags_input(input)?,
        account: ctx.account.clone(),
    };
    if share.tags.len() > MAX_TAGS {
        return Err(error("TagLimitExceededException", format!("A resource share has at most {MAX_TAGS} tags")));
    }
    for arn in string_list(input, "permissionArns") {
        let p = find_permission(ctx, s, &arn)?;
        if let Perm::Customer(c) = &p {
            if c.status == "DEPRECATED" {
                return Err(not_permitted(format!("{arn} is deprecated")));
            }
        }
        let rt = p.resource_type().to_string();
        if share.permissions.contains_key(&rt) {
            return Err(invalid(format!("permissionArns names two permissions for {rt}")));
        }
        share
            .permissions
            .insert(rt, SharePermission { arn: p.arn(), version: p.default_version(), last_updated_time: t });
    }
    let resources = string_list(input, "resourceArns");
    let (mut changes, _) =
        associate(ctx, s, &mut share, &string_list(input, "principals"), &resources, &string_list(input, "sources"))?;
    changes.insert(0, share.put());
    let body = json!({ "resourceShare": share_wire(&share), "clientToken": input.get("clientToken") });
    Outcome::write(changes, body)
}

pub(crate) fn update_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut share = standard_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?.clone();
    if let Some(name) = str_of(input, "name") {
        share.name = name.to_string();
    }
    if let Some(allow) = input.get("allowExternalPrincipals").and_then(Value::as_bool) {
        share.allow_external_principals = allow;
    }
    share.last_updated_time = now();
    let body = json!({ "resourceShare": share_wire(&share), "clientToken": input.get("clientToken") });
    Outcome::write(vec![share.put()], body)
}

pub(crate) fn delete_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let share = owned_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?;
    let mut changes: Vec<ObjectChange> =
        s.share_associations.values().filter(|a| a.share_id == share.id).map(Object::delete).collect();
    changes.extend(s.share_invitations.values().filter(|i| i.share_id == share.id).map(Object::delete));
    // As in RAM, the share stays, `DELETED`: found by its ARN or by that status, never usable.
    let mut gone = share.clone();
    gone.status = "DELETED".into();
    gone.last_updated_time = now();
    changes.push(gone.put());
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, json!({ "returnValue": true, "clientToken": input.get("clientToken") }))
}

pub(crate) fn get_resource_shares(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let own = str_of(input, "resourceOwner") == Some("SELF");
    let arns = string_list(input, "resourceShareArns");
    for arn in &arns {
        ram_arn_id(arn, "resource-share")?;
    }
    let status = str_of(input, "resourceShareStatus");
    let name = str_of(input, "name");
    let permission = str_of(input, "permissionArn");
    let permission_version = version_input(input, "permissionVersion");
    let items = s
        .resource_shares
        .values()
        .filter(|sh| if own { ctx.owns(*sh) } else { sh.account != ctx.account && shared_with_caller(ctx, s, sh) })
        .filter(|sh| arns.is_empty() || arns.contains(&sh.resource_share_arn))
        // Deleted shares are listed only when asked for by ARN or by their status.
        .filter(|sh| sh.status != "DELETED" || !arns.is_empty() || status == Some("DELETED"))
        .filter(|sh| status.is_none_or(|st| st == sh.status) && name.is_none_or(|n| n == sh.name))
        .filter(|sh| {
            permission.is_none_or(|p| {
                sh.permissions.values().any(|sp| sp.arn == p && permission_version.is_none_or(|v| v == sp.version))
            })
        })
        .filter(|sh| matches_tag_filters(sh, input))
        .map(share_wire)
        .collect();
    Outcome::read(page(items, input, "resourceShares")?)
}

pub(crate) fn matches_tag_filters(share: &ResourceShare, input: &Value) -> bool {
    input.get("tagFilters").and_then(Value::as_array).into_iter().flatten().all(|f| {
        let key = str_of(f, "tagKey").unwrap_or_default();
        let values = string_list(f, "tagValues");
        share.tags.get(key).is_some_and(|v| values.is_empty() || values.contains(v))
    })
}

pub(crate) fn enable_sharing_with_organization(ctx: &Ctx, s: &State) -> OpResult {
    let org = s.organizations.values().find(|o| ctx.owns(*o)).ok_or_else(|| {
        not_permitted("Only the management account of an organization can enable sharing with it (create a lattice_local_organization first)")
    })?;
    let mut org = org.clone();
    org.ram_sharing_enabled = true;
    let mut changes = vec![org.put()];
    // RAM's service-linked role, as AWS makes it (what `aws_ram_sharing_with_organization` reads).
    let role = "AWSServiceRoleForResourceAccessManager";
    if !s.local_principals.values().any(|p| p.account == ctx.account && p.kind == "role" && p.name == role) {
        let made = crate::iam::role::service_linked(ctx, s, "ram.amazonaws.com", "", None)?;
        changes.push(made.put());
    }
    Outcome::write(changes, json!({ "returnValue": true }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;
    use crate::ram::invitation::{answer_invitation, get_resource_share_invitations};
    use crate::ram::listing::list_resources;

    #[test]
    fn a_share_outside_the_organization_applies_once_its_invitation_is_accepted() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "orders" })).unwrap();
        let share = run(
            &mut s,
            &a,
            create_resource_share,
            json!({ "name": "to-b", "resourceArns": [svc["arn"]], "principals": [B] }),
        )
        .unwrap();
        let arn = json!(share["resourceShare"]["resourceShareArn"]);
        assert_eq!(
            run(&mut s, &b, list_resources, json!({ "resourceOwner": "OTHER-ACCOUNTS" })).unwrap()["resources"],
            json!([]),
            "not before accepting"
        );
        let invitations = run(&mut s, &b, get_resource_share_invitations, json!({})).unwrap();
        let invitation = json!(invitations["resourceShareInvitations"][0]["resourceShareInvitationArn"]);
        assert_eq!(invitations["resourceShareInvitations"][0]["status"], "PENDING");
        assert_eq!(
            code(run(
                &mut s,
                &a,
                |c, s, i| answer_invitation(c, s, i, true),
                json!({ "resourceShareInvitationArn": invitation })
            )),
            "ResourceShareInvitationArnNotFoundException"
        );
        run(
            &mut s,
            &b,
            |c, s, i| answer_invitation(c, s, i, true),
            json!({ "resourceShareInvitationArn": invitation }),
        )
        .unwrap();
        let listed = run(&mut s, &b, list_resources, json!({ "resourceOwner": "OTHER-ACCOUNTS" })).unwrap();
        assert_eq!(listed["resources"][0]["arn"], svc["arn"]);
        assert_eq!(
            code(run(&mut s, &b, delete_resource_share, json!({ "resourceShareArn": arn }))),
            "UnknownResourceException"
        );
        run(&mut s, &a, delete_resource_share, json!({ "resourceShareArn": arn })).unwrap();
        assert_eq!(
            run(&mut s, &b, list_resources, json!({ "resourceOwner": "OTHER-ACCOUNTS" })).unwrap()["resources"],
            json!([])
        );
    }
}
