//! Customer managed permissions and their versions.

use std::collections::BTreeMap;

use lattice_api::ApiError;
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::{str_of, Ctx, OpResult, Outcome};
use crate::ram::common::*;

pub(crate) fn version_input(input: &Value, key: &str) -> Option<u32> {
    input.get(key).and_then(Value::as_i64).and_then(|v| u32::try_from(v).ok())
}

pub(crate) fn check_template(template: &str) -> Result<(), ApiError> {
    let bad = |m: &str| error("MalformedPolicyTemplateException", format!("The policy template is not valid: {m}"));
    let v: Value = serde_json::from_str(template).map_err(|_| bad("not JSON"))?;
    let statements = match &v {
        Value::Object(o) if o.contains_key("Statement") => o["Statement"].as_array().cloned().unwrap_or_default(),
        Value::Object(_) => vec![v.clone()],
        _ => return Err(bad("expected a JSON object")),
    };
    if statements.is_empty() {
        return Err(bad("no statement"));
    }
    for st in &statements {
        if !matches!(str_of(st, "Effect"), Some("Allow" | "Deny")) {
            return Err(bad("every statement needs Effect Allow or Deny"));
        }
        if st.get("Action").is_none() {
            return Err(bad("every statement needs Action"));
        }
        if st.get("Principal").is_some() || st.get("Resource").is_some() {
            return Err(bad("a permission template names neither Principal nor Resource (RAM adds them)"));
        }
    }
    Ok(())
}

pub(crate) fn check_resource_type(resource_type: &str) -> Result<(), ApiError> {
    if RESOURCE_TYPES.contains(&resource_type) {
        Ok(())
    } else {
        Err(error(
            "InvalidResourceTypeException",
            format!("{resource_type} is not a resource type this backend shares ({})", RESOURCE_TYPES.join(", ")),
        ))
    }
}

/// A customer managed permission (version 1) of the caller.
pub(crate) fn new_permission(
    ctx: &Ctx,
    name: &str,
    resource_type: &str,
    template: String,
    feature_set: &str,
    tags: Tags,
) -> RamPermission {
    let t = now();
    RamPermission {
        arn: ram_arn(ctx, &ctx.account, &format!("permission/{name}")),
        id: format!("{}/{name}", ctx.account),
        name: name.to_string(),
        resource_type: resource_type.to_string(),
        status: "ATTACHABLE".into(),
        feature_set: feature_set.into(),
        default_version: 1,
        versions: BTreeMap::from([(1, PermissionVersion { policy_template: template, creation_time: t })]),
        creation_time: t,
        last_updated_time: t,
        tags,
        account: ctx.account.clone(),
    }
}

pub(crate) fn create_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = str_of(input, "name").unwrap_or_default();
    let resource_type = str_of(input, "resourceType").unwrap_or_default();
    check_resource_type(resource_type).map_err(|e| invalid(e.message))?;
    let template = str_of(input, "policyTemplate").unwrap_or_default();
    check_template(template)?;
    let id = format!("{}/{name}", ctx.account);
    if s.ram_permissions.contains_key(&id) {
        return Err(error("PermissionAlreadyExistsException", format!("A permission named {name} already exists")));
    }
    let p = new_permission(ctx, name, resource_type, template.to_string(), "STANDARD", tags_input(input)?);
    let body = json!({ "permission": Perm::Customer(&p).wire(ctx, 1, false), "clientToken": input.get("clientToken") });
    Outcome::write(vec![p.put()], body)
}

pub(crate) const MAX_PERMISSION_VERSIONS: usize = 5;

pub(crate) fn create_permission_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?.clone();
    let template = str_of(input, "policyTemplate").unwrap_or_default();
    check_template(template)?;
    if p.versions.len() >= MAX_PERMISSION_VERSIONS {
        return Err(error(
            "PermissionVersionsLimitExceededException",
            format!("{} already has {MAX_PERMISSION_VERSIONS} versions; delete one first", p.arn),
        ));
    }
    let version = p.versions.keys().max().copied().unwrap_or(0) + 1;
    let t = now();
    p.versions.insert(version, PermissionVersion { policy_template: template.to_string(), creation_time: t });
    p.last_updated_time = t;
    let body =
        json!({ "permission": Perm::Customer(&p).wire(ctx, version, true), "clientToken": input.get("clientToken") });
    Outcome::write(vec![p.put()], body)
}

pub(crate) fn delete_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?;
    if let Some(share) = shares_using(s, &p.arn, None).next() {
        return Err(not_permitted(format!("{} is attached to resource share {}", p.arn, share.resource_share_arn)));
    }
    let body = json!({ "returnValue": true, "permissionStatus": "DELETED", "clientToken": input.get("clientToken") });
    Outcome::write(vec![p.delete()], body)
}

pub(crate) fn delete_permission_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?.clone();
    let version = version_input(input, "permissionVersion").unwrap_or_default();
    if !p.versions.contains_key(&version) {
        return Err(invalid(format!("{} has no version {version}", p.arn)));
    }
    if version == p.default_version {
        return Err(not_permitted("The default version cannot be deleted; make another version the default first"));
    }
    if let Some(share) = shares_using(s, &p.arn, Some(version)).next() {
        return Err(not_permitted(format!(
            "Version {version} is used by resource share {}; replace it first",
            share.resource_share_arn
        )));
    }
    p.versions.remove(&version);
    p.last_updated_time = now();
    let body = json!({ "returnValue": true, "permissionStatus": p.status, "clientToken": input.get("clientToken") });
    Outcome::write(vec![p.put()], body)
}

pub(crate) fn set_default_permission_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?.clone();
    let version = version_input(input, "permissionVersion").unwrap_or_default();
    if !p.versions.contains_key(&version) {
        return Err(invalid(format!("{} has no version {version}", p.arn)));
    }
    p.default_version = version;
    p.last_updated_time = now();
    Outcome::write(vec![p.put()], json!({ "returnValue": true, "clientToken": input.get("clientToken") }))
}

pub(crate) fn update_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?.clone();
    p.status = str_of(input, "status").unwrap_or("ATTACHABLE").to_string();
    p.last_updated_time = now();
    let body = json!({ "permissionStatus": p.status, "clientToken": input.get("clientToken") });
    Outcome::write(vec![p.put()], body)
}

pub(crate) fn get_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let p = find_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?;
    let version = version_input(input, "permissionVersion").unwrap_or(p.default_version());
    if !p.has_version(version) {
        return Err(invalid(format!("{} has no version {version}", p.arn())));
    }
    Outcome::read(json!({ "permission": p.wire(ctx, version, true) }))
}

pub(crate) fn list_permissions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let resource_type = str_of(input, "resourceType");
    let kind = str_of(input, "permissionType").unwrap_or("ALL");
    let status = str_of(input, "permissionStatus");
    let mut items = Vec::new();
    if matches!(kind, "ALL" | "AWS_MANAGED") && status.is_none_or(|st| st == "ATTACHABLE") {
        for (name, rt, actions) in MANAGED {
            if resource_type.is_none_or(|r| r.eq_ignore_ascii_case(rt)) {
                items.push(Perm::Managed { name, resource_type: rt, actions }.wire(ctx, 1, false));
            }
        }
    }
    if matches!(kind, "ALL" | "CUSTOMER_MANAGED") {
        for p in s.ram_permissions.values().filter(|p| ctx.owns(*p)) {
            if resource_type.is_none_or(|r| r.eq_ignore_ascii_case(&p.resource_type))
                && status.is_none_or(|st| st == p.status)
            {
                items.push(Perm::Customer(p).wire(ctx, p.default_version, false));
            }
        }
    }
    Outcome::read(page(items, input, "permissions")?)
}

pub(crate) fn list_permission_versions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let p = find_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?;
    let versions: Vec<u32> = match &p {
        Perm::Managed { .. } => vec![1],
        Perm::Customer(c) => c.versions.keys().copied().collect(),
    };
    let items = versions.into_iter().map(|v| p.wire(ctx, v, false)).collect();
    Outcome::read(page(items, input, "permissions")?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn customer_permissions_have_versions_their_owner_manages() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let template = r#"{"Effect":"Allow","Action":["vpc-lattice:GetService"]}"#;
        let p = run(
            &mut s,
            &a,
            create_permission,
            json!({ "name": "read", "resourceType": "vpc-lattice:Service", "policyTemplate": template }),
        )
        .unwrap();
        let arn = json!(p["permission"]["arn"]);
        let v2 = r#"{"Effect":"Allow","Action":["vpc-lattice:GetService","vpc-lattice:ListServices"]}"#;
        run(&mut s, &a, create_permission_version, json!({ "permissionArn": arn, "policyTemplate": v2 })).unwrap();
        let versions = run(&mut s, &a, list_permission_versions, json!({ "permissionArn": arn })).unwrap();
        assert_eq!(versions["permissions"].as_array().unwrap().len(), 2);
        assert_eq!(code(run(&mut s, &b, get_permission, json!({ "permissionArn": arn }))), "UnknownResourceException");
        assert_eq!(
            code(run(
                &mut s,
                &a,
                create_permission,
                json!({ "name": "bad", "resourceType": "vpc-lattice:Service", "policyTemplate": "{" })
            )),
            "MalformedPolicyTemplateException"
        );
        run(&mut s, &a, delete_permission, json!({ "permissionArn": arn })).unwrap();
    }
}
