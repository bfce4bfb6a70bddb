//! The HTTP proxy on a VPC's service-network address: routes by Host to the service's listener
//! on this port, then forwards to a target (pooled keep-alive connections) or answers the
//! fixed response. Adds the headers Lattice adds and strips the ones clients may not set.

use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HOST;
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;

use lattice_model::auth::{self, Denial, Identity};
use lattice_model::route;
use lattice_model::snapshot::{Door, RouteAction, ServiceRoute, VpcView};
use lattice_model::Snapshot;
use tokio::sync::watch;

use crate::access_log::{key, str_key, JsonLine};
use crate::tls::TlsInfo;
use crate::Served;

pub(crate) type ProxyBody = BoxBody<Bytes, hyper::Error>;

pub(crate) fn plain(status: StatusCode, body: impl Into<Bytes>) -> Response<ProxyBody> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(Full::new(body.into()).map_err(|never| match never {}).boxed())
        .unwrap_or_default()
}

/// Everything one listening socket needs to answer requests.
pub(crate) struct Listener {
    /// The VPC's key in the snapshot (`account:id`).
    pub vpc: String,
    /// The address of the VPC block this socket serves (in a namespace, reached link-local).
    pub ip: Ipv4Addr,
    /// The listener port clients address (the socket may be offset).
    pub port: u16,
    pub served: watch::Receiver<Served>,
    pub client: crate::upstream::Upstreams,
    pub access_log: crate::access_log::AccessLog,
    /// How functions are reached (a URL, a command, or a worker running the zip's handler).
    pub functions: crate::lambda::Functions,
    /// TLS for HTTPS listeners on this port (connections are told apart by their first byte).
    pub tls: tokio_rustls::TlsAcceptor,
    /// Where accepted connections run.
    pub workers: Arc<crate::workers::Workers>,
}

/// The parts of a request that routing, auth and access logs read, whichever HTTP stack
/// parsed it: hyper (HTTP/2 and handed-over connections) or the HTTP/1.1 fast path.
pub(crate) struct Head<'a> {
    pub method: &'a str,
    /// The request target: path and query, `/` when absent.
    pub target: &'a str,
    pub version: hyper::Version,
    /// The name the request addresses: its Host header, or (HTTP/2, absolute form) the URI's
    /// authority.
    pub host: &'a str,
    /// Header names as sent (HTTP/1 keeps their case) and raw values.
    pub headers: Vec<(&'a str, &'a [u8])>,
}

impl<'a> Head<'a> {
    pub(crate) fn of_hyper(req: &'a Request<Incoming>) -> Self {
        let host = req
            .headers()
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .unwrap_or_default();
        Self {
            method: req.method().as_str(),
            target: req.uri().path_and_query().map_or("/", |p| p.as_str()),
            version: req.version(),
            host,
            headers: req.headers().iter().map(|(k, v)| (k.as_str(), v.as_bytes())).collect(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| std::str::from_utf8(v).ok())
    }
}

/// What routing decided for a request that reached a service, borrowed from the snapshot it
/// was routed on: the view and service the target headers, Lambda events and access logs name,
/// the caller, and (only when someone subscribed) what to log.
pub(crate) struct Routed<'s> {
    pub(crate) view: &'s VpcView,
    /// The association or `ServiceNetwork` endpoint the request came through.
    pub(crate) door: Door<'s>,
    pub(crate) route: &'s ServiceRoute,
    /// The counters of the listener that decided (the service's and the target's are in
    /// `route` and `slot`).
    pub(crate) listener_traffic: &'s lattice_runtime::traffic::Counters,
    /// The web UI's tail of records.
    pub(crate) tail: &'s lattice_runtime::traffic::Tail,
    pub(crate) target_group_arn: Option<&'s str>,
    pub(crate) target: Option<SocketAddr>,
    /// The picked target's cell, where the request counts while it is on its way.
    pub(crate) slot: Option<&'s Arc<lattice_runtime::health::Slot>>,
    /// The authenticated caller (signed requests to `AWS_IAM` services).
    pub(crate) caller: Option<Arc<Identity>>,
    pub(crate) denial: Option<Denial>,
    /// Why the target gave no answer (the access log's `failureReason`).
    pub(crate) failure: Option<&'static str>,
    pub(crate) log: Option<LogFields<'s>>,
}

impl Routed<'_> {
    /// Counts the request, answered with `status`, in its service's, listener's and target's
    /// counters (what the web UI shows).
    pub(crate) fn count(&self, status: u16, elapsed: std::time::Duration) {
        self.route.traffic.record(status, elapsed);
        self.listener_traffic.record(status, elapsed);
        if let Some(slot) = self.slot {
            slot.traffic.record(status, elapsed);
        }
    }

    /// Records what the exchange with the picked target showed, in its cell (which `explain`
    /// reads) and for the access log.
    pub(crate) fn saw(&mut self, seen: lattice_runtime::health::Seen) {
        if let Some(slot) = self.slot {
            slot.saw(seen);
        }
        if seen.failed() {
            self.failure = Some(seen.failure_reason());
        }
    }

    pub(crate) fn service_network_arn(&self) -> &str {
        self.door.service_network_arn().unwrap_or_default()
    }
}

/// The request's side of an access-log record, captured only when it will be written.
pub(crate) struct LogFields<'s> {
    destinations: crate::access_log::Destinations,
    /// Whether the record goes to the destinations (someone subscribed) and to the web UI's tail.
    subscribed: bool,
    tail: bool,
    listener_id: &'s str,
    protocol: &'static str,
    /// The request's method, target, host, user agent and content length, one after another
    /// (one allocation instead of five).
    text: String,
    /// Where each of them is in `text` (indexed by [`LogFields::METHOD`] …); `None` for a
    /// header the request did not have.
    spans: [Option<(usize, usize)>; 5],
}

impl<'s> LogFields<'s> {
    const METHOD: usize = 0;
    const TARGET: usize = 1;
    const HOST: usize = 2;
    const USER_AGENT: usize = 3;
    const CONTENT_LENGTH: usize = 4;

    fn capture(
        (destinations, subscribed, tail): (crate::access_log::Destinations, bool, bool),
        listener_id: &'s str,
        head: &Head<'_>,
    ) -> Self {
        // In the order of the indices above.
        let values =
            [Some(head.method), Some(head.target), Some(head.host), head.get("user-agent"), head.get("content-length")];
        let mut text = String::with_capacity(values.iter().flatten().map(|v| v.len()).sum());
        let spans = values.map(|v| {
            v.map(|v| {
                text.push_str(v);
                (text.len() - v.len(), text.len())
            })
        });
        Self {
            destinations,
            subscribed,
            tail,
            listener_id,
            protocol: match head.version {
                hyper::Version::HTTP_2 => "HTTP/2.0",
                hyper::Version::HTTP_10 => "HTTP/1.0",
                _ => "HTTP/1.1",
            },
            text,
            spans,
        }
    }

    /// The captured value `i` ([`LogFields::METHOD`] …), `-` when absent or empty.
    fn value(&self, i: usize) -> &str {
        match self.spans[i] {
            Some((from, to)) if to > from => &self.text[from..to],
            _ => "-",
        }
    }
}

/// The length of a response, as its access-log record shows it.
pub(crate) enum Sent<'a> {
    Count(u64),
    /// A `Content-Length` header's value.
    Header(&'a str),
    Unknown,
}

/// Writes the access-log record of a request that reached a service, once its response's
/// status and length are known.
pub(crate) fn write_log(
    listener: &Listener,
    routed: &Routed<'_>,
    (peer, tls): (SocketAddr, Option<&TlsInfo>),
    (status, bytes_sent): (u16, Sent<'_>),
    took: std::time::Duration,
) {
    let Some(log) = &routed.log else { return };
    // The wall time the record shows is read here, less the request's duration: a request that
    // writes no record reads no wall clock.
    let now = std::time::SystemTime::now();
    let start = now.checked_sub(took).unwrap_or(now);
    let elapsed = took.as_millis() as u64;
    let caller = routed.caller.as_deref();
    thread_local! {
        /// Each thread writes its records in one buffer, kept between records.
        static LINE: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(1536));
    }
    LINE.with_borrow_mut(|line| {
        let mut r = JsonLine::new(line, str_key!("startTime"), start);
        r.str(str_key!("serviceNetworkArn"), routed.service_network_arn());
        r.str(str_key!("serviceArn"), &routed.route.service_arn);
        r.str(str_key!("targetGroupArn"), routed.target_group_arn.unwrap_or("-"));
        r.str(str_key!("sourceVpcArn"), &routed.view.vpc_arn);
        r.str(str_key!("sourceVpcId"), &routed.view.vpc_id);
        r.raw(concat!(str_key!("destinationVpcId"), "-\""));
        r.addr(str_key!("sourceIpPort"), peer);
        match routed.target {
            Some(target) => r.addr(str_key!("targetIpPort"), target),
            None => r.raw(concat!(str_key!("targetIpPort"), "-\"")),
        }
        r.str(str_key!("listenerType"), if tls.is_some() { "HTTPS" } else { "HTTP" });
        r.str(str_key!("listenerId"), log.listener_id);
        r.str(str_key!("protocol"), log.protocol);
        r.str(str_key!("requestMethod"), log.value(LogFields::METHOD));
        r.str(str_key!("requestPath"), log.value(LogFields::TARGET));
        r.num(key!("responseCode"), u64::from(status));
        r.str(str_key!("bytesReceived"), log.value(LogFields::CONTENT_LENGTH));
        match bytes_sent {
            Sent::Count(n) => r.num_str(str_key!("bytesSent"), n),
            Sent::Header(text) => r.str(str_key!("bytesSent"), text),
            Sent::Unknown => r.raw(concat!(str_key!("bytesSent"), "-\"")),
        }
        r.num(key!("duration"), elapsed);
        r.raw(concat!(str_key!("requestToTargetDuration"), "-\""));
        match routed.target {
            Some(_) => r.num_str(str_key!("responseFromTargetDuration"), elapsed),
            None => r.raw(concat!(str_key!("responseFromTargetDuration"), "-\"")),
        }
        r.str(str_key!("userAgent"), log.value(LogFields::USER_AGENT));
        r.str(str_key!("hostHeader"), log.value(LogFields::HOST));
        match tls {
            Some(t) => {
                r.str(str_key!("serverNameIndication"), &t.sni);
                r.str(str_key!("sslCipher"), &t.cipher);
                r.str(str_key!("tlsVersion"), &t.version);
            }
            None => r.raw(concat!(
                str_key!("serverNameIndication"),
                "-\"",
                str_key!("sslCipher"),
                "-\"",
                str_key!("tlsVersion"),
                "-\""
            )),
        }
        r.str(str_key!("authDeniedReason"), routed.denial.as_ref().map_or("-", Denial::reason));
        let failure = if routed.denial.is_some() { Some("ClientAccessDenied") } else { routed.failure };
        r.str(str_key!("failureReason"), failure.unwrap_or("-"));
        r.str(str_key!("resolvedUser"), caller.map_or("-", |c| c.principal_arn.as_str()));
        r.str(str_key!("callerPrincipal"), caller.map_or("-", |c| c.arn.as_str()));
        r.str(str_key!("callerPrincipalOrgID"), caller.and_then(|c| c.org_id.as_deref()).unwrap_or("-"));
        // Lattice fills these for mutual-TLS clients, which local listeners do not ask for.
        r.raw(concat!(
            str_key!("callerX509IssuerOU"),
            "-\"",
            str_key!("callerX509SubjectCN"),
            "-\"",
            str_key!("callerX509SANNameCN"),
            "-\"",
            str_key!("callerX509SANDNS"),
            "-\"",
            str_key!("callerX509SANURI"),
            "-\""
        ));
        let line = r.finish();
        if log.tail {
            routed.tail.push(line);
        }
        if log.subscribed {
            listener.access_log.record(log.destinations.clone(), line);
        }
    });
}

/// What a request gets once routing and auth have spoken.
pub(crate) enum Verdict {
    /// No service answers it here (or the listener refuses it): status and body.
    Refused(StatusCode, &'static str),
    Fixed(StatusCode),
    Denied(String),
    Unavailable,
    Function(Arc<lattice_model::snapshot::FunctionTarget>),
    /// A target's address and (TLS, HTTP/2) toward it.
    Target(SocketAddr, (bool, bool)),
}

/// Routes one request on `snapshot` through [`route::decide`], the decision `explain` reports:
/// the verdict, and what routing decided (requests that reach no service are not logged, as in
/// Lattice).
pub(crate) fn decide<'s>(
    listener: &Listener,
    snapshot: &'s Snapshot,
    head: &Head<'_>,
    tls: Option<&TlsInfo>,
) -> (Verdict, Option<Routed<'s>>) {
    let not_found = || (Verdict::Refused(StatusCode::NOT_FOUND, "Not Found\n"), None);
    let Some(view) = snapshot.vpcs.get(&listener.vpc) else { return not_found() };
    let Some(door) = view.door(listener.ip) else { return not_found() };
    let facts = route::Head {
        method: head.method,
        target: head.target,
        host: head.host,
        sni: tls.map(|t| t.sni.as_str()),
        port: listener.port,
        headers: &head.headers,
    };
    let admitted =
        match route::decide(door, &snapshot.identities, &facts, time::OffsetDateTime::now_utc, &mut |_, _| {}) {
            route::Decision::Admitted(admitted) => admitted,
            route::Decision::NotAdmitted(refused) => {
                let (status, body) = refused.refusal().unwrap_or((404, "Not Found\n"));
                return (Verdict::Refused(StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND), body), None);
            }
        };
    let route = admitted.route;
    let network_logs = door.network_log_destinations().filter(|d| !d.is_empty());
    let subscribed = !route.log_destinations.is_empty() || network_logs.is_some();
    // The web UI's tail wants a few records while it is open, subscribed or not.
    let tail = snapshot.health.traffic.tail.wants_one();
    let log = (subscribed || tail).then(|| {
        let destinations = [Some(route.log_destinations.clone()), network_logs.cloned()];
        LogFields::capture((destinations, subscribed, tail), &admitted.listener.listener_id, head)
    });
    let mut routed = Routed {
        view,
        door,
        route,
        listener_traffic: &admitted.listener.traffic,
        tail: &snapshot.health.traffic.tail,
        target_group_arn: None,
        target: None,
        slot: None,
        caller: admitted.caller,
        denial: None,
        failure: None,
        log,
    };
    let verdict = match admitted.outcome {
        route::Outcome::MethodNotAllowed => Verdict::Refused(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n"),
        route::Outcome::Denied(denial, body) => {
            routed.denial = Some(denial);
            Verdict::Denied(body)
        }
        route::Outcome::Action { action: RouteAction::Fixed { status }, .. } => {
            Verdict::Fixed(StatusCode::from_u16(*status).unwrap_or(StatusCode::NOT_FOUND))
        }
        route::Outcome::Action { action: RouteAction::Forward(fwd), .. } => match fwd.pick() {
            None => Verdict::Unavailable,
            Some(pick) => {
                routed.target_group_arn = Some(pick.target_group_arn);
                match pick.function {
                    Some(f) => Verdict::Function(f.clone()),
                    None => {
                        routed.target = Some(pick.addr);
                        routed.slot = pick.slot;
                        Verdict::Target(pick.addr, pick.protocol)
                    }
                }
            }
        },
    };
    (verdict, Some(routed))
}

/// The answer to a verdict that needs no target: status, content type and body.
pub(crate) fn local_answer(verdict: &Verdict) -> Option<(StatusCode, &str)> {
    match verdict {
        Verdict::Refused(status, body) => Some((*status, body)),
        Verdict::Fixed(status) => Some((*status, "")),
        Verdict::Denied(body) => Some((StatusCode::FORBIDDEN, body)),
        Verdict::Unavailable => Some((StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable\n")),
        Verdict::Function(_) | Verdict::Target(..) => None,
    }
}

/// Headers Lattice sets on requests toward targets (Lattice's own and the forwarding headers):
/// a client's copies are removed.
pub(crate) const LATTICE_SET: [&str; 7] = [
    "x-amzn-lattice-identity",
    "x-amzn-lattice-network",
    "x-amzn-lattice-target",
    "x-amzn-source-vpc",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
];

/// HTTP/1 hop-by-hop request headers, not forwarded by the fast path (hyper manages its own).
pub(crate) const HOP_BY_HOP: [&str; 5] = ["connection", "keep-alive", "proxy-connection", "te", "upgrade"];

/// Calls `set` with each header Lattice adds to a request toward a target, in order, its value
/// in pieces to be joined (written where they go, without the formatting machinery);
/// `prior_forwarded_for` is the client's own `x-forwarded-for`, which Lattice extends.
pub(crate) fn each_lattice_header(
    listener: &Listener,
    routed: &Routed<'_>,
    (peer, secure): (SocketAddr, bool),
    prior_forwarded_for: Option<&str>,
    mut set: impl FnMut(&'static str, Value<'_>),
) {
    let peer_ip = crate::text::address(peer.ip());
    match prior_forwarded_for {
        Some(prior) => set("x-forwarded-for", Value::Pieces(&[prior.as_bytes(), b", ", peer_ip.as_bytes()])),
        None => set("x-forwarded-for", Value::Pieces(&[peer_ip.as_bytes()])),
    }
    set(
        "x-amzn-lattice-target",
        Value::Pieces(&[
            b"ServiceArn=",
            routed.route.service_arn.as_bytes(),
            b"; ServiceNetworkArn=",
            routed.service_network_arn().as_bytes(),
            b"; TargetGroupArn=",
            routed.target_group_arn.unwrap_or_default().as_bytes(),
        ]),
    );
    set("x-amzn-lattice-network", Value::Pieces(&[b"SourceVpcArn=", routed.view.vpc_arn.as_bytes()]));
    if let Some(caller) = &routed.caller {
        set("x-amzn-lattice-identity", Value::Identity(caller));
    }
    set("x-forwarded-port", Value::Pieces(&[crate::text::decimal(u64::from(listener.port)).as_bytes()]));
    set("x-forwarded-proto", Value::Pieces(&[if secure { b"https" } else { b"http" }]));
    set("x-amzn-source-vpc", Value::Pieces(&[routed.view.vpc_id.as_bytes()]));
}

/// The value of a header Lattice adds, in pieces to be joined.
pub(crate) enum Value<'a> {
    Pieces(&'a [&'a [u8]]),
    Identity(&'a Identity),
}

impl Value<'_> {
    /// Calls `f` with each piece, in order.
    pub(crate) fn each(&self, mut f: impl FnMut(&[u8])) {
        match self {
            Value::Pieces(pieces) => pieces.iter().for_each(|piece| f(piece)),
            Value::Identity(caller) => auth::identity_header(caller).pieces(|piece| f(piece.as_bytes())),
        }
    }
}
