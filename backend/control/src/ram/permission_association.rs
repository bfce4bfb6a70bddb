//! Permissions of resource shares: associating, replacing, promoting.

use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::{str_of, string_list, Ctx, OpResult, Outcome};
use crate::ram::common::*;
use crate::ram::permission::new_permission;
use crate::ram::permission::version_input;
use crate::sharing::{associations_of, RESOURCE};

pub(crate) fn list_permission_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = str_of(input, "permissionArn");
    let version = version_input(input, "permissionVersion");
    let resource_type = str_of(input, "resourceType");
    let share_arn = str_of(input, "resourceShareArn");
    let default_version = input.get("defaultVersion").and_then(Value::as_bool);
    let status = str_of(input, "associationStatus");
    let feature_set = str_of(input, "featureSet");
    if str_of(input, "resourceOwner") == Some("OTHER-ACCOUNTS") || status.is_some_and(|st| st != "ASSOCIATED") {
        return Outcome::read(json!({ "permissions": [] }));
    }
    let mut items = Vec::new();
    for share in s.resource_shares.values().filter(|sh| ctx.owns(*sh) && sh.status != "DELETED") {
        if share_arn.is_some_and(|a| a != share.resource_share_arn)
            || feature_set.is_some_and(|f| f != share.feature_set)
        {
            continue;
        }
        for (rt, p) in &share.permissions {
            let is_default = permission_is_default(s, ctx, &p.arn, p.version);
            if arn.is_some_and(|a| a != p.arn)
                || version.is_some_and(|v| v != p.version)
                || resource_type.is_some_and(|r| !r.eq_ignore_ascii_case(rt))
                || default_version.is_some_and(|d| d != is_default)
            {
                continue;
            }
            items.push(json!({
                "arn": p.arn, "permissionVersion": p.version.to_string(), "defaultVersion": is_default,
                "resourceType": rt, "status": "ASSOCIATED", "featureSet": share.feature_set,
                "lastUpdatedTime": p.last_updated_time, "resourceShareArn": share.resource_share_arn,
            }));
        }
    }
    Outcome::read(page(items, input, "permissions")?)
}

pub(crate) fn replace_permission_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let from = find_permission(ctx, s, str_of(input, "fromPermissionArn").unwrap_or_default())?;
    let to = find_permission(ctx, s, str_of(input, "toPermissionArn").unwrap_or_default())?;
    if !from.resource_type().eq_ignore_ascii_case(to.resource_type()) {
        return Err(invalid(format!(
            "{} is for {} but {} is for {}",
            from.arn(),
            from.resource_type(),
            to.arn(),
            to.resource_type()
        )));
    }
    if let Perm::Customer(p) = &to {
        if p.status == "DEPRECATED" {
            return Err(not_permitted(format!("{} is deprecated", p.arn)));
        }
    }
    let from_version = version_input(input, "fromPermissionVersion");
    let (from_arn, to_arn, to_version) = (from.arn(), to.arn(), to.default_version());
    let t = now();
    let mut changes = Vec::new();
    for share in s.resource_shares.values().filter(|sh| ctx.owns(*sh) && sh.status != "DELETED") {
        let mut share = share.clone();
        let mut touched = false;
        for p in share.permissions.values_mut() {
            if p.arn == from_arn && from_version.is_none_or(|v| v == p.version) {
                *p = SharePermission { arn: to_arn.clone(), version: to_version, last_updated_time: t };
                touched = true;
            }
        }
        if touched {
            share.last_updated_time = t;
            changes.push(share.put());
        }
    }
    let work = PermissionReplacement {
        id: uuid(),
        from_permission_arn: from_arn,
        from_permission_version: from_version.map(|v| v.to_string()),
        to_permission_arn: to_arn,
        to_permission_version: to_version.to_string(),
        status: "COMPLETED".into(),
        creation_time: t,
        last_updated_time: t,
        account: ctx.account.clone(),
    };
    changes.push(work.put());
    let body =
        json!({ "replacePermissionAssociationsWork": work_wire(&work), "clientToken": input.get("clientToken") });
    Outcome::write(changes, body)
}

pub(crate) fn work_wire(w: &PermissionReplacement) -> Value {
    let mut v = serde_json::to_value(w).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.remove("account");
        m.insert("permissionTemplateParameters".into(), json!([]));
    }
    v
}

pub(crate) fn list_replace_work(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let ids = string_list(input, "workIds");
    let status = str_of(input, "status");
    let items = s
        .permission_replacements
        .values()
        .filter(|w| ctx.owns(*w))
        .filter(|w| (ids.is_empty() || ids.contains(&w.id)) && status.is_none_or(|st| st == w.status))
        .map(work_wire)
        .collect();
    Outcome::read(page(items, input, "replacePermissionAssociationsWorks")?)
}

pub(crate) fn promote_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?;
    if p.feature_set != "CREATED_FROM_POLICY" {
        return Err(not_permitted(format!(
            "{} is a STANDARD permission; only permissions CREATED_FROM_POLICY can be promoted",
            p.arn
        )));
    }
    let name = str_of(input, "name").unwrap_or_default();
    let name_ok =
        (1..=36).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if !name_ok {
        return Err(invalid("name must be 1-36 letters, digits, _, . or -"));
    }
    let id = format!("{}/{name}", ctx.account);
    if s.ram_permissions.contains_key(&id) {
        return Err(error("PermissionAlreadyExistsException", format!("A permission named {name} already exists")));
    }
    let template = p.versions.get(&p.default_version).map(|v| v.policy_template.clone()).unwrap_or_default();
    let promoted = new_permission(ctx, name, &p.resource_type, template, "STANDARD", Tags::new());
    let body =
        json!({ "permission": Perm::Customer(&promoted).wire(ctx, 1, false), "clientToken": input.get("clientToken") });
    Outcome::write(vec![promoted.put()], body)
}

/// The STANDARD permission of the caller promoted from `p` (same type and template).
pub(crate) fn promoted_from<'a>(ctx: &Ctx, s: &'a State, p: &RamPermission) -> Option<&'a RamPermission> {
    let template = p.versions.get(&p.default_version).map(|v| &v.policy_template);
    s.ram_permissions.values().find(|c| {
        c.account == ctx.account
            && c.feature_set == "STANDARD"
            && c.resource_type == p.resource_type
            && c.versions.get(&c.default_version).map(|v| &v.policy_template) == template
    })
}

pub(crate) fn list_resource_share_permissions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let share = visible_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?;
    let items = share
        .permissions
        .values()
        .filter_map(|sp| {
            let p = find_permission(&Ctx { account: share.account.clone(), ..ctx.clone() }, s, &sp.arn).ok()?;
            let mut v = p.wire(ctx, sp.version, false);
            v["defaultVersion"] = json!(p.default_version() == sp.version);
            Some(v)
        })
        .collect();
    Outcome::read(page(items, input, "permissions")?)
}

pub(crate) fn associate_share_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut share = standard_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?.clone();
    let p = find_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?;
    if let Perm::Customer(c) = &p {
        if c.status == "DEPRECATED" {
            return Err(not_permitted(format!("{} is deprecated", c.arn)));
        }
    }
    let version = version_input(input, "permissionVersion").unwrap_or(p.default_version());
    if !p.has_version(version) {
        return Err(invalid(format!("{} has no version {version}", p.arn())));
    }
    let rt = p.resource_type().to_string();
    let replace = input.get("replace").and_then(Value::as_bool).unwrap_or(false);
    if share.permissions.get(&rt).is_some_and(|cur| cur.arn != p.arn()) && !replace {
        return Err(invalid(format!(
            "Resource share {} already has a permission for {rt}; set replace to swap it",
            share.name
        )));
    }
    share.permissions.insert(rt, SharePermission { arn: p.arn(), version, last_updated_time: now() });
    share.last_updated_time = now();
    Outcome::write(vec![share.put()], json!({ "returnValue": true, "clientToken": input.get("clientToken") }))
}

pub(crate) fn disassociate_share_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut share = standard_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?.clone();
    let arn = str_of(input, "permissionArn").unwrap_or_default();
    let Some(rt) = share.permissions.iter().find(|(_, p)| p.arn == arn).map(|(rt, _)| rt.clone()) else {
        return Err(unknown("Permission association", arn));
    };
    let in_use = associations_of(s, &share.id, RESOURCE)
        .any(|a| lattice_resource(s, &a.associated_entity).is_some_and(|(t, _, _)| t == rt));
    if in_use {
        return Err(error(
            "InvalidStateTransitionException",
            format!("The share still holds {rt} resources; their permission cannot be removed"),
        ));
    }
    share.permissions.remove(&rt);
    share.last_updated_time = now();
    Outcome::write(vec![share.put()], json!({ "returnValue": true, "clientToken": input.get("clientToken") }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;
    use crate::ram::share::create_resource_share;

    #[test]
    fn a_share_of_a_service_carries_the_managed_default_permission() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "orders" })).unwrap();
        let share =
            run(&mut s, &a, create_resource_share, json!({ "name": "s", "resourceArns": [svc["arn"]] })).unwrap();
        let arn = json!(share["resourceShare"]["resourceShareArn"]);
        let perms = run(&mut s, &a, list_resource_share_permissions, json!({ "resourceShareArn": arn })).unwrap();
        let name = perms["permissions"][0]["name"].as_str().unwrap().to_string();
        assert!(name.contains("VpcLatticeService"), "{name}");
        assert!(run(&mut s, &b, list_resource_share_permissions, json!({ "resourceShareArn": arn })).is_err());
        let _ = code;
    }
}
