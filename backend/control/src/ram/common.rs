//! RAM's toolkit, below its handlers: its error shapes, ARNs and ids, paging, tags, how shares
//! and their associations look on the wire and who may see them, principal kinds, and the
//! managed permissions.

use lattice_api::ApiError;
use lattice_model::records::*;
use lattice_model::State;
use serde_json::{json, Map, Value};

use crate::kit::{str_of, Ctx};
use crate::sharing::{
    associations_of, entity_covers, PRINCIPAL, RT_RESOURCE_CONFIGURATION, RT_SERVICE, RT_SERVICE_NETWORK,
};

pub(crate) fn error(code: &str, message: impl Into<String>) -> ApiError {
    let status = match code {
        "PermissionAlreadyExistsException" => 409,
        _ => 400,
    };
    ApiError::new(status, code, message)
}

pub(crate) fn unknown(what: &str, arn: &str) -> ApiError {
    error("UnknownResourceException", format!("{what} {arn} could not be found."))
}

pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    error("InvalidParameterException", message)
}

pub(crate) fn not_permitted(message: impl Into<String>) -> ApiError {
    error("OperationNotPermittedException", message)
}

/// Maps the model validator's `ValidationException` to RAM's error codes.
pub(crate) fn ram_validation_error(err: ApiError) -> ApiError {
    if err.code != lattice_api::ErrorCode::Validation {
        return err;
    }
    let missing = err.field_list.iter().any(|f| f.message == "Member must not be null");
    let code = if missing { "MissingRequiredParameterException" } else { "InvalidParameterException" };
    error(code, err.message)
}

pub(crate) fn now() -> f64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (d.as_millis() as f64) / 1000.0
}

/// A UUID-shaped id, as RAM uses for shares and invitations.
pub(crate) use lattice_api::ids::uuid;

pub(crate) fn ram_arn(ctx: &Ctx, account: &str, resource: &str) -> String {
    format!("arn:aws:ram:{}:{account}:{resource}", ctx.region)
}

/// The last segment of a RAM ARN of `resource_type` (`resource-share`), or `MalformedArnException`.
pub(crate) fn ram_arn_id<'a>(arn: &'a str, resource_type: &str) -> Result<&'a str, ApiError> {
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

pub(crate) fn check_arn(arn: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && !parts[2].is_empty() && !parts[5].is_empty() {
        Ok(())
    } else {
        Err(malformed_resource_arn(arn))
    }
}

/// RAM's answer to a resource ARN it cannot parse.
pub(crate) fn malformed_resource_arn(arn: &str) -> ApiError {
    error(
        "MalformedArnException",
        format!(
            "The specified resource ARN {} is not valid. Verify the ARN and try again.",
            lattice_api::model::echo(arn)
        ),
    )
}

/// One page of `items` under `key` (RAM pages with `nextToken` and `maxResults` up to 500).
pub(crate) fn page(items: Vec<Value>, input: &Value, key: &str) -> Result<Value, ApiError> {
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

pub(crate) fn tags_list(tags: &Tags) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect())
}

pub(crate) fn tags_input(input: &Value) -> Result<Tags, ApiError> {
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

pub(crate) const MAX_TAGS: usize = 50;

pub(crate) fn share_wire(share: &ResourceShare) -> Value {
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

pub(crate) fn association_wire(s: &State, a: &ShareAssociation) -> Value {
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

pub(crate) fn owned_share<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a ResourceShare, ApiError> {
    let id = ram_arn_id(arn, "resource-share")?;
    s.resource_shares
        .get(id)
        .filter(|sh| ctx.owns(*sh) && sh.resource_share_arn == arn && sh.status != "DELETED")
        .ok_or_else(|| unknown("Resource share", arn))
}

/// True when a principal of `share` covers the caller (the share is shared with it).
pub(crate) fn shared_with_caller(ctx: &Ctx, s: &State, share: &ResourceShare) -> bool {
    ctx.here(share)
        && associations_of(s, &share.id, PRINCIPAL)
            .any(|p| p.status == "ASSOCIATED" && entity_covers(s, &p.associated_entity, &ctx.account))
}

/// A share the caller owns, or that is shared with it (or to which it is invited).
pub(crate) fn visible_share<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a ResourceShare, ApiError> {
    let id = ram_arn_id(arn, "resource-share")?;
    s.resource_shares
        .get(id)
        .filter(|sh| sh.resource_share_arn == arn && sh.status != "DELETED")
        .filter(|sh| {
            ctx.owns(*sh)
                || shared_with_caller(ctx, s, sh)
                || ctx.here(*sh)
                    && s.share_invitations.values().any(|i| i.share_id == sh.id && i.receiver_account_id == ctx.account)
        })
        .ok_or_else(|| unknown("Resource share", arn))
}

pub(crate) fn association_id(share_id: &str, association_type: &str, entity: &str) -> String {
    format!("{share_id}|{association_type}|{entity}")
}

/// The Lattice object an ARN names, as (resource type, owner, CHILD configuration?).
pub(crate) fn lattice_resource<'a>(s: &'a State, arn: &str) -> Option<(&'static str, &'a str, bool)> {
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
pub(crate) enum PrincipalKind<'a> {
    Account(&'a str),
    Organization(&'a str),
    OrganizationalUnit { org: &'a str, ou: &'a str },
    Iam { account: &'a str },
    Service,
}

pub(crate) fn principal_kind(entity: &str) -> Result<PrincipalKind<'_>, ApiError> {
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
        return Err(malformed_principal_arn(entity));
    }
    if let Some(rest) = entity.strip_prefix("arn:aws:iam::") {
        if let Some((account, resource)) = rest.split_once(':') {
            if digits(account) && (resource.starts_with("role/") || resource.starts_with("user/")) {
                return Ok(PrincipalKind::Iam { account });
            }
        }
        return Err(malformed_principal_arn(entity));
    }
    if entity.ends_with(".amazonaws.com") && entity.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'-') {
        return Ok(PrincipalKind::Service);
    }
    Err(invalid(format!(
        "Principal ID {} is malformed. Verify the ID and try again.",
        lattice_api::model::echo(entity)
    )))
}

fn malformed_principal_arn(entity: &str) -> ApiError {
    error(
        "MalformedArnException",
        format!(
            "The specified principal ARN {} is not valid. Verify the ARN and try again.",
            lattice_api::model::echo(entity)
        ),
    )
}

/// The shares of the caller (`SELF`) or shared with it (`OTHER-ACCOUNTS`).
pub(crate) fn shares_for<'a>(ctx: &'a Ctx, s: &'a State, own: bool) -> impl Iterator<Item = &'a ResourceShare> + 'a {
    s.resource_shares.values().filter(move |sh| {
        sh.status == "ACTIVE"
            && if own { ctx.owns(*sh) } else { sh.account != ctx.account && shared_with_caller(ctx, s, sh) }
    })
}

/// The AWS managed permissions for the resource types this backend shares.
pub(crate) const MANAGED: &[(&str, &str, &[&str])] = &[
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

pub(crate) const RESOURCE_TYPES: &[&str] = &[RT_SERVICE_NETWORK, RT_SERVICE, RT_RESOURCE_CONFIGURATION];

pub(crate) fn managed_arn(name: &str) -> String {
    format!("arn:aws:ram::aws:permission/{name}")
}

/// A permission as the operations see it.
pub(crate) enum Perm<'a> {
    Managed { name: &'static str, resource_type: &'static str, actions: &'static [&'static str] },
    Customer(&'a RamPermission),
}

impl Perm<'_> {
    pub(crate) fn arn(&self) -> String {
        match self {
            Perm::Managed { name, .. } => managed_arn(name),
            Perm::Customer(p) => p.arn.clone(),
        }
    }
    pub(crate) fn resource_type(&self) -> &str {
        match self {
            Perm::Managed { resource_type, .. } => resource_type,
            Perm::Customer(p) => &p.resource_type,
        }
    }
    pub(crate) fn default_version(&self) -> u32 {
        match self {
            Perm::Managed { .. } => 1,
            Perm::Customer(p) => p.default_version,
        }
    }
    pub(crate) fn has_version(&self, v: u32) -> bool {
        match self {
            Perm::Managed { .. } => v == 1,
            Perm::Customer(p) => p.versions.contains_key(&v),
        }
    }
    pub(crate) fn template(&self, version: u32) -> String {
        match self {
            Perm::Managed { actions, .. } => json!({ "Effect": "Allow", "Action": actions }).to_string(),
            Perm::Customer(p) => p.versions.get(&version).map(|v| v.policy_template.clone()).unwrap_or_default(),
        }
    }

    /// `ResourceSharePermissionSummary` (and, with `detail`, the `Detail` shape's extras).
    pub(crate) fn wire(&self, ctx: &Ctx, version: u32, detail: bool) -> Value {
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

pub(crate) fn find_permission<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<Perm<'a>, ApiError> {
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

pub(crate) fn find_customer_permission<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a RamPermission, ApiError> {
    match find_permission(ctx, s, arn)? {
        Perm::Customer(p) => Ok(p),
        Perm::Managed { .. } => Err(not_permitted(format!("{arn} is an AWS managed permission"))),
    }
}

pub(crate) fn permission_is_default(s: &State, ctx: &Ctx, arn: &str, version: u32) -> bool {
    find_permission(ctx, s, arn).is_ok_and(|p| p.default_version() == version)
}

/// Shares that use permission `arn` (any version, or `version`). Customer permissions attach
/// only to their owner's shares, so these are the caller's.
pub(crate) fn shares_using<'a>(
    s: &'a State,
    arn: &'a str,
    version: Option<u32>,
) -> impl Iterator<Item = &'a ResourceShare> {
    s.resource_shares
        .values()
        .filter(move |sh| sh.status != "DELETED")
        .filter(move |sh| sh.permissions.values().any(|p| p.arn == arn && version.is_none_or(|v| p.version == v)))
}

/// A share RAM may change: the caller's, and not one created from a resource policy.
pub(crate) fn standard_share<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a ResourceShare, ApiError> {
    let share = owned_share(ctx, s, arn)?;
    if share.feature_set == "CREATED_FROM_POLICY" {
        return Err(not_permitted(format!(
            "{arn} was created from a resource policy; change the policy, or promote the share first"
        )));
    }
    Ok(share)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

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
