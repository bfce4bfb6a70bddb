//! The control-plane HTTP server: connection limits and deadlines, `Host`/`Origin` checks, the
//! request read whole; then `/_lattice-local/…` goes to the admin API, `/ui/…` to the web UI
//! and everything else to [`crate::dispatch`] (the AWS services).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use lattice_api::ApiError;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::Instrument;

use crate::http::{error_response, HttpResponse, WireRequest};
use crate::{admin, origin, ui, Backend};

const MAX_BODY: usize = 8 << 20;
/// A client has this long to send a request's head, and an idle keep-alive connection is
/// closed after it: a local process cannot hold connections (file descriptors) open for free.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head (request line and headers) read: past it, 431.
const MAX_HEAD: usize = 64 << 10;
/// A request's body must have arrived this long after its head.
const BODY_TIMEOUT: Duration = Duration::from_secs(15);
/// Control connections served at once; past it new ones are closed at accept, so the data
/// plane and the resolvers keep their file descriptors whatever one local process opens.
const MAX_CONNECTIONS: usize = 1024;

/// How long requests in flight may take to finish once the backend is asked to stop.
pub const DRAIN: Duration = Duration::from_secs(5);

/// Serves the control plane on an already-bound listener until `stop` turns true; then stops
/// accepting, lets each connection finish the request it is serving (idle ones close at once),
/// and returns when all are done or `DRAIN` has passed.
pub async fn serve(listener: TcpListener, backend: Arc<Backend>, mut stop: watch::Receiver<bool>) {
    let local = listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Ok(_) = stop.wait_for(|stopping| *stopping) => break,
        };
        let (stream, peer) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = MAX_CONNECTIONS, "too many control-plane connections: closing a new one");
            continue;
        };
        while connections.try_join_next().is_some() {}
        let backend = backend.clone();
        let mut stopping = stop.clone();
        let span = tracing::debug_span!("control", %peer, %local);
        connections.spawn(
            async move {
                let _slot = slot;
                let watch = stopping.clone();
                let service =
                    hyper::service::service_fn(move |req| handle(backend.clone(), req, (peer, local), watch.clone()));
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEAD_TIMEOUT)
                    .max_buf_size(MAX_HEAD)
                    .serve_connection(crate::shaped::Shaped::new(TokioIo::new(stream)), service);
                tokio::pin!(conn);
                let asked_to_stop = async move { stopping.wait_for(|stopping| *stopping).await.is_ok() };
                let served = tokio::select! {
                    served = conn.as_mut() => served,
                    true = asked_to_stop => {
                        conn.as_mut().graceful_shutdown();
                        conn.await
                    }
                };
                if let Err(e) = served {
                    tracing::debug!(error = %e, "control-plane connection ended");
                }
            }
            .instrument(span),
        );
    }
    let drained = tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(left = connections.len(), "control-plane connections still open after the drain limit");
    }
}

async fn handle(
    backend: Arc<Backend>,
    req: Request<Incoming>,
    (peer, local): (SocketAddr, SocketAddr),
    stop: watch::Receiver<bool>,
) -> Result<Response<ui::Body>, Infallible> {
    Ok(match answer(&backend, req, (peer, local), stop).await {
        Answer::Whole(resp) => ui::whole_body(resp),
        Answer::Ui(resp) => resp,
    })
}

/// What the control port answers: a whole response, or one of the web UI's (which may stream).
enum Answer {
    Whole(HttpResponse),
    Ui(Response<ui::Body>),
}

async fn answer(
    backend: &Arc<Backend>,
    req: Request<Incoming>,
    (peer, local): (SocketAddr, SocketAddr),
    stop: watch::Receiver<bool>,
) -> Answer {
    let (parts, body) = req.into_parts();
    // hyper enforces its buffer limit only on heads that arrive in pieces.
    let head_size: usize = parts.headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    let target_size = parts.uri.path_and_query().map_or(0, |p| p.as_str().len());
    if head_size + target_size > MAX_HEAD {
        return Answer::Whole(closing(
            431,
            "RequestHeaderFieldsTooLargeException",
            "The request's headers are too large".into(),
        ));
    }
    if let Err(err) = origin::check(&parts, local) {
        tracing::debug!(%peer, path = %parts.uri.path(), error = %err, "request refused");
        return Answer::Whole(error_response(&err));
    }
    let announced = parts.headers.get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY as u64) {
        let message = format!("Request bodies are limited to {MAX_BODY} bytes");
        return Answer::Whole(closing(413, "RequestEntityTooLargeException", message));
    }
    let body = match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY).collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(_)) => {
            return Answer::Whole(error_response(&ApiError::validation_reason(
                "other",
                "Request body is too large or was cut short",
                vec![],
            )))
        }
        Err(_) => {
            let message = format!("The request body did not arrive within {} seconds", BODY_TIMEOUT.as_secs());
            return Answer::Whole(closing(408, "RequestTimeoutException", message));
        }
    };
    let request = WireRequest {
        method: parts.method.as_str().to_string(),
        raw_path: parts.uri.path().to_string(),
        raw_query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body,
    };
    if request.raw_path == ui::PREFIX || request.raw_path.starts_with(&format!("{}/", ui::PREFIX)) {
        return Answer::Ui(ui::handle(backend, &request, stop));
    }
    if !request.raw_path.starts_with(admin::PREFIX) {
        return Answer::Whole(crate::dispatch::handle(backend, &request).await);
    }
    let response = match admin::handle(backend, &request).await {
        Ok(resp) => resp,
        Err(err) => {
            if err.status >= 500 {
                tracing::error!(%peer, path = %request.raw_path, error = %err, "request failed");
            } else {
                tracing::debug!(%peer, path = %request.raw_path, error = %err, "request rejected");
            }
            error_response(&err)
        }
    };
    Answer::Whole(response)
}

/// An AWS error that also ends the connection (what is left of the request is not read).
fn closing(status: u16, code: &str, message: String) -> HttpResponse {
    let mut resp = error_response(&ApiError::new(status, code, message));
    resp.headers_mut().insert("connection", hyper::header::HeaderValue::from_static("close"));
    resp
}
