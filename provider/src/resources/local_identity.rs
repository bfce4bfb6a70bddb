//! `lattice_local_principal`, `lattice_local_organization` and
//! `lattice_local_organization_accepter`: local IAM roles and users with their own access keys,
//! an AWS Organization with accounts and OUs, and an invited account's consent to join it.

use async_trait::async_trait;
use serde_json::{json, Map, Value as Json};

use super::common::*;
use crate::client::{label, Client, ClientError};
use crate::engine::Kind;
use crate::schema::{Attr, Default, Ty, TypeSchema};

pub(crate) struct LocalPrincipal;

fn principal_name(s: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("must be 1-64 letters, digits or +=,.@_-".into())
    }
}

fn iam_path(s: &str) -> Result<(), String> {
    if s.starts_with('/') && s.ends_with('/') {
        Ok(())
    } else {
        Err("must begin and end with /".into())
    }
}

fn policy_document(s: &str) -> Result<(), String> {
    match serde_json::from_str::<Json>(s) {
        Ok(doc) if doc.get("Statement").is_some() => Ok(()),
        _ => Err("must be a JSON policy document with a Statement (use jsonencode)".into()),
    }
}

#[async_trait]
impl Kind for LocalPrincipal {
    fn label(&self) -> &'static str {
        "local principal"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A local IAM role or user of the provider's account, with its own access key: a provider (or any AWS client) configured with `access_key_id`/`secret_access_key` acts as this principal, and requests are verified against its secret.",
            attrs: vec![
                Attr::string("id").computed().doc("The principal name."),
                Attr::string("name").required().force_new().validate(principal_name),
                Attr::string("type").default(Default::Str("role")).force_new().one_of(&["role", "user"]),
                Attr::string("path").default(Default::Str("/")).force_new().validate(iam_path),
                Attr::string("policy").validate(policy_document).doc("Identity policy (JSON; updatable)."),
                Attr::string("arn").computed().doc("`arn:aws:iam::<account>:role/<name>`."),
                Attr::string("unique_id").computed().doc("`AROA…` or `AIDA…`."),
                Attr::string("account_id").computed(),
                Attr::string("access_key_id").computed(),
                Attr::string("secret_access_key").computed().sensitive(),
                Attr::tags().doc("Tags, which `aws:PrincipalTag/<key>` conditions see (updatable)."),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = Map::new();
        for (attr, member) in [("name", "name"), ("type", "type"), ("path", "path"), ("policy", "policy")] {
            put(&mut body, member, plan.get(attr).cloned());
        }
        body.insert("tags".into(), tags_of(plan));
        let r = c.admin("POST", "/principals", Some(Json::Object(body))).await?;
        Ok(s(&r, "name").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/principals/{}", label(id)), None).await)? else {
            return Ok(None);
        };
        let tags = r.get("tags").cloned().unwrap_or(json!({}));
        let policy = same_json(prior, "policy", s(&r, "policy"));
        Ok(Some(json!({
            "id": r["name"], "name": r["name"], "type": r["type"], "path": r["path"], "policy": policy,
            "arn": r["arn"], "unique_id": r["principalId"], "account_id": r["accountId"],
            "access_key_id": r["accessKeyId"], "secret_access_key": r["secretAccessKey"],
            "tags": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({ "policy": plan.get("policy"), "tags": tags_of(plan) });
        c.admin("PATCH", &format!("/principals/{}", label(id)), Some(body)).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/principals/{}", label(id)), None).await.map(drop)
    }
}

pub(crate) struct LocalOrganization;

/// Member accounts as configured: the management account is always a member, and is shown
/// only when the configuration names it.
fn accounts_state(prior: &Json, org: &Json) -> Json {
    let mgmt = s(org, "masterAccountId").unwrap_or_default();
    let named = prior.get("accounts").and_then(|a| a.get(mgmt)).is_some();
    let accounts: Map<String, Json> = org["accounts"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| named || k.as_str() != mgmt)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Json::Object(accounts)
}

#[async_trait]
impl Kind for LocalOrganization {
    fn label(&self) -> &'static str {
        "local organization"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A local AWS Organization whose management account is the provider's account. It scopes RAM organization sharing and the `aws:PrincipalOrgID`/`aws:PrincipalOrgPaths` condition keys.",
            attrs: vec![
                Attr::string("id").computed().doc("The organization id (`o-…`)."),
                Attr::string("arn").computed(),
                Attr::typed("accounts", Ty::MapOfString).doc(
                    "Member accounts: account id → OU path below the root (`\"\"` for the root, `\"prod/web\"` for nested OUs). The management account is always a member (updatable).",
                ),
                Attr::string("master_account_id").computed(),
                Attr::string("root_id").computed(),
                Attr::typed("organizational_unit_ids", Ty::MapOfString).computed().volatile().doc("OU path → OU id."),
                Attr::typed("organizational_unit_arns", Ty::MapOfString).computed().volatile().doc("OU path → OU ARN (a RAM principal)."),
                Attr::typed("org_paths", Ty::MapOfString)
                    .computed()
                    .volatile()
                    .doc("Account → its `aws:PrincipalOrgPaths` value (`o-…/r-…/ou-…/`)."),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let body = json!({ "accounts": plan.get("accounts").filter(|a| a.is_object()).cloned().unwrap_or(json!({})) });
        let r = c.admin("POST", "/organizations", Some(body)).await?;
        Ok(s(&r, "id").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/organizations/{}", label(id)), None).await)? else {
            return Ok(None);
        };
        let ous = r["organizationalUnits"].as_object().cloned().unwrap_or_default();
        let ids: Map<String, Json> = ous.iter().map(|(p, ou)| (p.clone(), ou["id"].clone())).collect();
        let arns: Map<String, Json> = ous.iter().map(|(p, ou)| (p.clone(), ou["arn"].clone())).collect();
        let accounts = accounts_state(prior, &r);
        let accounts =
            if accounts.as_object().is_some_and(Map::is_empty) && prior.get("accounts").is_none_or(Json::is_null) {
                Json::Null
            } else {
                accounts
            };
        Ok(Some(json!({
            "id": r["id"], "arn": r["arn"], "accounts": accounts, "master_account_id": r["masterAccountId"],
            "root_id": r["rootId"], "organizational_unit_ids": ids, "organizational_unit_arns": arns,
            "org_paths": r["orgPaths"],
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({ "accounts": plan.get("accounts").filter(|a| a.is_object()).cloned().unwrap_or(json!({})) });
        c.admin("PATCH", &format!("/organizations/{}", label(id)), Some(body)).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/organizations/{}", label(id)), None).await.map(drop)
    }
}

pub(crate) struct LocalOrganizationAccepter;

#[async_trait]
impl Kind for LocalOrganizationAccepter {
    fn label(&self) -> &'static str {
        "local organization accepter"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Joins the provider's account to a `lattice_local_organization` that invited it (listed it in `accounts`), as accepting AWS Organizations' invitation handshake. An account is a member, for RAM organization sharing and `aws:PrincipalOrgID`, only once it accepted; destroying this resource leaves the organization. Configure the provider with the joining account's credentials.",
            attrs: vec![
                Attr::string("id").computed().doc("The organization id."),
                Attr::string("organization_id").required().force_new().doc("The organization (`o-…`) to join."),
                Attr::string("account_id").computed().doc("The account that joined."),
                Attr::string("master_account_id").computed(),
                Attr::string("org_path").computed().doc("The account's `aws:PrincipalOrgPaths` value."),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let id = s(plan, "organization_id").unwrap_or_default();
        c.admin("POST", &format!("/organizations/{}/accept", label(id)), Some(json!({}))).await?;
        Ok(id.to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(me) = found(c.admin("GET", "/whoami", None).await)? else { return Ok(None) };
        let account = s(&me, "account").unwrap_or_default().to_string();
        let Some(r) = found(c.admin("GET", &format!("/organizations/{}", label(id)), None).await)? else {
            return Ok(None);
        };
        let member = r["members"].as_array().is_some_and(|m| m.iter().any(|a| a.as_str() == Some(account.as_str())));
        if !member {
            return Ok(None);
        }
        Ok(Some(json!({
            "id": id, "organization_id": id, "account_id": account, "master_account_id": r["masterAccountId"],
            "org_path": r["orgPaths"].get(&account),
        })))
    }

    async fn update(&self, _c: &Client, _id: &str, _prior: &Json, _plan: &Json) -> Result<(), ClientError> {
        // Every argument forces a new resource.
        Ok(())
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("POST", &format!("/organizations/{}/leave", label(id)), Some(json!({}))).await.map(drop)
    }
}
