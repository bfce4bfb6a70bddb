//! The HTTP proxy on a VPC's service-network address: routes by Host to the service's listener
//! on this port, then forwards to a target (pooled keep-alive connections) or answers the
//! fixed response. Adds the headers Lattice adds and strips the ones clients may not set.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, HOST};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::Arc;

use lattice_model::auth::{self, Denial, Identities, Identity};
use lattice_model::snapshot::{Admission, Door, RouteAction, ServiceRoute, VpcView};
use lattice_model::Snapshot;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::tls::TlsInfo;
use crate::Served;

pub(crate) type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// Headers Lattice sets itself; a client's copies are removed.
const LATTICE_HEADERS: [&str; 4] =
    ["x-amzn-lattice-identity", "x-amzn-lattice-network", "x-amzn-lattice-target", "x-amzn-source-vpc"];

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
    /// Header values that are the same for every request on this socket.
    pub headers: Arc<SocketHeaders>,
}

/// `x-forwarded-port` and `x-amzn-source-vpc` of a socket's requests, made once.
pub(crate) struct SocketHeaders {
    port: HeaderValue,
    source_vpc: HeaderValue,
}

impl SocketHeaders {
    pub(crate) fn new(vpc_id: &str, port: u16) -> Self {
        Self {
            port: HeaderValue::from(port),
            source_vpc: HeaderValue::from_str(vpc_id).unwrap_or_else(|_| HeaderValue::from_static("-")),
        }
    }
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
        let listener = listener.clone();
        tokio::spawn(async move {
            // A TLS ClientHello starts with a handshake record (0x16); HTTP never does.
            let mut first = [0u8; 1];
            let is_tls = matches!(stream.peek(&mut first).await, Ok(1) if first[0] == 0x16);
            if is_tls {
                match crate::passthrough::route(&listener, &stream).await {
                    crate::passthrough::Route::Terminate => {}
                    crate::passthrough::Route::Relay(to) => return crate::passthrough::relay(stream, to).await,
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
                let info = Some(Arc::new(TlsInfo::of(stream.get_ref().1)));
                serve_connection(listener, TokioIo::new(stream), peer, info).await;
            } else {
                serve_connection(listener, TokioIo::new(stream), peer, None).await;
            }
        });
    }
}

async fn serve_connection<IO>(listener: Arc<Listener>, io: IO, peer: SocketAddr, tls: Option<Arc<TlsInfo>>)
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

/// What routing decided for a request that reached a service, borrowed from the snapshot it
/// was routed on: the view and service the target headers, Lambda events and access logs name,
/// the caller, and (only when someone subscribed) what to log.
struct Routed<'s> {
    view: &'s VpcView,
    /// The association or `ServiceNetwork` endpoint the request came through.
    door: Door<'s>,
    route: &'s ServiceRoute,
    target_group_arn: Option<&'s str>,
    target: Option<SocketAddr>,
    /// The authenticated caller (signed requests to `AWS_IAM` services).
    caller: Option<Arc<Identity>>,
    denial: Option<Denial>,
    log: Option<LogFields<'s>>,
}

impl Routed<'_> {
    fn service_network_arn(&self) -> &str {
        self.door.service_network_arn().unwrap_or_default()
    }
}

/// The request's side of an access-log record, captured only when it will be written (header
/// values and the path share the request's buffers).
struct LogFields<'s> {
    destinations: crate::access_log::Destinations,
    listener_id: &'s str,
    method: hyper::Method,
    path: Option<hyper::http::uri::PathAndQuery>,
    host: Option<HeaderValue>,
    user_agent: Option<HeaderValue>,
    bytes_received: Option<HeaderValue>,
    version: hyper::Version,
}

impl<'s> LogFields<'s> {
    fn capture(destinations: crate::access_log::Destinations, listener_arn: &'s str, req: &Request<Incoming>) -> Self {
        let header = |name| req.headers().get(name).cloned();
        Self {
            destinations,
            listener_id: listener_arn.rsplit('/').next().unwrap_or_default(),
            method: req.method().clone(),
            path: req.uri().path_and_query().cloned(),
            host: header(HOST),
            user_agent: header(hyper::header::USER_AGENT),
            bytes_received: header(hyper::header::CONTENT_LENGTH),
            version: req.version(),
        }
    }
}

/// A value shown as `-` when absent, as access logs do.
struct Dash<T>(Option<T>);

impl<T: std::fmt::Display> serde::Serialize for Dash<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(v) => s.collect_str(v),
            None => s.serialize_str("-"),
        }
    }
}

/// One access-log record, with Lattice's field names.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    start_time: String,
    service_network_arn: &'a str,
    service_arn: &'a str,
    target_group_arn: &'a str,
    source_vpc_arn: &'a str,
    source_vpc_id: &'a str,
    destination_vpc_id: &'a str,
    source_ip_port: SocketAddr,
    target_ip_port: Dash<SocketAddr>,
    listener_type: &'a str,
    listener_id: &'a str,
    protocol: String,
    request_method: &'a str,
    request_path: &'a str,
    response_code: u16,
    bytes_received: &'a str,
    bytes_sent: &'a str,
    duration: u64,
    request_to_target_duration: &'a str,
    response_from_target_duration: Dash<u64>,
    user_agent: &'a str,
    host_header: &'a str,
    server_name_indication: &'a str,
    ssl_cipher: &'a str,
    tls_version: &'a str,
    auth_denied_reason: &'a str,
    failure_reason: &'a str,
    resolved_user: &'a str,
    caller_principal: &'a str,
    #[serde(rename = "callerPrincipalOrgID")]
    caller_principal_org_id: &'a str,
    #[serde(rename = "callerX509IssuerOU")]
    caller_x509_issuer_ou: &'a str,
    #[serde(rename = "callerX509SubjectCN")]
    caller_x509_subject_cn: &'a str,
    #[serde(rename = "callerX509SANNameCN")]
    caller_x509_san_name_cn: &'a str,
    #[serde(rename = "callerX509SANDNS")]
    caller_x509_san_dns: &'a str,
    #[serde(rename = "callerX509SANURI")]
    caller_x509_san_uri: &'a str,
}

async fn handle(
    listener: &Listener,
    req: Request<Incoming>,
    peer: SocketAddr,
    tls: Option<&TlsInfo>,
) -> Response<ProxyBody> {
    let (started, start_time) = (std::time::Instant::now(), std::time::SystemTime::now());
    // The request is decided on, and its record written from, one snapshot.
    let snapshot = listener.served.borrow().snapshot.clone();
    let (response, routed) = route(listener, &snapshot, req, peer, tls).await;
    let Some((routed, log)) = routed.and_then(|mut r| r.log.take().map(|log| (r, log))) else {
        return response;
    };
    let elapsed = started.elapsed().as_millis() as u64;
    let caller = routed.caller.as_deref();
    let record = Record {
        start_time: lattice_api::rfc3339(start_time),
        service_network_arn: routed.service_network_arn(),
        service_arn: &routed.route.service_arn,
        target_group_arn: routed.target_group_arn.unwrap_or("-"),
        source_vpc_arn: &routed.view.vpc_arn,
        source_vpc_id: &listener.vpc_id,
        destination_vpc_id: "-",
        source_ip_port: peer,
        target_ip_port: Dash(routed.target),
        listener_type: if tls.is_some() { "HTTPS" } else { "HTTP" },
        listener_id: log.listener_id,
        protocol: format!("{:?}", log.version),
        request_method: log.method.as_str(),
        request_path: log.path.as_ref().map_or("/", |p| p.as_str()),
        response_code: response.status().as_u16(),
        bytes_received: text(log.bytes_received.as_ref()),
        bytes_sent: text(response.headers().get(hyper::header::CONTENT_LENGTH)),
        duration: elapsed,
        request_to_target_duration: "-",
        response_from_target_duration: Dash(routed.target.map(|_| elapsed)),
        user_agent: text(log.user_agent.as_ref()),
        host_header: text(log.host.as_ref()),
        server_name_indication: tls.map_or("-", |t| t.sni.as_str()),
        ssl_cipher: tls.map_or("-", |t| t.cipher.as_str()),
        tls_version: tls.map_or("-", |t| t.version.as_str()),
        auth_denied_reason: routed.denial.as_ref().map_or("-", Denial::reason),
        failure_reason: if routed.denial.is_some() { "ClientAccessDenied" } else { "-" },
        resolved_user: caller.map_or("-", |c| c.principal_arn.as_str()),
        caller_principal: caller.map_or("-", |c| c.arn.as_str()),
        caller_principal_org_id: caller.and_then(|c| c.org_id.as_deref()).unwrap_or("-"),
        caller_x509_issuer_ou: "-",
        caller_x509_subject_cn: "-",
        caller_x509_san_name_cn: "-",
        caller_x509_san_dns: "-",
        caller_x509_san_uri: "-",
    };
    match serde_json::to_string(&record) {
        Ok(line) => listener.access_log.record(log.destinations, line),
        Err(e) => tracing::warn!(error = %e, "cannot serialize an access-log record"),
    }
    response
}

/// A header's value as log text, `-` when absent.
fn text(v: Option<&HeaderValue>) -> &str {
    v.and_then(|v| v.to_str().ok()).unwrap_or("-")
}

/// What a request gets once routing and auth have spoken.
enum Verdict {
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
    req: &Request<Incoming>,
    port: u16,
) -> auth::Verdict {
    // Values that are not UTF-8 cannot take part in a signature or a condition: they read empty.
    let headers: Vec<(&str, &str)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str(), std::str::from_utf8(v.as_bytes()).unwrap_or_default()))
        .collect();
    let facts = auth::RequestFacts {
        method: req.method().as_str(),
        raw_path: req.uri().path(),
        raw_query: req.uri().query().unwrap_or_default(),
        headers: &headers,
        port,
    };
    let to = door.destination(route);
    auth::check(identities, (door.network_auth(), &route.auth), &facts, &to, time::OffsetDateTime::now_utc())
}

/// The host a request names: its Host header, or (HTTP/2) the URI's authority.
fn host_of(req: &Request<Incoming>) -> HeaderValue {
    req.headers()
        .get(HOST)
        .cloned()
        .or_else(|| req.uri().authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()))
        .unwrap_or_else(|| HeaderValue::from_static(""))
}

/// Routes one request on `snapshot`: the response, and what routing decided (requests that
/// reach no service are not logged, as in Lattice).
async fn route<'s>(
    listener: &Listener,
    snapshot: &'s Snapshot,
    mut req: Request<Incoming>,
    peer: SocketAddr,
    tls: Option<&TlsInfo>,
) -> (Response<ProxyBody>, Option<Routed<'s>>) {
    let host_value = host_of(&req);
    let host = host_value.to_str().unwrap_or_default();
    let Some(view) = snapshot.vpcs.get(&listener.vpc_id) else {
        return (plain(StatusCode::NOT_FOUND, "Not Found\n"), None);
    };
    let Some(door) = view.door(listener.ip) else {
        return (plain(StatusCode::NOT_FOUND, "Not Found\n"), None);
    };
    let (route, lr) = match door.admit(host, listener.port, tls.map(|t| t.sni.as_str())) {
        Admission::Admitted(route, lr) => (route, lr),
        refused => {
            let (status, body) = refused.refusal().unwrap_or((404, "Not Found\n"));
            return (plain(StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND), body), None);
        }
    };
    let network_logs = door.network_log_destinations().filter(|d| !d.is_empty());
    let log = (!route.log_destinations.is_empty() || network_logs.is_some()).then(|| {
        let destinations = [Some(route.log_destinations.clone()), network_logs.cloned()];
        LogFields::capture(destinations, &lr.listener_arn, &req)
    });
    let mut routed =
        Routed { view, door, route, target_group_arn: None, target: None, caller: None, denial: None, log };
    let verdict = if door.network_auth().iam || route.auth.iam {
        let verdict = check_auth(door, route, &snapshot.identities, &req, listener.port);
        routed.caller = verdict.caller;
        verdict.refused.map(|(denial, body)| {
            routed.denial = Some(denial);
            Verdict::Denied(body)
        })
    } else {
        None
    };
    let verdict = verdict.unwrap_or_else(|| {
        let headers = req.headers();
        let header_values =
            |name: &str| -> Vec<&str> { headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect() };
        match lr.select(req.method().as_str(), req.uri().path(), &header_values) {
            RouteAction::Fixed { status } => {
                Verdict::Fixed(StatusCode::from_u16(*status).unwrap_or(StatusCode::NOT_FOUND))
            }
            RouteAction::Forward(fwd) => match fwd.pick() {
                None => Verdict::Unavailable,
                Some(pick) => {
                    routed.target_group_arn = Some(pick.target_group_arn);
                    match pick.function {
                        Some(f) => Verdict::Function(f.clone()),
                        None => {
                            routed.target = Some(pick.addr);
                            Verdict::Target(pick.addr, pick.protocol)
                        }
                    }
                }
            },
        }
    });
    let (target, (tls_to_target, http2)) = match verdict {
        Verdict::Fixed(status) => {
            let response = Response::builder()
                .status(status)
                .body(Full::new(Bytes::new()).map_err(|never| match never {}).boxed())
                .unwrap_or_default();
            return (response, Some(routed));
        }
        Verdict::Denied(body) => return (plain(StatusCode::FORBIDDEN, body), Some(routed)),
        Verdict::Unavailable => {
            return (plain(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable\n"), Some(routed));
        }
        Verdict::Function(function) => {
            lattice_headers(listener, req.headers_mut(), (&host_value, tls.is_some()), peer, &routed);
            return (invoke_function(listener, req, &function, &routed).await, Some(routed));
        }
        Verdict::Target(target, protocol) => (target, protocol),
    };

    let scheme = if tls_to_target { "https" } else { "http" };
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = hyper::Uri::from_maybe_shared(Bytes::from(format!("{scheme}://{target}{path}"))) else {
        return (plain(StatusCode::BAD_REQUEST, "Bad Request\n"), Some(routed));
    };
    *req.uri_mut() = uri;
    *req.version_mut() = if http2 { hyper::Version::HTTP_2 } else { hyper::Version::HTTP_11 };
    lattice_headers(listener, req.headers_mut(), (&host_value, tls.is_some()), peer, &routed);
    let sent = tokio::time::timeout(route.idle_timeout, listener.client.send(req, (tls_to_target, http2))).await;
    let response = match sent {
        Ok(Ok(resp)) => resp.map(|b| b.boxed()),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, %target, "target request failed");
            plain(StatusCode::BAD_GATEWAY, "Bad Gateway\n")
        }
        Err(_) => plain(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout\n"),
    };
    (response, Some(routed))
}

/// Removes the client's copies of the headers Lattice sets, then sets them as Lattice does.
fn lattice_headers(
    listener: &Listener,
    headers: &mut hyper::HeaderMap,
    (host, secure): (&HeaderValue, bool),
    peer: SocketAddr,
    routed: &Routed<'_>,
) {
    for name in LATTICE_HEADERS {
        headers.remove(name);
    }
    if !headers.contains_key(HOST) {
        headers.insert(HOST, host.clone());
    }
    let forwarded_for = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(prior) => format!("{prior}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::try_from(value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    set("x-forwarded-for", forwarded_for);
    set(
        "x-amzn-lattice-target",
        format!(
            "ServiceArn={}; ServiceNetworkArn={}; TargetGroupArn={}",
            routed.route.service_arn,
            routed.service_network_arn(),
            routed.target_group_arn.unwrap_or_default()
        ),
    );
    set("x-amzn-lattice-network", format!("SourceVpcArn={}", routed.view.vpc_arn));
    if let Some(caller) = &routed.caller {
        set("x-amzn-lattice-identity", auth::identity_header(caller));
    }
    headers.insert(HeaderName::from_static("x-forwarded-port"), listener.headers.port.clone());
    headers.insert(
        HeaderName::from_static("x-forwarded-proto"),
        HeaderValue::from_static(if secure { "https" } else { "http" }),
    );
    headers.insert(HeaderName::from_static("x-amzn-source-vpc"), listener.headers.source_vpc.clone());
}
