//! The organization itself and its accounts.

use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::{AccountProfile, Organization};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::{edit, epoch, error, managed, mine, profile};
use crate::kit::{page_at, req, str_of, Ctx, OpResult, Outcome, Paging};

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn organization_wire(org: &Organization) -> Value {
    let master = profile(org, &org.account);
    let feature_set = if org.details.feature_set.is_empty() { "ALL" } else { org.details.feature_set.as_str() };
    json!({
        "Id": org.id, "Arn": org.arn, "FeatureSet": feature_set,
        "MasterAccountArn": format!("arn:aws:organizations::{m}:account/{}/{m}", org.id, m = org.account),
        "MasterAccountId": org.account, "MasterAccountEmail": master.email,
        "AvailablePolicyTypes": [{ "Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED" }],
    })
}

pub(crate) fn account_wire(org: &Organization, account: &str) -> Value {
    let p = profile(org, account);
    json!({
        "Id": account, "Arn": format!("arn:aws:organizations::{}:account/{}/{account}", org.account, org.id),
        "Email": p.email, "Name": p.name, "Status": "ACTIVE", "State": "ACTIVE",
        "JoinedMethod": p.joined_method, "JoinedTimestamp": epoch(&p.joined_at),
    })
}

pub(crate) fn create_organization(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    if crate::sharing::organization_of(s, &ctx.account).is_some() {
        return Err(error("AlreadyInOrganizationException", "The AWS account is already a member of an organization."));
    }
    let id = format!("o-{}", lattice_api::ids::random_of(LOWER, 10));
    let now = now_rfc3339();
    let mut org = Organization {
        arn: format!("arn:aws:organizations::{}:organization/{id}", ctx.account),
        id,
        root_id: format!("r-{}", lattice_api::ids::random_of(LOWER, 4)),
        accounts: [(ctx.account.clone(), String::new())].into(),
        invited: Default::default(),
        organizational_units: Default::default(),
        ram_sharing_enabled: false,
        details: Default::default(),
        created_at: now.clone(),
        account: ctx.account.clone(),
    };
    org.details.feature_set = str_of(input, "FeatureSet").unwrap_or("ALL").to_string();
    org.details.profiles.insert(
        ctx.account.clone(),
        AccountProfile {
            name: "management".into(),
            email: format!("{}@lattice.local", ctx.account),
            joined_method: "CREATED".into(),
            joined_at: now,
            create_request: String::new(),
        },
    );
    let body = json!({ "Organization": organization_wire(&org) });
    Outcome::write(vec![org.put()], body)
}

pub(crate) fn describe_organization(ctx: &Ctx, s: &State, _: &Value) -> OpResult {
    Outcome::read(json!({ "Organization": organization_wire(mine(ctx, s)?) }))
}

pub(crate) fn delete_organization(ctx: &Ctx, s: &State, _: &Value) -> OpResult {
    let org = managed(ctx, s)?;
    if org.accounts.len() > 1 {
        return Err(error(
            "OrganizationNotEmptyException",
            "To delete an organization you must first remove all member accounts (except the master).",
        ));
    }
    let mut changes = vec![org.delete()];
    changes.extend(crate::sharing::revocations(s, &changes));
    Outcome::write(changes, json!({}))
}

/// A page of accounts (`NextToken` is the index of the next one).
fn page(items: Vec<Value>, input: &Value, key: &str) -> Value {
    const PAGING: Paging = Paging { size: "MaxResults", token: "NextToken", default: 20, max: 20, next: "NextToken" };
    page_at(items, input, key, &PAGING)
}

pub(crate) fn list(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let org = managed(ctx, s)?;
    let items = org.accounts.keys().map(|a| account_wire(org, a)).collect();
    Outcome::read(page(items, input, "Accounts"))
}

fn member<'a>(org: &'a Organization, account: &str) -> Result<&'a String, ApiError> {
    org.accounts.get(account).ok_or_else(|| {
        error(
            "AccountNotFoundException",
            format!("You specified an account that doesn't exist: {}", lattice_api::model::echo(account)),
        )
    })
}

pub(crate) fn describe(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let org = managed(ctx, s)?;
    let account = req(input, "AccountId");
    member(org, account)?;
    Outcome::read(json!({ "Account": account_wire(org, account) }))
}

/// A new account in the organization's root: a fresh 12-digit id no object uses.
pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let in_use = |id: &str| {
        s.organizations.values().any(|o| o.accounts.contains_key(id) || o.invited.contains_key(id))
            || s.local_principals.values().any(|p| p.account == id)
            || s.vpcs.values().any(|v| v.account == id)
    };
    let account = loop {
        let candidate = lattice_api::ids::random_of(b"0123456789", 12);
        if !candidate.starts_with('0') && !in_use(&candidate) {
            break candidate;
        }
    };
    let request = format!("car-{}", lattice_api::ids::random_hex(32));
    let now = now_rfc3339();
    let name = req(input, "AccountName").to_string();
    let status = json!({
        "Id": request, "AccountName": name, "State": "SUCCEEDED", "AccountId": account,
        "RequestedTimestamp": epoch(&now), "CompletedTimestamp": epoch(&now),
    });
    edit(ctx, s, |org| {
        org.accounts.insert(account.clone(), String::new());
        org.details.profiles.insert(
            account.clone(),
            AccountProfile {
                name,
                email: req(input, "Email").to_string(),
                joined_method: "CREATED".into(),
                joined_at: now.clone(),
                create_request: request.clone(),
            },
        );
        Ok(json!({ "CreateAccountStatus": status }))
    })
}

pub(crate) fn create_status(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let org = managed(ctx, s)?;
    let request = req(input, "CreateAccountRequestId");
    let (account, p) = org.details.profiles.iter().find(|(_, p)| p.create_request == request).ok_or_else(|| {
        error(
            "CreateAccountStatusNotFoundException",
            format!("We can't find a create account request with the ID {}.", lattice_api::model::echo(request)),
        )
    })?;
    Outcome::read(json!({ "CreateAccountStatus": {
        "Id": request, "AccountName": p.name, "State": "SUCCEEDED", "AccountId": account,
        "RequestedTimestamp": epoch(&p.joined_at), "CompletedTimestamp": epoch(&p.joined_at),
    } }))
}

/// The OU path a parent id names (`""` for the root).
pub(crate) fn parent_path(org: &Organization, parent: &str) -> Result<String, ApiError> {
    if parent == org.root_id {
        return Ok(String::new());
    }
    org.organizational_units.iter().find(|(_, id)| *id == parent).map(|(path, _)| path.clone()).ok_or_else(|| {
        error(
            "ParentNotFoundException",
            format!("We can't find a root or OU with the ParentId {}.", lattice_api::model::echo(parent)),
        )
    })
}

/// The id of the parent at an OU path.
pub(crate) fn parent_id(org: &Organization, path: &str) -> String {
    if path.is_empty() {
        return org.root_id.clone();
    }
    org.organizational_units.get(path).cloned().unwrap_or_else(|| org.root_id.clone())
}

pub(crate) fn move_account(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let account = req(input, "AccountId").to_string();
    edit(ctx, s, |org| {
        let from = parent_path(org, req(input, "SourceParentId"))?;
        let to = parent_path(org, req(input, "DestinationParentId"))?;
        let at = member(org, &account)?;
        if *at != from {
            return Err(error("SourceParentNotFoundException", "The account is not in the source parent."));
        }
        org.accounts.insert(account, to);
        Ok(json!({}))
    })
}

pub(crate) fn remove(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let account = req(input, "AccountId").to_string();
    edit(ctx, s, |org| {
        member(org, &account)?;
        if account == org.account {
            return Err(error(
                "MasterCannotLeaveOrganizationException",
                "You can't remove a management account from an organization.",
            ));
        }
        org.accounts.remove(&account);
        org.details.profiles.remove(&account);
        Ok(json!({}))
    })
}

pub(crate) fn list_for_parent(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let org = managed(ctx, s)?;
    let path = parent_path(org, req(input, "ParentId"))?;
    let items = org.accounts.iter().filter(|(_, p)| **p == path).map(|(a, _)| account_wire(org, a)).collect();
    Outcome::read(page(items, input, "Accounts"))
}

/// The parent of an account or an OU.
pub(crate) fn parents(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let org = mine(ctx, s)?;
    let child = req(input, "ChildId");
    let path = if let Some(path) = org.accounts.get(child) {
        path.clone()
    } else if let Some((path, _)) = org.organizational_units.iter().find(|(_, id)| *id == child) {
        path.rsplit_once('/').map(|(parent, _)| parent.to_string()).unwrap_or_default()
    } else {
        return Err(error(
            "ChildNotFoundException",
            format!(
                "We can't find an organizational unit (OU) or AWS account with the ChildId {}.",
                lattice_api::model::echo(child)
            ),
        ));
    };
    let kind = if path.is_empty() { "ROOT" } else { "ORGANIZATIONAL_UNIT" };
    Outcome::read(json!({ "Parents": [{ "Id": parent_id(org, &path), "Type": kind }] }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn the_management_account_creates_moves_and_removes_members() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        assert_eq!(code(run(&mut s, &a, list, json!({}))), "AWSOrganizationsNotInUseException");
        run(&mut s, &a, create_organization, json!({ "FeatureSet": "ALL" })).unwrap();
        assert_eq!(code(run(&mut s, &a, create_organization, json!({}))), "AlreadyInOrganizationException");
        let created = run(&mut s, &a, create, json!({ "AccountName": "dev", "Email": "dev@example.com" })).unwrap();
        let member = created["CreateAccountStatus"]["AccountId"].as_str().unwrap().to_string();
        assert!(member.len() == 12 && member != A && member != B);
        let request = created["CreateAccountStatus"]["Id"].clone();
        let status = run(&mut s, &a, create_status, json!({ "CreateAccountRequestId": request })).unwrap();
        assert_eq!(status["CreateAccountStatus"]["State"], "SUCCEEDED");
        assert_eq!(run(&mut s, &a, list, json!({})).unwrap()["Accounts"].as_array().unwrap().len(), 2);
        // A member sees its organization but does not manage it; B is in none.
        let m = Ctx::test(&member);
        assert_eq!(run(&mut s, &m, describe_organization, json!({})).unwrap()["Organization"]["MasterAccountId"], A);
        assert_eq!(code(run(&mut s, &m, list, json!({}))), "AccessDeniedException");
        assert_eq!(code(run(&mut s, &b, describe_organization, json!({}))), "AWSOrganizationsNotInUseException");
        let root = s.organizations.values().next().unwrap().root_id.clone();
        let ou = run(&mut s, &a, super::super::units::create, json!({ "ParentId": root, "Name": "prod" })).unwrap();
        let ou = ou["OrganizationalUnit"]["Id"].as_str().unwrap().to_string();
        let wrong = json!({ "AccountId": member, "SourceParentId": ou, "DestinationParentId": root });
        assert_eq!(code(run(&mut s, &a, move_account, wrong)), "SourceParentNotFoundException");
        run(
            &mut s,
            &a,
            move_account,
            json!({ "AccountId": member, "SourceParentId": root, "DestinationParentId": ou }),
        )
        .unwrap();
        assert_eq!(run(&mut s, &a, parents, json!({ "ChildId": member })).unwrap()["Parents"][0]["Id"], ou);
        assert_eq!(code(run(&mut s, &a, delete_organization, json!({}))), "OrganizationNotEmptyException");
        assert_eq!(code(run(&mut s, &a, remove, json!({ "AccountId": A }))), "MasterCannotLeaveOrganizationException");
        run(&mut s, &a, remove, json!({ "AccountId": member })).unwrap();
        run(&mut s, &a, delete_organization, json!({})).unwrap();
        assert!(s.organizations.is_empty());
    }
}
