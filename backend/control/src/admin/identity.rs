//! Local identities (admin API): IAM roles and users with their own access keys, and AWS
//! Organizations with accounts and OUs (for RAM organization sharing and the
//! `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths` condition keys).

use std::collections::BTreeMap;

use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::{LocalPrincipal, Organization};
use lattice_model::{Object, State};
use rand::Rng;
use serde_json::{json, Value};

use crate::admin::route::{read, write, Route};
use crate::kit::{str_of, tags_of, Ctx, OpResult, Outcome};
use crate::sharing;

const PRINCIPAL: &str = "PRINCIPAL";
const ORGANIZATION: &str = "ORGANIZATION";

fn random_chars(n: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..n).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

// ---- principals ----------------------------------------------------------------------------

pub(crate) fn principal_wire(p: &LocalPrincipal) -> Value {
    json!({
        "principalId": p.id, "name": p.name, "type": p.kind, "path": p.path, "arn": p.arn,
        "accountId": p.account, "accessKeyId": p.access_key_id, "secretAccessKey": p.secret_access_key,
        "policy": p.policy, "tags": p.tags, "createdAt": p.created_at,
    })
}

pub(crate) fn find_principal<'a>(ctx: &Ctx, s: &'a State, name: &str) -> Result<&'a LocalPrincipal, ApiError> {
    s.local_principals
        .values()
        .find(|p| ctx.owns(*p) && (p.name == name || p.arn == name))
        .ok_or_else(|| ApiError::not_found(PRINCIPAL, name))
}

fn check_policy(input: &Value) -> Result<Option<String>, ApiError> {
    let Some(policy) = str_of(input, "policy") else { return Ok(None) };
    lattice_model::policy_grammar::validate(policy, lattice_model::policy_grammar::PolicyKind::Identity)
        .map_err(|why| ApiError::invalid_field("policy", why))?;
    Ok(Some(policy.to_string()))
}

pub(crate) fn create_principal(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = str_of(input, "name").unwrap_or_default();
    let name_ok =
        (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !name_ok {
        return Err(ApiError::invalid_field("name", "must be 1-64 letters, digits or +=,.@_-"));
    }
    let kind = str_of(input, "type").unwrap_or("role");
    let prefix = match kind {
        "role" => "AROA",
        "user" => "AIDA",
        _ => return Err(ApiError::invalid_field("type", "must be role or user")),
    };
    let path = str_of(input, "path").unwrap_or("/");
    if !path.starts_with('/') || !path.ends_with('/') || path.len() > 512 {
        return Err(ApiError::invalid_field("path", "must begin and end with /"));
    }
    if let Some(existing) = s.local_principals.values().find(|p| ctx.owns(*p) && p.name == name) {
        return Err(ApiError::conflict(PRINCIPAL, &existing.id, format!("{} already exists", existing.arn)));
    }
    let p = LocalPrincipal {
        id: format!("{prefix}{}", random_chars(17, UPPER_ALNUM)),
        name: name.to_string(),
        kind: kind.to_string(),
        path: path.to_string(),
        arn: format!("arn:aws:iam::{}:{kind}{path}{name}", ctx.account),
        access_key_id: format!("AKIA{}", random_chars(16, UPPER_ALNUM)),
        secret_access_key: random_chars(40, SECRET),
        policy: check_policy(input)?,
        iam: None,
        created_at: now_rfc3339(),
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    Outcome::write(vec![p.put()], principal_wire(&p))
}

pub(crate) fn update_principal(ctx: &Ctx, s: &State, name: &str, input: &Value) -> OpResult {
    let mut p = find_principal(ctx, s, name)?.clone();
    if input.get("policy").is_some() {
        p.policy = check_policy(input)?;
    }
    if input.get("tags").is_some() {
        p.tags = tags_of(input);
    }
    Outcome::write(vec![p.put()], principal_wire(&p))
}

pub(crate) fn delete_principal(ctx: &Ctx, s: &State, name: &str) -> OpResult {
    let p = find_principal(ctx, s, name)?;
    Outcome::write(vec![p.delete()], Value::Null)
}

// ---- organizations -------------------------------------------------------------------------

pub(crate) fn organization_wire(o: &Organization) -> Value {
    let ous: BTreeMap<&String, Value> = o
        .organizational_units
        .iter()
        .map(|(path, id)| {
            (path, json!({ "id": id, "arn": format!("arn:aws:organizations::{}:ou/{}/{id}", o.account, o.id) }))
        })
        .collect();
    let paths: BTreeMap<&String, Option<String>> = o.accounts.keys().map(|a| (a, o.org_path(a))).collect();
    // `accounts` is what the management account asked for (members and invitations alike);
    // `members` and `invited` tell them apart.
    let mut accounts = o.accounts.clone();
    accounts.extend(o.invited.iter().map(|(a, p)| (a.clone(), p.clone())));
    json!({
        "id": o.id, "arn": o.arn, "masterAccountId": o.account, "rootId": o.root_id, "accounts": accounts,
        "members": o.accounts.keys().collect::<Vec<_>>(), "invited": o.invited.keys().collect::<Vec<_>>(),
        "organizationalUnits": ous, "orgPaths": paths, "ramSharingEnabled": o.ram_sharing_enabled,
        "createdAt": o.created_at,
    })
}

/// The caller's organization by id, for reading (members and invited accounts) or changing
/// (management account).
pub(crate) fn find_organization<'a>(
    ctx: &Ctx,
    s: &'a State,
    id: &str,
    manage: bool,
) -> Result<&'a Organization, ApiError> {
    s.organizations
        .get(id)
        .filter(|o| {
            if manage {
                o.account == ctx.account
            } else {
                o.accounts.contains_key(&ctx.account) || o.invited.contains_key(&ctx.account)
            }
        })
        .ok_or_else(|| ApiError::not_found(ORGANIZATION, id))
}

/// Account → OU path.
type Members = BTreeMap<String, String>;
/// OU path → OU id.
type OrganizationalUnits = BTreeMap<String, String>;

/// Checks `accounts` (account → OU path) and gives every OU path an id, keeping `known` ones.
fn members(
    ctx: &Ctx,
    root_id: &str,
    input: &Value,
    known: &BTreeMap<String, String>,
) -> Result<(Members, OrganizationalUnits), ApiError> {
    let mut accounts = BTreeMap::new();
    for (account, path) in input.get("accounts").and_then(Value::as_object).into_iter().flatten() {
        if !is_account(account) {
            return Err(ApiError::invalid_field("accounts", format!("'{account}' is not a 12-digit account id")));
        }
        let path = path.as_str().unwrap_or_default().trim_matches('/').to_string();
        let path_ok = path
            .split('/')
            .filter(|p| !p.is_empty())
            .all(|p| p.len() <= 128 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b" _-".contains(&b)));
        if !path_ok {
            return Err(ApiError::invalid_field(
                "accounts",
                format!("'{path}' is not an OU path (names of letters, digits, space, _ or -, joined by /)"),
            ));
        }
        accounts.insert(account.clone(), path);
    }
    accounts.entry(ctx.account.clone()).or_insert_with(String::new);
    let mut ous = BTreeMap::new();
    for path in accounts.values() {
        let mut prefix = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            let id = known
                .get(&prefix)
                .cloned()
                .unwrap_or_else(|| format!("ou-{}-{}", root_id.trim_start_matches("r-"), random_chars(8, LOWER_ALNUM)));
            ous.insert(prefix.clone(), id);
        }
    }
    Ok((accounts, ous))
}

pub(crate) fn create_organization(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    if let Some(o) = sharing::organization_of(s, &ctx.account) {
        return Err(ApiError::conflict(
            ORGANIZATION,
            &o.id,
            format!("Account {} is already a member of organization {}", ctx.account, o.id),
        ));
    }
    let id = format!("o-{}", random_chars(10, LOWER_ALNUM));
    let root_id = format!("r-{}", random_chars(4, LOWER_ALNUM));
    let (listed, organizational_units) = members(ctx, &root_id, input, &BTreeMap::new())?;
    let (accounts, invited) = split_members(ctx, None, listed);
    let org = Organization {
        arn: format!("arn:aws:organizations::{}:organization/{id}", ctx.account),
        id,
        root_id,
        accounts,
        invited,
        organizational_units,
        ram_sharing_enabled: false,
        details: Default::default(),
        created_at: now_rfc3339(),
        account: ctx.account.clone(),
    };
    Outcome::write(vec![org.put()], organization_wire(&org))
}

pub(crate) fn update_organization(ctx: &Ctx, s: &State, id: &str, input: &Value) -> OpResult {
    let mut org = find_organization(ctx, s, id, true)?.clone();
    if input.get("accounts").is_some() {
        let (listed, ous) = members(ctx, &org.root_id, input, &org.organizational_units)?;
        (org.accounts, org.invited) = split_members(ctx, Some(&org), listed);
        org.organizational_units = ous;
    }
    if let Some(enabled) = input.get("ramSharingEnabled").and_then(Value::as_bool) {
        org.ram_sharing_enabled = enabled;
    }
    let mut changes = vec![org.put()];
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, organization_wire(&org))
}

/// The accounts the management account lists, as (members, invited): the management account
/// and accounts that already joined are members (at their listed OU); the others are invited,
/// and join only by accepting themselves.
fn split_members(ctx: &Ctx, org: Option<&Organization>, listed: Members) -> (Members, Members) {
    listed.into_iter().partition(|(account, _)| {
        *account == ctx.account || org.is_some_and(|o| o.accounts.contains_key(account.as_str()))
    })
}

/// An invited account joins, by its own call (as AWS's handshake acceptance).
pub(crate) fn accept_organization(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let mut org = find_organization(ctx, s, id, false)?.clone();
    if org.accounts.contains_key(&ctx.account) {
        return Outcome::write(vec![], organization_wire(&org));
    }
    if let Some(other) = sharing::organization_of(s, &ctx.account) {
        return Err(ApiError::conflict(
            ORGANIZATION,
            &other.id,
            format!("Account {} is already a member of organization {}; leave it first", ctx.account, other.id),
        ));
    }
    let path = org.invited.remove(&ctx.account).unwrap_or_default();
    org.accounts.insert(ctx.account.clone(), path);
    let mut changes = vec![org.put()];
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, organization_wire(&org))
}

/// A member account leaves; it stays invited while the management account lists it. The
/// management account cannot leave its own organization (it deletes it).
pub(crate) fn leave_organization(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let mut org = find_organization(ctx, s, id, false)?.clone();
    if org.account == ctx.account {
        return Err(ApiError::new(
            400,
            "ValidationException",
            "The management account cannot leave its organization; delete the organization instead",
        ));
    }
    let Some(path) = org.accounts.remove(&ctx.account) else {
        return Outcome::write(vec![], organization_wire(&org));
    };
    org.invited.insert(ctx.account.clone(), path);
    let mut changes = vec![org.put()];
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, organization_wire(&org))
}

pub(crate) fn delete_organization(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let org = find_organization(ctx, s, id, true)?;
    let mut changes = vec![org.delete()];
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, Value::Null)
}

/// `/_lattice-local/principals`, `/_lattice-local/organizations` and the caller's own
/// organization (`organization`).
pub(crate) const ROUTES: &[Route] = &[
    write("POST", "principals", 201, |ctx, s, _, body| create_principal(ctx, s, body)),
    read("GET", "principals", |ctx, s, _| Ok(crate::admin::route::items(ctx, &s.local_principals, principal_wire))),
    read("GET", "principals/{}", |ctx, s, name| find_principal(ctx, s, name).map(principal_wire)),
    write("PATCH", "principals/{}", 200, update_principal),
    write("DELETE", "principals/{}", 204, |ctx, s, name, _| delete_principal(ctx, s, name)),
    write("POST", "organizations", 201, |ctx, s, _, body| create_organization(ctx, s, body)),
    read("GET", "organization", |ctx, s, _| {
        sharing::organization_of(s, &ctx.account)
            .map(organization_wire)
            .ok_or_else(|| ApiError::not_found(ORGANIZATION, &ctx.account))
    }),
    read("GET", "organizations/{}", |ctx, s, id| find_organization(ctx, s, id, false).map(organization_wire)),
    write("PATCH", "organizations/{}", 200, update_organization),
    write("POST", "organizations/{}/accept", 200, |ctx, s, id, _| accept_organization(ctx, s, id)),
    write("POST", "organizations/{}/leave", 200, |ctx, s, id, _| leave_organization(ctx, s, id)),
    write("DELETE", "organizations/{}", 204, |ctx, s, id, _| delete_organization(ctx, s, id)),
    read("GET", "whoami", |ctx, s, _| {
        let org = sharing::organization_of(s, &ctx.account).map(|o| (o.id.clone(), o.org_path(&ctx.account)));
        Ok(
            json!({ "account": ctx.account, "organizationId": org.as_ref().map(|o| &o.0), "orgPath": org.and_then(|o| o.1) }),
        )
    }),
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, A, B};

    fn apply(s: &mut State, out: OpResult) -> Value {
        let out = out.unwrap();
        for change in &out.changes {
            s.apply(change).unwrap();
        }
        out.body
    }

    #[test]
    fn principals_have_keys_and_accounts_join_organizations_by_accepting() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let p = {
            let out = create_principal(&a, &s, &json!({ "name": "deployer" }));
            apply(&mut s, out)
        };
        assert!(
            p["accessKeyId"].as_str().unwrap().starts_with("AKIA")
                || p["accessKeyId"].as_str().unwrap().starts_with("ASIA")
        );
        assert_eq!(code(find_principal(&b, &s, "deployer").map(principal_wire)), "ResourceNotFoundException");
        let bad = json!({ "name": "x", "policy": "{\"Statement\": [{\"Effect\": \"allow\"}]}" });
        assert_eq!(create_principal(&a, &s, &bad).unwrap_err().code, "ValidationException");
        let org = {
            let out = create_organization(&a, &s, &json!({ "accounts": { B: "prod" } }));
            apply(&mut s, out)
        };
        let id = org["id"].as_str().unwrap().to_string();
        assert!(sharing::organization_of(&s, B).is_none(), "invited, not a member");
        {
            let out = accept_organization(&b, &s, &id);
            apply(&mut s, out)
        };
        assert_eq!(sharing::organization_of(&s, B).map(|o| o.id.clone()), Some(id.clone()));
        {
            let out = leave_organization(&b, &s, &id);
            apply(&mut s, out)
        };
        assert!(sharing::organization_of(&s, B).is_none());
        assert_eq!(leave_organization(&a, &s, &id).unwrap_err().code, "ValidationException");
    }
}
