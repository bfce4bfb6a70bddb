//! `explain`: whether a request from a VPC would succeed, step by step, and which piece decides.
//! Every decision is made by the functions the data plane calls on the same snapshot — the VPC
//! view's resolver, [`route::decide`] (admission, auth, rule) and [`route::relayed`], the
//! resource table — so the trace cannot drift from what traffic gets. Nothing here mutates
//! the snapshot (round-robin cursors stay put).

use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::{self, GateTrace};
use crate::iam::{self, Decision};
use crate::route;
use crate::snapshot::{
    Admission, Door, ListenerRoute, QueryType, RecordData, Resolution, RouteAction, ServiceRoute, Snapshot, TargetSlot,
    VpcView, WeightedGroup,
};
use lattice_runtime::health::{Seen, Status};

mod resource;

/// What a client in a VPC would send.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// An HTTP(S) request.
    Http(HttpRequest<'a>),
    /// A TCP connection to `host:port`.
    Tcp { host: &'a str, port: u16 },
}

#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    pub https: bool,
    /// The name (or address) in the URL: what is resolved, and the TLS server name.
    pub host: &'a str,
    pub port: u16,
    pub method: &'a str,
    /// Percent-encoded path, without the query.
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    /// Lower-case names; `host` (if absent, the URL's host is the Host header), `authorization`
    /// and `x-amz-date` of a signed request.
    pub headers: &'a [(String, String)],
}

/// The verdict and the steps that led to it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The request reaches a target or resource, or gets a 2xx/3xx answer from the data plane.
    pub reachable: bool,
    /// `forwarded` (a target, function or resource answers), `answered` (the data plane answers
    /// itself with `status`), `refused` (the TCP connection is reset) or `outside` (the traffic
    /// does not go through Lattice).
    pub outcome: &'static str,
    /// The HTTP status the data plane answers with itself, when it does.
    pub status: Option<u16>,
    /// The step that decided.
    pub decided_by: &'static str,
    pub summary: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: &'static str,
    pub ok: bool,
    pub detail: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub facts: Value,
}

#[derive(Default)]
struct Trace {
    steps: Vec<Step>,
}

impl Trace {
    fn step(&mut self, step: &'static str, ok: bool, detail: String, facts: Value) {
        self.steps.push(Step { step, ok, detail, facts });
    }

    fn pass(&mut self, step: &'static str, detail: String) {
        self.step(step, true, detail, Value::Null);
    }

    /// Ends with `outcome`, decided by the last step.
    fn end(self, outcome: &'static str, status: Option<u16>, summary: String) -> Explanation {
        let decided_by = self.steps.last().map_or("vpc", |s| s.step);
        let reachable = match outcome {
            "forwarded" => true,
            "answered" => status.is_some_and(|s| s < 400),
            _ => false,
        };
        Explanation { reachable, outcome, status, decided_by, summary, steps: self.steps }
    }

    fn fail(mut self, step: &'static str, detail: String, outcome: &'static str, status: Option<u16>) -> Explanation {
        self.step(step, false, detail.clone(), Value::Null);
        self.end(outcome, status, detail)
    }
}

/// Explains `target` as sent by a client in the VPC keyed `vpc_key` (`account:id`) from the
/// address `source`, on `snapshot`, at `now`.
pub fn explain(
    snapshot: &Snapshot,
    vpc_key: &str,
    source: IpAddr,
    target: &Target<'_>,
    now: time::OffsetDateTime,
) -> Explanation {
    let mut t = Trace::default();
    let Some(view) = snapshot.vpcs.get(vpc_key) else {
        return t.fail("vpc", format!("{vpc_key} is not a VPC of this backend"), "outside", None);
    };
    let vpc_id = view.vpc_id.as_str();
    match &view.service_network_arn {
        Some(sn) => {
            t.pass("vpc", format!("{vpc_id} (account {}) is associated with {sn}{}", view.account, shared(view, sn)))
        }
        None => t.step("vpc", false, format!("{vpc_id} is not associated with a service network"), Value::Null),
    }
    let endpoints: Vec<String> = view
        .network_endpoints()
        .iter()
        .map(|e| format!("{} at {} to {}", e.endpoint_id, e.ip, e.service_network_arn))
        .collect();
    if !endpoints.is_empty() {
        t.pass("endpoints", format!("{vpc_id} has ServiceNetwork endpoints: {}", endpoints.join("; ")));
    }
    let (host, port) = match target {
        Target::Http(r) => (r.host, r.port),
        Target::Tcp { host, port } => (*host, *port),
    };
    let ip = match host.trim_start_matches('[').trim_end_matches(']').parse::<Ipv4Addr>() {
        Ok(ip) => {
            t.pass("dns", format!("{host} is an address: no lookup"));
            ip
        }
        Err(_) => match resolve(&mut t, snapshot, view, host) {
            Ok(ip) => ip,
            Err(t) => return t,
        },
    };
    if let Some(resource) = view.resource_at(ip) {
        return resource::explain_resource(t, snapshot, (view, source), resource, (ip, port));
    }
    let Some(door) = view.door(ip) else {
        if let Some(resource) = view.cidr_resources().find(|r| r.covers(IpAddr::V4(ip))) {
            return resource::explain_cidr(t, snapshot, (view, source), resource, (ip, port));
        }
        let detail = format!("{ip} is not a Lattice address of {vpc_id}: the connection goes there directly");
        return t.fail("address", detail, "outside", None);
    };
    if let (Some(endpoint), Some(sn)) = (door.endpoint_id(), door.service_network_arn()) {
        t.pass("endpoint", format!("{ip} is ServiceNetwork endpoint {endpoint} to {sn}{}", shared(view, sn)));
    }
    match target {
        Target::Http(r) => explain_http(t, snapshot, (view, door, source), r, now),
        Target::Tcp { port, .. } => {
            if door.ports().any(|p| p == *port) {
                t.pass("listener", format!("{ip}:{port} is a service-network address; HTTP listeners answer on it"));
                if let Err(e) = security_groups(&mut t, view, source, (ip, *port)) {
                    return *e;
                }
                t.end(
                    "forwarded",
                    None,
                    format!("{ip}:{port} accepts connections; explain a URL to see a request's fate"),
                )
            } else {
                let detail = format!("no service of the network listens on port {port}: the connection is refused");
                t.fail("listener", detail, "refused", None)
            }
        }
    }
}

/// ` (owned by <account>, shared through RAM)` when the network belongs to another account.
fn shared(view: &VpcView, arn: &str) -> String {
    match arn.split(':').nth(4) {
        Some(owner) if owner != view.account => format!(" (owned by {owner}, shared through RAM)"),
        _ => String::new(),
    }
}

/// The VPC resolver's answer for `host`, as the data plane and `dig` get it.
fn resolve(t: &mut Trace, snapshot: &Snapshot, view: &VpcView, host: &str) -> Result<Ipv4Addr, Explanation> {
    let resolver = view.resolver_ip;
    match view.resolve(host, QueryType::A) {
        Resolution::Answer(records) => {
            let chain: Vec<String> = records
                .iter()
                .map(|r| match &r.data {
                    RecordData::A(ip) => ip.to_string(),
                    RecordData::Cname(c) => format!("CNAME {c}"),
                    RecordData::Aaaa(ip) => ip.to_string(),
                    RecordData::Txt(txt) => format!("TXT {txt}"),
                })
                .collect();
            let facts = json!({ "resolver": resolver.to_string(), "answers": chain });
            match Resolution::Answer(records).address() {
                Some(ip) => {
                    t.step("dns", true, format!("{host} → {} (VPC resolver {resolver})", chain.join(" → ")), facts);
                    Ok(ip)
                }
                None => {
                    let detail = format!("{host} → {} has no address in {}", chain.join(" → "), view.vpc_id);
                    Err(std::mem::take(t).fail("dns", detail, "outside", None))
                }
            }
        }
        Resolution::NxDomain | Resolution::NoData => {
            let detail = format!(
                "{host} does not resolve in {} (NXDOMAIN from {resolver}){}",
                view.vpc_id,
                hint(snapshot, view, host)
            );
            Err(std::mem::take(t).fail("dns", detail, "outside", None))
        }
        Resolution::NotMine => {
            let detail = format!(
                "{host} is neither a Lattice name nor in a local zone of {}: the VPC resolver forwards it upstream, outside Lattice",
                view.vpc_id
            );
            Err(std::mem::take(t).fail("dns", detail, "outside", None))
        }
    }
}

/// Why a name does not resolve: which service networks do offer it.
fn hint(snapshot: &Snapshot, view: &VpcView, host: &str) -> String {
    // Only the VPC owner's networks are named: others' are not its business.
    let offering: Vec<String> = snapshot
        .networks_offering(host)
        .into_iter()
        .filter(|arn| arn.split(':').nth(4) == Some(view.account.as_str()))
        .collect();
    if offering.is_empty() {
        return format!(": no service network of account {} has a service or resource by that name", view.account);
    }
    let whose = match &view.service_network_arn {
        Some(sn) => format!("{} is associated with {sn} only", view.vpc_id),
        None => format!("{} is not associated with any", view.vpc_id),
    };
    format!(": the name is offered by {}, and {whose}", offering.join(", "))
}

/// The security groups guarding `ip` of the VPC's block, through the data plane's own check.
fn security_groups(
    t: &mut Trace,
    view: &VpcView,
    source: IpAddr,
    (ip, port): (Ipv4Addr, u16),
) -> Result<(), Box<Explanation>> {
    guarded_by(t, view.firewall_at(ip), source, (ip, port))
}

/// The ingress check of `firewall` (`None`: no declared group) on a connection to `ip:port`.
fn guarded_by(
    t: &mut Trace,
    firewall: Option<&std::sync::Arc<crate::firewall::Firewall>>,
    source: IpAddr,
    (ip, port): (Ipv4Addr, u16),
) -> Result<(), Box<Explanation>> {
    let Some(firewall) = firewall else {
        let detail = format!("no declared security group guards {ip}: connections from {source} are admitted");
        t.pass("security-groups", detail);
        return Ok(());
    };
    let groups: Vec<&str> = firewall.groups().collect();
    let facts = json!({ "source": source.to_string(), "port": port, "groups": groups });
    match firewall.admit(source, port) {
        Some(admitted) => {
            let detail = format!("{} admits {source} to port {port}: {}", admitted.group, admitted.rule);
            t.step("security-groups", true, detail, facts);
            Ok(())
        }
        None => {
            let detail = format!(
                "no ingress rule of {} admits {source} to port {port}: the connection is reset",
                groups.join(", ")
            );
            t.step("security-groups", false, detail.clone(), facts);
            Err(Box::new(std::mem::take(t).end("refused", None, detail)))
        }
    }
}

fn explain_http(
    mut t: Trace,
    snapshot: &Snapshot,
    (view, door, source): (&VpcView, Door<'_>, IpAddr),
    r: &HttpRequest<'_>,
    now: time::OffsetDateTime,
) -> Explanation {
    if !door.ports().any(|p| p == r.port) {
        let mut detail =
            format!("no service {} reaches listens on port {}: the connection is refused", view.vpc_id, r.port);
        // Name the ports the addressed service does listen on: usually the fix.
        if let Some(route) = door.route(r.host) {
            let mut ports: Vec<u16> = route.listeners.keys().copied().collect();
            ports.sort_unstable();
            let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
            detail.push_str(&format!(" ({} listens on {})", route.service_arn, ports.join(", ")));
        }
        return t.fail("listener", detail, "refused", None);
    }
    if let Err(e) = security_groups(&mut t, view, source, (door.ip(), r.port)) {
        return *e;
    }
    if r.https {
        match handshake(&mut t, (view, door), r) {
            Err(e) => return *e,
            Ok(Some((route, listener))) => return explain_passthrough(t, snapshot, door, (route, listener), r, now),
            Ok(None) => {}
        }
    }
    let host_header = r.headers.iter().find(|(k, _)| k == "host").map_or(r.host, |(_, v)| v.as_str());
    let headers: Vec<(&str, &[u8])> = r.headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())).collect();
    let target =
        if r.raw_query.is_empty() { r.raw_path.to_string() } else { format!("{}?{}", r.raw_path, r.raw_query) };
    let head = route::Head {
        method: r.method,
        target: &target,
        host: host_header,
        sni: r.https.then_some(r.host),
        port: r.port,
        headers: &headers,
    };
    // The gates a policy trace refers to: the network's and (once admitted) the service's.
    let gates = (door.network_auth(), door.route(host_header).map(|route| &route.auth));
    let mut traces = Vec::new();
    let decision = route::decide(door, &snapshot.identities, &head, || now, &mut |req, g| {
        traces.push((g, policy_facts(gates, req, g)));
    });
    let admitted = match decision {
        route::Decision::Admitted(admitted) => admitted,
        route::Decision::NotAdmitted(refused) => {
            let status = refused.refusal().map(|(s, _)| s);
            let (step, detail) = match refused {
                Admission::NoListener(route) => {
                    let mut ports: Vec<u16> = route.listeners.keys().copied().collect();
                    ports.sort_unstable();
                    (
                        "listener",
                        format!("{} has no listener on port {} (listeners: {ports:?})", route.service_arn, r.port),
                    )
                }
                Admission::PlainToHttps(route) => (
                    "listener",
                    format!("port {} of {} is an HTTPS listener: plain HTTP is refused", r.port, route.service_arn),
                ),
                Admission::Misdirected(route) => (
                    "service",
                    format!(
                        "Host {host_header} is {}, not the service the TLS session was opened for ({})",
                        route.service_arn, r.host
                    ),
                ),
                _ => ("service", format!("Host {host_header} names no service {} reaches", view.vpc_id)),
            };
            return t.fail(step, detail, "answered", status);
        }
    };
    let (route, listener) = (admitted.route, admitted.listener);
    t.pass("service", format!("Host {host_header} is {}", route.service_arn));
    t.pass("listener", format!("{} listener {} on port {}", listener.protocol, listener.listener_arn, r.port));
    let auth = match &admitted.outcome {
        route::Outcome::MethodNotAllowed => {
            let detail = format!("{} is no tunnel: CONNECT gets 405", route.service_arn);
            return t.fail("method", detail, "answered", Some(405));
        }
        route::Outcome::Denied(denial, body) => Some((denial, body.as_str())),
        route::Outcome::Action { .. } => None,
    };
    if door.network_auth().iam || route.auth.iam {
        if let Err(e) = describe_auth(&mut t, admitted.caller.as_deref(), auth, traces) {
            return *e;
        }
    } else {
        t.pass("auth", "auth type NONE on the service network and the service: no authentication".into());
    }
    match admitted.outcome {
        route::Outcome::MethodNotAllowed => t.end("answered", Some(405), "CONNECT gets 405".into()),
        route::Outcome::Denied(_, body) => t.end("answered", Some(403), body),
        route::Outcome::Action { rule, action } => {
            let path = head.path();
            match rule {
                Some(rule) => t.pass(
                    "rule",
                    format!("rule {} (priority {}) matches {} {path}", rule.rule_arn, rule.priority, r.method),
                ),
                None => t.pass("rule", format!("no rule matches {} {path}: the default action", r.method)),
            }
            explain_action(t, action)
        }
    }
}

/// The TLS handshake, decided as the data plane's certificate resolver decides it: the server
/// name must be a service with an HTTPS listener on the port; a generated name gets a certificate
/// from the local CA, a custom domain name the service's own (Lattice has no default).
/// `Some` when the server name picks a TLS passthrough listener: the session is relayed untouched.
type Passthrough<'v> = Option<(&'v ServiceRoute, &'v ListenerRoute)>;

fn handshake<'v>(
    t: &mut Trace,
    (view, door): (&VpcView, Door<'v>),
    r: &HttpRequest<'_>,
) -> Result<Passthrough<'v>, Box<Explanation>> {
    let sni = r.host.to_ascii_lowercase();
    if let Some((route, listener)) = door.passthrough(&sni, r.port) {
        let detail = format!(
            "port {} of {} is a TLS passthrough listener: the session for {sni} is relayed to a target untouched",
            r.port, route.service_arn
        );
        t.pass("tls", detail);
        return Ok(Some((route.as_ref(), listener.as_ref())));
    }
    let fail = |t: &mut Trace, detail: String| {
        let detail = format!("{detail}: the TLS handshake fails");
        Box::new(std::mem::take(t).fail("tls", detail, "refused", None))
    };
    let Some(route) = door.route(&sni) else {
        return Err(fail(t, format!("no service {} reaches answers to the server name {sni}", view.vpc_id)));
    };
    if route.listeners.get(&r.port).is_none_or(|l| l.protocol != "HTTPS") {
        return Err(fail(t, format!("{} has no HTTPS listener on port {}", route.service_arn, r.port)));
    }
    if route.generated_name() == sni {
        t.pass("tls", format!("{sni} gets a certificate from the local CA (`lattice-local ca`)"));
        return Ok(None);
    }
    match &route.certificate {
        Some(cert) => {
            t.pass("tls", format!("the custom domain name {sni} gets the service's certificate {}", cert.arn));
            Ok(None)
        }
        None => Err(fail(
            t,
            format!(
                "{sni} is a custom domain name of {} and the service has no certificate_arn (Lattice has no default certificate)",
                route.service_arn
            ),
        )),
    }
}

/// A relayed TLS session: the policies (for an anonymous caller, as nothing inside is signed),
/// then the listener's target groups.
fn explain_passthrough(
    mut t: Trace,
    snapshot: &Snapshot,
    door: Door<'_>,
    (route, listener): (&ServiceRoute, &ListenerRoute),
    r: &HttpRequest<'_>,
    now: time::OffsetDateTime,
) -> Explanation {
    if door.network_auth().iam || route.auth.iam {
        let gates = (door.network_auth(), Some(&route.auth));
        let mut traces = Vec::new();
        let verdict = route::relayed(door, route, &snapshot.identities, r.port, || now, &mut |req, g| {
            traces.push((g, policy_facts(gates, req, g)));
        });
        let refused = verdict.refused.as_ref().map(|(d, body)| (d, body.as_str()));
        if let Err(e) = describe_auth(&mut t, verdict.caller.as_deref(), refused, traces) {
            // The data plane resets a refused session; it has no HTTP answer to give.
            let Explanation { steps, summary, .. } = *e;
            return Trace { steps }.end("refused", None, summary);
        }
    }
    explain_action(t, &listener.action)
}

/// Authentication then the network, service and identity policies, as [`route::decide`] saw
/// them: the caller, the refusal if any, and each policy evaluated with its facts.
fn describe_auth(
    t: &mut Trace,
    caller: Option<&auth::Identity>,
    refused: Option<(&auth::Denial, &str)>,
    traces: Vec<(GateTrace, Value)>,
) -> Result<(), Box<Explanation>> {
    if let Some((auth::Denial::Signature { code, message }, _)) = refused {
        let detail = format!("the signature is refused: {code}: {message}");
        return Err(Box::new(std::mem::take(t).fail("authentication", detail, "answered", Some(403))));
    }
    let who = caller.map_or("anonymous (unsigned)".to_string(), |c| format!("signed by {}", c.arn));
    t.pass("authentication", who);
    for (g, facts) in traces {
        let ok = g.decision == Some(Decision::Allow);
        let statement = g.statement.map(|i| format!("statement {i}")).unwrap_or_default();
        let detail = match g.decision {
            Some(Decision::Allow) => format!("the {} policy allows ({statement})", g.which.to_ascii_lowercase()),
            Some(Decision::Deny) => {
                format!("the {} policy denies explicitly ({statement})", g.which.to_ascii_lowercase())
            }
            Some(Decision::NotApplicable) => {
                format!("no statement of the {} policy allows", g.which.to_ascii_lowercase())
            }
            None if g.which == "Identity" => "the caller has no identity policy: nothing allows".into(),
            None => format!("AWS_IAM on the {} without an auth policy denies everything", g.which.to_ascii_lowercase()),
        };
        let hints: Vec<&str> = facts["hints"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let detail = if ok || hints.is_empty() { detail } else { format!("{detail}; {}", hints.join("; ")) };
        t.step(step_name(g.which), ok, detail, facts);
    }
    match refused {
        Some((_, body)) => Err(Box::new(std::mem::take(t).end("answered", Some(403), body.to_string()))),
        None => Ok(()),
    }
}

fn step_name(which: &str) -> &'static str {
    match which {
        "Network" => "network-policy",
        "Service" => "service-policy",
        _ => "identity-policy",
    }
}

/// The deciding statement and the condition keys it tests, with the request's values.
fn policy_facts((network, service): (&auth::Gate, Option<&auth::Gate>), req: &iam::Request, g: GateTrace) -> Value {
    let policy = match g.which {
        "Network" => network.policy.as_deref(),
        "Service" => service.and_then(|s| s.policy.as_deref()),
        _ => None,
    }
    .map(|p| &p.document);
    let statement = g.statement.and_then(|i| iam::statements(policy?).nth(i));
    // The deciding statement's keys; when none decided, the keys every statement tests.
    let tested: Vec<&Value> = match (statement, policy) {
        (Some(st), _) => vec![st],
        (None, Some(p)) => iam::statements(p).collect(),
        (None, None) => vec![],
    };
    let keys: serde_json::Map<String, Value> = tested
        .into_iter()
        .flat_map(iam::condition_keys)
        .map(|k| (k.to_string(), req.values(k).map_or(Value::Null, |v| json!(v))))
        .collect();
    json!({
        "principal": req.caller.arn,
        "resource": req.resource,
        "statement": statement,
        "conditionKeys": keys,
        "hints": policy.map(action_hints).unwrap_or_default(),
    })
}

/// Statements whose actions can never match a request to a service: VPC Lattice's control-plane
/// actions (`vpc-lattice:…`) where the data plane asks for `vpc-lattice-svcs:Invoke`.
fn action_hints(policy: &Value) -> Vec<String> {
    let mut hints = Vec::new();
    for (i, st) in iam::statements(policy).enumerate() {
        let actions: Vec<&str> = match st.get("Action") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        for a in actions.into_iter().filter(|a| a.to_ascii_lowercase().starts_with("vpc-lattice:")) {
            hints.push(format!(
                "statement {i}'s action {a} is a control-plane action: requests to a service are vpc-lattice-svcs:Invoke, so it never matches them"
            ));
        }
    }
    hints
}

/// What the listener's action does with the request: a fixed response, or its target groups.
fn explain_action(mut t: Trace, action: &RouteAction) -> Explanation {
    let forward = match action {
        RouteAction::Fixed { status } => {
            let detail = format!("a fixed response: {status}");
            t.step("action", *status < 400, detail.clone(), Value::Null);
            return t.end("answered", Some(*status), detail);
        }
        RouteAction::Forward(f) => f,
    };
    let total: usize = forward.groups.iter().map(|g| g.weight).sum();
    let mut served = Vec::new();
    let mut empty = Vec::new();
    let mut forbidden = Vec::new();
    let mut groups = Vec::new();
    for g in &forward.groups {
        let targets: Vec<Value> = g
            .targets
            .iter()
            .map(|s| {
                let status = if g.health_check.is_some() { s.health.get().as_str() } else { "UNAVAILABLE" };
                json!({ "address": s.addr.to_string(), "status": status, "lastConnection": s.health.seen().describe() })
            })
            .collect();
        groups.push(json!({
            "targetGroupArn": g.target_group_arn, "weight": g.weight, "targets": targets,
            "function": g.function.as_ref().map(|f| f.arn.clone()),
        }));
        if g.weight == 0 {
            continue;
        }
        if g.function.as_ref().is_some_and(|f| !f.permitted) {
            forbidden.push(g.function.as_ref().map_or("", |f| f.arn.as_str()));
        } else if g.function.is_some() || !g.targets.is_empty() {
            served.push(g);
        } else {
            empty.push(g.target_group_arn.as_str());
        }
    }
    let facts = json!({ "targetGroups": groups });
    if served.is_empty() && !forbidden.is_empty() {
        let detail = format!(
            "the resource policy of {} does not allow vpc-lattice.amazonaws.com to invoke it: 502",
            forbidden.join(", ")
        );
        t.step("targets", false, detail.clone(), facts);
        return t.end("answered", Some(502), detail);
    }
    if served.is_empty() {
        let detail = if total == 0 {
            "every target group has weight 0: 503".to_string()
        } else {
            format!("the target groups have no targets ({}): 503", empty.join(", "))
        };
        t.step("targets", false, detail.clone(), facts);
        return t.end("answered", Some(503), detail);
    }
    // What the data plane last saw connecting to the targets a request may reach (its health
    // checks' connections and its own requests): a group whose every such target failed gets
    // the client a 502 (504 when they time out), whatever routing decides.
    let failing: Vec<(&WeightedGroup, String, bool)> = served
        .iter()
        .filter(|g| g.function.is_none())
        .filter_map(|g| {
            let reach = reachable(g);
            let all_fail = !reach.is_empty() && reach.iter().all(|t| t.health.seen().failed());
            all_fail.then(|| {
                let why: Vec<String> =
                    reach.iter().map(|t| format!("{} {}", t.addr, t.health.seen().describe())).collect();
                let timed_out = reach.iter().all(|t| t.health.seen() == Seen::TimedOut);
                (*g, why.join(", "), timed_out)
            })
        })
        .collect();
    if failing.len() == served.len() {
        let status = if failing.iter().all(|(_, _, timed_out)| *timed_out) { 504 } else { 502 };
        let why: Vec<&str> = failing.iter().map(|(_, why, _)| why.as_str()).collect();
        let detail = format!("the target {} (as the data plane last saw it): {status}", why.join("; the target "));
        t.step("targets", false, detail.clone(), facts);
        return t.end("answered", Some(status), detail);
    }
    let mut parts = Vec::new();
    for g in &served {
        let share = format!("{}/{total}", g.weight);
        match &g.function {
            Some(f) => parts.push(format!("{} ({share}): function {}", g.target_group_arn, f.arn)),
            None => {
                let healthy = g.targets.iter().filter(|s| s.health.get() == Status::Healthy).count();
                let note = match (&g.health_check, healthy) {
                    (None, _) => "health checks off: every target takes traffic".to_string(),
                    (Some(_), 0) => "no target is healthy: fail-open, every target takes traffic".to_string(),
                    (Some(_), n) => format!("{n} of {} targets healthy", g.targets.len()),
                };
                let addrs: Vec<String> = g.targets.iter().map(|s| s.addr.to_string()).collect();
                parts.push(format!("{} ({share}): {} — {note}", g.target_group_arn, addrs.join(", ")));
            }
        }
    }
    let mut detail = format!("forwarded to {}", parts.join("; "));
    if !empty.is_empty() {
        detail.push_str(&format!("; requests that fall to {} get 503 (no targets)", empty.join(", ")));
    }
    if !forbidden.is_empty() {
        detail.push_str(&format!(
            "; requests that fall to {} get 502 (VPC Lattice may not invoke it)",
            forbidden.join(", ")
        ));
    }
    for (g, why, timed_out) in &failing {
        let status = if *timed_out { 504 } else { 502 };
        detail.push_str(&format!("; requests that fall to {} get {status} (the target {why})", g.target_group_arn));
    }
    t.step("targets", true, detail.clone(), facts);
    t.end("forwarded", None, detail)
}

/// The targets of `g` a request may reach: the healthy ones, or every one when health checks
/// are off or none is healthy (fail-open), as [`ForwardAction::pick`] chooses.
fn reachable(g: &WeightedGroup) -> Vec<&TargetSlot> {
    let healthy: Vec<&TargetSlot> = g.targets.iter().filter(|t| t.health.get() == Status::Healthy).collect();
    if g.health_check.is_none() || healthy.is_empty() {
        g.targets.iter().collect()
    } else {
        healthy
    }
}
