//! The control plane's toolkit, below every handler: who is calling (`Ctx`), what an operation
//! did (`Outcome`), the finders that decide what an account may see or change (owned, usable
//! through RAM, associations), pagination, quotas and conflict checks. No handler lives here.

use std::collections::BTreeMap;

use lattice_api::ids::id_of;
use lattice_api::ApiError;
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::sharing;

/// Who is calling and where, and what handlers may read of the data plane's live state.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub account: String,
    /// The caller's ARN when a local principal signed the request (else the account's root).
    pub caller: Option<String>,
    /// The region the request was signed for: what it sees and where what it creates lives.
    pub region: String,
    /// The backend's home region (`--region`): records written before regions were stored
    /// belong to it.
    pub home_region: String,
    /// Where access logs and log events are written (none in handler tests).
    pub log_dir: Option<std::sync::Arc<std::path::PathBuf>>,
    /// Where Lambda functions' zips are written (none in handler tests).
    pub code_dir: Option<std::sync::Arc<std::path::PathBuf>>,
    /// Address blocks VPCs may be given, as `(first, last)` /24 indexes of 127.0.0.0/8.
    pub vpc_pool: (u32, u32),
    /// Target statuses as the data plane's health checks and in-flight counts leave them
    /// (read only: handlers never change them, they return [`Effect`]s).
    pub health: std::sync::Arc<lattice_runtime::health::HealthTable>,
}

impl Ctx {
    /// A caller of `account` with no live data plane behind it, for handler tests.
    #[cfg(test)]
    pub(crate) fn test(account: &str) -> Self {
        Self {
            account: account.into(),
            caller: None,
            region: "us-east-1".into(),
            home_region: "us-east-1".into(),
            log_dir: None,
            code_dir: None,
            vpc_pool: (77 << 8, (77 << 8) + 255),
            health: Default::default(),
        }
    }
}

impl Ctx {
    /// Whether `o` lives in the caller's region (global objects live in every region).
    pub(crate) fn here<T: Regional + ?Sized>(&self, o: &T) -> bool {
        self.in_region(o.region())
    }

    /// Whether a record's region (as [`Regional::region`] gives it) is the caller's.
    pub(crate) fn in_region(&self, region: Option<&str>) -> bool {
        match region {
            None => true,
            Some("") => self.region == self.home_region,
            Some(r) => r == self.region,
        }
    }

    /// Whether the caller owns `o` and it lives in the caller's region.
    pub(crate) fn owns<T: Object>(&self, o: &T) -> bool {
        o.account() == self.account && self.here(o)
    }

    /// The same caller, acting in `region`.
    pub(crate) fn in_other_region(&self, region: &str) -> Self {
        Self { region: region.to_string(), ..self.clone() }
    }
}

/// What an operation did: the changes to commit, the response body, and what to do once the
/// write is served.
#[derive(Debug, Default)]
pub struct Outcome {
    pub changes: Vec<ObjectChange>,
    pub body: Value,
    pub effects: Vec<Effect>,
}

/// Work on the data plane's live state, done once a write is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A deregistered target is listed `DRAINING` while requests sent to it are in flight.
    Drain { group: String, target: (String, i64), addr: std::net::SocketAddr },
    /// A target registered again is no longer draining.
    Undrain { group: String, target: (String, i64) },
    /// Log events appended to a file (`PutLogEvents`).
    Append { path: std::path::PathBuf, text: String },
    /// A file of events removed (its log group was deleted).
    Remove { path: std::path::PathBuf },
}

impl Outcome {
    pub(crate) fn read(body: Value) -> Result<Self, ApiError> {
        Ok(Self { changes: vec![], body, effects: vec![] })
    }
    pub(crate) fn write(changes: Vec<ObjectChange>, body: Value) -> Result<Self, ApiError> {
        Ok(Self { changes, body, effects: vec![] })
    }
}

pub(crate) type OpResult = Result<Outcome, ApiError>;

/// An operation's handler: the caller, the state before, the validated input.
pub(crate) type Handler = fn(&Ctx, &State, &Value) -> OpResult;

/// An operation that waits for more than the state (Lambda's `Invoke` runs the function):
/// the backend, the caller and the validated input; it reads the state itself.
pub(crate) type AsyncHandler =
    for<'a> fn(
        &'a crate::Backend,
        &'a Ctx,
        Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, ApiError>> + Send + 'a>>;

/// An AWS service on the control endpoint, chosen by the SigV4 credential scope's service
/// name: its botocore model (routing and validation), its operation table (the only list of
/// its operations) and its own wording of the errors every service has.
pub(crate) struct AwsService {
    pub signing_name: &'static str,
    pub model: fn() -> &'static lattice_api::model::ServiceModel,
    pub operations: &'static [(&'static str, Handler)],
    /// A validation failure, as this service words it.
    pub validation_error: fn(ApiError) -> ApiError,
    /// A client token used again with other input, as this service words it.
    pub token_mismatch: fn(ApiError) -> ApiError,
    /// The input member that carries a client token (`clientToken`, EC2's `ClientToken`).
    pub client_token: Option<&'static str>,
    /// Operations that are not a function of the state alone.
    pub async_operations: &'static [(&'static str, AsyncHandler)],
    /// `(operation, output member)`s left out of answers to hashicorp/aws: members the provider
    /// waits a fixed time on before asking about them, for changes that are done here when
    /// answered (see [`crate::route53`]).
    pub left_out_for_terraform_aws: &'static [(&'static str, &'static str)],
}

impl AwsService {
    /// The handler of operation `name`, if this backend implements it.
    pub(crate) fn handler(&self, name: &str) -> Option<Handler> {
        self.operations.iter().find(|(op, _)| *op == name).map(|(_, h)| *h)
    }

    /// The asynchronous handler of operation `name`, if it has one.
    pub(crate) fn async_handler(&self, name: &str) -> Option<AsyncHandler> {
        self.async_operations.iter().find(|(op, _)| *op == name).map(|(_, h)| *h)
    }
}

pub(crate) fn str_of<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

pub(crate) fn req<'a>(input: &'a Value, key: &str) -> &'a str {
    // The model validator has already rejected requests that miss required members.
    str_of(input, key).unwrap_or_default()
}

pub(crate) fn tags_of(input: &Value) -> Tags {
    input
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// Serialises a record for the wire, leaving out what only the backend keeps.
/// Tags as AWS's query and XML APIs list them: `[{ "Key": …, "Value": … }]`.
pub(crate) fn tag_list(tags: &Tags) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}

/// Tags from such a list (a missing `Value` is empty).
pub(crate) fn tags_from_list(list: Option<&Value>) -> Tags {
    let items = list.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .filter_map(|t| {
            let key = t.get("Key")?.as_str()?.to_string();
            Some((key, t.get("Value").and_then(Value::as_str).unwrap_or_default().to_string()))
        })
        .collect()
}

pub(crate) fn wire<T: Serialize>(obj: &T, drop: &[&str]) -> Value {
    let mut v = serde_json::to_value(obj).unwrap_or(Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.remove("account");
        map.remove("tags");
        for key in drop {
            map.remove(*key);
        }
    }
    v
}

pub(crate) fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut out = Map::new();
    for k in keys {
        if let Some(x) = v.get(*k).filter(|x| !x.is_null()) {
            out.insert((*k).to_string(), x.clone());
        }
    }
    Value::Object(out)
}

/// Finds an object the caller owns by id or ARN.
pub(crate) fn find_owned<'a, T: Object>(
    map: &'a BTreeMap<String, T>,
    ctx: &Ctx,
    identifier: &str,
    resource_type: &str,
) -> Result<&'a T, ApiError> {
    find(map, ctx, identifier, resource_type)
}

/// Finds an object the caller can see by id or ARN.
pub(crate) fn find<'a, T: Object>(
    map: &'a BTreeMap<String, T>,
    ctx: &Ctx,
    identifier: &str,
    resource_type: &str,
) -> Result<&'a T, ApiError> {
    map.get(id_of(identifier)).filter(|o| ctx.owns(*o)).ok_or_else(|| ApiError::not_found(resource_type, identifier))
}

/// Finds a service network, service or resource configuration the caller owns or that a RAM
/// share grants it.
pub(crate) fn find_usable<'a, T: Object + Tagged>(
    map: &'a BTreeMap<String, T>,
    s: &State,
    ctx: &Ctx,
    identifier: &str,
    resource_type: &str,
) -> Result<&'a T, ApiError> {
    map.get(id_of(identifier))
        .filter(|o| ctx.here(*o) && sharing::can_use(s, o.account(), o.arn(), &ctx.account))
        .ok_or_else(|| ApiError::not_found(resource_type, identifier))
}

/// A page of the objects of one kind the caller owns or that are shared with it.
pub(crate) fn list_usable<T: Object + Tagged>(
    map: &BTreeMap<String, T>,
    s: &State,
    ctx: &Ctx,
    input: &Value,
    keep: impl Fn(&T) -> bool,
    item: impl Fn(&T) -> Value,
) -> OpResult {
    let shared = sharing::shared_with(s, &ctx.account);
    let items = map
        .values()
        .filter(|o| ctx.here(*o) && (o.account() == ctx.account || shared.contains(o.arn())) && keep(o))
        .map(|o| (o.id().to_string(), item(o)))
        .collect();
    Outcome::read(paginate(items, input)?)
}

/// Finds an association the caller made, or one made with an object the caller owns (the
/// owner of a shared service network sees and may remove consumers' associations).
pub(crate) fn find_association<'a, T: Object>(
    map: &'a BTreeMap<String, T>,
    ctx: &Ctx,
    identifier: &str,
    resource_type: &str,
    owners: impl Fn(&T) -> [Option<&'a str>; 2],
) -> Result<&'a T, ApiError> {
    map.get(id_of(identifier))
        .filter(|a| ctx.here(*a) && seen_by(ctx, a.account(), owners(a)))
        .ok_or_else(|| ApiError::not_found(resource_type, identifier))
}

/// An association is visible to its creator and to the owners of what it joins.
pub(crate) fn seen_by(ctx: &Ctx, creator: &str, owners: [Option<&str>; 2]) -> bool {
    creator == ctx.account || owners.contains(&Some(ctx.account.as_str()))
}

/// One page of `items` (already in a stable order) after `nextToken`.
pub(crate) fn paginate(items: Vec<(String, Value)>, input: &Value) -> Result<Value, ApiError> {
    let max = input.get("maxResults").and_then(Value::as_u64).unwrap_or(100) as usize;
    let start = match str_of(input, "nextToken") {
        Some(token) => {
            let after = hex::decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::invalid_field("nextToken", "The pagination token is invalid"))?;
            items.iter().position(|(k, _)| *k > after).unwrap_or(items.len())
        }
        None => 0,
    };
    let page: Vec<&(String, Value)> = items.iter().skip(start).take(max).collect();
    let mut out = json!({ "items": page.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>() });
    if start + page.len() < items.len() {
        if let Some((last, _)) = page.last() {
            out["nextToken"] = json!(hex::encode(last));
        }
    }
    Ok(out)
}

/// How an API pages by position (the query protocols, Lambda, Organizations, Logs): the input
/// members naming the page size and the token, the default and largest size, and the output
/// member the next token goes in. Tokens are positions in the (stable) listing.
pub(crate) struct Paging {
    pub size: &'static str,
    pub token: &'static str,
    pub default: usize,
    pub max: usize,
    pub next: &'static str,
}

/// One page of `items` under `key`, as `paging` says.
pub(crate) fn page_at(items: Vec<Value>, input: &Value, key: &str, paging: &Paging) -> Value {
    let size = input.get(paging.size).and_then(Value::as_u64).map_or(paging.default, |n| n as usize);
    let size = size.clamp(1, paging.max);
    let start = str_of(input, paging.token).and_then(|t| t.parse::<usize>().ok()).unwrap_or(0).min(items.len());
    let end = (start + size).min(items.len());
    let mut out = json!({ key: items[start..end].to_vec() });
    if end < items.len() {
        out[paging.next] = json!(end.to_string());
    }
    out
}

/// A page of the caller's objects of one kind that `keep` selects, each summarised by `item`.
pub(crate) fn list_owned<T: Object>(
    map: &BTreeMap<String, T>,
    ctx: &Ctx,
    input: &Value,
    keep: impl Fn(&T) -> bool,
    item: impl Fn(&T) -> Value,
) -> OpResult {
    let items = map.values().filter(|o| ctx.owns(*o) && keep(o)).map(|o| (o.id().to_string(), item(o))).collect();
    Outcome::read(paginate(items, input)?)
}

/// A page of the objects of one kind that `keep` selects (`keep` decides visibility too).
pub(crate) fn list_visible<T: Object>(
    map: &BTreeMap<String, T>,
    input: &Value,
    keep: impl Fn(&T) -> bool,
    item: impl Fn(&T) -> Value,
) -> OpResult {
    let items = map.values().filter(|o| keep(o)).map(|o| (o.id().to_string(), item(o))).collect();
    Outcome::read(paginate(items, input)?)
}

pub(crate) fn conflict_if<T: Object>(
    map: &BTreeMap<String, T>,
    pred: impl Fn(&T) -> bool,
    resource_type: &str,
    message: impl Fn(&T) -> String,
) -> Result<(), ApiError> {
    match map.values().find(|o| pred(o)) {
        Some(o) => Err(ApiError::conflict(resource_type, o.id(), message(o))),
        None => Ok(()),
    }
}

pub(crate) const SN: &str = "SERVICE_NETWORK";

pub(crate) const SVC: &str = "SERVICE";

pub(crate) const TG: &str = "TARGET_GROUP";

pub(crate) const LISTENER: &str = "LISTENER";

pub(crate) const SNSA: &str = "SERVICE_NETWORK_SERVICE_ASSOCIATION";

pub(crate) const SNVA: &str = "SERVICE_NETWORK_VPC_ASSOCIATION";

/// Default quotas, per account (AWS applies them per Region).
pub(crate) const SERVICE_NETWORKS_PER_ACCOUNT: usize = 50;

pub(crate) const SERVICES_PER_ACCOUNT: usize = 2000;

pub(crate) const TARGET_GROUPS_PER_ACCOUNT: usize = 500;

pub(crate) fn check_count_quota<T: Object>(
    map: &BTreeMap<String, T>,
    ctx: &Ctx,
    limit: usize,
    resource_type: &str,
    what: &str,
) -> Result<(), ApiError> {
    let count = map.values().filter(|o| ctx.owns(*o)).count();
    if count >= limit {
        return Err(quota_exceeded(resource_type, format!("Account {} already has {count} {what}", ctx.account), what));
    }
    Ok(())
}

/// Deletes an association; Lattice answers with its id, ARN and `DELETE_IN_PROGRESS`.
pub(crate) fn delete_association<T: Object + Tagged>(a: &T) -> OpResult {
    let body = json!({ "id": a.id(), "arn": a.arn(), "status": "DELETE_IN_PROGRESS" });
    Outcome::write(vec![a.delete()], body)
}

pub(crate) fn string_list(input: &Value, key: &str) -> Vec<String> {
    input
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

pub(crate) fn quota_exceeded(resource_type: &str, message: String, quota_code: &str) -> ApiError {
    ApiError {
        status: 402,
        code: "ServiceQuotaExceededException".into(),
        message: format!("{message}; the quota of {quota_code} is reached"),
        reason: None,
        field_list: vec![],
        resource_id: None,
        resource_type: Some(resource_type.into()),
    }
}

pub(crate) const RGW: &str = "RESOURCE_GATEWAY";

pub(crate) const RCFG: &str = "RESOURCE_CONFIGURATION";

pub(crate) const SNRA: &str = "SERVICE_NETWORK_RESOURCE_ASSOCIATION";

pub(crate) const DV: &str = "DOMAIN_VERIFICATION";

pub(crate) fn sn_owner<'a>(s: &'a State, sn_id: &str) -> Option<&'a str> {
    s.service_networks.get(sn_id).map(|o| o.account.as_str())
}

/// Running handlers in table tests: each write applied to an in-memory `State` as a committed
/// write would be.
#[cfg(test)]
pub(crate) mod testing {
    use lattice_api::ApiError;
    use lattice_model::State;
    use serde_json::Value;

    use super::{Ctx, Handler};

    pub(crate) const A: &str = "111111111111";
    pub(crate) const B: &str = "222222222222";

    /// Runs `handler` as `ctx` and applies what it changes; the answer or the error.
    pub(crate) fn run(s: &mut State, ctx: &Ctx, handler: Handler, input: Value) -> Result<Value, ApiError> {
        let outcome = handler(ctx, s, &input)?;
        for change in &outcome.changes {
            s.apply(change).expect("a handler's change applies");
        }
        Ok(outcome.body)
    }

    /// The error code of a call that must fail.
    pub(crate) fn code(result: Result<Value, ApiError>) -> String {
        result.expect_err("the call must fail").code.to_string()
    }

    /// A backend on a fresh database, with a stand-in data plane that serves each snapshot at
    /// once (so writes return), for handlers that need the backend itself.
    pub(crate) fn backend(name: &str) -> std::sync::Arc<crate::Backend> {
        let dir = std::env::temp_dir().join(format!("lattice-control-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let config = crate::Config {
            region: "us-east-1".into(),
            vpc_pool: (77 << 8, (77 << 8) + 255),
            namespaces: Default::default(),
            dns_port: 53,
            access_log_dir: None,
            functions_dir: None,
            operator_secret: Some("operator-secret".into()),
        };
        let ports = std::sync::Arc::new(lattice_runtime::bindings::PortMap::default());
        let (backend, mut link) = crate::Backend::open(config, &dir.join("state.db"), ports).expect("a backend");
        tokio::spawn(async move {
            loop {
                let generation = link.snapshots.borrow_and_update().generation;
                link.served.send_replace(generation);
                if link.snapshots.changed().await.is_err() {
                    return;
                }
            }
        });
        backend
    }

    /// An admin API request, SigV4-signed as `account`'s root (unsigned when `account` is None).
    pub(crate) fn admin_request(
        method: &str,
        path: &str,
        body: Option<Value>,
        account: Option<&str>,
    ) -> crate::http::WireRequest {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let mut headers = vec![("host".to_string(), "127.0.0.1:4599".to_string())];
        if !body.is_empty() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let raw_path = format!("/_lattice-local{path}");
        if let Some(account) = account {
            let signable = lattice_api::sigv4::SignableRequest {
                method,
                raw_path: &raw_path,
                raw_query: "",
                headers: &headers,
                body: &body,
            };
            let now = time::OffsetDateTime::now_utc();
            let added = lattice_api::sigv4::sign(&signable, account, "secret", "us-east-1", "lattice-local", now);
            headers.extend(added);
        }
        crate::http::WireRequest {
            method: method.into(),
            raw_path,
            raw_query: String::new(),
            headers,
            body: body.into(),
        }
    }
}
