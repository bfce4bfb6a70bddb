//! AWS RAM operations (`ram` 2018-01-04): resource shares, their principals, resources and
//! sources, invitations, managed and customer managed permissions, and tags. Like the Lattice
//! handlers, each reads the state and returns the changes to commit; a rejected request
//! stores nothing. What sharing grants is in `sharing.rs`.

use std::collections::{BTreeMap, BTreeSet};

use lattice_api::ApiError;
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Map, Value};

use crate::kit::{str_of, string_list, AwsService, Ctx, Handler, OpResult, Outcome};
use crate::sharing::{
    self, associations_of, entity_covers, organization_of, PRINCIPAL, RESOURCE, RT_RESOURCE_CONFIGURATION, RT_SERVICE,
    RT_SERVICE_NETWORK, SOURCE,
};

/// Runs operation `name` of the RAM model; `None` for a name the model does not have.
/// RAM, selected by the signing name `ram`.
pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "ram",
    model: lattice_api::model::ram,
    operations: OPERATIONS,
    validation_error: ram_validation_error,
    token_mismatch: |e| ApiError::new(400, "IdempotentParameterMismatchException", e.message),
};

/// Every RAM operation, by its botocore name: the only list of them.
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("AcceptResourceShareInvitation", |ctx, s, input| answer_invitation(ctx, s, input, true)),
    ("RejectResourceShareInvitation", |ctx, s, input| answer_invitation(ctx, s, input, false)),
    ("AssociateResourceShare", associate_resource_share),
    ("DisassociateResourceShare", disassociate_resource_share),
    ("AssociateResourceSharePermission", associate_share_permission),
    ("DisassociateResourceSharePermission", disassociate_share_permission),
    ("CreatePermission", create_permission),
    ("CreatePermissionVersion", create_permission_version),
    ("DeletePermission", delete_permission),
    ("DeletePermissionVersion", delete_permission_version),
    ("SetDefaultPermissionVersion", set_default_permission_version),
    ("UpdatePermission", update_permission),
    ("GetPermission", get_permission),
    ("ListPermissions", list_permissions),
    ("ListPermissionVersions", list_permission_versions),
    ("ListPermissionAssociations", list_permission_associations),
    ("ReplacePermissionAssociations", replace_permission_associations),
    ("ListReplacePermissionAssociationsWork", list_replace_work),
    ("PromotePermissionCreatedFromPolicy", promote_permission),
    ("PromoteResourceShareCreatedFromPolicy", promote_share),
    ("CreateResourceShare", create_resource_share),
    ("UpdateResourceShare", update_resource_share),
    ("DeleteResourceShare", delete_resource_share),
    ("GetResourceShares", get_resource_shares),
    ("GetResourceShareAssociations", get_resource_share_associations),
    ("GetResourceShareInvitations", get_resource_share_invitations),
    ("ListPendingInvitationResources", list_pending_invitation_resources),
    ("EnableSharingWithAwsOrganization", |ctx, s, _| enable_sharing_with_organization(ctx, s)),
    ("GetResourcePolicies", get_resource_policies),
    ("ListResources", list_resources),
    ("ListPrincipals", list_principals),
    ("ListResourceTypes", |_, _, input| list_resource_types(input)),
    ("ListResourceSharePermissions", list_resource_share_permissions),
    ("ListSourceAssociations", list_source_associations),
    ("TagResource", tag_resource),
    ("UntagResource", untag_resource),
];

// ---- errors, ids, paging -----------------------------------------------------------------

fn error(code: &str, message: impl Into<String>) -> ApiError {
    let status = match code {
        "PermissionAlreadyExistsException" => 409,
        _ => 400,
    };
    ApiError::new(status, code, message)
}

fn unknown(what: &str, arn: &str) -> ApiError {
    error("UnknownResourceException", format!("{what} {arn} could not be found."))
}

fn invalid(message: impl Into<String>) -> ApiError {
    error("InvalidParameterException", message)
}

fn not_permitted(message: impl Into<String>) -> ApiError {
    error("OperationNotPermittedException", message)
}

/// Maps the model validator's `ValidationException` to RAM's error codes.
pub(crate) fn ram_validation_error(err: ApiError) -> ApiError {
    if err.code != "ValidationException" {
        return err;
    }
    let missing = err.field_list.iter().any(|f| f.message == "Member must not be null");
    let code = if missing { "MissingRequiredParameterException" } else { "InvalidParameterException" };
    error(code, err.message)
}

fn now() -> f64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (d.as_millis() as f64) / 1000.0
}

/// A UUID-shaped id, as RAM uses for shares and invitations.
fn uuid() -> String {
    let hex = hex::encode(rand::random::<[u8; 16]>());
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

fn ram_arn(ctx: &Ctx, account: &str, resource: &str) -> String {
    format!("arn:aws:ram:{}:{account}:{resource}", ctx.region)
}

/// The last segment of a RAM ARN of `resource_type` (`resource-share`), or `MalformedArnException`.
fn ram_arn_id<'a>(arn: &'a str, resource_type: &str) -> Result<&'a str, ApiError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "ram", _, _, resource] => resource
            .strip_prefix(resource_type)
            .and_then(|r| r.strip_prefix('/'))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| error("MalformedArnException", format!("{arn} is not a {resource_type} ARN"))),
        _ => Err(error("MalformedArnException", format!("The format of {arn} is not a valid ARN"))),
    }
}

fn check_arn(arn: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && !parts[2].is_empty() && !parts[5].is_empty() {
        Ok(())
    } else {
        Err(error("MalformedArnException", format!("The format of {arn} is not a valid ARN")))
    }
}

/// One page of `items` under `key` (RAM pages with `nextToken` and `maxResults` up to 500).
fn page(items: Vec<Value>, input: &Value, key: &str) -> Result<Value, ApiError> {
    let max = input.get("maxResults").and_then(Value::as_u64).unwrap_or(500) as usize;
    let start = match str_of(input, "nextToken") {
        Some(token) => token
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| error("InvalidNextTokenException", "The nextToken is not valid"))?,
        None => 0,
    };
    let end = (start + max).min(items.len());
    let mut out = Map::new();
    out.insert(key.into(), Value::Array(items[start..end].to_vec()));
    if end < items.len() {
        out.insert("nextToken".into(), json!(end.to_string()));
    }
    Ok(Value::Object(out))
}

fn tags_list(tags: &Tags) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect())
}

fn tags_input(input: &Value) -> Result<Tags, ApiError> {
    let mut tags = Tags::new();
    for t in input.get("tags").and_then(Value::as_array).into_iter().flatten() {
        let key = str_of(t, "key").unwrap_or_default();
        if key.is_empty() || key.len() > 128 {
            return Err(invalid("A tag key must be 1-128 characters"));
        }
        if key.starts_with("aws:") {
            return Err(invalid(format!("Tag keys starting with aws: are reserved ({key})")));
        }
        tags.insert(key.to_string(), str_of(t, "value").unwrap_or_default().to_string());
    }
    Ok(tags)
}

const MAX_TAGS: usize = 50;

// ---- permissions ---------------------------------------------------------------------------

/// The AWS managed permissions for the resource types this backend shares.
const MANAGED: &[(&str, &str, &[&str])] = &[
    (
        "AWSRAMDefaultPermissionServiceNetwork",
        RT_SERVICE_NETWORK,
        &[
            "vpc-lattice:CreateServiceNetworkVpcAssociation",
            "vpc-lattice:CreateServiceNetworkServiceAssociation",
            "vpc-lattice:CreateServiceNetworkResourceAssociation",
            "vpc-lattice:GetServiceNetwork",
        ],
    ),
    (
        "AWSRAMDefaultPermissionVpcLatticeService",
        RT_SERVICE,
        &["vpc-lattice:CreateServiceNetworkServiceAssociation", "vpc-lattice:GetService"],
    ),
    (
        "AWSRAMPermissionVpcLatticeResourceConfiguration",
        RT_RESOURCE_CONFIGURATION,
        &[
            "vpc-lattice:CreateServiceNetworkResourceAssociation",
            "vpc-lattice:GetResourceConfiguration",
            "vpc-lattice:AssociateViaAWSService",
        ],
    ),
];

const RESOURCE_TYPES: &[&str] = &[RT_SERVICE_NETWORK, RT_SERVICE, RT_RESOURCE_CONFIGURATION];

fn managed_arn(name: &str) -> String {
    format!("arn:aws:ram::aws:permission/{name}")
}

/// A permission as the operations see it.
enum Perm<'a> {
    Managed { name: &'static str, resource_type: &'static str, actions: &'static [&'static str] },
    Customer(&'a RamPermission),
}

impl Perm<'_> {
    fn arn(&self) -> String {
        match self {
            Perm::Managed { name, .. } => managed_arn(name),
            Perm::Customer(p) => p.arn.clone(),
        }
    }
    fn resource_type(&self) -> &str {
        match self {
            Perm::Managed { resource_type, .. } => resource_type,
            Perm::Customer(p) => &p.resource_type,
        }
    }
    fn default_version(&self) -> u32 {
        match self {
            Perm::Managed { .. } => 1,
            Perm::Customer(p) => p.default_version,
        }
    }
    fn has_version(&self, v: u32) -> bool {
        match self {
            Perm::Managed { .. } => v == 1,
            Perm::Customer(p) => p.versions.contains_key(&v),
        }
    }
    fn template(&self, version: u32) -> String {
        match self {
            Perm::Managed { actions, .. } => json!({ "Effect": "Allow", "Action": actions }).to_string(),
            Perm::Customer(p) => p.versions.get(&version).map(|v| v.policy_template.clone()).unwrap_or_default(),
        }
    }

    /// `ResourceSharePermissionSummary` (and, with `detail`, the `Detail` shape's extras).
    fn wire(&self, ctx: &Ctx, version: u32, detail: bool) -> Value {
        let mut v = match self {
            Perm::Managed { name, resource_type, .. } => json!({
                "arn": managed_arn(name), "version": version.to_string(), "defaultVersion": version == 1,
                "name": name, "resourceType": resource_type, "status": "ATTACHABLE",
                "creationTime": 1_700_000_000.0, "lastUpdatedTime": 1_700_000_000.0,
                "isResourceTypeDefault": true, "permissionType": "AWS_MANAGED", "featureSet": "STANDARD",
                "tags": [],
            }),
            Perm::Customer(p) => {
                let created = p.versions.get(&version).map_or(p.creation_time, |v| v.creation_time);
                json!({
                    "arn": p.arn, "version": version.to_string(), "defaultVersion": version == p.default_version,
                    "name": p.name, "resourceType": p.resource_type, "status": p.status,
                    "creationTime": created, "lastUpdatedTime": p.last_updated_time,
                    "isResourceTypeDefault": false, "permissionType": "CUSTOMER_MANAGED",
                    "featureSet": p.feature_set, "tags": tags_list(&p.tags),
                    "resourceOwner": if p.account == ctx.account { "SELF" } else { "OTHER-ACCOUNTS" },
                })
            }
        };
        if detail {
            v["permission"] = json!(self.template(version));
            v["permissionTemplateParameters"] = json!([]);
        }
        v
    }
}

fn find_permission<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<Perm<'a>, ApiError> {
    if let Some(name) = arn.strip_prefix("arn:aws:ram::aws:permission/") {
        return MANAGED
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(name, resource_type, actions)| Perm::Managed { name, resource_type, actions })
            .ok_or_else(|| unknown("Permission", arn));
    }
    let name = ram_arn_id(arn, "permission")?;
    s.ram_permissions
        .get(&format!("{}/{name}", ctx.account))
        .filter(|p| p.arn == arn)
        .map(Perm::Customer)
        .ok_or_else(|| unknown("Permission", arn))
}

fn find_customer_permission<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a RamPermission, ApiError> {
    match find_permission(ctx, s, arn)? {
        Perm::Customer(p) => Ok(p),
        Perm::Managed { .. } => Err(not_permitted(format!("{arn} is an AWS managed permission"))),
    }
}

fn version_input(input: &Value, key: &str) -> Option<u32> {
    input.get(key).and_then(Value::as_i64).and_then(|v| u32::try_from(v).ok())
}

fn check_template(template: &str) -> Result<(), ApiError> {
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

fn check_resource_type(resource_type: &str) -> Result<(), ApiError> {
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
fn new_permission(
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

fn create_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

const MAX_PERMISSION_VERSIONS: usize = 5;

fn create_permission_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

/// Shares that use permission `arn` (any version, or `version`). Customer permissions attach
/// only to their owner's shares, so these are the caller's.
fn shares_using<'a>(s: &'a State, arn: &'a str, version: Option<u32>) -> impl Iterator<Item = &'a ResourceShare> {
    s.resource_shares
        .values()
        .filter(move |sh| sh.permissions.values().any(|p| p.arn == arn && version.is_none_or(|v| p.version == v)))
}

fn delete_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?;
    if let Some(share) = shares_using(s, &p.arn, None).next() {
        return Err(not_permitted(format!("{} is attached to resource share {}", p.arn, share.resource_share_arn)));
    }
    let body = json!({ "returnValue": true, "permissionStatus": "DELETED", "clientToken": input.get("clientToken") });
    Outcome::write(vec![p.delete()], body)
}

fn delete_permission_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

fn set_default_permission_version(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?.clone();
    let version = version_input(input, "permissionVersion").unwrap_or_default();
    if !p.versions.contains_key(&version) {
        return Err(invalid(format!("{} has no version {version}", p.arn)));
    }
    p.default_version = version;
    p.last_updated_time = now();
    Outcome::write(vec![p.put()], json!({ "returnValue": true, "clientToken": input.get("clientToken") }))
}

fn update_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut p = find_customer_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?.clone();
    p.status = str_of(input, "status").unwrap_or("ATTACHABLE").to_string();
    p.last_updated_time = now();
    let body = json!({ "permissionStatus": p.status, "clientToken": input.get("clientToken") });
    Outcome::write(vec![p.put()], body)
}

fn get_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let p = find_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?;
    let version = version_input(input, "permissionVersion").unwrap_or(p.default_version());
    if !p.has_version(version) {
        return Err(invalid(format!("{} has no version {version}", p.arn())));
    }
    Outcome::read(json!({ "permission": p.wire(ctx, version, true) }))
}

fn list_permissions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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
        for p in s.ram_permissions.values().filter(|p| p.account == ctx.account) {
            if resource_type.is_none_or(|r| r.eq_ignore_ascii_case(&p.resource_type))
                && status.is_none_or(|st| st == p.status)
            {
                items.push(Perm::Customer(p).wire(ctx, p.default_version, false));
            }
        }
    }
    Outcome::read(page(items, input, "permissions")?)
}

fn list_permission_versions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let p = find_permission(ctx, s, str_of(input, "permissionArn").unwrap_or_default())?;
    let versions: Vec<u32> = match &p {
        Perm::Managed { .. } => vec![1],
        Perm::Customer(c) => c.versions.keys().copied().collect(),
    };
    let items = versions.into_iter().map(|v| p.wire(ctx, v, false)).collect();
    Outcome::read(page(items, input, "permissions")?)
}

fn permission_is_default(s: &State, ctx: &Ctx, arn: &str, version: u32) -> bool {
    find_permission(ctx, s, arn).is_ok_and(|p| p.default_version() == version)
}

fn list_permission_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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
    for share in s.resource_shares.values().filter(|sh| sh.account == ctx.account) {
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

fn replace_permission_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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
    for share in s.resource_shares.values().filter(|sh| sh.account == ctx.account) {
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

fn work_wire(w: &PermissionReplacement) -> Value {
    let mut v = serde_json::to_value(w).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.remove("account");
        m.insert("permissionTemplateParameters".into(), json!([]));
    }
    v
}

fn list_replace_work(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let ids = string_list(input, "workIds");
    let status = str_of(input, "status");
    let items = s
        .permission_replacements
        .values()
        .filter(|w| w.account == ctx.account)
        .filter(|w| (ids.is_empty() || ids.contains(&w.id)) && status.is_none_or(|st| st == w.status))
        .map(work_wire)
        .collect();
    Outcome::read(page(items, input, "replacePermissionAssociationsWorks")?)
}

fn promote_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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
fn promoted_from<'a>(ctx: &Ctx, s: &'a State, p: &RamPermission) -> Option<&'a RamPermission> {
    let template = p.versions.get(&p.default_version).map(|v| &v.policy_template);
    s.ram_permissions.values().find(|c| {
        c.account == ctx.account
            && c.feature_set == "STANDARD"
            && c.resource_type == p.resource_type
            && c.versions.get(&c.default_version).map(|v| &v.policy_template) == template
    })
}

fn promote_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut share = owned_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?.clone();
    if share.feature_set != "CREATED_FROM_POLICY" {
        return Err(not_permitted(format!(
            "{} has feature set {}; only shares CREATED_FROM_POLICY can be promoted",
            share.resource_share_arn, share.feature_set
        )));
    }
    let t = now();
    for sp in share.permissions.values_mut() {
        let from = find_customer_permission(ctx, s, &sp.arn)?;
        let to = promoted_from(ctx, s, from).ok_or_else(|| {
            error(
                "UnmatchedPolicyPermissionException",
                format!("Promote {} with PromotePermissionCreatedFromPolicy first", from.arn),
            )
        })?;
        *sp = SharePermission { arn: to.arn.clone(), version: to.default_version, last_updated_time: t };
    }
    share.feature_set = "STANDARD".into();
    share.last_updated_time = t;
    Outcome::write(vec![share.put()], json!({ "returnValue": true }))
}

/// The accounts an IAM policy's Allow statements name as `AWS` principals, and their actions.
fn policy_grants(policy: &str, owner: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let doc: Value = serde_json::from_str(policy).unwrap_or(Value::Null);
    let statements = match &doc["Statement"] {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![doc["Statement"].clone()],
        _ => vec![],
    };
    let as_list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            _ => vec![],
        }
    };
    let (mut accounts, mut actions) = (BTreeSet::new(), BTreeSet::new());
    for st in statements.iter().filter(|st| str_of(st, "Effect") == Some("Allow")) {
        for p in as_list(&st["Principal"]["AWS"]) {
            let account = p.strip_prefix("arn:aws:iam::").and_then(|r| r.strip_suffix(":root")).unwrap_or(&p);
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && account != owner {
                accounts.insert(account.to_string());
            }
        }
        actions.extend(as_list(&st["Action"]));
    }
    (accounts, actions)
}

/// What RAM does when a Lattice resource policy is put (`Some`) or deleted (`None`): the
/// resource's share `CREATED_FROM_POLICY`, and the permission made from the policy, are
/// replaced so that they grant exactly the accounts the policy allows.
pub(crate) fn policy_share_changes(
    ctx: &Ctx,
    s: &State,
    resource_arn: &str,
    policy: Option<&str>,
) -> Vec<ObjectChange> {
    let mut changes = Vec::new();
    let mut replaced = None;
    for share in
        s.resource_shares.values().filter(|sh| sh.account == ctx.account && sh.feature_set == "CREATED_FROM_POLICY")
    {
        if s.share_associations.contains_key(&association_id(&share.id, RESOURCE, resource_arn)) {
            changes.extend(s.share_associations.values().filter(|a| a.share_id == share.id).map(Object::delete));
            for sp in share.permissions.values() {
                if let Ok(p) = find_customer_permission(ctx, s, &sp.arn) {
                    if p.feature_set == "CREATED_FROM_POLICY" {
                        changes.push(p.delete());
                    }
                }
            }
            changes.push(share.delete());
            replaced = Some(share.id.clone());
        }
    }
    let Some(policy) = policy else { return changes };
    let (accounts, actions) = policy_grants(policy, &ctx.account);
    let Some((rt, _, _)) = lattice_resource(s, resource_arn) else { return changes };
    if accounts.is_empty() {
        return changes;
    }
    let t = now();
    let short = lattice_api::ids::id_of(resource_arn);
    let name = format!("rp-{short}");
    let template = json!({ "Effect": "Allow", "Action": actions }).to_string();
    let permission = new_permission(ctx, &name, rt, template, "CREATED_FROM_POLICY", Tags::new());
    let id = replaced.unwrap_or_else(uuid);
    let share = ResourceShare {
        resource_share_arn: ram_arn(ctx, &ctx.account, &format!("resource-share/{id}")),
        id,
        name,
        owning_account_id: ctx.account.clone(),
        allow_external_principals: true,
        status: "ACTIVE".into(),
        feature_set: "CREATED_FROM_POLICY".into(),
        resource_share_configuration: None,
        creation_time: t,
        last_updated_time: t,
        permissions: BTreeMap::from([(
            rt.to_string(),
            SharePermission { arn: permission.arn.clone(), version: 1, last_updated_time: t },
        )]),
        tags: Tags::new(),
        account: ctx.account.clone(),
    };
    let entities = accounts.iter().map(|a| (PRINCIPAL, a.as_str())).chain([(RESOURCE, resource_arn)]);
    for (kind, entity) in entities {
        let a = new_association(&share.id, kind, entity, "ASSOCIATED", false, t, &ctx.account);
        changes.push(a.put());
    }
    // Changes apply in order: what was deleted above and is put again here stays.
    changes.push(permission.put());
    changes.push(share.put());
    changes
}

/// A deleted service network, service or resource configuration leaves every share.
pub(crate) fn forget_resource(s: &State, resource_arn: &str) -> Vec<ObjectChange> {
    s.share_associations
        .values()
        .filter(|a| a.association_type == RESOURCE && a.associated_entity == resource_arn)
        .map(Object::delete)
        .collect()
}

// ---- resource shares -----------------------------------------------------------------------

fn share_wire(share: &ResourceShare) -> Value {
    let mut v = json!({
        "resourceShareArn": share.resource_share_arn, "name": share.name,
        "owningAccountId": share.owning_account_id, "allowExternalPrincipals": share.allow_external_principals,
        "status": share.status, "tags": tags_list(&share.tags), "creationTime": share.creation_time,
        "lastUpdatedTime": share.last_updated_time, "featureSet": share.feature_set,
    });
    if let Some(c) = &share.resource_share_configuration {
        v["resourceShareConfiguration"] = c.clone();
    }
    v
}

fn association_wire(s: &State, a: &ShareAssociation) -> Value {
    let share = s.resource_shares.get(&a.share_id);
    let mut v = json!({
        "resourceShareArn": share.map(|sh| sh.resource_share_arn.as_str()),
        "resourceShareName": share.map(|sh| sh.name.as_str()),
        "associatedEntity": a.associated_entity, "associationType": a.association_type, "status": a.status,
        "creationTime": a.creation_time, "lastUpdatedTime": a.last_updated_time, "external": a.external,
    });
    if let Some(m) = &a.status_message {
        v["statusMessage"] = json!(m);
    }
    v
}

fn owned_share<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a ResourceShare, ApiError> {
    let id = ram_arn_id(arn, "resource-share")?;
    s.resource_shares
        .get(id)
        .filter(|sh| sh.account == ctx.account && sh.resource_share_arn == arn)
        .ok_or_else(|| unknown("Resource share", arn))
}

/// True when a principal of `share` covers the caller (the share is shared with it).
fn shared_with_caller(ctx: &Ctx, s: &State, share: &ResourceShare) -> bool {
    associations_of(s, &share.id, PRINCIPAL)
        .any(|p| p.status == "ASSOCIATED" && entity_covers(s, &p.associated_entity, &ctx.account))
}

/// A share the caller owns, or that is shared with it (or to which it is invited).
fn visible_share<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a ResourceShare, ApiError> {
    let id = ram_arn_id(arn, "resource-share")?;
    s.resource_shares
        .get(id)
        .filter(|sh| sh.resource_share_arn == arn)
        .filter(|sh| {
            sh.account == ctx.account
                || shared_with_caller(ctx, s, sh)
                || s.share_invitations.values().any(|i| i.share_id == sh.id && i.receiver_account_id == ctx.account)
        })
        .ok_or_else(|| unknown("Resource share", arn))
}

fn association_id(share_id: &str, association_type: &str, entity: &str) -> String {
    format!("{share_id}|{association_type}|{entity}")
}

/// The Lattice object an ARN names, as (resource type, owner, CHILD configuration?).
fn lattice_resource<'a>(s: &'a State, arn: &str) -> Option<(&'static str, &'a str, bool)> {
    let id = lattice_api::ids::id_of(arn);
    if let Some(o) = s.service_networks.get(id).filter(|o| o.arn == arn) {
        return Some((RT_SERVICE_NETWORK, &o.account, false));
    }
    if let Some(o) = s.services.get(id).filter(|o| o.arn == arn) {
        return Some((RT_SERVICE, &o.account, false));
    }
    if let Some(o) = s.resource_configurations.get(id).filter(|o| o.arn == arn) {
        return Some((RT_RESOURCE_CONFIGURATION, &o.account, o.kind == "CHILD"));
    }
    None
}

/// What a principal entity is.
#[derive(Debug, PartialEq)]
enum PrincipalKind<'a> {
    Account(&'a str),
    Organization(&'a str),
    OrganizationalUnit { org: &'a str, ou: &'a str },
    Iam { account: &'a str },
    Service,
}

fn principal_kind(entity: &str) -> Result<PrincipalKind<'_>, ApiError> {
    let digits = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if digits(entity) {
        return Ok(PrincipalKind::Account(entity));
    }
    if let Some(rest) = entity.strip_prefix("arn:aws:organizations::") {
        if let Some((mgmt, resource)) = rest.split_once(':') {
            if digits(mgmt) {
                if let Some(org) = resource.strip_prefix("organization/") {
                    return Ok(PrincipalKind::Organization(org));
                }
                if let Some((org, ou)) = resource.strip_prefix("ou/").and_then(|r| r.split_once('/')) {
                    return Ok(PrincipalKind::OrganizationalUnit { org, ou });
                }
            }
        }
        return Err(error("MalformedArnException", format!("{entity} is not an organization or OU ARN")));
    }
    if let Some(rest) = entity.strip_prefix("arn:aws:iam::") {
        if let Some((account, resource)) = rest.split_once(':') {
            if digits(account) && (resource.starts_with("role/") || resource.starts_with("user/")) {
                return Ok(PrincipalKind::Iam { account });
            }
        }
        return Err(error("MalformedArnException", format!("{entity} is not an IAM role or user ARN")));
    }
    if entity.ends_with(".amazonaws.com") && entity.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'-') {
        return Ok(PrincipalKind::Service);
    }
    Err(invalid(format!(
        "{entity} is not a principal: expected an account id, an organization, OU, IAM role or user ARN, or a service principal"
    )))
}

/// Adds principals, resources and sources to a share (its own copy is updated in `share`):
/// returns the changes and the associations to answer with.
fn associate(
    ctx: &Ctx,
    s: &State,
    share: &mut ResourceShare,
    principals: &[String],
    resources: &[String],
    sources: &[String],
) -> Result<(Vec<ObjectChange>, Vec<Value>), ApiError> {
    let t = now();
    let mut changes = Vec::new();
    let mut answer = Vec::new();
    let has_lattice_resources = !resources.is_empty()
        || associations_of(s, &share.id, RESOURCE).next().is_some()
        || !share.permissions.is_empty();
    let principal_kinds: Vec<PrincipalKind> = associations_of(s, &share.id, PRINCIPAL)
        .map(|p| p.associated_entity.as_str())
        .chain(principals.iter().map(String::as_str))
        .map(principal_kind)
        .collect::<Result<_, _>>()?;
    if has_lattice_resources {
        if let Some(k) =
            principal_kinds.iter().find(|k| matches!(k, PrincipalKind::Iam { .. } | PrincipalKind::Service))
        {
            return Err(invalid(format!(
                "VPC Lattice resources are shared with accounts, organizations and OUs, not {}",
                if matches!(k, PrincipalKind::Service) { "service principals" } else { "IAM roles or users" }
            )));
        }
    }
    if !sources.is_empty() && !principal_kinds.contains(&PrincipalKind::Service) {
        return Err(invalid("Sources can be added only to a resource share with a service principal"));
    }
    let owner_org = organization_of(s, &ctx.account);
    for arn in resources {
        check_arn(arn)?;
        let (rt, owner, child) = lattice_resource(s, arn).ok_or_else(|| unknown("Resource", arn))?;
        if owner != ctx.account {
            return Err(unknown("Resource", arn));
        }
        if child {
            return Err(invalid(format!("{arn} is a CHILD resource configuration; share its GROUP")));
        }
        let id = association_id(&share.id, RESOURCE, arn);
        if s.share_associations.contains_key(&id) {
            continue;
        }
        if !share.permissions.contains_key(rt) {
            let (name, _, _) = MANAGED.iter().find(|(_, r, _)| *r == rt).copied().unwrap_or(MANAGED[0]);
            share
                .permissions
                .insert(rt.to_string(), SharePermission { arn: managed_arn(name), version: 1, last_updated_time: t });
        }
        let a = new_association(&share.id, RESOURCE, arn, "ASSOCIATED", false, t, &ctx.account);
        answer.push(answer_with(share, &a, "ASSOCIATING"));
        changes.push(a.put());
    }
    for entity in principals {
        let id = association_id(&share.id, PRINCIPAL, entity);
        if s.share_associations.contains_key(&id) {
            continue;
        }
        let in_org =
            |account: &str| owner_org.is_some_and(|o| o.ram_sharing_enabled && o.accounts.contains_key(account));
        let receiver = match principal_kind(entity)? {
            PrincipalKind::Account(account) | PrincipalKind::Iam { account } => {
                if account == ctx.account && entity.len() == 12 {
                    return Err(invalid("A resource share cannot name its owner as a principal"));
                }
                (!in_org(account)).then_some(account)
            }
            PrincipalKind::Organization(org) => {
                let o = owner_org.filter(|o| o.id == org).ok_or_else(|| unknown("Organization", entity))?;
                if !o.ram_sharing_enabled {
                    return Err(not_permitted(
                        "Sharing with your organization is not enabled; call EnableSharingWithAwsOrganization from the management account",
                    ));
                }
                None
            }
            PrincipalKind::OrganizationalUnit { org, ou } => {
                let o = owner_org
                    .filter(|o| o.id == org && o.organizational_units.values().any(|id| id == ou))
                    .ok_or_else(|| unknown("Organizational unit", entity))?;
                if !o.ram_sharing_enabled {
                    return Err(not_permitted(
                        "Sharing with your organization is not enabled; call EnableSharingWithAwsOrganization from the management account",
                    ));
                }
                None
            }
            PrincipalKind::Service => None,
        };
        if receiver.is_some() && !share.allow_external_principals {
            return Err(not_permitted(format!(
                "{entity} is outside your organization and resource share {} does not allow external principals",
                share.name
            )));
        }
        let a = new_association(
            &share.id,
            PRINCIPAL,
            entity,
            if receiver.is_some() { "ASSOCIATING" } else { "ASSOCIATED" },
            receiver.is_some(),
            t,
            &ctx.account,
        );
        answer.push(answer_with(share, &a, "ASSOCIATING"));
        changes.push(a.put());
        if let Some(receiver) = receiver {
            let pending = s
                .share_invitations
                .values()
                .any(|i| i.share_id == share.id && i.receiver_account_id == receiver && i.status == "PENDING");
            if !pending {
                let id = uuid();
                let inv = ShareInvitation {
                    arn: ram_arn(ctx, &ctx.account, &format!("resource-share-invitation/{id}")),
                    id,
                    share_id: share.id.clone(),
                    sender_account_id: ctx.account.clone(),
                    receiver_account_id: receiver.to_string(),
                    receiver_arn: (entity.len() != 12).then(|| entity.clone()),
                    status: "PENDING".into(),
                    invitation_timestamp: t,
                    account: ctx.account.clone(),
                };
                changes.push(inv.put());
            }
        }
    }
    for source in sources {
        if !(source.len() == 12 && source.bytes().all(|b| b.is_ascii_digit())) {
            return Err(invalid(format!("{source} is not an account id")));
        }
        let id = association_id(&share.id, SOURCE, source);
        if s.share_associations.contains_key(&id) {
            continue;
        }
        let a = new_association(&share.id, SOURCE, source, "ASSOCIATED", false, t, &ctx.account);
        answer.push(answer_with(share, &a, "ASSOCIATING"));
        changes.push(a.put());
    }
    Ok((changes, answer))
}

fn new_association(
    share_id: &str,
    association_type: &str,
    entity: &str,
    status: &str,
    external: bool,
    t: f64,
    owner: &str,
) -> ShareAssociation {
    ShareAssociation {
        id: association_id(share_id, association_type, entity),
        share_id: share_id.to_string(),
        association_type: association_type.into(),
        associated_entity: entity.to_string(),
        status: status.into(),
        status_message: None,
        external,
        creation_time: t,
        last_updated_time: t,
        account: owner.to_string(),
    }
}

/// An association as an associate or disassociate call answers it (`ASSOCIATING`,
/// `DISASSOCIATING`); the share may not be in the state yet.
fn answer_with(share: &ResourceShare, a: &ShareAssociation, status: &str) -> Value {
    json!({
        "resourceShareArn": share.resource_share_arn, "resourceShareName": share.name,
        "associatedEntity": a.associated_entity, "associationType": a.association_type, "status": status,
        "creationTime": a.creation_time, "lastUpdatedTime": a.last_updated_time, "external": a.external,
    })
}

fn create_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

fn update_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

fn delete_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let share = owned_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?;
    let mut changes: Vec<ObjectChange> =
        s.share_associations.values().filter(|a| a.share_id == share.id).map(Object::delete).collect();
    changes.extend(s.share_invitations.values().filter(|i| i.share_id == share.id).map(Object::delete));
    changes.push(share.delete());
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, json!({ "returnValue": true, "clientToken": input.get("clientToken") }))
}

/// A share RAM may change: the caller's, and not one created from a resource policy.
fn standard_share<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a ResourceShare, ApiError> {
    let share = owned_share(ctx, s, arn)?;
    if share.feature_set == "CREATED_FROM_POLICY" {
        return Err(not_permitted(format!(
            "{arn} was created from a resource policy; change the policy, or promote the share first"
        )));
    }
    Ok(share)
}

fn associate_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut share = standard_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?.clone();
    if share.status != "ACTIVE" {
        return Err(error("InvalidStateTransitionException", format!("The resource share is {}", share.status)));
    }
    let (mut changes, answer) = associate(
        ctx,
        s,
        &mut share,
        &string_list(input, "principals"),
        &string_list(input, "resourceArns"),
        &string_list(input, "sources"),
    )?;
    share.last_updated_time = now();
    changes.push(share.put());
    Outcome::write(changes, json!({ "resourceShareAssociations": answer, "clientToken": input.get("clientToken") }))
}

fn disassociate_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = str_of(input, "resourceShareArn").unwrap_or_default();
    let principals = string_list(input, "principals");
    let resources = string_list(input, "resourceArns");
    let sources = string_list(input, "sources");
    let share = match owned_share(ctx, s, arn) {
        Ok(share) => share,
        // A receiver may leave a share it accepted: its own account, nothing else.
        Err(e) => {
            let share = visible_share(ctx, s, arn).map_err(|_| e)?;
            if principals != [ctx.account.clone()] || !resources.is_empty() || !sources.is_empty() {
                return Err(not_permitted(
                    "Only the owner of a resource share can change it; a receiver can only remove its own account",
                ));
            }
            share
        }
    };
    let mut changes = Vec::new();
    let mut answer = Vec::new();
    let entities = [(PRINCIPAL, &principals), (RESOURCE, &resources), (SOURCE, &sources)];
    for (kind, list) in entities {
        for entity in list {
            if kind == RESOURCE {
                check_arn(entity)?;
            }
            let a = s
                .share_associations
                .get(&association_id(&share.id, kind, entity))
                .ok_or_else(|| unknown(&format!("{} association", kind.to_lowercase()), entity))?;
            answer.push(answer_with(share, a, "DISASSOCIATING"));
            changes.push(a.delete());
            if kind == PRINCIPAL {
                changes.extend(
                    s.share_invitations
                        .values()
                        .filter(|i| i.share_id == share.id && i.status == "PENDING")
                        .filter(|i| i.receiver_arn.as_deref().unwrap_or(&i.receiver_account_id) == entity)
                        .map(Object::delete),
                );
            }
        }
    }
    // Permissions stay with the share; a resource type with no resources left keeps its
    // permission until it is disassociated.
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, json!({ "resourceShareAssociations": answer, "clientToken": input.get("clientToken") }))
}

fn matches_tag_filters(share: &ResourceShare, input: &Value) -> bool {
    input.get("tagFilters").and_then(Value::as_array).into_iter().flatten().all(|f| {
        let key = str_of(f, "tagKey").unwrap_or_default();
        let values = string_list(f, "tagValues");
        share.tags.get(key).is_some_and(|v| values.is_empty() || values.contains(v))
    })
}

fn get_resource_shares(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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
        .filter(|sh| {
            if own {
                sh.account == ctx.account
            } else {
                sh.account != ctx.account && shared_with_caller(ctx, s, sh)
            }
        })
        .filter(|sh| arns.is_empty() || arns.contains(&sh.resource_share_arn))
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

fn get_resource_share_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let kind = str_of(input, "associationType").unwrap_or(PRINCIPAL);
    let resource = str_of(input, "resourceArn");
    let principal = str_of(input, "principal");
    if (kind == PRINCIPAL && resource.is_some()) || (kind == RESOURCE && principal.is_some()) {
        return Err(invalid("resourceArn goes with associationType RESOURCE, principal with PRINCIPAL"));
    }
    let arns = string_list(input, "resourceShareArns");
    let mut shares = Vec::new();
    if arns.is_empty() {
        shares.extend(s.resource_shares.values().filter(|sh| sh.account == ctx.account));
    } else {
        for arn in &arns {
            shares.push(owned_share(ctx, s, arn)?);
        }
    }
    let status = str_of(input, "associationStatus");
    let items = shares
        .into_iter()
        .flat_map(|sh| associations_of(s, &sh.id, kind))
        .filter(|a| resource.is_none_or(|r| r == a.associated_entity))
        .filter(|a| principal.is_none_or(|p| p == a.associated_entity))
        .filter(|a| status.is_none_or(|st| st == a.status))
        .map(|a| association_wire(s, a))
        .collect();
    Outcome::read(page(items, input, "resourceShareAssociations")?)
}

fn invitation_wire(s: &State, i: &ShareInvitation) -> Value {
    let share = s.resource_shares.get(&i.share_id);
    let mut v = json!({
        "resourceShareInvitationArn": i.arn, "resourceShareName": share.map(|sh| sh.name.as_str()),
        "resourceShareArn": share.map(|sh| sh.resource_share_arn.as_str()), "senderAccountId": i.sender_account_id,
        "receiverAccountId": i.receiver_account_id, "invitationTimestamp": i.invitation_timestamp,
        "status": i.status,
    });
    if let Some(arn) = &i.receiver_arn {
        v["receiverArn"] = json!(arn);
    }
    v
}

fn find_invitation<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a ShareInvitation, ApiError> {
    let id = ram_arn_id(arn, "resource-share-invitation")?;
    s.share_invitations.get(id).filter(|i| i.arn == arn && i.receiver_account_id == ctx.account).ok_or_else(|| {
        error("ResourceShareInvitationArnNotFoundException", format!("Resource share invitation {arn} was not found"))
    })
}

fn check_pending(i: &ShareInvitation) -> Result<(), ApiError> {
    match i.status.as_str() {
        "ACCEPTED" => Err(error(
            "ResourceShareInvitationAlreadyAcceptedException",
            format!("Invitation {} was already accepted", i.arn),
        )),
        "REJECTED" => Err(error(
            "ResourceShareInvitationAlreadyRejectedException",
            format!("Invitation {} was already rejected", i.arn),
        )),
        "EXPIRED" => Err(error("ResourceShareInvitationExpiredException", format!("Invitation {} has expired", i.arn))),
        _ => Ok(()),
    }
}

fn answer_invitation(ctx: &Ctx, s: &State, input: &Value, accept: bool) -> OpResult {
    let mut inv = find_invitation(ctx, s, str_of(input, "resourceShareInvitationArn").unwrap_or_default())?.clone();
    check_pending(&inv)?;
    let entity = inv.receiver_arn.clone().unwrap_or_else(|| inv.receiver_account_id.clone());
    let mut changes = Vec::new();
    if let Some(a) = s.share_associations.get(&association_id(&inv.share_id, PRINCIPAL, &entity)) {
        if accept {
            let mut a = a.clone();
            a.status = "ASSOCIATED".into();
            a.last_updated_time = now();
            changes.push(a.put());
        } else {
            changes.push(a.delete());
        }
    }
    inv.status = if accept { "ACCEPTED" } else { "REJECTED" }.into();
    changes.push(inv.put());
    let body = json!({ "resourceShareInvitation": invitation_wire(s, &inv), "clientToken": input.get("clientToken") });
    Outcome::write(changes, body)
}

fn get_resource_share_invitations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arns = string_list(input, "resourceShareInvitationArns");
    let shares = string_list(input, "resourceShareArns");
    for arn in &arns {
        let id = ram_arn_id(arn, "resource-share-invitation")?;
        let visible = s.share_invitations.get(id).is_some_and(|i| {
            i.arn == *arn && (i.receiver_account_id == ctx.account || i.sender_account_id == ctx.account)
        });
        if !visible {
            return Err(error(
                "ResourceShareInvitationArnNotFoundException",
                format!("Resource share invitation {arn} was not found"),
            ));
        }
    }
    let items = s
        .share_invitations
        .values()
        .filter(|i| i.receiver_account_id == ctx.account || i.sender_account_id == ctx.account)
        .filter(|i| arns.is_empty() || arns.contains(&i.arn))
        .filter(|i| {
            shares.is_empty()
                || s.resource_shares.get(&i.share_id).is_some_and(|sh| shares.contains(&sh.resource_share_arn))
        })
        .map(|i| invitation_wire(s, i))
        .collect();
    Outcome::read(page(items, input, "resourceShareInvitations")?)
}

fn resource_wire(s: &State, share: &ResourceShare, a: &ShareAssociation) -> Value {
    let rt = lattice_resource(s, &a.associated_entity).map_or("", |(rt, _, _)| rt);
    json!({
        "arn": a.associated_entity, "type": rt, "resourceShareArn": share.resource_share_arn,
        "status": "AVAILABLE", "creationTime": a.creation_time, "lastUpdatedTime": a.last_updated_time,
        "resourceRegionScope": "REGIONAL",
    })
}

fn list_pending_invitation_resources(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let inv = find_invitation(ctx, s, str_of(input, "resourceShareInvitationArn").unwrap_or_default())?;
    if inv.status != "PENDING" && inv.status != "ACCEPTED" {
        check_pending(inv)?;
    }
    let Some(share) = s.resource_shares.get(&inv.share_id) else {
        return Outcome::read(json!({ "resources": [] }));
    };
    let items = associations_of(s, &share.id, RESOURCE).map(|a| resource_wire(s, share, a)).collect();
    Outcome::read(page(items, input, "resources")?)
}

fn enable_sharing_with_organization(ctx: &Ctx, s: &State) -> OpResult {
    let org = s.organizations.values().find(|o| o.account == ctx.account).ok_or_else(|| {
        not_permitted("Only the management account of an organization can enable sharing with it (create a lattice_local_organization first)")
    })?;
    let mut org = org.clone();
    org.ram_sharing_enabled = true;
    Outcome::write(vec![org.put()], json!({ "returnValue": true }))
}

/// The shares of the caller (`SELF`) or shared with it (`OTHER-ACCOUNTS`).
fn shares_for<'a>(ctx: &'a Ctx, s: &'a State, own: bool) -> impl Iterator<Item = &'a ResourceShare> + 'a {
    s.resource_shares.values().filter(move |sh| {
        sh.status == "ACTIVE"
            && if own { sh.account == ctx.account } else { sh.account != ctx.account && shared_with_caller(ctx, s, sh) }
    })
}

fn list_resources(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let own = str_of(input, "resourceOwner") == Some("SELF");
    let resource_type = str_of(input, "resourceType");
    if let Some(rt) = resource_type {
        if !RESOURCE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(rt)) {
            check_resource_type(rt)?;
        }
    }
    let arns = string_list(input, "resourceArns");
    let share_arns = string_list(input, "resourceShareArns");
    let principal = str_of(input, "principal");
    let mut items = Vec::new();
    for share in shares_for(ctx, s, own) {
        if !share_arns.is_empty() && !share_arns.contains(&share.resource_share_arn) {
            continue;
        }
        if let Some(p) = principal {
            let covered = if own {
                associations_of(s, &share.id, PRINCIPAL).any(|a| a.associated_entity == p)
            } else {
                share.account == p
            };
            if !covered {
                continue;
            }
        }
        for a in associations_of(s, &share.id, RESOURCE).filter(|a| a.status == "ASSOCIATED") {
            let v = resource_wire(s, share, a);
            if (arns.is_empty() || arns.contains(&a.associated_entity))
                && resource_type.is_none_or(|rt| v["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(rt)))
            {
                items.push(v);
            }
        }
    }
    Outcome::read(page(items, input, "resources")?)
}

fn list_principals(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let own = str_of(input, "resourceOwner") == Some("SELF");
    let resource = str_of(input, "resourceArn");
    let resource_type = str_of(input, "resourceType");
    let wanted = string_list(input, "principals");
    let share_arns = string_list(input, "resourceShareArns");
    let mut items = Vec::new();
    for share in shares_for(ctx, s, own) {
        if !share_arns.is_empty() && !share_arns.contains(&share.resource_share_arn) {
            continue;
        }
        let holds = |pred: &dyn Fn(&ShareAssociation) -> bool| associations_of(s, &share.id, RESOURCE).any(pred);
        if resource.is_some_and(|r| !holds(&|a| a.associated_entity == r)) {
            continue;
        }
        if resource_type.is_some_and(|rt| {
            !holds(&|a| lattice_resource(s, &a.associated_entity).is_some_and(|(t, _, _)| t.eq_ignore_ascii_case(rt)))
        }) {
            continue;
        }
        if own {
            for p in associations_of(s, &share.id, PRINCIPAL) {
                if wanted.is_empty() || wanted.contains(&p.associated_entity) {
                    items.push(json!({
                        "id": p.associated_entity, "resourceShareArn": share.resource_share_arn,
                        "creationTime": p.creation_time, "lastUpdatedTime": p.last_updated_time, "external": p.external,
                    }));
                }
            }
        } else if wanted.is_empty() || wanted.contains(&share.account) {
            items.push(json!({
                "id": share.account, "resourceShareArn": share.resource_share_arn,
                "creationTime": share.creation_time, "lastUpdatedTime": share.last_updated_time,
                "external": organization_of(s, &share.account).is_none_or(|o| !o.accounts.contains_key(&ctx.account)),
            }));
        }
    }
    Outcome::read(page(items, input, "principals")?)
}

fn list_resource_types(input: &Value) -> OpResult {
    let scope = str_of(input, "resourceRegionScope").unwrap_or("ALL");
    let items = if scope == "GLOBAL" {
        vec![]
    } else {
        RESOURCE_TYPES
            .iter()
            .map(|rt| json!({ "resourceType": rt, "serviceName": "vpc-lattice", "resourceRegionScope": "REGIONAL" }))
            .collect()
    };
    Outcome::read(page(items, input, "resourceTypes")?)
}

fn get_resource_policies(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let principal = str_of(input, "principal");
    let mut items = Vec::new();
    for arn in string_list(input, "resourceArns") {
        check_arn(&arn)?;
        let owned = lattice_resource(s, &arn).is_some_and(|(_, owner, _)| owner == ctx.account);
        if !owned {
            return Err(error("ResourceArnNotFoundException", format!("{arn} could not be found")));
        }
        // The policy RAM keeps on the resource: one statement per share holding it.
        let mut statements = Vec::new();
        for a in s.share_associations.values().filter(|a| a.association_type == RESOURCE && a.associated_entity == arn)
        {
            let Some(share) = s.resource_shares.get(&a.share_id) else { continue };
            let principals: Vec<String> = associations_of(s, &share.id, PRINCIPAL)
                .filter(|p| p.status == "ASSOCIATED")
                .map(|p| p.associated_entity.clone())
                .filter(|p| principal.is_none_or(|w| w == p))
                .map(|p| if p.len() == 12 { format!("arn:aws:iam::{p}:root") } else { p })
                .collect();
            if principals.is_empty() {
                continue;
            }
            let rt = lattice_resource(s, &arn).map_or("", |(rt, _, _)| rt);
            let actions: Value = share
                .permissions
                .get(rt)
                .and_then(|sp| find_permission(ctx, s, &sp.arn).ok().map(|p| p.template(sp.version)))
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|t| t.get("Action").cloned())
                .unwrap_or(json!([]));
            statements.push(json!({
                "Sid": format!("RAMShare-{}", share.id), "Effect": "Allow",
                "Principal": { "AWS": principals }, "Action": actions, "Resource": arn,
            }));
        }
        if !statements.is_empty() {
            items.push(json!(json!({ "Version": "2012-10-17", "Statement": statements }).to_string()));
        }
    }
    Outcome::read(page(items, input, "policies")?)
}

fn list_resource_share_permissions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

fn associate_share_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

fn disassociate_share_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
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

fn list_source_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let share_arns = string_list(input, "resourceShareArns");
    let source = str_of(input, "sourceId");
    let status = str_of(input, "associationStatus");
    let source_type = str_of(input, "sourceType");
    let items = s
        .resource_shares
        .values()
        .filter(|sh| sh.account == ctx.account)
        .filter(|sh| share_arns.is_empty() || share_arns.contains(&sh.resource_share_arn))
        .flat_map(|sh| associations_of(s, &sh.id, SOURCE).map(move |a| (sh, a)))
        .filter(|(_, a)| source.is_none_or(|x| x == a.associated_entity) && status.is_none_or(|x| x == a.status))
        .filter(|_| source_type.is_none_or(|t| t.eq_ignore_ascii_case("ACCOUNT")))
        .map(|(sh, a)| {
            json!({
                "resourceShareArn": sh.resource_share_arn, "sourceId": a.associated_entity, "sourceType": "ACCOUNT",
                "status": a.status, "creationTime": a.creation_time, "lastUpdatedTime": a.last_updated_time,
            })
        })
        .collect();
    Outcome::read(page(items, input, "sourceAssociations")?)
}

// ---- tags ------------------------------------------------------------------------------------

/// Applies `f` to the tags of the share or customer managed permission a tag call names.
fn with_ram_tags(ctx: &Ctx, s: &State, input: &Value, f: impl FnOnce(&mut Tags)) -> OpResult {
    let arn = str_of(input, "resourceShareArn")
        .or_else(|| str_of(input, "resourceArn"))
        .ok_or_else(|| error("MissingRequiredParameterException", "resourceShareArn or resourceArn is required"))?;
    check_arn(arn)?;
    let change = if arn.contains(":resource-share/") {
        let mut share = owned_share(ctx, s, arn)?.clone();
        f(&mut share.tags);
        if share.tags.len() > MAX_TAGS {
            return Err(error("TagLimitExceededException", format!("A resource share has at most {MAX_TAGS} tags")));
        }
        share.put()
    } else if arn.contains(":permission/") {
        let mut p = find_customer_permission(ctx, s, arn)?.clone();
        f(&mut p.tags);
        if p.tags.len() > MAX_TAGS {
            return Err(error("TagLimitExceededException", format!("A permission has at most {MAX_TAGS} tags")));
        }
        p.put()
    } else {
        return Err(error(
            "ResourceArnNotFoundException",
            format!("{arn} is neither a resource share nor a permission"),
        ));
    };
    Outcome::write(vec![change], json!({}))
}

fn tag_resource(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let tags = tags_input(input)?;
    with_ram_tags(ctx, s, input, |t| t.extend(tags))
}

fn untag_resource(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let keys = string_list(input, "tagKeys");
    with_ram_tags(ctx, s, input, |t| t.retain(|k, _| !keys.contains(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_model_is_in_the_table_once() {
        let ops = &lattice_api::model::ram().operations;
        assert_eq!(ops.len(), 36);
        assert_eq!(OPERATIONS.len(), ops.len());
        for op in ops {
            assert!(SERVICE.handler(&op.name).is_some(), "{} has no handler", op.name);
        }
    }

    #[test]
    fn principals_are_classified() {
        assert_eq!(principal_kind("111111111111").unwrap(), PrincipalKind::Account("111111111111"));
        assert_eq!(
            principal_kind("arn:aws:organizations::111111111111:organization/o-abc1234567").unwrap(),
            PrincipalKind::Organization("o-abc1234567")
        );
        assert_eq!(
            principal_kind("arn:aws:organizations::111111111111:ou/o-abc1234567/ou-ab12-cdef3456").unwrap(),
            PrincipalKind::OrganizationalUnit { org: "o-abc1234567", ou: "ou-ab12-cdef3456" }
        );
        assert_eq!(
            principal_kind("arn:aws:iam::222222222222:role/app").unwrap(),
            PrincipalKind::Iam { account: "222222222222" }
        );
        assert_eq!(principal_kind("elasticloadbalancing.amazonaws.com").unwrap(), PrincipalKind::Service);
        assert_eq!(principal_kind("arn:aws:iam::x:role/a").unwrap_err().code, "MalformedArnException");
        assert_eq!(principal_kind("12345").unwrap_err().code, "InvalidParameterException");
    }

    #[test]
    fn ram_arns_parse_and_malformed_ones_are_named() {
        assert_eq!(
            ram_arn_id("arn:aws:ram:us-east-1:111111111111:resource-share/abc", "resource-share").unwrap(),
            "abc"
        );
        assert_eq!(ram_arn_id("nope", "resource-share").unwrap_err().code, "MalformedArnException");
        assert!(ram_arn_id("arn:aws:ram:us-east-1:111111111111:permission/x", "resource-share").is_err());
    }

    #[test]
    fn pages_carry_a_next_token_until_the_end() {
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let first = page(items.clone(), &json!({ "maxResults": 2 }), "xs").unwrap();
        assert_eq!(first["xs"], json!([0, 1]));
        let next = page(items.clone(), &json!({ "maxResults": 2, "nextToken": first["nextToken"] }), "xs").unwrap();
        assert_eq!(next["xs"], json!([2, 3]));
        let last = page(items.clone(), &json!({ "maxResults": 2, "nextToken": "4" }), "xs").unwrap();
        assert!(last.get("nextToken").is_none());
        assert_eq!(page(items, &json!({ "nextToken": "x" }), "xs").unwrap_err().code, "InvalidNextTokenException");
    }
}
