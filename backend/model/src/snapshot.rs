//! The immutable view the data plane serves from. `compile` turns the control-plane state into
//! per-VPC views: which names resolve, which hosts route to which listener, and the target
//! sets behind each action. Lookups here are pure and allocation-free on the request path.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;

use crate::auth::{Gate, Identities};
use crate::firewall::Firewall;
use crate::health::{HealthCheck, HealthTable, Slot, Status};
use crate::records::kind;
use crate::records::{Listener, TargetGroup};
use crate::resources::{endpoint_resources, EndpointResource, NetworkResources, ResourceRoute};
use crate::state::{ObjectChange, State};

/// Everything the data plane needs, at one generation of the control-plane state.
///
/// Compiled services and service networks live in persistent maps: the next snapshot starts
/// from a constant-time copy of this one and recompiles only what a write touched (see
/// [`Dirty`]), so a write's cost does not grow with the number of services.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub generation: u64,
    pub vpcs: HashMap<String, Arc<VpcView>>,
    region: String,
    /// Compiled services, by id.
    routes: imbl::HashMap<String, Arc<ServiceRoute>>,
    /// What each service network offers, by id.
    networks: imbl::HashMap<String, Arc<NetworkView>>,
    /// Local zones, by id.
    zones: HashMap<String, Arc<ZoneView>>,
    /// Local principals by access key, for SigV4 on `AWS_IAM` services.
    pub identities: Arc<Identities>,
    /// Target statuses, shared by every snapshot of one backend.
    pub health: Arc<HealthTable>,
}

/// What a service network offers the VPCs associated with it.
#[derive(Debug, Clone, Default)]
pub struct NetworkView {
    pub arn: String,
    /// Lower-case names of member services → the service.
    names: imbl::HashMap<String, Arc<ServiceRoute>>,
    /// Listener ports of member services, with how many listeners use each.
    ports: imbl::HashMap<u16, u32>,
    /// The ports among them where a TLS passthrough listener answers, counted the same way.
    passthrough_ports: imbl::HashMap<u16, u32>,
    /// Member service ids.
    members: imbl::HashSet<String>,
    /// Where the network's service access logs go (subscription destination ARNs).
    pub log_destinations: Arc<[String]>,
    /// The network's auth type and policy.
    pub auth: Gate,
    /// Resources its resource associations make reachable.
    pub resources: Arc<NetworkResources>,
}

/// What a write touched, gathered from its changes against the state before and after it.
#[derive(Debug, Default)]
pub struct Dirty {
    pub services: HashSet<String>,
    pub networks: HashSet<String>,
    pub zones: bool,
    /// Local principals or organizations changed.
    pub identities: bool,
    /// Resource gateways (or their security groups), configurations or their associations changed.
    pub resources: bool,
}

fn action_uses(action: &Value, tg_id: &str) -> bool {
    action.pointer("/forward/targetGroups").and_then(Value::as_array).is_some_and(|gs| {
        gs.iter().any(|g| g.get("targetGroupIdentifier").and_then(Value::as_str).map(crate::id_of) == Some(tg_id))
    })
}

impl Dirty {
    /// Everything in `state`: what a full compilation does.
    pub fn everything(state: &State) -> Self {
        Self {
            services: state.services.keys().cloned().collect(),
            networks: state.service_networks.keys().cloned().collect(),
            zones: true,
            identities: true,
            resources: true,
        }
    }

    /// Records what `change` touches as seen in `state`. Call it with the state before a write
    /// (what is removed or replaced) and after it (what is added).
    pub fn add(&mut self, state: &State, change: &ObjectChange) {
        let (kind, id) = match change {
            ObjectChange::Put { kind, id, .. } | ObjectChange::Delete { kind, id } => (*kind, id.as_str()),
        };
        match kind {
            kind::SERVICE => {
                self.services.insert(id.to_string());
            }
            kind::LISTENER => self.services.extend(state.listeners.get(id).map(|l| l.service_id.clone())),
            kind::RULE => self.services.extend(state.rules.get(id).map(|r| r.service_id.clone())),
            kind::TARGET_GROUP => self.target_group(state, id),
            kind::LOCAL_INSTANCE => {
                let arns = state.local_instances.get(id).map(|i| i.resource_arns.as_slice()).unwrap_or_default();
                // ARN resource configurations may point at it.
                self.resources |= !arns.is_empty();
                let groups: Vec<String> = state
                    .target_groups
                    .values()
                    .filter(|tg| match tg.kind.as_str() {
                        "INSTANCE" => tg.targets.iter().any(|t| t.id == id),
                        "ALB" => tg.targets.iter().any(|t| arns.contains(&t.id)),
                        _ => false,
                    })
                    .map(|tg| tg.id.clone())
                    .collect();
                for tg in groups {
                    self.target_group(state, &tg);
                }
            }
            kind::LOCAL_FUNCTION => {
                let groups: Vec<String> = state
                    .target_groups
                    .values()
                    .filter(|tg| tg.kind == "LAMBDA")
                    .filter(|tg| {
                        state
                            .local_functions
                            .get(id)
                            .is_none_or(|f| tg.targets.iter().any(|t| t.id.starts_with(&f.arn)))
                    })
                    .map(|tg| tg.id.clone())
                    .collect();
                for tg in groups {
                    self.target_group(state, &tg);
                }
            }
            kind::SN_SERVICE_ASSOCIATION => {
                if let Some(a) = state.sn_service_associations.get(id) {
                    self.services.insert(a.service_id.clone());
                    self.networks.insert(a.service_network_id.clone());
                }
            }
            kind::SERVICE_NETWORK => {
                self.networks.insert(id.to_string());
            }
            kind::DNS_ZONE | kind::DNS_RECORD => self.zones = true,
            kind::LOCAL_CERTIFICATE => {
                if let Some(cert) = state.local_certificates.get(id) {
                    let users = state.services.values().filter(|s| s.certificate_arn.as_ref() == Some(&cert.arn));
                    self.services.extend(users.map(|s| s.id.clone()));
                }
            }
            kind::AUTH_POLICY => {
                let target = if id.starts_with("sn-") { &mut self.networks } else { &mut self.services };
                target.insert(id.to_string());
            }
            kind::LOCAL_PRINCIPAL | kind::ORGANIZATION => self.identities = true,
            // A resource gateway's groups decide where it may connect.
            kind::SECURITY_GROUP => {
                self.resources |= state.resource_gateways.values().any(|g| g.security_group_ids.iter().any(|s| s == id))
            }
            kind::RESOURCE_GATEWAY | kind::RESOURCE_CONFIGURATION | kind::SN_RESOURCE_ASSOCIATION | kind::VPC => {
                self.resources = true
            }
            kind::ACCESS_LOG_SUBSCRIPTION => {
                if let Some(a) = state.access_log_subscriptions.get(id) {
                    // A network's RESOURCE subscriptions log connections to its resources.
                    self.resources |= a.service_network_log_type.as_deref() == Some("RESOURCE");
                    let target = if a.resource_id.starts_with("sn-") { &mut self.networks } else { &mut self.services };
                    target.insert(a.resource_id.clone());
                }
            }
            _ => {}
        }
    }

    fn target_group(&mut self, state: &State, tg_id: &str) {
        let listeners =
            state.listeners.values().filter(|l| action_uses(&l.default_action, tg_id)).map(|l| &l.service_id);
        let rules = state.rules.values().filter(|r| action_uses(&r.action, tg_id)).map(|r| &r.service_id);
        self.services.extend(listeners.chain(rules).cloned());
    }
}

/// What one VPC sees.
#[derive(Debug)]
pub struct VpcView {
    pub vpc_id: String,
    pub account: String,
    pub region: String,
    pub resolver_ip: Ipv4Addr,
    pub service_ip: Ipv4Addr,
    /// ARN of the service network the VPC is associated with, if any.
    pub service_network_arn: Option<String>,
    /// `arn:aws:ec2:<region>:<account>:vpc/<id>`, as target headers and access logs name it.
    pub vpc_arn: String,
    /// What that service network offers.
    network: Option<Arc<NetworkView>>,
    /// Local private hosted zones associated with this VPC.
    zones: Vec<Arc<ZoneView>>,
    /// The security groups of the VPC's service-network association (none: open).
    association_firewall: Option<Arc<Firewall>>,
    /// Resources reached through the VPC's `Resource` and `ServiceNetwork` endpoints, at octets its
    /// network's resources leave free.
    endpoint_resources: Vec<EndpointResource>,
    /// The VPC's `ServiceNetwork` endpoints.
    network_endpoints: Vec<NetworkEndpoint>,
}

/// A `ServiceNetwork` VPC endpoint as its VPC sees it: the network's services at the endpoint's
/// own address (`.11`–`.19` of the block) by endpoint-specific names, and with private DNS by
/// the services' own names too (where the VPC's association does not answer them first).
#[derive(Debug)]
pub struct NetworkEndpoint {
    pub endpoint_id: String,
    pub ip: Ipv4Addr,
    pub service_network_arn: String,
    network: Arc<NetworkView>,
    /// `<vpce>-<snsa>.<label>.vpc-lattice-svcs…` → the service.
    names: HashMap<String, Arc<ServiceRoute>>,
    private_dns: bool,
    /// The endpoint's security groups (`None`: open).
    firewall: Option<Arc<Firewall>>,
}

impl NetworkEndpoint {
    /// The service `name` (lower case) names through this endpoint.
    fn named(&self, name: &str) -> Option<&Arc<ServiceRoute>> {
        self.names.get(name).or_else(|| self.network.names.get(name).filter(|_| self.private_dns))
    }
}

/// One way from a VPC into a service network, told apart by the address a client connects to:
/// the VPC's association (at its service address) or one of its `ServiceNetwork` endpoints. Host
/// routing, auth and access logs follow the network behind the door.
#[derive(Debug, Clone, Copy)]
pub struct Door<'v> {
    view: &'v VpcView,
    endpoint: Option<&'v NetworkEndpoint>,
}

impl<'v> Door<'v> {
    fn network(&self) -> Option<&'v Arc<NetworkView>> {
        match self.endpoint {
            Some(e) => Some(&e.network),
            None => self.view.network.as_ref(),
        }
    }

    /// The address clients reach this door at.
    pub fn ip(&self) -> Ipv4Addr {
        self.endpoint.map_or(self.view.service_ip, |e| e.ip)
    }

    /// The `ServiceNetwork` endpoint, when the door is one.
    pub fn endpoint_id(&self) -> Option<&'v str> {
        self.endpoint.map(|e| e.endpoint_id.as_str())
    }

    /// The service network behind the door, if any.
    pub fn service_network_arn(&self) -> Option<&'v str> {
        match self.endpoint {
            Some(e) => Some(&e.service_network_arn),
            None => self.view.service_network_arn.as_deref(),
        }
    }

    /// The service a Host header names through this door (port suffix ignored).
    pub fn route(&self, host: &str) -> Option<&'v Arc<ServiceRoute>> {
        let host =
            host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
        let host = host.trim_end_matches('.');
        let lower;
        let host = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = host.to_ascii_lowercase();
            lower.as_str()
        } else {
            host
        };
        match self.endpoint {
            Some(e) => e.named(host),
            None => self.view.network.as_ref()?.names.get(host),
        }
    }

    /// Which service and listener a request for `host` on `port` reaches; `sni` is the TLS
    /// server name (`None` for plain HTTP).
    pub fn admit(&self, host: &str, port: u16, sni: Option<&str>) -> Admission<'v> {
        let Some(route) = self.route(host) else { return Admission::UnknownHost };
        let Some(listener) = route.listeners.get(&port) else { return Admission::NoListener(route) };
        match (sni, listener.protocol != "HTTP") {
            (None, true) => Admission::PlainToHttps(route),
            (Some(sni), true) if !self.route(sni).is_some_and(|r| Arc::ptr_eq(r, route)) => {
                Admission::Misdirected(route)
            }
            _ => Admission::Admitted(route, listener),
        }
    }

    /// Whether a TLS passthrough listener answers on `port` through this door (only then is a
    /// ClientHello read before TLS is terminated).
    pub fn has_passthrough(&self, port: u16) -> bool {
        self.network().is_some_and(|n| n.passthrough_ports.contains_key(&port))
    }

    /// The service and TLS passthrough listener a TLS session for `sni` on `port` is relayed to
    /// untouched (routing on the ClientHello's server name, as Lattice does).
    pub fn passthrough(&self, sni: &str, port: u16) -> Option<(&'v Arc<ServiceRoute>, &'v Arc<ListenerRoute>)> {
        let route = self.route(sni)?;
        let listener = route.listeners.get(&port).filter(|l| l.protocol == "TLS_PASSTHROUGH")?;
        Some((route, listener))
    }

    /// Where a request to `route` through this door goes, for the Lattice condition keys.
    pub fn destination(&self, route: &'v ServiceRoute) -> crate::auth::Destination<'v> {
        crate::auth::Destination {
            region: &self.view.region,
            service_arn: &route.service_arn,
            service_network_arn: self.service_network_arn().unwrap_or_default(),
            source_vpc: &self.view.vpc_id,
            source_vpc_owner: &self.view.account,
        }
    }

    /// The auth settings of the network behind the door (none: open).
    pub fn network_auth(&self) -> &'v Gate {
        static OPEN: Gate = Gate { iam: false, policy: None, keys: crate::iam::KeyUse::NONE };
        self.network().map_or(&OPEN, |n| &n.auth)
    }

    /// Where access logs of traffic through this door to the network's services go.
    pub fn network_log_destinations(&self) -> Option<&'v Arc<[String]>> {
        self.network().map(|n| &n.log_destinations)
    }

    /// Listener ports served at the door's address.
    pub fn ports(&self) -> impl Iterator<Item = u16> + 'v {
        self.network().into_iter().flat_map(|n| n.ports.keys().copied())
    }
}

#[derive(Debug)]
pub struct ServiceRoute {
    pub service_id: String,
    pub service_arn: String,
    /// The service's auth type and policy.
    pub auth: Gate,
    /// How long a target may stay silent before the request fails with 504.
    pub idle_timeout: std::time::Duration,
    /// The certificate HTTPS listeners present for the custom domain name.
    pub certificate: Option<Arc<CertMaterial>>,
    /// Lower-case names the service answers to (generated and custom).
    names: Vec<String>,
    pub listeners: HashMap<u16, Arc<ListenerRoute>>,
    /// Where the service's access logs go (subscription destination ARNs).
    pub log_destinations: Arc<[String]>,
}

impl ServiceRoute {
    /// The generated DNS name, lower case (the first of the names).
    pub fn generated_name(&self) -> &str {
        &self.names[0]
    }
}

/// A certificate chain and its key, as PEM.
#[derive(Debug, PartialEq, Eq)]
pub struct CertMaterial {
    pub arn: String,
    pub chain_pem: String,
    pub key_pem: String,
}

#[derive(Debug)]
pub struct ListenerRoute {
    pub listener_arn: String,
    pub protocol: String,
    /// Rules by ascending priority; the first that matches decides.
    pub rules: Vec<CompiledRule>,
    /// The default action, when no rule matches.
    pub action: RouteAction,
}

/// A listener rule, pre-compiled: all of its conditions must hold.
#[derive(Debug)]
pub struct CompiledRule {
    pub rule_arn: String,
    pub priority: i64,
    method: Option<String>,
    path: Option<TextCondition>,
    headers: Vec<(String, TextCondition)>,
    pub action: RouteAction,
}

#[derive(Debug)]
enum TextMatch {
    Exact(String),
    Prefix(String),
    Contains(String),
}

/// A comparison of a request value against a pattern; without case sensitivity the pattern
/// is stored lower-cased and the value lower-cased before comparing.
#[derive(Debug)]
struct TextCondition {
    text: TextMatch,
    case_sensitive: bool,
}

impl TextCondition {
    fn parse(match_union: &Value, case_sensitive: bool) -> Option<Self> {
        let norm = |v: &Value| -> Option<String> {
            let s = v.as_str()?;
            Some(if case_sensitive { s.to_string() } else { s.to_ascii_lowercase() })
        };
        let text = if let Some(v) = match_union.get("exact") {
            TextMatch::Exact(norm(v)?)
        } else if let Some(v) = match_union.get("prefix") {
            TextMatch::Prefix(norm(v)?)
        } else {
            TextMatch::Contains(norm(match_union.get("contains")?)?)
        };
        Some(Self { text, case_sensitive })
    }

    fn holds(&self, value: &str) -> bool {
        let lowered;
        let value = if self.case_sensitive {
            value
        } else {
            lowered = value.to_ascii_lowercase();
            &lowered
        };
        match &self.text {
            TextMatch::Exact(p) => value == p,
            TextMatch::Prefix(p) => value.starts_with(p.as_str()),
            TextMatch::Contains(p) => value.contains(p.as_str()),
        }
    }
}

impl CompiledRule {
    fn compile(state: &State, rule: &crate::records::Rule, health: &HealthTable) -> Self {
        let http = rule.rule_match.get("httpMatch").cloned().unwrap_or(Value::Null);
        let flag = |v: &Value| v.get("caseSensitive").and_then(Value::as_bool).unwrap_or(false);
        let path = http.get("pathMatch").and_then(|p| TextCondition::parse(p.get("match")?, flag(p)));
        let headers = http
            .get("headerMatches")
            .and_then(Value::as_array)
            .map(|hs| {
                hs.iter()
                    .filter_map(|h| {
                        let name = h.get("name")?.as_str()?.to_ascii_lowercase();
                        Some((name, TextCondition::parse(h.get("match")?, flag(h))?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            rule_arn: rule.arn.clone(),
            priority: rule.priority,
            method: http.get("method").and_then(Value::as_str).map(str::to_string),
            path,
            headers,
            action: forward_action(state, &rule.action, health),
        }
    }

    /// `header(name)` gives the request's values of a (lower-case) header.
    fn matches<'h>(&self, method: &str, path: &str, header: &dyn Fn(&str) -> Vec<&'h str>) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self.path.as_ref().is_none_or(|p| p.holds(path))
            && self.headers.iter().all(|(name, cond)| header(name).iter().any(|v| cond.holds(v)))
    }
}

impl ListenerRoute {
    /// The action for a request: the first matching rule's, else the default.
    pub fn select<'h>(&self, method: &str, path: &str, header: &dyn Fn(&str) -> Vec<&'h str>) -> &RouteAction {
        self.matching_rule(method, path, header).map_or(&self.action, |r| &r.action)
    }

    /// The first rule (by priority) whose conditions all hold; `None`: the default action.
    pub fn matching_rule<'h>(
        &self,
        method: &str,
        path: &str,
        header: &dyn Fn(&str) -> Vec<&'h str>,
    ) -> Option<&CompiledRule> {
        self.rules.iter().find(|r| r.matches(method, path, header))
    }
}

/// Whether a request on the service-network address gets to a service's listener, decided
/// from its Host, the port it came in on and its TLS server name.
#[derive(Debug)]
pub enum Admission<'s> {
    Admitted(&'s Arc<ServiceRoute>, &'s Arc<ListenerRoute>),
    /// No service this VPC reaches has that name: 404.
    UnknownHost,
    /// The service has no listener on the port: 404.
    NoListener(&'s Arc<ServiceRoute>),
    /// Plain HTTP to an HTTPS listener: 400.
    PlainToHttps(&'s Arc<ServiceRoute>),
    /// The Host names another service than the TLS session was opened for: 421.
    Misdirected(&'s Arc<ServiceRoute>),
}

impl Admission<'_> {
    /// The answer the proxy gives itself when the request is not admitted.
    pub fn refusal(&self) -> Option<(u16, &'static str)> {
        match self {
            Admission::Admitted(..) => None,
            Admission::UnknownHost | Admission::NoListener(_) => Some((404, "Not Found\n")),
            Admission::PlainToHttps(_) => Some((400, "The plain HTTP request was sent to an HTTPS listener\n")),
            Admission::Misdirected(_) => Some((421, "Misdirected Request\n")),
        }
    }
}

#[derive(Debug)]
pub enum RouteAction {
    Fixed { status: u16 },
    Forward(ForwardAction),
}

#[derive(Debug)]
pub struct ForwardAction {
    pub groups: Vec<WeightedGroup>,
    total_weight: usize,
    cursor: AtomicUsize,
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
    cursor: AtomicUsize,
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
}

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

impl VpcView {
    /// The address a name resolves to in this VPC, if the VPC may reach it.
    pub fn dns_answer(&self, qname: &str) -> Option<Ipv4Addr> {
        self.resolve(qname, QueryType::A).address()
    }

    /// Answers a query from this VPC's view: Lattice names it may reach, then the local zones
    /// associated with it (following CNAMEs within the view).
    pub fn resolve(&self, qname: &str, qtype: QueryType) -> Resolution {
        let name = qname.trim_end_matches('.').to_ascii_lowercase();
        self.resolve_depth(&name, qtype, 0)
    }

    fn resolve_depth(&self, name: &str, qtype: QueryType, depth: usize) -> Resolution {
        let through_endpoint =
            || self.endpoint_resources.iter().find(|e| e.route.names.iter().any(|n| n == name)).map(|e| &e.octet);
        if let Some(octet) = self.network.as_ref().and_then(|n| n.resources.names.get(name)).or_else(through_endpoint) {
            return match qtype {
                QueryType::A | QueryType::Any => Resolution::Answer(vec![AnswerRecord {
                    name: name.to_string(),
                    ttl: LATTICE_TTL,
                    data: RecordData::A(self.in_block(*octet)),
                }]),
                _ => Resolution::NoData,
            };
        }
        let door_ip = if self.network.as_ref().is_some_and(|n| n.names.contains_key(name)) {
            Some(self.service_ip)
        } else {
            self.network_endpoints.iter().find(|e| e.named(name).is_some()).map(|e| e.ip)
        };
        if let Some(ip) = door_ip {
            return match qtype {
                QueryType::A | QueryType::Any => Resolution::Answer(vec![AnswerRecord {
                    name: name.to_string(),
                    ttl: LATTICE_TTL,
                    data: RecordData::A(ip),
                }]),
                _ => Resolution::NoData,
            };
        }
        let zone = self
            .zones
            .iter()
            .filter(|z| name == z.name || name.ends_with(&format!(".{}", z.name)))
            .max_by_key(|z| z.name.len());
        if let Some(zone) = zone {
            let Some(sets) = zone.records.get(name) else { return Resolution::NxDomain };
            let wanted: Vec<AnswerRecord> = sets
                .iter()
                .filter(|r| qtype.accepts(&r.data))
                .map(|r| AnswerRecord { name: name.to_string(), ttl: r.ttl, data: r.data.clone() })
                .collect();
            if !wanted.is_empty() {
                return Resolution::Answer(wanted);
            }
            if let Some(cname) = sets.iter().find(|r| matches!(r.data, RecordData::Cname(_))) {
                let RecordData::Cname(target) = &cname.data else { return Resolution::NoData };
                let mut answers =
                    vec![AnswerRecord { name: name.to_string(), ttl: cname.ttl, data: cname.data.clone() }];
                if depth < 8 {
                    if let Resolution::Answer(more) = self.resolve_depth(target, qtype, depth + 1) {
                        answers.extend(more);
                    }
                }
                return Resolution::Answer(answers);
            }
            return Resolution::NoData;
        }
        if is_lattice_name(name) {
            Resolution::NxDomain
        } else {
            Resolution::NotMine
        }
    }

    /// The way in at `ip` of the block: the association at the service address (even when the
    /// VPC has none: nothing is reached), or a `ServiceNetwork` endpoint at its own address.
    pub fn door(&self, ip: Ipv4Addr) -> Option<Door<'_>> {
        if ip == self.service_ip {
            return Some(Door { view: self, endpoint: None });
        }
        let endpoint = self.network_endpoints.iter().find(|e| e.ip == ip)?;
        Some(Door { view: self, endpoint: Some(endpoint) })
    }

    /// The association's door, then each `ServiceNetwork` endpoint's.
    pub fn doors(&self) -> impl Iterator<Item = Door<'_>> + '_ {
        let association = Door { view: self, endpoint: None };
        std::iter::once(association)
            .chain(self.network_endpoints.iter().map(|e| Door { view: self, endpoint: Some(e) }))
    }

    /// The `ServiceNetwork` endpoints of this VPC.
    pub fn network_endpoints(&self) -> &[NetworkEndpoint] {
        &self.network_endpoints
    }

    /// The VPC's HTTP forward proxy address (`.3` of the block), on [`FORWARD_PROXY_PORT`].
    pub fn proxy_ip(&self) -> Ipv4Addr {
        self.in_block(3)
    }

    /// The address ending in `octet` in this VPC's block.
    fn in_block(&self, octet: u8) -> Ipv4Addr {
        let [a, b, c, _] = self.service_ip.octets();
        Ipv4Addr::new(a, b, c, octet)
    }

    /// The security groups guarding connections to `ip` of this VPC's block (`None`: open): the
    /// endpoint's for a resource reached through a `Resource` endpoint, else the association's.
    pub fn firewall_at(&self, ip: Ipv4Addr) -> Option<&Arc<Firewall>> {
        if let Some(e) = self.endpoint_at(ip) {
            return e.firewall.as_ref();
        }
        match self.network_endpoints.iter().find(|e| e.ip == ip) {
            Some(e) => e.firewall.as_ref(),
            None => self.association_firewall.as_ref(),
        }
    }

    fn endpoint_at(&self, ip: Ipv4Addr) -> Option<&EndpointResource> {
        let octet = ip.octets()[3];
        self.endpoint_resources.iter().find(|e| e.octet == octet).filter(|_| self.owns(ip))
    }

    /// Whether `ip` is in this VPC's block.
    pub fn owns(&self, ip: Ipv4Addr) -> bool {
        self.service_ip.octets()[..3] == ip.octets()[..3]
    }

    /// Whether the security groups guarding `ip` admit a TCP connection from `source` to `port`.
    pub fn admits(&self, source: IpAddr, ip: Ipv4Addr, port: u16) -> bool {
        crate::firewall::admits(self.firewall_at(ip), source, port)
    }

    /// The resources this VPC reaches, each at its own address in the VPC's block.
    pub fn resources(&self) -> impl Iterator<Item = (Ipv4Addr, &Arc<ResourceRoute>)> + '_ {
        let network = self.network.iter().flat_map(|n| n.resources.slots.iter().map(|(octet, r)| (*octet, r)));
        let endpoints = self.endpoint_resources.iter().map(|e| (e.octet, &e.route));
        network.chain(endpoints).map(|(octet, r)| (self.in_block(octet), r))
    }

    /// The resource served at `ip` in this VPC.
    pub fn resource_at(&self, ip: Ipv4Addr) -> Option<&Arc<ResourceRoute>> {
        let octet = ip.octets()[3];
        if !self.owns(ip) {
            return None;
        }
        match self.network.as_ref().and_then(|n| n.resources.at(octet)) {
            Some(r) => Some(r),
            None => self.endpoint_at(ip).map(|e| &e.route),
        }
    }
}

/// The port of every VPC's HTTP forward proxy.
pub const FORWARD_PROXY_PORT: u16 = 3128;

/// Lattice's link-local range: inside a VPC's network namespace, the address ending in N of the
/// VPC block is reached as 169.254.171.N.
pub const LINK_LOCAL: [u8; 3] = [169, 254, 171];

/// The last octet of a namespace client's own address in the VPC block.
pub const CLIENT_OCTET: u8 = 250;

/// An address of a VPC block as clients in the VPC's namespace reach it.
pub fn link_local(ip: Ipv4Addr) -> Ipv4Addr {
    let [a, b, c] = LINK_LOCAL;
    Ipv4Addr::new(a, b, c, ip.octets()[3])
}

/// Lattice's IPv6 link-local range: inside a VPC's network namespace, the address ending in N of
/// the VPC block is also reached as fd00:ec2:80::N.
pub const LINK_LOCAL_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0x80, 0, 0, 0, 0, 0);

/// The IPv6 twin of an address of a VPC block, as clients in the VPC's namespace reach it: the
/// last group spells the same digits (`.10` is `fd00:ec2:80::10`, `.123` is `fd00:ec2:80::123`).
pub fn link_local_v6(ip: Ipv4Addr) -> Ipv6Addr {
    let n = u16::from(ip.octets()[3]);
    let group = (n / 100) << 8 | (n / 10 % 10) << 4 | (n % 10);
    Ipv6Addr::from(u128::from(LINK_LOCAL_V6) | u128::from(group))
}

/// Who a connection to an address of `block_ip`'s VPC block comes from. Only sockets inside a
/// VPC's namespace listen on IPv6 (at fd00:ec2:80::N), so an IPv6 peer is the namespace client,
/// `.250` of the block, as over IPv4; everyone else is who they are.
pub fn client_address(peer: SocketAddr, block_ip: Ipv4Addr) -> SocketAddr {
    match peer.ip() {
        IpAddr::V6(_) => {
            let [a, b, c, _] = block_ip.octets();
            SocketAddr::from((Ipv4Addr::new(a, b, c, CLIENT_OCTET), peer.port()))
        }
        _ => peer,
    }
}

/// TTL of generated Lattice names, short so that changes show quickly.
const LATTICE_TTL: u32 = 10;

/// The query types the resolver distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryType {
    A,
    Aaaa,
    Cname,
    Txt,
    Any,
    Other,
}

impl QueryType {
    fn accepts(self, data: &RecordData) -> bool {
        matches!(
            (self, data),
            (QueryType::Any, _)
                | (QueryType::A, RecordData::A(_))
                | (QueryType::Aaaa, RecordData::Aaaa(_))
                | (QueryType::Cname, RecordData::Cname(_))
                | (QueryType::Txt, RecordData::Txt(_))
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordData {
    A(Ipv4Addr),
    Aaaa(std::net::Ipv6Addr),
    /// Target, lower case, without the trailing dot.
    Cname(String),
    Txt(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRecord {
    pub name: String,
    pub ttl: u32,
    pub data: RecordData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Answer(Vec<AnswerRecord>),
    /// The name exists but has no record of the asked type.
    NoData,
    NxDomain,
    /// Not a name this resolver owns: forward it.
    NotMine,
}

impl Resolution {
    /// The first IPv4 address of an answer (after any CNAMEs).
    pub fn address(&self) -> Option<Ipv4Addr> {
        let Resolution::Answer(records) = self else { return None };
        records.iter().find_map(|r| match r.data {
            RecordData::A(ip) => Some(ip),
            _ => None,
        })
    }
}

#[derive(Debug)]
struct ZoneRecord {
    ttl: u32,
    data: RecordData,
}

/// One local zone, compiled: name → its records.
#[derive(Debug)]
struct ZoneView {
    name: String,
    records: HashMap<String, Vec<ZoneRecord>>,
}

fn zone_view(state: &State, zone: &crate::records::DnsZone) -> ZoneView {
    let mut records: HashMap<String, Vec<ZoneRecord>> = HashMap::new();
    for r in state.dns_records.values().filter(|r| r.zone_id == zone.id) {
        for value in &r.records {
            let data = match r.kind.as_str() {
                "A" => value.parse().ok().map(RecordData::A),
                "AAAA" => value.parse().ok().map(RecordData::Aaaa),
                "CNAME" => Some(RecordData::Cname(value.trim_end_matches('.').to_ascii_lowercase())),
                "TXT" => Some(RecordData::Txt(value.trim_matches('"').to_string())),
                _ => None,
            };
            if let Some(data) = data {
                records.entry(r.name.clone()).or_default().push(ZoneRecord { ttl: r.ttl, data });
            }
        }
    }
    ZoneView { name: zone.name.clone(), records }
}

/// True for names in the zones Lattice answers for; the resolver answers these itself
/// (NXDOMAIN when not reachable) instead of forwarding them.
pub fn is_lattice_name(qname: &str) -> bool {
    let name = qname.trim_end_matches('.').to_ascii_lowercase();
    name.ends_with(".on.aws") && (name.contains(".vpc-lattice-svcs.") || name.contains(".vpc-lattice-rsc."))
}

fn parse_ip(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

fn forward_action(state: &State, action: &Value, health: &HealthTable) -> RouteAction {
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
fn function_target(state: &State, tg: &TargetGroup) -> Option<FunctionTarget> {
    if tg.kind != "LAMBDA" {
        return None;
    }
    let arn = &tg.targets.first()?.id;
    let f = owned_function(state, &tg.account, arn)?;
    let version = tg.config.as_ref().and_then(|c| c.get("lambdaEventStructureVersion")).and_then(Value::as_str);
    Some(FunctionTarget {
        arn: arn.clone(),
        url: f.url.clone(),
        command: f.command.clone(),
        event_version: version.unwrap_or("V1").to_string(),
    })
}

/// The local function of `account` that a function ARN (plain or qualified by a version or
/// alias) names. Another account's function never answers, whatever the ARN says.
pub fn owned_function<'a>(state: &'a State, account: &str, arn: &str) -> Option<&'a crate::records::LocalFunction> {
    let unqualified = arn.rsplit_once(':').filter(|(head, _)| head.matches(':').count() >= 6).map_or(arn, |(h, _)| h);
    state.local_functions.values().find(|f| f.account == account && (f.arn == arn || f.arn == unqualified))
}

/// (TLS, HTTP/2) toward a group's targets.
fn target_protocol(tg: &TargetGroup) -> (bool, bool) {
    let config = tg.config.as_ref();
    let get = |key: &str| config.and_then(|c| c.get(key)).and_then(Value::as_str);
    (get("protocol") == Some("HTTPS"), matches!(get("protocolVersion"), Some("HTTP2" | "GRPC")))
}

/// A target's address: IP targets as given; INSTANCE targets through the local instance
/// registry; the group's port when the target names none.
pub fn target_addr(state: &State, tg: &TargetGroup, t: &crate::records::Target) -> Option<SocketAddr> {
    let ip: IpAddr = match tg.kind.as_str() {
        "INSTANCE" => state.local_instances.get(&t.id).filter(|i| i.account == tg.account)?.ip_address.parse().ok()?,
        "ALB" => state.registry_address(&tg.account, &t.id)?,
        _ => t.id.parse().ok()?,
    };
    let port = if t.port > 0 { t.port } else { tg.default_port().unwrap_or(80) };
    Some(SocketAddr::new(ip, u16::try_from(port).ok()?))
}

fn listener_route(state: &State, listener: &Listener, health: &HealthTable) -> ListenerRoute {
    let mut rules: Vec<CompiledRule> = state
        .rules
        .values()
        .filter(|r| r.listener_id == listener.id)
        .map(|r| CompiledRule::compile(state, r, health))
        .collect();
    rules.sort_by_key(|r| r.priority);
    ListenerRoute {
        listener_arn: listener.arn.clone(),
        protocol: listener.protocol.clone(),
        rules,
        action: forward_action(state, &listener.default_action, health),
    }
}

fn service_route(state: &State, service: &crate::records::Service, health: &HealthTable) -> ServiceRoute {
    let listeners = state
        .listeners
        .values()
        .filter(|l| l.service_id == service.id && matches!(l.protocol.as_str(), "HTTP" | "HTTPS" | "TLS_PASSTHROUGH"))
        .filter_map(|l| Some((u16::try_from(l.port).ok()?, Arc::new(listener_route(state, l, health)))))
        .collect();
    let mut names = vec![service.dns_entry.domain_name.to_ascii_lowercase()];
    names.extend(service.custom_domain_name.iter().map(|n| n.to_ascii_lowercase()));
    ServiceRoute {
        service_id: service.id.clone(),
        service_arn: service.arn.clone(),
        auth: gate(state, &service.id, &service.auth_type),
        idle_timeout: std::time::Duration::from_secs(service.idle_timeout_seconds.clamp(60, 600) as u64),
        certificate: service.certificate_arn.as_ref().and_then(|arn| {
            let cert = state.local_certificates.values().find(|c| &c.arn == arn)?;
            let mut chain_pem = cert.certificate_pem.trim_end().to_string();
            if !cert.certificate_chain_pem.trim().is_empty() {
                chain_pem = format!("{chain_pem}\n{}", cert.certificate_chain_pem.trim());
            }
            Some(Arc::new(CertMaterial { arn: arn.clone(), chain_pem, key_pem: cert.private_key_pem.clone() }))
        }),
        names,
        listeners,
        log_destinations: log_destinations(state, &service.id),
    }
}

/// The auth settings of a service or service network.
fn gate(state: &State, id: &str, auth_type: &str) -> Gate {
    Gate::new(auth_type, state.auth_policies.get(id).map(|p| p.policy.as_str()))
}

/// Destinations of the service-log subscriptions of a service or service network.
fn log_destinations(state: &State, resource_id: &str) -> Arc<[String]> {
    state
        .access_log_subscriptions
        .values()
        .filter(|a| {
            a.resource_id == resource_id && a.service_network_log_type.as_deref().unwrap_or("SERVICE") == "SERVICE"
        })
        .map(|a| a.destination_arn.clone())
        .collect()
}

/// One listener fewer on `port`.
fn uncount(ports: &mut imbl::HashMap<u16, u32>, port: u16) {
    match ports.get(&port).copied().unwrap_or(1).saturating_sub(1) {
        0 => ports.remove(&port),
        left => ports.insert(port, left),
    };
}

/// Compiled objects by id, shared between snapshots.
type Compiled<T> = imbl::HashMap<String, Arc<T>>;

/// The `ServiceNetwork` endpoints of `vpc`, oldest first, at `.11`–`.19` of its block (more get
/// no address).
fn network_endpoints(
    state: &State,
    vpc: &crate::records::Vpc,
    (networks, routes): (&Compiled<NetworkView>, &Compiled<ServiceRoute>),
    service_ip: Ipv4Addr,
    region: &str,
) -> Vec<NetworkEndpoint> {
    let mut endpoints: Vec<&crate::records::VpcEndpoint> = state
        .vpc_endpoints
        .values()
        .filter(|e| e.vpc_id == vpc.id && e.vpc_endpoint_type == "ServiceNetwork" && e.state == "available")
        .collect();
    endpoints.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
    let [a, b, c, _] = service_ip.octets();
    endpoints
        .into_iter()
        .zip(11u8..=19)
        .filter_map(|(e, octet)| {
            let sn_id = e.service_network_id.as_ref()?;
            let network = networks.get(sn_id)?.clone();
            let names = state
                .sn_service_associations
                .values()
                .filter(|a| &a.service_network_id == sn_id && network.members.contains(&a.service_id))
                .filter_map(|a| {
                    let route = routes.get(&a.service_id)?;
                    let owner = &state.services.get(&a.service_id)?.account;
                    let name = lattice_api::ids::service_endpoint_domain_name(&e.id, &a.id, owner, region);
                    Some((name, route.clone()))
                })
                .collect();
            Some(NetworkEndpoint {
                endpoint_id: e.id.clone(),
                ip: Ipv4Addr::new(a, b, c, octet),
                service_network_arn: network.arn.clone(),
                network,
                names,
                private_dns: e.private_dns_enabled,
                firewall: Firewall::compile(state, &vpc.account, &e.security_group_ids),
            })
        })
        .collect()
}

fn associated(state: &State, sn_id: &str, service_id: &str) -> bool {
    state.sn_service_associations.values().any(|a| a.service_network_id == sn_id && a.service_id == service_id)
}

/// Builds the snapshot for `state` from scratch.
pub fn compile(state: &State, generation: u64, region: &str) -> Snapshot {
    let empty = Snapshot { region: region.to_string(), ..Snapshot::default() };
    empty.next(state, &Dirty::everything(state), generation)
}

impl Snapshot {
    /// ARNs of the service networks with a service or resource answering to `name`.
    pub fn networks_offering(&self, name: &str) -> Vec<String> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut arns: Vec<String> = self
            .networks
            .values()
            .filter(|n| n.names.contains_key(&name) || n.resources.names.contains_key(&name))
            .map(|n| n.arn.clone())
            .collect();
        arns.sort();
        arns
    }

    /// Every target a health check must watch: the targets of health-checked groups that some
    /// listener or rule forwards to (other groups' targets are `UNUSED`).
    pub fn checks(&self) -> Vec<CheckTarget> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for route in self.routes.values() {
            for listener in route.listeners.values() {
                let actions = listener.rules.iter().map(|r| &r.action).chain(std::iter::once(&listener.action));
                for action in actions {
                    let RouteAction::Forward(fwd) = action else { continue };
                    for group in &fwd.groups {
                        let Some(check) = &group.health_check else { continue };
                        for t in group.targets.iter() {
                            if seen.insert((group.target_group_id.as_str(), t.addr)) {
                                out.push(CheckTarget {
                                    target_group_id: group.target_group_id.clone(),
                                    addr: t.addr,
                                    check: check.clone(),
                                    slot: t.health.clone(),
                                });
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The snapshot after a write: `dirty` says what the write touched; the rest is shared.
    pub fn next(&self, state: &State, dirty: &Dirty, generation: u64) -> Snapshot {
        let mut routes = self.routes.clone();
        for id in &dirty.services {
            match state.services.get(id) {
                Some(svc) => routes.insert(id.clone(), Arc::new(service_route(state, svc, &self.health))),
                None => routes.remove(id),
            };
        }

        // Networks a touched service was or is a member of, and touched networks.
        let mut affected: HashSet<&str> = dirty.networks.iter().map(String::as_str).collect();
        for svc in &dirty.services {
            affected.extend(self.networks.iter().filter(|(_, n)| n.members.contains(svc)).map(|(id, _)| id.as_str()));
            affected.extend(
                state
                    .sn_service_associations
                    .values()
                    .filter(|a| &a.service_id == svc)
                    .map(|a| a.service_network_id.as_str()),
            );
        }
        let mut networks = self.networks.clone();
        for &sn_id in &affected {
            let Some(sn) = state.service_networks.get(sn_id) else {
                networks.remove(sn_id);
                continue;
            };
            let previous = self.networks.get(sn_id);
            let mut view = previous.map(|v| (**v).clone()).unwrap_or_default();
            view.arn = sn.arn.clone();
            view.log_destinations = log_destinations(state, &sn.id);
            view.auth = gate(state, &sn.id, &sn.auth_type);
            if previous.is_none() || dirty.resources {
                view.resources = Arc::new(NetworkResources::compile(state, &sn.id, &self.region));
            }
            // A network seen for the first time takes all its members; otherwise only the
            // touched services can have changed.
            let candidates: Vec<&String> = if previous.is_none() {
                state
                    .sn_service_associations
                    .values()
                    .filter(|a| a.service_network_id == sn.id)
                    .map(|a| &a.service_id)
                    .collect()
            } else {
                dirty.services.iter().collect()
            };
            for svc in candidates {
                if view.members.remove(svc).is_some() {
                    if let Some(old) = self.routes.get(svc) {
                        for name in &old.names {
                            view.names.remove(name);
                        }
                        for (port, listener) in &old.listeners {
                            uncount(&mut view.ports, *port);
                            if listener.protocol == "TLS_PASSTHROUGH" {
                                uncount(&mut view.passthrough_ports, *port);
                            }
                        }
                    }
                }
                let route = routes.get(svc).filter(|_| associated(state, &sn.id, svc));
                if let Some(route) = route {
                    view.members.insert(svc.clone());
                    for name in &route.names {
                        view.names.insert(name.clone(), route.clone());
                    }
                    for (port, listener) in &route.listeners {
                        *view.ports.entry(*port).or_insert(0) += 1;
                        if listener.protocol == "TLS_PASSTHROUGH" {
                            *view.passthrough_ports.entry(*port).or_insert(0) += 1;
                        }
                    }
                }
            }
            networks.insert(sn_id.to_string(), Arc::new(view));
        }

        // The other networks only change when resources did.
        if dirty.resources {
            let ids: Vec<String> = networks.keys().filter(|id| !affected.contains(id.as_str())).cloned().collect();
            for id in ids {
                let Some(view) = networks.get(&id) else { continue };
                let mut view = (**view).clone();
                view.resources = Arc::new(NetworkResources::compile(state, &id, &self.region));
                networks.insert(id, Arc::new(view));
            }
        }

        let zones = if dirty.zones {
            state.dns_zones.values().map(|z| (z.id.clone(), Arc::new(zone_view(state, z)))).collect()
        } else {
            self.zones.clone()
        };

        // VPC views only point at shared parts: rebuilding them all is cheap.
        let mut vpcs = HashMap::new();
        for vpc in state.vpcs.values() {
            let (Some(resolver_ip), Some(service_ip)) =
                (parse_ip(&vpc.resolver_ip()), parse_ip(&vpc.service_network_ip()))
            else {
                continue;
            };
            let association = state.sn_vpc_associations.values().find(|a| a.vpc_id == vpc.id && a.status == "ACTIVE");
            let network = association.and_then(|a| networks.get(&a.service_network_id)).cloned();
            let taken: Vec<u8> =
                network.iter().flat_map(|n| n.resources.slots.iter().map(|(octet, _)| *octet)).collect();
            let endpoint_resources = endpoint_resources(state, vpc, &taken, &self.region);
            let network_endpoints = network_endpoints(state, vpc, (&networks, &routes), service_ip, &self.region);
            let view = VpcView {
                vpc_id: vpc.id.clone(),
                account: vpc.account.clone(),
                region: self.region.clone(),
                resolver_ip,
                service_ip,
                service_network_arn: network.as_ref().map(|n| n.arn.clone()),
                vpc_arn: format!("arn:aws:ec2:{}:{}:vpc/{}", self.region, vpc.account, vpc.id),
                network,
                zones: state
                    .dns_zones
                    .values()
                    .filter(|z| z.vpc_ids.contains(&vpc.id))
                    .filter_map(|z| zones.get(&z.id).cloned())
                    .collect(),
                association_firewall: association
                    .and_then(|a| Firewall::compile(state, &vpc.account, &a.security_group_ids)),
                endpoint_resources,
                network_endpoints,
            };
            vpcs.insert(vpc.id.clone(), Arc::new(view));
        }
        let identities =
            if dirty.identities { Arc::new(crate::auth::identities(state)) } else { self.identities.clone() };
        Snapshot {
            generation,
            vpcs,
            region: self.region.clone(),
            routes,
            networks,
            zones,
            identities,
            health: self.health.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::*;
    use serde_json::json;

    /// The association's door of a view.
    fn assoc(view: &VpcView) -> Door<'_> {
        view.door(view.service_ip).unwrap()
    }

    #[test]
    fn link_local_twins_spell_the_block_octet() {
        let ip = Ipv4Addr::new(127, 77, 3, 123);
        assert_eq!(link_local(ip), Ipv4Addr::new(169, 254, 171, 123));
        assert_eq!(link_local_v6(ip).to_string(), "fd00:ec2:80::123");
        assert_eq!(link_local_v6(Ipv4Addr::new(127, 77, 3, 10)).to_string(), "fd00:ec2:80::10");
        let v6_peer: SocketAddr = "[::1]:4000".parse().unwrap();
        assert_eq!(client_address(v6_peer, ip), "127.77.3.250:4000".parse().unwrap());
        let host: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        assert_eq!(client_address(host, ip), host);
    }

    fn vpc(id: &str, block: &str) -> Vpc {
        Vpc {
            id: id.into(),
            account: "000000000000".into(),
            block: block.into(),
            tags: Tags::new(),
            created_at: String::new(),
        }
    }

    fn fixture() -> State {
        let mut s = State::default();
        s.vpcs.insert("vpc-aaaaaaaa".into(), vpc("vpc-aaaaaaaa", "127.77.1"));
        s.vpcs.insert("vpc-bbbbbbbb".into(), vpc("vpc-bbbbbbbb", "127.77.2"));
        s.service_networks.insert(
            "sn-1".into(),
            ServiceNetwork {
                id: "sn-1".into(),
                arn: "arn:sn-1".into(),
                name: "net".into(),
                auth_type: "NONE".into(),
                sharing_config: None,
                created_at: String::new(),
                last_updated_at: String::new(),
                tags: Tags::new(),
                account: "000000000000".into(),
            },
        );
        s.services.insert(
            "svc-1".into(),
            Service {
                id: "svc-1".into(),
                arn: "arn:svc-1".into(),
                name: "web".into(),
                auth_type: "NONE".into(),
                custom_domain_name: None,
                certificate_arn: None,
                idle_timeout_seconds: 60,
                dns_entry: DnsEntry {
                    domain_name: "web-1.abc.vpc-lattice-svcs.us-east-1.on.aws".into(),
                    hosted_zone_id: "Z".into(),
                },
                status: "ACTIVE".into(),
                created_at: String::new(),
                last_updated_at: String::new(),
                tags: Tags::new(),
                account: "000000000000".into(),
            },
        );
        s.target_groups.insert(
            "tg-1".into(),
            TargetGroup {
                id: "tg-1".into(),
                arn: "arn:tg-1".into(),
                name: "tg".into(),
                kind: "IP".into(),
                config: Some(json!({ "port": 8080 })),
                status: "ACTIVE".into(),
                created_at: String::new(),
                last_updated_at: String::new(),
                targets: vec![
                    Target { id: "127.0.0.5".into(), port: 0 },
                    Target { id: "127.0.0.6".into(), port: 9000 },
                ],
                tags: Tags::new(),
                account: "000000000000".into(),
            },
        );
        s.listeners.insert(
            "listener-1".into(),
            Listener {
                id: "listener-1".into(),
                arn: "arn:listener-1".into(),
                name: "http".into(),
                protocol: "HTTP".into(),
                port: 80,
                service_id: "svc-1".into(),
                service_arn: "arn:svc-1".into(),
                default_action: json!({ "forward": { "targetGroups": [{ "targetGroupIdentifier": "tg-1", "weight": 100 }] } }),
                created_at: String::new(),
                last_updated_at: String::new(),
                tags: Tags::new(),
                account: "000000000000".into(),
            },
        );
        s.sn_service_associations.insert(
            "snsa-1".into(),
            ServiceNetworkServiceAssociation {
                id: "snsa-1".into(),
                arn: String::new(),
                service_network_id: "sn-1".into(),
                service_id: "svc-1".into(),
                status: "ACTIVE".into(),
                created_by: String::new(),
                created_at: String::new(),
                tags: Tags::new(),
                account: "000000000000".into(),
            },
        );
        s.sn_vpc_associations.insert(
            "snva-1".into(),
            ServiceNetworkVpcAssociation {
                id: "snva-1".into(),
                arn: String::new(),
                service_network_id: "sn-1".into(),
                vpc_id: "vpc-aaaaaaaa".into(),
                security_group_ids: vec![],
                private_dns_enabled: None,
                dns_options: None,
                status: "ACTIVE".into(),
                created_by: String::new(),
                created_at: String::new(),
                last_updated_at: String::new(),
                tags: Tags::new(),
                account: "000000000000".into(),
            },
        );
        s
    }

    #[test]
    fn only_associated_vpcs_resolve_the_service_name() {
        let snap = compile(&fixture(), 1, "us-east-1");
        let name = "WEB-1.abc.vpc-lattice-svcs.us-east-1.on.aws.";
        assert_eq!(snap.vpcs["vpc-aaaaaaaa"].dns_answer(name), Some(Ipv4Addr::new(127, 77, 1, 10)));
        assert_eq!(snap.vpcs["vpc-bbbbbbbb"].dns_answer(name), None);
        assert!(is_lattice_name(name));
        assert!(!is_lattice_name("example.com."));
    }

    fn rule(id: &str, priority: i64, rule_match: Value, status: u16) -> Rule {
        Rule {
            id: id.into(),
            arn: format!("arn:{id}"),
            name: id.into(),
            service_id: "svc-1".into(),
            listener_id: "listener-1".into(),
            priority,
            rule_match,
            action: json!({ "fixedResponse": { "statusCode": status } }),
            created_at: String::new(),
            last_updated_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
        }
    }

    #[test]
    fn rules_match_by_priority_then_fall_back_to_the_default_action() {
        let mut state = fixture();
        let rules = [
            rule("rule-b", 20, json!({ "httpMatch": { "pathMatch": { "match": { "prefix": "/API" } } } }), 201),
            rule(
                "rule-a",
                10,
                json!({ "httpMatch": { "method": "POST", "pathMatch": { "match": { "exact": "/api/orders" }, "caseSensitive": true } } }),
                202,
            ),
            rule(
                "rule-c",
                30,
                json!({ "httpMatch": { "headerMatches": [
                { "name": "X-Tenant", "match": { "contains": "blue" } },
                { "name": "x-env", "match": { "exact": "Prod" }, "caseSensitive": true }
            ] } }),
                203,
            ),
        ];
        for r in rules {
            state.rules.insert(r.id.clone(), r);
        }
        let snap = compile(&state, 1, "us-east-1");
        let route = assoc(&snap.vpcs["vpc-aaaaaaaa"]).route("web-1.abc.vpc-lattice-svcs.us-east-1.on.aws").unwrap();
        let lr = &route.listeners[&80];
        assert_eq!(lr.rules.iter().map(|r| r.priority).collect::<Vec<_>>(), vec![10, 20, 30]);
        let status = |method: &str, path: &str, headers: &[(&'static str, &'static str)]| {
            let owned: Vec<(&'static str, &'static str)> = headers.to_vec();
            let lookup =
                move |name: &str| owned.iter().filter(|(k, _)| *k == name).map(|(_, v)| *v).collect::<Vec<_>>();
            match lr.select(method, path, &lookup) {
                RouteAction::Fixed { status } => *status,
                RouteAction::Forward(_) => 0,
            }
        };
        assert_eq!(status("POST", "/api/orders", &[]), 202);
        assert_eq!(status("POST", "/API/ORDERS", &[]), 201, "exact match is case-sensitive; the prefix rule is not");
        assert_eq!(status("GET", "/api/orders", &[]), 201);
        assert_eq!(status("GET", "/other", &[("x-tenant", "dark-BLUE-1"), ("x-env", "Prod")]), 203);
        assert_eq!(status("GET", "/other", &[("x-tenant", "blue"), ("x-env", "prod")]), 0, "x-env is case-sensitive");
        assert_eq!(status("GET", "/other", &[]), 0, "no rule matches: default forward");
    }

    #[test]
    fn local_zones_answer_in_their_vpcs_and_follow_cnames_to_lattice_names() {
        let mut state = fixture();
        state.dns_zones.insert(
            "Z1".into(),
            DnsZone {
                id: "Z1".into(),
                name: "example.internal".into(),
                vpc_ids: vec!["vpc-aaaaaaaa".into()],
                comment: String::new(),
                created_at: String::new(),
                tags: Tags::new(),
                account: "000000000000".into(),
            },
        );
        let record = |name: &str, kind: &str, value: &str| DnsRecord {
            id: format!("Z1_{name}_{kind}"),
            zone_id: "Z1".into(),
            name: name.into(),
            kind: kind.into(),
            ttl: 60,
            records: vec![value.into()],
            account: "000000000000".into(),
        };
        for r in [
            record("app.example.internal", "CNAME", "web-1.abc.vpc-lattice-svcs.us-east-1.on.aws."),
            record("db.example.internal", "A", "127.0.0.9"),
            record("_check.example.internal", "TXT", "\"token\""),
        ] {
            state.dns_records.insert(r.id.clone(), r);
        }
        let snap = compile(&state, 1, "us-east-1");
        let a = &snap.vpcs["vpc-aaaaaaaa"];
        let Resolution::Answer(chain) = a.resolve("APP.example.internal.", QueryType::A) else {
            panic!("answer expected")
        };
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[1].data, RecordData::A(Ipv4Addr::new(127, 77, 1, 10)));
        assert_eq!(a.dns_answer("db.example.internal"), Some(Ipv4Addr::new(127, 0, 0, 9)));
        assert_eq!(
            a.resolve("_check.example.internal", QueryType::Txt),
            Resolution::Answer(vec![AnswerRecord {
                name: "_check.example.internal".into(),
                ttl: 60,
                data: RecordData::Txt("token".into()),
            }])
        );
        assert_eq!(a.resolve("db.example.internal", QueryType::Txt), Resolution::NoData);
        assert_eq!(a.resolve("nope.example.internal", QueryType::A), Resolution::NxDomain);
        assert_eq!(a.resolve("example.com", QueryType::A), Resolution::NotMine);
        // The other VPC is not associated with the zone.
        assert_eq!(snap.vpcs["vpc-bbbbbbbb"].resolve("db.example.internal", QueryType::A), Resolution::NotMine);
    }

    #[test]
    fn tls_passthrough_listeners_route_on_the_server_name_only() {
        let mut state = fixture();
        state.listeners.get_mut("listener-1").unwrap().protocol = "TLS_PASSTHROUGH".into();
        let snap = compile(&state, 1, "us-east-1");
        let door = assoc(&snap.vpcs["vpc-aaaaaaaa"]);
        assert_eq!(door.ports().collect::<Vec<_>>(), vec![80]);
        let name = "web-1.abc.vpc-lattice-svcs.us-east-1.on.aws";
        assert!(door.passthrough(name, 80).is_some() && door.has_passthrough(80));
        assert!(door.passthrough(name, 443).is_none());
        assert!(matches!(door.admit(name, 80, None), Admission::PlainToHttps(_)));
    }

    #[test]
    fn unhealthy_targets_are_skipped_until_none_is_healthy() {
        let state = fixture();
        let snap = compile(&state, 1, "us-east-1");
        let route = assoc(&snap.vpcs["vpc-aaaaaaaa"]).route("web-1.abc.vpc-lattice-svcs.us-east-1.on.aws").unwrap();
        let RouteAction::Forward(fwd) = &route.listeners[&80].action else { panic!("forward expected") };
        let checks = snap.checks();
        assert_eq!(checks.len(), 2);
        let (a, b) = (&checks[0], &checks[1]);
        a.slot.set(Status::Healthy);
        b.slot.set(Status::Unhealthy);
        assert!((0..4).all(|_| fwd.pick().unwrap().addr == a.addr));
        // A later snapshot shares the statuses.
        let next = snap.next(&state, &Dirty::everything(&state), 2);
        assert_eq!(next.health.status("tg-1", b.addr), Some(Status::Unhealthy));
        // Fail open: with no healthy target, all take traffic again.
        a.slot.set(Status::Unhealthy);
        let picked: HashSet<SocketAddr> = (0..4).map(|_| fwd.pick().unwrap().addr).collect();
        assert_eq!(picked.len(), 2);
    }

    #[test]
    fn routes_by_host_and_round_robins_targets() {
        let snap = compile(&fixture(), 1, "us-east-1");
        let view = &snap.vpcs["vpc-aaaaaaaa"];
        assert_eq!(assoc(view).ports().collect::<Vec<_>>(), vec![80]);
        let route = assoc(view).route("web-1.abc.vpc-lattice-svcs.us-east-1.on.aws:80").unwrap();
        let RouteAction::Forward(fwd) = &route.listeners[&80].action else { panic!("forward expected") };
        let picks: Vec<String> = (0..4).map(|_| fwd.pick().unwrap().addr.to_string()).collect();
        assert_eq!(picks, ["127.0.0.5:8080", "127.0.0.6:9000", "127.0.0.5:8080", "127.0.0.6:9000"]);
        assert!(assoc(view).route("unknown.example").is_none());
    }

    /// What one VPC sees: its id, names with their service and listener ports, and ports.
    type Observed = (String, Vec<(String, String)>, Vec<u16>);

    /// What the VPCs see, comparable between snapshots.
    fn observable(snap: &Snapshot) -> Vec<Observed> {
        let mut out: Vec<_> = snap
            .vpcs
            .values()
            .map(|v| {
                let mut names: Vec<(String, String)> = v
                    .network
                    .iter()
                    .flat_map(|n| {
                        n.names.iter().map(|(k, r)| {
                            (k.clone(), format!("{}:{:?}", r.service_id, r.listeners.keys().collect::<Vec<_>>()))
                        })
                    })
                    .collect();
                names.sort();
                let mut ports: Vec<u16> = assoc(v).ports().collect();
                ports.sort_unstable();
                (v.vpc_id.clone(), names, ports)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn incremental_snapshots_equal_full_compilation_after_every_write() {
        use crate::state::Object;
        let mut state = fixture();
        let mut snap = compile(&state, 1, "us-east-1");
        let service = |id: &str, name: &str| Service {
            id: id.into(),
            arn: format!("arn:{id}"),
            name: name.into(),
            auth_type: "NONE".into(),
            custom_domain_name: None,
            certificate_arn: None,
            idle_timeout_seconds: 60,
            dns_entry: DnsEntry {
                domain_name: format!("{name}.x.vpc-lattice-svcs.us-east-1.on.aws"),
                hosted_zone_id: "Z".into(),
            },
            status: "ACTIVE".into(),
            created_at: String::new(),
            last_updated_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
        };
        let snsa = |id: &str, svc: &str| ServiceNetworkServiceAssociation {
            id: id.into(),
            arn: String::new(),
            service_network_id: "sn-1".into(),
            service_id: svc.into(),
            status: "ACTIVE".into(),
            created_by: String::new(),
            created_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
        };
        let mut listener = state.listeners["listener-1"].clone();
        listener.id = "listener-2".into();
        listener.service_id = "svc-2".into();
        listener.port = 8080;
        let mut tg = state.target_groups["tg-1"].clone();
        tg.targets.push(Target { id: "127.0.0.7".into(), port: 0 });
        let writes: Vec<Vec<ObjectChange>> = vec![
            vec![service("svc-2", "orders").put()],
            vec![snsa("snsa-2", "svc-2").put()],
            vec![listener.put()],
            vec![tg.put()],
            vec![service("svc-2", "orders-renamed").put()],
            vec![state.listeners["listener-1"].delete()],
            vec![snsa("snsa-2", "svc-2").delete(), listener.delete()],
            vec![state.sn_vpc_associations["snva-1"].delete()],
            vec![state.sn_service_associations["snsa-1"].delete(), state.services["svc-1"].delete()],
        ];
        for (i, changes) in writes.into_iter().enumerate() {
            let mut dirty = Dirty::default();
            for c in &changes {
                dirty.add(&state, c);
            }
            for c in &changes {
                state.apply(c).unwrap();
            }
            for c in &changes {
                dirty.add(&state, c);
            }
            snap = snap.next(&state, &dirty, i as u64 + 2);
            let full = compile(&state, i as u64 + 2, "us-east-1");
            assert_eq!(observable(&snap), observable(&full), "after write {i}");
        }
    }
}
