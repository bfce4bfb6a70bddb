//! The HTTP proxy on a VPC's service-network address: routes by Host to the service's listener
//! on this port, then forwards to a target (pooled keep-alive connections) or answers the
//! fixed response. Adds the headers Lattice adds and strips the ones clients may not set.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, HOST};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::Arc;

use lattice_model::auth::{self, Denial, Identities, Identity};
use lattice_model::snapshot::{RouteAction, ServiceRoute};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::tls::TlsInfo;
use crate::Served;

pub(crate) type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// Headers Lattice sets itself; a client's copies are removed.
const LATTICE_HEADERS: [&str; 4] =
    ["x-amzn-lattice-identity", "x-amzn-lattice-network", "x-amzn-lattice-target", "x-amzn-source-vpc"];

fn plain(status: StatusCode, body: impl Into<Bytes>) -> Response<ProxyBody> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(Full::new(body.into()).map_err(|never| match never {}).boxed())
        .unwrap_or_default()
}

/// Everything one listening socket needs to answer requests.
#[derive(Clone)]
pub(crate) struct Listener {
    pub vpc_id: String,
    /// The listener port clients address (the socket may be offset).
    pub port: u16,
    pub served: watch::Receiver<Served>,
    pub client: crate::upstream::Upstreams,
    pub access_log: crate::access_log::AccessLog,
    /// Client for functions served at a URL.
    pub functions: reqwest::Client,
    /// TLS for HTTPS listeners on this port (connections are told apart by their first byte).
    pub tls: tokio_rustls::TlsAcceptor,
}

pub(crate) async fn serve(socket: TcpListener, listener: Listener) {
    loop {
        let (stream, peer) = match socket.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(error = %e, "proxy accept failed");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let listener = listener.clone();
        tokio::spawn(async move {
            // A TLS ClientHello starts with a handshake record (0x16); HTTP never does.
            let mut first = [0u8; 1];
            let is_tls = matches!(stream.peek(&mut first).await, Ok(1) if first[0] == 0x16);
            if is_tls {
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

async fn serve_connection<IO>(listener: Listener, io: IO, peer: SocketAddr, tls: Option<Arc<TlsInfo>>)
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
    routed: &Routed,
) -> Response<ProxyBody> {
    let (parts, body) = req.into_parts();
    let Ok(body) = http_body_util::Limited::new(body, crate::lambda::MAX_BODY).collect().await.map(|b| b.to_bytes())
    else {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large\n");
    };
    let ctx = crate::lambda::EventContext {
        service_network_arn: &routed.service_network_arn,
        service_arn: &routed.service_arn,
        target_group_arn: routed.target_group_arn.as_deref().unwrap_or_default(),
        source_vpc_arn: &routed.source_vpc_arn,
        region: &routed.region,
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

/// What routing decided for a request that reached a service: the ARNs the target headers,
/// Lambda events and access logs name, the caller, and (only when someone subscribed) what to
/// log.
struct Routed {
    service_arn: String,
    service_network_arn: String,
    source_vpc_arn: String,
    region: String,
    target_group_arn: Option<String>,
    target: Option<SocketAddr>,
    idle_timeout: std::time::Duration,
    /// The authenticated caller (signed requests to `AWS_IAM` services).
    caller: Option<Arc<Identity>>,
    denial: Option<Denial>,
    log: Option<LogFields>,
}

/// The request's side of an access-log record, captured only when it will be written.
struct LogFields {
    destinations: Vec<String>,
    listener_id: String,
    method: String,
    path: String,
    host: String,
    user_agent: String,
    bytes_received: String,
    protocol: String,
}

impl LogFields {
    fn capture(destinations: Vec<String>, listener_arn: &str, req: &Request<Incoming>) -> Self {
        let header =
            |name| req.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).unwrap_or("-").to_string();
        Self {
            destinations,
            listener_id: listener_arn.rsplit('/').next().unwrap_or_default().to_string(),
            method: req.method().as_str().to_string(),
            path: req.uri().path_and_query().map_or("/", |p| p.as_str()).to_string(),
            host: header(HOST),
            user_agent: header(hyper::header::USER_AGENT),
            bytes_received: header(hyper::header::CONTENT_LENGTH),
            protocol: format!("{:?}", req.version()),
        }
    }
}

async fn handle(
    listener: &Listener,
    req: Request<Incoming>,
    peer: SocketAddr,
    tls: Option<&TlsInfo>,
) -> Response<ProxyBody> {
    let (started, start_time) = (std::time::Instant::now(), std::time::SystemTime::now());
    let (response, routed) = route(listener, req, peer, tls).await;
    if let Some((routed, log)) = routed.and_then(|mut r| r.log.take().map(|log| (r, log))) {
        let bytes_sent =
            response.headers().get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).unwrap_or("-");
        let elapsed = started.elapsed().as_millis() as u64;
        let caller = routed.caller.as_deref();
        let principal = caller.map_or("-", |c| c.arn.as_str());
        let record = serde_json::json!({
            "startTime": lattice_api::rfc3339(start_time),
            "serviceNetworkArn": routed.service_network_arn,
            "serviceArn": routed.service_arn,
            "targetGroupArn": routed.target_group_arn.as_deref().unwrap_or("-"),
            "sourceVpcArn": routed.source_vpc_arn,
            "sourceVpcId": listener.vpc_id,
            "destinationVpcId": "-",
            "sourceIpPort": peer.to_string(),
            "targetIpPort": routed.target.map_or_else(|| "-".to_string(), |t| t.to_string()),
            "listenerType": if tls.is_some() { "HTTPS" } else { "HTTP" },
            "listenerId": log.listener_id,
            "protocol": log.protocol,
            "requestMethod": log.method,
            "requestPath": log.path,
            "responseCode": response.status().as_u16(),
            "bytesReceived": log.bytes_received,
            "bytesSent": bytes_sent,
            "duration": elapsed,
            "requestToTargetDuration": "-",
            "responseFromTargetDuration": if routed.target.is_some() { elapsed.to_string() } else { "-".into() },
            "userAgent": log.user_agent,
            "hostHeader": log.host,
            "serverNameIndication": tls.map_or("-", |t| t.sni.as_str()),
            "sslCipher": tls.map_or("-", |t| t.cipher.as_str()),
            "tlsVersion": tls.map_or("-", |t| t.version.as_str()),
            "authDeniedReason": routed.denial.as_ref().map_or("-", Denial::reason),
            "failureReason": if routed.denial.is_some() { "ClientAccessDenied" } else { "-" },
            "resolvedUser": caller.map_or("-", |c| c.principal_arn.as_str()),
            "callerPrincipal": principal,
            "callerPrincipalOrgID": caller.and_then(|c| c.org_id.as_deref()).unwrap_or("-"),
            "callerX509IssuerOU": "-",
            "callerX509SubjectCN": "-",
            "callerX509SANNameCN": "-",
            "callerX509SANDNS": "-",
            "callerX509SANURI": "-",
        });
        listener.access_log.record(log.destinations, record.to_string());
    }
    response
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
    view: &lattice_model::snapshot::VpcView,
    route: &ServiceRoute,
    identities: &Identities,
    req: &Request<Incoming>,
    port: u16,
) -> auth::Verdict {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let facts = auth::RequestFacts {
        method: req.method().as_str(),
        raw_path: req.uri().path(),
        raw_query: req.uri().query().unwrap_or_default(),
        headers: &headers,
        port,
    };
    let to = auth::Destination {
        region: &view.region,
        service_arn: &route.service_arn,
        service_network_arn: view.service_network_arn.as_deref().unwrap_or_default(),
        source_vpc: &view.vpc_id,
        source_vpc_owner: &view.account,
    };
    auth::check(identities, (view.network_auth(), &route.auth), &facts, &to, time::OffsetDateTime::now_utc())
}

/// Routes one request: the response, and what routing decided (requests that reach no service
/// are not logged, as in Lattice).
async fn route(
    listener: &Listener,
    mut req: Request<Incoming>,
    peer: SocketAddr,
    tls: Option<&TlsInfo>,
) -> (Response<ProxyBody>, Option<Routed>) {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().host().map(str::to_string))
        .unwrap_or_default();
    // Decide everything from one snapshot; the borrow ends before any await.
    let (verdict, routed) = {
        let served = listener.served.borrow();
        let Some(view) = served.snapshot.vpcs.get(&listener.vpc_id) else {
            return (plain(StatusCode::NOT_FOUND, "Not Found\n"), None);
        };
        let Some(route) = view.route(&host) else {
            return (plain(StatusCode::NOT_FOUND, "Not Found\n"), None);
        };
        let Some(lr) = route.listeners.get(&listener.port) else {
            return (plain(StatusCode::NOT_FOUND, "Not Found\n"), None);
        };
        match (tls, lr.protocol == "HTTPS") {
            (None, true) => {
                return (plain(StatusCode::BAD_REQUEST, "The plain HTTP request was sent to an HTTPS listener\n"), None)
            }
            // The Host must name the service the TLS session was opened for.
            (Some(t), true) if !view.route(&t.sni).is_some_and(|r| Arc::ptr_eq(r, route)) => {
                return (plain(StatusCode::MISDIRECTED_REQUEST, "Misdirected Request\n"), None)
            }
            _ => {}
        }
        let subscribed = !route.log_destinations.is_empty() || !view.network_log_destinations().is_empty();
        let log = subscribed.then(|| {
            let mut destinations = route.log_destinations.clone();
            destinations.extend(view.network_log_destinations().iter().cloned());
            LogFields::capture(destinations, &lr.listener_arn, &req)
        });
        let mut routed = Routed {
            service_arn: route.service_arn.clone(),
            service_network_arn: view.service_network_arn.clone().unwrap_or_default(),
            source_vpc_arn: format!("arn:aws:ec2:{}:{}:vpc/{}", view.region, view.account, view.vpc_id),
            region: view.region.clone(),
            target_group_arn: None,
            target: None,
            idle_timeout: route.idle_timeout,
            caller: None,
            denial: None,
            log,
        };
        let verdict = if view.network_auth().iam || route.auth.iam {
            let verdict = check_auth(view, route, &served.snapshot.identities, &req, listener.port);
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
                        routed.target_group_arn = Some(pick.target_group_arn.to_string());
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
        (verdict, routed)
    };
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
            lattice_headers(listener, req.headers_mut(), (&host, tls.is_some()), peer, &routed);
            return (invoke_function(listener, req, &function, &routed).await, Some(routed));
        }
        Verdict::Target(target, protocol) => (target, protocol),
    };

    let path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
    let scheme = if tls_to_target { "https" } else { "http" };
    let Ok(uri) = format!("{scheme}://{target}{path}").parse() else {
        return (plain(StatusCode::BAD_REQUEST, "Bad Request\n"), Some(routed));
    };
    *req.uri_mut() = uri;
    *req.version_mut() = if http2 { hyper::Version::HTTP_2 } else { hyper::Version::HTTP_11 };
    lattice_headers(listener, req.headers_mut(), (&host, tls.is_some()), peer, &routed);
    let sent = tokio::time::timeout(routed.idle_timeout, listener.client.send(req, (tls_to_target, http2))).await;
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
    (host, secure): (&str, bool),
    peer: SocketAddr,
    routed: &Routed,
) {
    for name in LATTICE_HEADERS {
        headers.remove(name);
    }
    if !headers.contains_key(HOST) {
        if let Ok(v) = HeaderValue::from_str(host) {
            headers.insert(HOST, v);
        }
    }
    let forwarded_for = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(prior) => format!("{prior}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    let lattice_target = format!(
        "ServiceArn={}; ServiceNetworkArn={}; TargetGroupArn={}",
        routed.service_arn,
        routed.service_network_arn,
        routed.target_group_arn.as_deref().unwrap_or_default()
    );
    set("x-forwarded-for", &forwarded_for);
    set("x-forwarded-port", &listener.port.to_string());
    set("x-forwarded-proto", if secure { "https" } else { "http" });
    set("x-amzn-lattice-target", &lattice_target);
    set("x-amzn-lattice-network", &format!("SourceVpcArn={}", routed.source_vpc_arn));
    set("x-amzn-source-vpc", &listener.vpc_id);
    if let Some(caller) = &routed.caller {
        set("x-amzn-lattice-identity", &auth::identity_header(caller));
    }
}
