//! The HTTP proxy on a VPC's service-network address: routes by Host to the service's listener
//! on this port, then forwards to a target (pooled keep-alive connections) or answers the
//! fixed response. Adds the headers Lattice adds and strips the ones clients may not set.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::task::Poll;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderName, HeaderValue, HOST};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::Arc;

use lattice_model::auth::{self, Denial, Identities, Identity};
use lattice_model::health::InFlight;
use lattice_model::snapshot::{Admission, Door, RouteAction, ServiceRoute, VpcView};
use lattice_model::Snapshot;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::access_log::JsonLine;
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
    pub vpc_id: String,
    /// The address of the VPC block this socket serves (in a namespace, reached link-local).
    pub ip: Ipv4Addr,
    /// The listener port clients address (the socket may be offset).
    pub port: u16,
    pub served: watch::Receiver<Served>,
    pub client: crate::upstream::Upstreams,
    pub access_log: crate::access_log::AccessLog,
    /// Client for functions served at a URL.
    pub functions: reqwest::Client,
    /// TLS for HTTPS listeners on this port (connections are told apart by their first byte).
    pub tls: tokio_rustls::TlsAcceptor,
    /// Where accepted connections run.
    pub workers: Arc<crate::workers::Workers>,
}

pub(crate) async fn serve(socket: TcpListener, listener: Listener) {
    let listener = Arc::new(listener);
    loop {
        let (stream, peer) = match socket.accept().await {
            Ok((stream, peer)) => (stream, lattice_model::snapshot::client_address(peer, listener.ip)),
            Err(e) => {
                tracing::debug!(error = %e, "proxy accept failed");
                continue;
            }
        };
        if !crate::admitted(&listener.served, &listener.vpc_id, peer, (listener.ip, listener.port)) {
            let _ = stream.set_zero_linger();
            continue;
        }
        let _ = stream.set_nodelay(true);
        let conn = listener.clone();
        let served = listener.workers.spawn(stream, move |stream| async move {
            let listener = conn;
            // A TLS ClientHello starts with a handshake record (0x16); HTTP never does.
            let mut first = [0u8; 1];
            let is_tls = matches!(stream.peek(&mut first).await, Ok(1) if first[0] == 0x16);
            if is_tls {
                match crate::passthrough::route(&listener, &stream).await {
                    crate::passthrough::Route::Terminate => {}
                    crate::passthrough::Route::Relay(to, slot) => {
                        return crate::passthrough::relay(stream, to, slot).await
                    }
                    crate::passthrough::Route::Refuse => {
                        let _ = stream.set_zero_linger();
                        return;
                    }
                }
                let stream = match listener.tls.accept(stream).await {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::debug!(error = %e, %peer, "TLS handshake failed");
                        return;
                    }
                };
                let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                let info = Some(Arc::new(TlsInfo::of(stream.get_ref().1)));
                if h2 {
                    let idle = idle_timeout(&listener, info.as_ref().map_or("", |t| t.sni.as_str()));
                    let stream = crate::idle::IdleTimeout::new(stream, idle);
                    serve_connection(listener, TokioIo::new(stream), peer, info).await;
                } else {
                    crate::h1::serve(listener, stream, peer, info).await;
                }
            } else {
                crate::h1::serve(listener, stream, peer, None).await;
            }
        });
        if let Err(e) = served {
            tracing::debug!(error = %e, %peer, "connection dropped");
        }
    }
}

/// How long a client connection to `host` at this listener may idle: its service's idle
/// timeout, or [`crate::h1::IDLE`] when the name is no service here.
pub(crate) fn idle_timeout(listener: &Listener, host: &str) -> std::time::Duration {
    let served = listener.served.borrow();
    let door = served.snapshot.vpcs.get(&listener.vpc_id).and_then(|view| view.door(listener.ip));
    match door.map(|door| door.admit(host, listener.port, Some(host))) {
        Some(Admission::Admitted(route, _)) => route.idle_timeout,
        _ => crate::h1::IDLE,
    }
}

/// Serves a connection with hyper: HTTP/2, and HTTP/1 connections the fast path hands over
/// (the caller bounds its idle time, [`crate::idle::IdleTimeout`]).
pub(crate) async fn serve_connection<IO>(listener: Arc<Listener>, io: IO, peer: SocketAddr, tls: Option<Arc<TlsInfo>>)
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let listener = listener.clone();
        let tls = tls.clone();
        async move { Ok::<_, Infallible>(handle(&listener, req, peer, tls.as_deref()).await) }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    if let Err(e) = builder.serve_connection(io, service).await {
        tracing::debug!(error = %e, %peer, "proxy connection ended");
    }
}

/// A LAMBDA target: the request as a Lattice event to the local function, its answer back.
async fn invoke_function(
    listener: &Listener,
    req: Request<Incoming>,
    function: &lattice_model::snapshot::FunctionTarget,
    routed: &Routed<'_>,
) -> Response<ProxyBody> {
    let (parts, body) = req.into_parts();
    let Ok(body) = http_body_util::Limited::new(body, crate::lambda::MAX_BODY).collect().await.map(|b| b.to_bytes())
    else {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large\n");
    };
    let ctx = crate::lambda::EventContext {
        service_network_arn: routed.service_network_arn(),
        service_arn: &routed.route.service_arn,
        target_group_arn: routed.target_group_arn.unwrap_or_default(),
        source_vpc_arn: &routed.view.vpc_arn,
        region: &routed.view.region,
        caller: routed.caller.as_deref(),
    };
    let event = crate::lambda::event(&function.event_version, &parts, &body, &ctx);
    let answer = crate::lambda::invoke(function, &event, &listener.functions).await;
    match answer.and_then(|a| crate::lambda::response(&a)) {
        Ok(answer) => {
            let mut builder = Response::builder().status(answer.status);
            for (k, v) in answer.headers {
                builder = builder.header(k, v);
            }
            builder.body(Full::new(answer.body).map_err(|never| match never {}).boxed()).unwrap_or_default()
        }
        Err(e) => {
            tracing::warn!(function = %function.arn, error = %e, "function invocation failed");
            plain(StatusCode::BAD_GATEWAY, "Bad Gateway\n")
        }
    }
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
    fn of_hyper(req: &'a Request<Incoming>) -> Self {
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

    /// Every value of a header, by name in any case; values that are not UTF-8 are skipped.
    pub(crate) fn all(&self, name: &str) -> Vec<&'a str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .filter_map(|(_, v)| std::str::from_utf8(v).ok())
            .collect()
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    fn path(&self) -> &'a str {
        self.target.split_once('?').map_or(self.target, |(p, _)| p)
    }

    fn query(&self) -> &'a str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

/// What routing decided for a request that reached a service, borrowed from the snapshot it
/// was routed on: the view and service the target headers, Lambda events and access logs name,
/// the caller, and (only when someone subscribed) what to log.
pub(crate) struct Routed<'s> {
    view: &'s VpcView,
    /// The association or `ServiceNetwork` endpoint the request came through.
    door: Door<'s>,
    pub(crate) route: &'s ServiceRoute,
    target_group_arn: Option<&'s str>,
    target: Option<SocketAddr>,
    /// The picked target's cell, where the request counts while it is on its way.
    pub(crate) slot: Option<&'s Arc<lattice_model::health::Slot>>,
    /// The authenticated caller (signed requests to `AWS_IAM` services).
    caller: Option<Arc<Identity>>,
    denial: Option<Denial>,
    pub(crate) log: Option<LogFields<'s>>,
}

impl Routed<'_> {
    fn service_network_arn(&self) -> &str {
        self.door.service_network_arn().unwrap_or_default()
    }
}

/// The request's side of an access-log record, captured only when it will be written.
pub(crate) struct LogFields<'s> {
    destinations: crate::access_log::Destinations,
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

    fn capture(destinations: crate::access_log::Destinations, listener_arn: &'s str, head: &Head<'_>) -> Self {
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
            listener_id: listener_arn.rsplit('/').next().unwrap_or_default(),
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

/// When a request started: the clock for its duration and the wall time its record shows.
#[derive(Clone, Copy)]
pub(crate) struct Started(std::time::Instant, std::time::SystemTime);

impl Started {
    pub(crate) fn now() -> Self {
        Self(std::time::Instant::now(), std::time::SystemTime::now())
    }
}

/// Writes the access-log record of a request that reached a service, once its response's
/// status and length are known.
pub(crate) fn write_log(
    listener: &Listener,
    routed: &Routed<'_>,
    (peer, tls): (SocketAddr, Option<&TlsInfo>),
    (status, bytes_sent): (u16, Option<&str>),
    started: Started,
) {
    let Some(log) = &routed.log else { return };
    let elapsed = started.0.elapsed().as_millis() as u64;
    let caller = routed.caller.as_deref();
    thread_local! {
        /// Each thread writes its records in one buffer, kept between records.
        static LINE: std::cell::RefCell<String> = std::cell::RefCell::new(String::with_capacity(1536));
    }
    LINE.with_borrow_mut(|line| {
        let mut r = JsonLine::new(line);
        r.str("startTime", &lattice_api::rfc3339(started.1));
        r.str("serviceNetworkArn", routed.service_network_arn());
        r.str("serviceArn", &routed.route.service_arn);
        r.str("targetGroupArn", routed.target_group_arn.unwrap_or("-"));
        r.str("sourceVpcArn", &routed.view.vpc_arn);
        r.str("sourceVpcId", &listener.vpc_id);
        r.str("destinationVpcId", "-");
        r.shown("sourceIpPort", peer);
        match routed.target {
            Some(target) => r.shown("targetIpPort", target),
            None => r.str("targetIpPort", "-"),
        }
        r.str("listenerType", if tls.is_some() { "HTTPS" } else { "HTTP" });
        r.str("listenerId", log.listener_id);
        r.str("protocol", log.protocol);
        r.str("requestMethod", log.value(LogFields::METHOD));
        r.str("requestPath", log.value(LogFields::TARGET));
        r.num("responseCode", u64::from(status));
        r.str("bytesReceived", log.value(LogFields::CONTENT_LENGTH));
        r.str("bytesSent", bytes_sent.unwrap_or("-"));
        r.num("duration", elapsed);
        r.str("requestToTargetDuration", "-");
        match routed.target {
            Some(_) => r.shown("responseFromTargetDuration", elapsed),
            None => r.str("responseFromTargetDuration", "-"),
        }
        r.str("userAgent", log.value(LogFields::USER_AGENT));
        r.str("hostHeader", log.value(LogFields::HOST));
        r.str("serverNameIndication", tls.map_or("-", |t| t.sni.as_str()));
        r.str("sslCipher", tls.map_or("-", |t| t.cipher.as_str()));
        r.str("tlsVersion", tls.map_or("-", |t| t.version.as_str()));
        r.str("authDeniedReason", routed.denial.as_ref().map_or("-", Denial::reason));
        r.str("failureReason", if routed.denial.is_some() { "ClientAccessDenied" } else { "-" });
        r.str("resolvedUser", caller.map_or("-", |c| c.principal_arn.as_str()));
        r.str("callerPrincipal", caller.map_or("-", |c| c.arn.as_str()));
        r.str("callerPrincipalOrgID", caller.and_then(|c| c.org_id.as_deref()).unwrap_or("-"));
        for name in
            ["callerX509IssuerOU", "callerX509SubjectCN", "callerX509SANNameCN", "callerX509SANDNS", "callerX509SANURI"]
        {
            r.str(name, "-");
        }
        listener.access_log.record(log.destinations.clone(), r.finish());
    });
}

async fn handle(
    listener: &Listener,
    req: Request<Incoming>,
    peer: SocketAddr,
    tls: Option<&TlsInfo>,
) -> Response<ProxyBody> {
    let started = Started::now();
    // The request is decided on, and its record written from, one snapshot.
    let snapshot = listener.served.borrow().snapshot.clone();
    let (response, routed) = route(listener, &snapshot, req, peer, tls).await;
    if let Some(routed) = routed {
        let length = response.headers().get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
        write_log(listener, &routed, (peer, tls), (response.status().as_u16(), length), started);
    }
    response
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

/// Authenticates and authorizes a request to a service whose network or service uses
/// `AWS_IAM`.
fn check_auth(
    door: Door<'_>,
    route: &ServiceRoute,
    identities: &Identities,
    head: &Head<'_>,
    port: u16,
) -> auth::Verdict {
    // Names are compared in lower case; values that are not UTF-8 cannot take part in a
    // signature or a condition: they read empty.
    let headers: Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> = head
        .headers
        .iter()
        .map(|(k, v)| {
            let name = if k.bytes().any(|b| b.is_ascii_uppercase()) {
                std::borrow::Cow::Owned(k.to_ascii_lowercase())
            } else {
                std::borrow::Cow::Borrowed(*k)
            };
            (name, std::borrow::Cow::Borrowed(std::str::from_utf8(v).unwrap_or_default()))
        })
        .collect();
    let facts = auth::RequestFacts {
        method: head.method,
        raw_path: head.path(),
        raw_query: head.query(),
        headers: &headers,
        port,
    };
    let to = door.destination(route);
    auth::check(identities, (door.network_auth(), &route.auth), &facts, &to, time::OffsetDateTime::now_utc())
}

/// Routes one request on `snapshot`: the verdict, and what routing decided (requests that
/// reach no service are not logged, as in Lattice).
pub(crate) fn decide<'s>(
    listener: &Listener,
    snapshot: &'s Snapshot,
    head: &Head<'_>,
    tls: Option<&TlsInfo>,
) -> (Verdict, Option<Routed<'s>>) {
    let not_found = || (Verdict::Refused(StatusCode::NOT_FOUND, "Not Found\n"), None);
    let Some(view) = snapshot.vpcs.get(&listener.vpc_id) else { return not_found() };
    let Some(door) = view.door(listener.ip) else { return not_found() };
    let (route, lr) = match door.admit(head.host, listener.port, tls.map(|t| t.sni.as_str())) {
        Admission::Admitted(route, lr) => (route, lr),
        refused => {
            let (status, body) = refused.refusal().unwrap_or((404, "Not Found\n"));
            return (Verdict::Refused(StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND), body), None);
        }
    };
    let network_logs = door.network_log_destinations().filter(|d| !d.is_empty());
    let log = (!route.log_destinations.is_empty() || network_logs.is_some()).then(|| {
        let destinations = [Some(route.log_destinations.clone()), network_logs.cloned()];
        LogFields::capture(destinations, &lr.listener_arn, head)
    });
    let mut routed =
        Routed { view, door, route, target_group_arn: None, target: None, slot: None, caller: None, denial: None, log };
    // A service is no tunnel: Lattice answers CONNECT itself, never forwarding it to a target.
    if head.method.eq_ignore_ascii_case("CONNECT") {
        return (Verdict::Refused(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n"), Some(routed));
    }
    if door.network_auth().iam || route.auth.iam {
        let verdict = check_auth(door, route, &snapshot.identities, head, listener.port);
        routed.caller = verdict.caller;
        if let Some((denial, body)) = verdict.refused {
            routed.denial = Some(denial);
            return (Verdict::Denied(body), Some(routed));
        }
    }
    let verdict = match lr.select(head.method, head.path(), &|name| head.all(name)) {
        RouteAction::Fixed { status } => Verdict::Fixed(StatusCode::from_u16(*status).unwrap_or(StatusCode::NOT_FOUND)),
        RouteAction::Forward(fwd) => match fwd.pick() {
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

/// Routes one request that hyper read on `snapshot`: the response, and what routing decided.
async fn route<'s>(
    listener: &Listener,
    snapshot: &'s Snapshot,
    mut req: Request<Incoming>,
    peer: SocketAddr,
    tls: Option<&TlsInfo>,
) -> (Response<ProxyBody>, Option<Routed<'s>>) {
    let (verdict, routed, host) = {
        let head = Head::of_hyper(&req);
        let (verdict, routed) = decide(listener, snapshot, &head, tls);
        (verdict, routed, head.host.to_string())
    };
    if let Some((status, body)) = local_answer(&verdict) {
        // Fixed responses have no body, hence no content type.
        let response = if body.is_empty() {
            Response::builder()
                .status(status)
                .body(Full::new(Bytes::new()).map_err(|never| match never {}).boxed())
                .unwrap_or_default()
        } else {
            plain(status, body.to_string())
        };
        return (response, routed);
    }
    // Only a verdict that reached a service names a function or a target.
    let Some(routed) = routed else {
        return (plain(StatusCode::NOT_FOUND, "Not Found\n"), None);
    };
    let (target, (tls_to_target, http2)) = match verdict {
        Verdict::Function(function) => {
            lattice_headers(listener, req.headers_mut(), (&host, tls.is_some()), peer, &routed);
            return (invoke_function(listener, req, &function, &routed).await, Some(routed));
        }
        Verdict::Target(target, protocol) => (target, protocol),
        _ => return (plain(StatusCode::NOT_FOUND, "Not Found\n"), Some(routed)),
    };

    let scheme = if tls_to_target { "https" } else { "http" };
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = hyper::Uri::from_maybe_shared(Bytes::from(format!("{scheme}://{target}{path}"))) else {
        return (plain(StatusCode::BAD_REQUEST, "Bad Request\n"), Some(routed));
    };
    *req.uri_mut() = uri;
    *req.version_mut() = if http2 { hyper::Version::HTTP_2 } else { hyper::Version::HTTP_11 };
    lattice_headers(listener, req.headers_mut(), (&host, tls.is_some()), peer, &routed);
    // Counted until the response body's last frame is read from the target.
    let in_flight = routed.slot.map(|slot| slot.begin());
    let sent = tokio::time::timeout(routed.route.idle_timeout, listener.client.send(req, (tls_to_target, http2))).await;
    let response = match sent {
        Ok(Ok(resp)) => resp.map(|body| Counted { body, in_flight }.boxed()),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, %target, "target request failed");
            plain(StatusCode::BAD_GATEWAY, "Bad Gateway\n")
        }
        Err(_) => plain(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout\n"),
    };
    (response, Some(routed))
}

/// A target's response body, holding the request's place in the target's in-flight count
/// until its last frame is read: a deregistered target drains until then, and the count drops
/// before the client can see the response end.
struct Counted<B> {
    body: B,
    in_flight: Option<InFlight>,
}

impl<B: Body + Unpin> Body for Counted<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(_))) if !this.body.is_end_stream() => {}
            Poll::Ready(_) => this.in_flight = None,
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
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

/// Calls `set` with each header Lattice adds to a request toward a target, in order;
/// `prior_forwarded_for` is the client's own `x-forwarded-for`, which Lattice extends.
pub(crate) fn each_lattice_header(
    listener: &Listener,
    routed: &Routed<'_>,
    (peer, secure): (SocketAddr, bool),
    prior_forwarded_for: Option<&str>,
    mut set: impl FnMut(&'static str, std::fmt::Arguments<'_>),
) {
    match prior_forwarded_for {
        Some(prior) => set("x-forwarded-for", format_args!("{prior}, {}", peer.ip())),
        None => set("x-forwarded-for", format_args!("{}", peer.ip())),
    }
    set(
        "x-amzn-lattice-target",
        format_args!(
            "ServiceArn={}; ServiceNetworkArn={}; TargetGroupArn={}",
            routed.route.service_arn,
            routed.service_network_arn(),
            routed.target_group_arn.unwrap_or_default()
        ),
    );
    set("x-amzn-lattice-network", format_args!("SourceVpcArn={}", routed.view.vpc_arn));
    if let Some(caller) = &routed.caller {
        set("x-amzn-lattice-identity", format_args!("{}", auth::identity_header(caller)));
    }
    set("x-forwarded-port", format_args!("{}", listener.port));
    set("x-forwarded-proto", format_args!("{}", if secure { "https" } else { "http" }));
    set("x-amzn-source-vpc", format_args!("{}", listener.vpc_id));
}

/// Removes the client's copies of the headers Lattice sets, then sets them as Lattice does.
fn lattice_headers(
    listener: &Listener,
    headers: &mut hyper::HeaderMap,
    (host, secure): (&str, bool),
    peer: SocketAddr,
    routed: &Routed<'_>,
) {
    let prior = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).map(str::to_string);
    for name in LATTICE_SET {
        headers.remove(name);
    }
    if !headers.contains_key(HOST) {
        if let Ok(v) = HeaderValue::from_str(host) {
            headers.insert(HOST, v);
        }
    }
    each_lattice_header(listener, routed, (peer, secure), prior.as_deref(), |name, value| {
        if let Ok(v) = HeaderValue::try_from(value.to_string()) {
            headers.insert(HeaderName::from_static(name), v);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A target's body: its frames, and whether it knows its end (a length) or learns it when
    /// the stream ends (chunked).
    struct Frames(std::collections::VecDeque<&'static str>, bool);

    impl Body for Frames {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            Poll::Ready(self.get_mut().0.pop_front().map(|s| Ok(Frame::data(Bytes::from(s)))))
        }

        fn is_end_stream(&self) -> bool {
            self.1 && self.0.is_empty()
        }
    }

    #[tokio::test]
    async fn a_response_body_counts_toward_its_target_until_its_last_frame_is_read() {
        for known_length in [true, false] {
            let slot = Arc::new(lattice_model::health::Slot::default());
            let frames = Frames(["he", "llo"].into(), known_length);
            let mut body = Counted { body: frames, in_flight: Some(slot.begin()) };
            assert!(body.frame().await.is_some());
            assert_eq!(slot.in_flight(), 1, "more to come");
            assert!(body.frame().await.is_some());
            assert_eq!(slot.in_flight(), u32::from(!known_length), "known length: done with the last frame");
            assert!(body.frame().await.is_none());
            assert_eq!(slot.in_flight(), 0, "done at the stream's end");
            drop(body);
            assert_eq!(slot.in_flight(), 0);
        }
    }

    #[test]
    fn access_log_lines_are_json_whatever_the_request_holds() {
        let nasty = "/a\"b\\c\n\r\t\u{1}\u{7f}é/✓?q=\"x\"";
        let mut buf = String::new();
        let mut r = JsonLine::new(&mut buf);
        r.str("requestPath", nasty);
        r.str("userAgent", "");
        r.shown("sourceIpPort", SocketAddr::from(([127, 0, 0, 1], 4242)));
        r.num("responseCode", 200);
        let line = r.finish();
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({ "requestPath": nasty, "userAgent": "", "sourceIpPort": "127.0.0.1:4242", "responseCode": 200 })
        );
        assert!(!line.contains('\n'), "one record per line: {line}");
    }
}
