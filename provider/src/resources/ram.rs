//! The `lattice_ram_*` resources (mirror `aws_ram_*`): resource shares, their principal and
//! resource associations (one at a time, or exclusively), invitation acceptance, sharing with
//! the organization, and customer managed permissions.

use std::collections::BTreeSet;

use async_trait::async_trait;
use lattice_api::ApiError;
use serde_json::{json, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use crate::client::{Client, ClientError};
use crate::engine::Kind;
use crate::schema::{timeouts, Attr, BlockDef, Default, TypeSchema};

/// Tags as RAM sends them: a list of `{key, value}`.
fn ram_tags(plan: &Json) -> Json {
    let tags = tags_of(plan);
    Json::Array(tags.as_object().into_iter().flatten().map(|(k, v)| json!({ "key": k, "value": v })).collect())
}

/// Brings a share's or permission's tags from `prior` to `plan` (`arn_key` names the ARN member).
async fn sync_ram_tags(c: &Client, arn_key: &str, arn: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
    let (old, new) = (tags_of(prior), tags_of(plan));
    if old == new {
        return Ok(());
    }
    let removed: Vec<&String> =
        old.as_object().into_iter().flatten().map(|(k, _)| k).filter(|k| new.get(k.as_str()).is_none()).collect();
    if !removed.is_empty() {
        c.ram("UntagResource", json!({ arn_key: arn, "tagKeys": removed })).await?;
    }
    if new.as_object().is_some_and(|m| !m.is_empty()) {
        c.ram("TagResource", json!({ arn_key: arn, "tags": ram_tags(plan) })).await?;
    }
    Ok(())
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array).into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

/// A set in state: null when the user set none and there is none.
fn set_state(prior: &Json, key: &str, values: Vec<String>) -> Json {
    if values.is_empty() && prior.get(key).is_none_or(Json::is_null) {
        Json::Null
    } else {
        json!(values)
    }
}

fn api_error(code: &str, message: String) -> ClientError {
    ClientError::Api(ApiError::new(400, code, message))
}

// ---- lattice_ram_resource_share ----------------------------------------------------------------

pub(crate) struct ResourceShare;

#[async_trait]
impl Kind for ResourceShare {
    fn label(&self) -> &'static str {
        "RAM Resource Share"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "An AWS RAM resource share: what an account shares (service networks, services, resource configurations) and with whom.",
            attrs: vec![
                Attr::string("id").computed().doc("The share ARN."),
                Attr::string("arn").computed().doc("The share ARN."),
                Attr::string("name").required().doc("Name of the share (updatable)."),
                Attr::bool("allow_external_principals")
                    .default(Default::Bool(false))
                    .doc("Whether accounts outside your organization may be added (they receive an invitation to accept)."),
                Attr::set_of_string("permission_arns")
                    .optional_computed()
                    .force_new()
                    .doc("Permissions to use, one per resource type; the AWS managed default for each type otherwise."),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![
                BlockDef::new("resource_share_configuration", 0, 1)
                    .force_new()
                    .attrs(vec![Attr::bool("retain_sharing_on_account_leave_organization")
                        .doc("Keep sharing with an account that leaves the organization.")]),
                timeouts(&["create", "delete"]),
            ],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = json!({
            "name": s(plan, "name"),
            "allowExternalPrincipals": plan.get("allow_external_principals").and_then(Json::as_bool).unwrap_or(false),
            "tags": ram_tags(plan),
        });
        let permissions = strings(plan.get("permission_arns"));
        if !permissions.is_empty() {
            body["permissionArns"] = json!(permissions);
        }
        if let Some(cfg) = block(plan, "resource_share_configuration") {
            body["resourceShareConfiguration"] = json!({
                "retainSharingOnAccountLeaveOrganization": cfg.get("retain_sharing_on_account_leave_organization"),
            });
        }
        let r = c.ram("CreateResourceShare", body).await?;
        Ok(s(&r["resourceShare"], "resourceShareArn").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let r = c.ram("GetResourceShares", json!({ "resourceOwner": "SELF", "resourceShareArns": [id] })).await?;
        let Some(share) = r["resourceShares"].as_array().and_then(|a| a.first()).filter(|sh| sh["status"] != "DELETED")
        else {
            return Ok(None);
        };
        let perms = c.ram("ListResourceSharePermissions", json!({ "resourceShareArn": id })).await?;
        let permission_arns: Vec<&str> =
            perms["permissions"].as_array().into_iter().flatten().filter_map(|p| s(p, "arn")).collect();
        let tags = tags_map(share.get("tags"));
        let config = match share.get("resourceShareConfiguration") {
            Some(cfg) if cfg.is_object() => json!([{
                "retain_sharing_on_account_leave_organization": cfg.get("retainSharingOnAccountLeaveOrganization"),
            }]),
            _ => json!([]),
        };
        Ok(Some(json!({
            "id": id, "arn": id, "name": share["name"], "allow_external_principals": share["allowExternalPrincipals"],
            "permission_arns": permission_arns, "resource_share_configuration": config,
            "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let changed = |k: &str| plan.get(k) != prior.get(k);
        if changed("name") || changed("allow_external_principals") {
            let body = json!({
                "resourceShareArn": id, "name": s(plan, "name"),
                "allowExternalPrincipals": plan.get("allow_external_principals").and_then(Json::as_bool).unwrap_or(false),
            });
            c.ram("UpdateResourceShare", body).await?;
        }
        sync_ram_tags(c, "resourceShareArn", id, prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.ram("DeleteResourceShare", json!({ "resourceShareArn": id })).await.map(drop)
    }
}

// ---- principal and resource associations -----------------------------------------------------

/// `lattice_ram_principal_association` and `lattice_ram_resource_association`: one entity of
/// a share, with id `<share ARN>,<entity>`.
pub(crate) struct ShareAssociation {
    pub(crate) principal: bool,
}

impl ShareAssociation {
    fn entity_key(&self) -> &'static str {
        if self.principal {
            "principal"
        } else {
            "resource_arn"
        }
    }
}

fn split_id(id: &str) -> Result<(&str, &str), ClientError> {
    id.split_once(',').ok_or_else(|| {
        ClientError::Transport(format!(
            "'{id}' is not an association id (<resource share ARN>,<principal or resource ARN>)"
        ))
    })
}

#[async_trait]
impl Kind for ShareAssociation {
    fn label(&self) -> &'static str {
        if self.principal {
            "RAM Principal Association"
        } else {
            "RAM Resource Association"
        }
    }

    fn schema(&self) -> TypeSchema {
        let entity = if self.principal {
            Attr::string("principal").required().force_new().doc(
                "An account id, or the ARN of an organization or OU. Accounts outside your organization (or when organization sharing is off) get an invitation to accept.",
            )
        } else {
            Attr::string("resource_arn")
                .required()
                .force_new()
                .doc("ARN of a service network, service or resource configuration you own.")
        };
        TypeSchema {
            description: if self.principal {
                "Adds a principal to a RAM resource share."
            } else {
                "Adds a resource to a RAM resource share."
            },
            attrs: vec![
                Attr::string("id").computed().doc("`<resource share ARN>,<principal or resource ARN>`."),
                Attr::string("resource_share_arn").required().force_new(),
                entity,
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let share = s(plan, "resource_share_arn").unwrap_or_default();
        let entity = s(plan, self.entity_key()).unwrap_or_default();
        let member = if self.principal { "principals" } else { "resourceArns" };
        c.ram("AssociateResourceShare", json!({ "resourceShareArn": share, member: [entity] })).await?;
        Ok(format!("{share},{entity}"))
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let (share, entity) = split_id(id)?;
        let mut query = json!({
            "associationType": if self.principal { "PRINCIPAL" } else { "RESOURCE" },
            "resourceShareArns": [share],
        });
        query[if self.principal { "principal" } else { "resourceArn" }] = json!(entity);
        let Some(r) = found(c.ram("GetResourceShareAssociations", query).await)? else { return Ok(None) };
        let live = r["resourceShareAssociations"].as_array().into_iter().flatten().any(|a| {
            s(a, "associatedEntity") == Some(entity) && !matches!(s(a, "status"), Some("DISASSOCIATED" | "FAILED"))
        });
        Ok(live.then(|| json!({ "id": id, "resource_share_arn": share, self.entity_key(): entity })))
    }

    async fn update(&self, _c: &Client, _id: &str, _prior: &Json, _plan: &Json) -> Result<(), ClientError> {
        Ok(())
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        let (share, entity) = split_id(id)?;
        let member = if self.principal { "principals" } else { "resourceArns" };
        c.ram("DisassociateResourceShare", json!({ "resourceShareArn": share, member: [entity] })).await.map(drop)
    }
}

// ---- lattice_ram_resource_share_accepter -------------------------------------------------------

pub(crate) struct ResourceShareAccepter;

#[async_trait]
impl Kind for ResourceShareAccepter {
    fn label(&self) -> &'static str {
        "RAM Resource Share Accepter"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Accepts the invitation to a resource share from an account outside your organization (configure the provider with the receiving account's credentials).",
            attrs: vec![
                Attr::string("id").computed().doc("The share ARN."),
                Attr::string("share_arn").required().force_new().doc("ARN of the share to accept."),
                Attr::string("invitation_arn").computed(),
                Attr::string("share_id").computed(),
                Attr::string("status").computed(),
                Attr::string("receiver_account_id").computed(),
                Attr::string("sender_account_id").computed(),
                Attr::string("share_name").computed(),
                Attr::list_of_string("resources").computed().doc("ARNs of the shared resources."),
            ],
            blocks: vec![timeouts(&["create", "delete"])],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let share = s(plan, "share_arn").unwrap_or_default();
        let r = c.ram("GetResourceShareInvitations", json!({ "resourceShareArns": [share] })).await?;
        let pending = r["resourceShareInvitations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| s(i, "status") == Some("PENDING"))
            .and_then(|i| s(i, "resourceShareInvitationArn"))
            .ok_or_else(|| {
                api_error(
                    "ResourceShareInvitationArnNotFoundException",
                    format!("No pending invitation for resource share {share}. Shares within an organization with sharing enabled need no accepter."),
                )
            })?;
        c.ram("AcceptResourceShareInvitation", json!({ "resourceShareInvitationArn": pending })).await?;
        Ok(share.to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let r =
            c.ram("GetResourceShares", json!({ "resourceOwner": "OTHER-ACCOUNTS", "resourceShareArns": [id] })).await?;
        let Some(share) = r["resourceShares"].as_array().and_then(|a| a.first()).cloned() else { return Ok(None) };
        let inv = c.ram("GetResourceShareInvitations", json!({ "resourceShareArns": [id] })).await?;
        let invitation = inv["resourceShareInvitations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| s(i, "status") == Some("ACCEPTED"))
            .cloned()
            .unwrap_or(Json::Null);
        let res =
            c.ram("ListResources", json!({ "resourceOwner": "OTHER-ACCOUNTS", "resourceShareArns": [id] })).await?;
        let resources: Vec<&str> =
            res["resources"].as_array().into_iter().flatten().filter_map(|r| s(r, "arn")).collect();
        Ok(Some(json!({
            "id": id, "share_arn": id, "invitation_arn": invitation.get("resourceShareInvitationArn"),
            "share_id": id.rsplit('/').next(), "status": invitation.get("status").cloned().unwrap_or(json!("ACCEPTED")),
            "receiver_account_id": invitation.get("receiverAccountId"), "sender_account_id": share["owningAccountId"],
            "share_name": share["name"], "resources": resources,
        })))
    }

    async fn update(&self, _c: &Client, _id: &str, _prior: &Json, _plan: &Json) -> Result<(), ClientError> {
        Ok(())
    }

    async fn delete(&self, c: &Client, id: &str, state: &Json) -> Result<(), ClientError> {
        let receiver = match s(state, "receiver_account_id") {
            Some(r) => r.to_string(),
            None => whoami(c).await?,
        };
        c.ram("DisassociateResourceShare", json!({ "resourceShareArn": id, "principals": [receiver] })).await.map(drop)
    }
}

/// The account the provider acts as.
async fn whoami(c: &Client) -> Result<String, ClientError> {
    let r = c.admin("GET", "/whoami", None).await?;
    Ok(s(&r, "account").unwrap_or_default().to_string())
}

// ---- lattice_ram_sharing_with_organization ------------------------------------------------------

pub(crate) struct SharingWithOrganization;

#[async_trait]
impl Kind for SharingWithOrganization {
    fn label(&self) -> &'static str {
        "RAM Sharing With Organization"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Enables RAM sharing within the organization (from its management account): shares with organization accounts, OUs or the organization then take effect without invitations.",
            attrs: vec![Attr::string("id").computed().doc("The management account id.")],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, _plan: &Json) -> Result<String, ClientError> {
        c.ram("EnableSharingWithAwsOrganization", json!({})).await?;
        whoami(c).await
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(org) = found(c.admin("GET", "/organization", None).await)? else { return Ok(None) };
        let enabled = org["ramSharingEnabled"].as_bool() == Some(true) && s(&org, "masterAccountId") == Some(id);
        Ok(enabled.then(|| json!({ "id": id })))
    }

    async fn update(&self, _c: &Client, _id: &str, _prior: &Json, _plan: &Json) -> Result<(), ClientError> {
        Ok(())
    }

    async fn delete(&self, c: &Client, _id: &str, _state: &Json) -> Result<(), ClientError> {
        let Some(org) = found(c.admin("GET", "/organization", None).await)? else { return Ok(()) };
        let path = format!("/organizations/{}", s(&org, "id").unwrap_or_default());
        c.admin("PATCH", &path, Some(json!({ "ramSharingEnabled": false }))).await.map(drop)
    }
}

// ---- lattice_ram_permission ---------------------------------------------------------------------

pub(crate) struct Permission;

fn permission_name(name: &str) -> Result<(), String> {
    let ok = (1..=36).contains(&name.len())
        && !name.starts_with(char::is_whitespace)
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("must be 1-36 letters, digits, underscores, periods or hyphens".into())
    }
}

fn json_object(s: &str) -> Result<(), String> {
    match serde_json::from_str::<Json>(s) {
        Ok(Json::Object(_)) => Ok(()),
        _ => Err("must be a JSON object (use jsonencode)".into()),
    }
}

#[async_trait]
impl Kind for Permission {
    fn label(&self) -> &'static str {
        "RAM Permission"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A customer managed RAM permission: which actions principals of a share may take on one resource type. Changing the template adds a version and makes it the default.",
            attrs: vec![
                Attr::string("id").computed().doc("The permission ARN."),
                Attr::string("arn").computed(),
                Attr::string("name").required().force_new().validate(permission_name),
                Attr::string("policy_template")
                    .required()
                    .validate(json_object)
                    .doc("`{\"Effect\": \"Allow\", \"Action\": [...]}` (updatable)."),
                Attr::string("resource_type")
                    .required()
                    .force_new()
                    .one_of(&["vpc-lattice:ServiceNetwork", "vpc-lattice:Service", "vpc-lattice:ResourceConfiguration"]),
                Attr::bool("default_version").computed().volatile(),
                Attr::string("status").computed(),
                Attr::string("version").computed().volatile(),
                Attr::tags(),
                Attr::tags_all(),
            ],
            blocks: vec![timeouts(&["delete"])],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let body = json!({
            "name": s(plan, "name"), "resourceType": s(plan, "resource_type"),
            "policyTemplate": s(plan, "policy_template"), "tags": ram_tags(plan),
        });
        let r = c.ram("CreatePermission", body).await?;
        Ok(s(&r["permission"], "arn").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.ram("GetPermission", json!({ "permissionArn": id })).await)? else { return Ok(None) };
        let p = &r["permission"];
        let tags = tags_map(p.get("tags"));
        let template = same_json(prior, "policy_template", s(p, "permission"));
        Ok(Some(json!({
            "id": id, "arn": p["arn"], "name": p["name"], "policy_template": template,
            "resource_type": p["resourceType"], "default_version": p["defaultVersion"], "status": p["status"],
            "version": p["version"], "tags_all": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
        if plan.get("policy_template") != prior.get("policy_template") {
            let r = c
                .ram(
                    "CreatePermissionVersion",
                    json!({ "permissionArn": id, "policyTemplate": s(plan, "policy_template") }),
                )
                .await?;
            let version: i64 = s(&r["permission"], "version").and_then(|v| v.parse().ok()).unwrap_or(1);
            c.ram("SetDefaultPermissionVersion", json!({ "permissionArn": id, "permissionVersion": version })).await?;
            // Drop the old default so the five-version limit is never reached.
            if let Some(old) = s(prior, "version").and_then(|v| v.parse::<i64>().ok()) {
                let body = json!({ "permissionArn": id, "permissionVersion": old.to_string() });
                if let Err(e) = c.ram("DeletePermissionVersion", body).await {
                    tracing::debug!(error = %e, "old permission version kept (a share still uses it)");
                }
            }
        }
        sync_ram_tags(c, "resourceArn", id, prior, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.ram("DeletePermission", json!({ "permissionArn": id })).await.map(drop)
    }
}

// ---- lattice_ram_resource_share_associations_exclusive -----------------------------------------

pub(crate) struct ShareAssociationsExclusive;

/// The share's current principals, resources and sources.
async fn share_members(c: &Client, share: &str) -> Result<Option<[Vec<String>; 3]>, ClientError> {
    let mut out: [Vec<String>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (i, kind) in ["PRINCIPAL", "RESOURCE"].iter().enumerate() {
        let query = json!({ "associationType": kind, "resourceShareArns": [share] });
        let Some(r) = found(c.ram("GetResourceShareAssociations", query).await)? else { return Ok(None) };
        out[i] = r["resourceShareAssociations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| !matches!(s(a, "status"), Some("DISASSOCIATED" | "FAILED")))
            .filter_map(|a| s(a, "associatedEntity").map(str::to_string))
            .collect();
    }
    let r = c.ram("ListSourceAssociations", json!({ "resourceShareArns": [share] })).await?;
    out[2] = r["sourceAssociations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| s(a, "sourceId").map(str::to_string))
        .collect();
    Ok(Some(out))
}

const MEMBERS: [(&str, &str); 3] =
    [("principals", "principals"), ("resource_arns", "resourceArns"), ("sources", "sources")];

/// Associates what `plan` lists and the share lacks, and removes what it has beyond that.
async fn reconcile(c: &Client, share: &str, plan: &Json) -> Result<(), ClientError> {
    let current = share_members(c, share)
        .await?
        .ok_or_else(|| api_error("UnknownResourceException", format!("Resource share {share} could not be found.")))?;
    let mut add = json!({ "resourceShareArn": share });
    let mut remove = json!({ "resourceShareArn": share });
    let (mut adding, mut removing) = (false, false);
    for (i, (attr, member)) in MEMBERS.iter().enumerate() {
        let wanted: BTreeSet<String> = strings(plan.get(*attr)).into_iter().collect();
        let have: BTreeSet<String> = current[i].iter().cloned().collect();
        let missing: Vec<&String> = wanted.difference(&have).collect();
        let extra: Vec<&String> = have.difference(&wanted).collect();
        adding |= !missing.is_empty();
        removing |= !extra.is_empty();
        add[*member] = json!(missing);
        remove[*member] = json!(extra);
    }
    if removing {
        c.ram("DisassociateResourceShare", remove).await?;
    }
    if adding {
        c.ram("AssociateResourceShare", add).await?;
    }
    Ok(())
}

#[async_trait]
impl Kind for ShareAssociationsExclusive {
    fn label(&self) -> &'static str {
        "RAM Resource Share Associations Exclusive"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Owns all principals, resources and sources of a resource share: anything else associated with it is removed.",
            attrs: vec![
                Attr::string("id").computed().doc("The share ARN."),
                Attr::string("resource_share_arn").required().force_new(),
                Attr::set_of_string("principals").doc("Account ids, organization or OU ARNs."),
                Attr::set_of_string("resource_arns").doc("ARNs of service networks, services or resource configurations."),
                Attr::set_of_string("sources").doc("Source accounts (only with service principals)."),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let share = s(plan, "resource_share_arn").unwrap_or_default();
        reconcile(c, share, plan).await?;
        Ok(share.to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some([principals, resources, sources]) = share_members(c, id).await? else { return Ok(None) };
        Ok(Some(json!({
            "id": id, "resource_share_arn": id,
            "principals": set_state(prior, "principals", principals),
            "resource_arns": set_state(prior, "resource_arns", resources),
            "sources": set_state(prior, "sources", sources),
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        reconcile(c, id, plan).await
    }

    async fn delete(&self, c: &Client, id: &str, state: &Json) -> Result<(), ClientError> {
        let mut body = json!({ "resourceShareArn": id });
        let mut any = false;
        for (attr, member) in MEMBERS {
            let values = strings(state.get(attr));
            any |= !values.is_empty();
            body[member] = json!(values);
        }
        if any {
            if let Err(e) = c.ram("DisassociateResourceShare", body).await {
                if !e.is_not_found() {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let has = |k: &str| config.get(k).and_then(Json::as_array).is_some_and(|a| !a.is_empty());
        let service_principal = strings(config.get("principals")).iter().any(|p| p.ends_with(".amazonaws.com"));
        if has("sources") && !service_principal {
            diags.error(
                "Invalid sources",
                "sources can be set only together with a service principal in principals",
                AttributePath::new("sources"),
            );
        }
    }
}
