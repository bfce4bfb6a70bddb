//! The root, organizational units, policy types and trusted service access.

use lattice_api::now_rfc3339;
use lattice_model::records::Organization;
use lattice_model::State;
use serde_json::{json, Value};

use super::accounts::parent_path;
use super::{edit, epoch, error, managed, mine};
use crate::kit::{req, Ctx, OpResult, Outcome};

const RAM: &str = "ram.amazonaws.com";

fn root_wire(org: &Organization) -> Value {
    let types: Vec<Value> =
        org.details.policy_types.iter().map(|t| json!({ "Type": t, "Status": "ENABLED" })).collect();
    json!({
        "Id": org.root_id, "Arn": format!("arn:aws:organizations::{}:root/{}/{}", org.account, org.id, org.root_id),
        "Name": "Root", "PolicyTypes": types,
    })
}

fn ou_wire(org: &Organization, path: &str, id: &str) -> Value {
    let name = path.rsplit('/').next().unwrap_or(path);
    json!({
        "Id": id, "Arn": format!("arn:aws:organizations::{}:ou/{}/{id}", org.account, org.id), "Name": name,
        "Path": org.org_path_of_ou(path).unwrap_or_default(),
    })
}

pub(crate) fn roots(ctx: &Ctx, s: &State, _: &Value) -> OpResult {
    let org = managed(ctx, s)?;
    Outcome::read(json!({ "Roots": [root_wire(org)] }))
}

pub(crate) fn policy_type(ctx: &Ctx, s: &State, input: &Value, enable: bool) -> OpResult {
    let kind = req(input, "PolicyType").to_string();
    edit(ctx, s, |org| {
        if req(input, "RootId") != org.root_id {
            return Err(error("RootNotFoundException", "We can't find a root with the RootId that you specified."));
        }
        let at = org.details.policy_types.iter().position(|t| *t == kind);
        match (enable, at) {
            (true, None) => org.details.policy_types.push(kind),
            (false, Some(i)) => {
                org.details.policy_types.remove(i);
            }
            (true, Some(_)) => {
                return Err(error("PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled."))
            }
            (false, None) => {
                return Err(error(
                    "PolicyTypeNotEnabledException",
                    "This operation can be performed only for enabled policy types.",
                ))
            }
        }
        Ok(json!({ "Root": root_wire(org) }))
    })
}

fn find_ou<'a>(org: &'a Organization, id: &str) -> Result<(&'a String, &'a String), lattice_api::ApiError> {
    org.organizational_units.iter().find(|(_, ou)| *ou == id).ok_or_else(|| {
        error(
            "OrganizationalUnitNotFoundException",
            format!("We can't find an OU with the OrganizationalUnitId {}.", lattice_api::model::echo(id)),
        )
    })
}

fn check_ou_name(name: &str) -> Result<(), lattice_api::ApiError> {
    let ok = (1..=128).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b" _-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(error("InvalidInputException", "An OU name is 1-128 letters, digits, spaces, _ or -."))
    }
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "Name").to_string();
    check_ou_name(&name)?;
    edit(ctx, s, |org| {
        let parent = parent_path(org, req(input, "ParentId"))?;
        let path = if parent.is_empty() { name.clone() } else { format!("{parent}/{name}") };
        if org.organizational_units.contains_key(&path) {
            return Err(error("DuplicateOrganizationalUnitException", "An OU with the same name already exists."));
        }
        let id = format!(
            "ou-{}-{}",
            org.root_id.trim_start_matches("r-"),
            lattice_api::ids::random_of(b"abcdefghijklmnopqrstuvwxyz0123456789", 8)
        );
        org.organizational_units.insert(path.clone(), id.clone());
        Ok(json!({ "OrganizationalUnit": ou_wire(org, &path, &id) }))
    })
}

pub(crate) fn describe(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let org = mine(ctx, s)?;
    let (path, id) = find_ou(org, req(input, "OrganizationalUnitId"))?;
    Outcome::read(json!({ "OrganizationalUnit": ou_wire(org, path, id) }))
}

/// Renames an OU: its path changes, and with it the paths below it and its accounts'.
pub(crate) fn update(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "Name").to_string();
    check_ou_name(&name)?;
    edit(ctx, s, |org| {
        let (old, id) = find_ou(org, req(input, "OrganizationalUnitId")).map(|(p, i)| (p.clone(), i.clone()))?;
        let new = match old.rsplit_once('/') {
            Some((parent, _)) => format!("{parent}/{name}"),
            None => name.clone(),
        };
        let moved = |p: &str| {
            if p == old {
                Some(new.clone())
            } else {
                p.strip_prefix(&format!("{old}/")).map(|rest| format!("{new}/{rest}"))
            }
        };
        org.organizational_units = std::mem::take(&mut org.organizational_units)
            .into_iter()
            .map(|(p, i)| (moved(&p).unwrap_or(p), i))
            .collect();
        for path in org.accounts.values_mut() {
            if let Some(p) = moved(path) {
                *path = p;
            }
        }
        Ok(json!({ "OrganizationalUnit": ou_wire(org, &new, &id) }))
    })
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    edit(ctx, s, |org| {
        let (path, _) = find_ou(org, req(input, "OrganizationalUnitId")).map(|(p, i)| (p.clone(), i.clone()))?;
        let below = format!("{path}/");
        let busy = org.accounts.values().any(|p| *p == path || p.starts_with(&below))
            || org.organizational_units.keys().any(|p| p.starts_with(&below));
        if busy {
            return Err(error(
                "OrganizationalUnitNotEmptyException",
                "You can't delete an OU that contains accounts or child OUs.",
            ));
        }
        org.organizational_units.remove(&path);
        Ok(json!({}))
    })
}

pub(crate) fn list_for_parent(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let org = mine(ctx, s)?;
    let parent = parent_path(org, req(input, "ParentId"))?;
    let units: Vec<Value> = org
        .organizational_units
        .iter()
        .filter(|(p, _)| p.rsplit_once('/').map(|(up, _)| up).unwrap_or("") == parent)
        .map(|(p, id)| ou_wire(org, p, id))
        .collect();
    Outcome::read(json!({ "OrganizationalUnits": units }))
}

pub(crate) fn service_access(ctx: &Ctx, s: &State, _: &Value) -> OpResult {
    let org = managed(ctx, s)?;
    let mut enabled: Vec<Value> = org
        .details
        .service_access
        .iter()
        .map(|(p, when)| json!({ "ServicePrincipal": p, "DateEnabled": epoch(when) }))
        .collect();
    if org.ram_sharing_enabled {
        enabled.push(json!({ "ServicePrincipal": RAM, "DateEnabled": epoch(&org.created_at) }));
    }
    Outcome::read(json!({ "EnabledServicePrincipals": enabled }))
}

/// Trusted access for a service; RAM's is organization sharing (what `EnableSharingWithAwsOrganization` turns on).
pub(crate) fn set_service_access(ctx: &Ctx, s: &State, input: &Value, enable: bool) -> OpResult {
    let principal = req(input, "ServicePrincipal").to_string();
    edit(ctx, s, |org| {
        if principal == RAM {
            org.ram_sharing_enabled = enable;
        } else if enable {
            org.details.service_access.entry(principal).or_insert_with(now_rfc3339);
        } else {
            org.details.service_access.remove(&principal);
        }
        Ok(json!({}))
    })
}

pub(crate) fn tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let org = mine(ctx, s)?;
    let id = req(input, "ResourceId");
    let known =
        id == org.root_id || org.accounts.contains_key(id) || org.organizational_units.values().any(|o| o == id);
    if !known {
        return Err(error(
            "TargetNotFoundException",
            format!("We can't find a resource with the ID {}.", lattice_api::model::echo(id)),
        ));
    }
    Outcome::read(json!({ "Tags": [] }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A};

    #[test]
    fn units_nest_rename_with_their_children_and_delete_only_when_empty() {
        let (mut s, a) = (State::default(), Ctx::test(A));
        run(&mut s, &a, super::super::accounts::create_organization, json!({})).unwrap();
        let root = run(&mut s, &a, roots, json!({})).unwrap()["Roots"][0]["Id"].as_str().unwrap().to_string();
        let id = |v: Value| v["OrganizationalUnit"]["Id"].as_str().unwrap().to_string();
        let prod = id(run(&mut s, &a, create, json!({ "ParentId": root, "Name": "prod" })).unwrap());
        let web = id(run(&mut s, &a, create, json!({ "ParentId": prod, "Name": "web" })).unwrap());
        let dup = run(&mut s, &a, create, json!({ "ParentId": root, "Name": "prod" }));
        assert_eq!(code(dup), "DuplicateOrganizationalUnitException");
        assert_eq!(code(run(&mut s, &a, create, json!({ "ParentId": root, "Name": "a/b" }))), "InvalidInputException");
        assert_eq!(
            code(run(&mut s, &a, create, json!({ "ParentId": "ou-nope", "Name": "x" }))),
            "ParentNotFoundException"
        );
        run(&mut s, &a, update, json!({ "OrganizationalUnitId": prod, "Name": "production" })).unwrap();
        let below = run(&mut s, &a, list_for_parent, json!({ "ParentId": prod })).unwrap();
        assert_eq!(below["OrganizationalUnits"][0]["Id"], web, "the child moved with its parent");
        assert_eq!(
            code(run(&mut s, &a, delete, json!({ "OrganizationalUnitId": prod }))),
            "OrganizationalUnitNotEmptyException"
        );
        run(&mut s, &a, delete, json!({ "OrganizationalUnitId": web })).unwrap();
        run(&mut s, &a, delete, json!({ "OrganizationalUnitId": prod })).unwrap();
        let enable = |c: &Ctx, s: &State, i: &Value| policy_type(c, s, i, true);
        run(&mut s, &a, enable, json!({ "RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY" })).unwrap();
        let twice = run(&mut s, &a, enable, json!({ "RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY" }));
        assert_eq!(code(twice), "PolicyTypeAlreadyEnabledException");
        let ram = |c: &Ctx, s: &State, i: &Value| set_service_access(c, s, i, true);
        run(&mut s, &a, ram, json!({ "ServicePrincipal": "ram.amazonaws.com" })).unwrap();
        assert!(s.organizations.values().next().unwrap().ram_sharing_enabled);
        let enabled = run(&mut s, &a, service_access, json!({})).unwrap();
        assert_eq!(enabled["EnabledServicePrincipals"][0]["ServicePrincipal"], "ram.amazonaws.com");
    }
}
