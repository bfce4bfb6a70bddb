//! Forward actions and their targets: weighted groups, round robin, health, local functions.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;

use lattice_runtime::health::{HealthTable, Slot, Status};

use crate::health::HealthCheck;
use crate::records::TargetGroup;
use crate::state::State;

use super::*;

#[derive(Debug)]
pub struct ForwardAction {
    pub groups: Vec<WeightedGroup>,
    pub(crate) total_weight: usize,
    pub(crate) cursor: AtomicUsize,
}

#[derive(Debug)]
pub struct WeightedGroup {
    pub target_group_id: String,
    pub target_group_arn: String,
    pub weight: usize,
    pub targets: Arc<[TargetSlot]>,
    /// `None` when the group's health checks are off: every target takes traffic.
    pub health_check: Option<Arc<HealthCheck>>,
    /// How the group's targets are spoken to: (TLS, HTTP/2).
    pub protocol: (bool, bool),
    /// For LAMBDA target groups: the local function behind the registered ARN.
    pub function: Option<Arc<FunctionTarget>>,
    pub(crate) cursor: AtomicUsize,
}

/// A target's address and its health status cell.
#[derive(Debug, Clone)]
pub struct TargetSlot {
    pub addr: SocketAddr,
    pub health: Arc<Slot>,
}

/// A health check to run: one target of one group.
#[derive(Debug, Clone)]
pub struct CheckTarget {
    pub target_group_id: String,
    pub addr: SocketAddr,
    pub check: Arc<HealthCheck>,
    pub slot: Arc<Slot>,
}

/// A local function a LAMBDA target group invokes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionTarget {
    pub arn: String,
    pub url: Option<String>,
    pub command: Vec<String>,
    /// `V1` or `V2`: the shape of the event the function receives.
    pub event_version: String,
    /// A function made through the Lambda API: its code runs here.
    pub runtime: Option<Arc<RuntimeSpec>>,
    /// Whether the function's resource policy lets VPC Lattice invoke it for this target group
    /// (always for local stand-ins).
    pub permitted: bool,
}

/// What runs a Lambda API function's code.
pub use lattice_runtime::functions::FunctionSpec as RuntimeSpec;

/// The target a forward action picked for one request: an address, or a function.
#[derive(Debug, Clone, Copy)]
pub struct Pick<'a> {
    pub target_group_arn: &'a str,
    pub addr: SocketAddr,
    /// The target's cell (`None` for functions): requests toward it count there.
    pub slot: Option<&'a Arc<Slot>>,
    /// (TLS, HTTP/2) toward the target.
    pub protocol: (bool, bool),
    pub function: Option<&'a Arc<FunctionTarget>>,
}

impl ForwardAction {
    fn new(groups: Vec<WeightedGroup>) -> Self {
        let total_weight = groups.iter().map(|g| g.weight).sum();
        Self { groups, total_weight, cursor: AtomicUsize::new(0) }
    }

    /// Picks a target group by weight, then a target in it round robin. `None` when every
    /// weight is zero or the chosen group has no targets.
    pub fn pick(&self) -> Option<Pick<'_>> {
        if self.total_weight == 0 {
            return None;
        }
        // Request n takes slot (n * P) mod total for a prime P above any total: a permutation
        // of the slots in every `total` requests, so the split is exact over each such window
        // and the groups interleave instead of taking turns in long runs.
        const P: usize = 2_654_435_761;
        let n = self.cursor.fetch_add(1, Ordering::Relaxed) % self.total_weight;
        let mut slot = (n * (P % self.total_weight)) % self.total_weight;
        let group = self.groups.iter().find(|g| {
            if slot < g.weight {
                true
            } else {
                slot -= g.weight;
                false
            }
        })?;
        if let Some(function) = &group.function {
            return Some(Pick {
                target_group_arn: &group.target_group_arn,
                addr: SocketAddr::from(([0, 0, 0, 0], 0)),
                slot: None,
                protocol: (false, false),
                function: Some(function),
            });
        }
        let n = group.targets.len();
        if n == 0 {
            return None;
        }
        let start = group.cursor.fetch_add(1, Ordering::Relaxed) % n;
        // Round robin over healthy targets; when none is healthy, fail open over all.
        let i = match &group.health_check {
            None => start,
            Some(_) => (0..n)
                .map(|k| (start + k) % n)
                .find(|&i| group.targets[i].health.get() == Status::Healthy)
                .unwrap_or(start),
        };
        Some(Pick {
            target_group_arn: &group.target_group_arn,
            addr: group.targets[i].addr,
            slot: Some(&group.targets[i].health),
            protocol: group.protocol,
            function: None,
        })
    }
}

pub(crate) fn forward_action(state: &State, action: &Value, health: &HealthTable) -> RouteAction {
    if let Some(fixed) = action.get("fixedResponse") {
        let status = fixed.get("statusCode").and_then(Value::as_u64).unwrap_or(404) as u16;
        return RouteAction::Fixed { status };
    }
    let groups = action
        .pointer("/forward/targetGroups")
        .and_then(Value::as_array)
        .map(|groups| {
            groups
                .iter()
                .filter_map(|g| {
                    let id = crate::id_of(g.get("targetGroupIdentifier")?.as_str()?);
                    let tg = state.target_groups.get(id)?;
                    let weight = g.get("weight").and_then(Value::as_u64).unwrap_or(1) as usize;
                    let targets: Vec<TargetSlot> = tg
                        .targets
                        .iter()
                        .filter_map(|t| target_addr(state, tg, t))
                        .map(|addr| TargetSlot { addr, health: health.slot(&tg.id, addr) })
                        .collect();
                    Some(WeightedGroup {
                        target_group_id: tg.id.clone(),
                        target_group_arn: tg.arn.clone(),
                        weight,
                        targets: targets.into(),
                        health_check: HealthCheck::of(&tg.kind, tg.config.as_ref()).map(Arc::new),
                        protocol: target_protocol(tg),
                        function: function_target(state, tg).map(Arc::new),
                        cursor: AtomicUsize::new(0),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    RouteAction::Forward(ForwardAction::new(groups))
}

/// The local function registered in a LAMBDA target group, if it exists.
pub(crate) fn function_target(state: &State, tg: &TargetGroup) -> Option<FunctionTarget> {
    if tg.kind != "LAMBDA" {
        return None;
    }
    let arn = &tg.targets.first()?.id;
    let f = owned_function(state, &tg.account, arn)?;
    let version = tg.config.as_ref().and_then(|c| c.get("lambdaEventStructureVersion")).and_then(Value::as_str);
    let runtime = f.lambda.as_ref().and_then(|l| {
        let qualifier = (arn.matches(':').count() >= 7).then(|| arn.rsplit(':').next().unwrap_or_default());
        let (version, config) = l.resolve(qualifier)?;
        Some(Arc::new(runtime_spec(f, version, config)))
    });
    Some(FunctionTarget {
        arn: arn.clone(),
        url: f.url.clone(),
        command: f.command.clone(),
        event_version: version.unwrap_or("V1").to_string(),
        permitted: f.lambda.as_ref().is_none_or(|l| l.allows_lattice(&tg.arn)),
        runtime,
    })
}

/// What runs version `version` (configuration `config`) of Lambda API function `f`.
pub fn runtime_spec(
    f: &crate::records::LocalFunction,
    version: String,
    config: &crate::records::LambdaConfig,
) -> RuntimeSpec {
    RuntimeSpec {
        runtime: config.runtime.clone(),
        handler: config.handler.clone(),
        code_path: config.code_path.clone(),
        code_sha256: config.code_sha256.clone(),
        environment: config.environment.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        timeout_secs: u64::try_from(config.timeout).unwrap_or(3).max(1),
        memory_size: config.memory_size,
        function_name: f.arn.rsplit(':').next().unwrap_or_default().to_string(),
        version,
        region: crate::records::arn_region(&f.arn).unwrap_or_default().to_string(),
        account: f.account.clone(),
    }
}

/// The local function of `account` that a function ARN (plain or qualified by a version or
/// alias) names. Another account's function never answers, whatever the ARN says.
pub fn owned_function<'a>(state: &'a State, account: &str, arn: &str) -> Option<&'a crate::records::LocalFunction> {
    let unqualified = arn.rsplit_once(':').filter(|(head, _)| head.matches(':').count() >= 6).map_or(arn, |(h, _)| h);
    state.local_functions.values().find(|f| f.account == account && (f.arn == arn || f.arn == unqualified))
}

/// (TLS, HTTP/2) toward a group's targets.
pub(crate) fn target_protocol(tg: &TargetGroup) -> (bool, bool) {
    let config = tg.config.as_ref();
    let get = |key: &str| config.and_then(|c| c.get(key)).and_then(Value::as_str);
    (get("protocol") == Some("HTTPS"), matches!(get("protocolVersion"), Some("HTTP2" | "GRPC")))
}

/// A target's address: IP targets as given; INSTANCE targets through the local instance
/// registry; the group's port when the target names none.
pub fn target_addr(state: &State, tg: &TargetGroup, t: &crate::records::Target) -> Option<SocketAddr> {
    let ip: IpAddr = match tg.kind.as_str() {
        "INSTANCE" => state.instance(&tg.account, &t.id)?.ip_address.parse().ok()?,
        "ALB" => state.registry_address(&tg.account, &t.id)?,
        _ => t.id.parse().ok()?,
    };
    let port = if t.port > 0 { t.port } else { tg.default_port().unwrap_or(80) };
    Some(SocketAddr::new(ip, u16::try_from(port).ok()?))
}
