//! Connections hyper serves: HTTP/2, and the HTTP/1 requests the fast path hands over
//! (HTTP/1.0, `Expect`, upgrades, Lambda or HTTP/2 targets). Routing and auth are
//! `proxy::decide`, as on the fast path.

use lattice_runtime::health::Seen;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderName, HeaderValue, HOST};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;

use lattice_model::Snapshot;
use lattice_runtime::health::InFlight;

use crate::proxy::*;
use crate::tls::TlsInfo;

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

pub(crate) async fn handle(
    listener: &Listener,
    req: Request<Incoming>,
    peer: SocketAddr,
    tls: Option<&TlsInfo>,
) -> Response<ProxyBody> {
    let started = std::time::Instant::now();
    // The request is decided on, and its record written from, one snapshot.
    let snapshot = listener.served.borrow().snapshot.clone();
    let (response, routed) = route(listener, &snapshot, req, peer, tls).await;
    if let Some(routed) = routed {
        let took = started.elapsed();
        routed.count(response.status().as_u16(), took);
        let length = response.headers().get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
        let sent = length.map_or(Sent::Unknown, Sent::Header);
        write_log(listener, &routed, (peer, tls), (response.status().as_u16(), sent), took);
    }
    response
}

/// Routes one request that hyper read on `snapshot`: the response, and what routing decided.
pub(crate) async fn route<'s>(
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
    let mut routed = routed;
    let response = match sent {
        Ok(Ok(resp)) => {
            routed.saw(Seen::Answered);
            resp.map(|body| Counted { body, in_flight }.boxed())
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, %target, "target request failed");
            routed.saw(upstream_failure(&e));
            plain(StatusCode::BAD_GATEWAY, "Bad Gateway\n")
        }
        Err(_) => {
            routed.saw(Seen::TimedOut);
            plain(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout\n")
        }
    };
    (response, Some(routed))
}

/// A target's response body, holding the request's place in the target's in-flight count
/// until its last frame is read: a deregistered target drains until then, and the count drops
/// before the client can see the response end.
pub(crate) struct Counted<B> {
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

/// A LAMBDA target: the request as a Lattice event to the local function, its answer back.
pub(crate) async fn invoke_function(
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
    match answer.and_then(|a| crate::lambda::response(&a).map_err(crate::lambda::Failed::from)) {
        Ok(answer) => {
            let mut builder = Response::builder().status(answer.status);
            for (k, v) in answer.headers {
                builder = builder.header(k, v);
            }
            builder.body(Full::new(answer.body).map_err(|never| match never {}).boxed()).unwrap_or_default()
        }
        Err(e) if e.status == 504 => {
            tracing::warn!(function = %function.arn, error = %e.reason, "function invocation timed out");
            plain(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout\n")
        }
        Err(e) => {
            tracing::warn!(function = %function.arn, error = %e.reason, "function invocation failed");
            plain(StatusCode::BAD_GATEWAY, "Bad Gateway\n")
        }
    }
}

/// Removes the client's copies of the headers Lattice sets, then sets them as Lattice does.
pub(crate) fn lattice_headers(
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
        let mut text = Vec::new();
        value.each(|piece| text.extend_from_slice(piece));
        if let Ok(v) = HeaderValue::try_from(text) {
            headers.insert(HeaderName::from_static(name), v);
        }
    });
}

/// What a failed exchange through hyper's client says about the target: the I/O error at the
/// bottom of its chain (refused, timed out), else a reset.
fn upstream_failure(e: &(dyn std::error::Error + 'static)) -> Seen {
    let mut cause = Some(e);
    while let Some(err) = cause {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Seen::of_error(io);
        }
        cause = err.source();
    }
    Seen::Reset
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::Poll;

    use bytes::Bytes;
    use hyper::body::{Body, Frame};

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
            let slot = Arc::new(lattice_runtime::health::Slot::default());
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
}
