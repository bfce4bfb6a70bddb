//! The HTTP/1.1 fast path. A client connection's requests are read with `httparse`, routed by
//! [`proxy::decide`], and forwarded over pooled target connections in the connection's own
//! task; bodies are copied as they arrive (content length, chunked, or until the target
//! closes) without being decoded. No channel or task sits between a client and its target, so
//! a request costs the four system calls it needs and little else.
//!
//! What the fast path does not do it hands to hyper with the bytes already read, for the rest
//! of the connection: HTTP/2 (prior knowledge), HTTP/1.0, `Expect`, upgrades, and requests
//! whose target is a Lambda function or speaks HTTP/2.

use std::fmt::Write as _;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use hyper::StatusCode;
use hyper_util::rt::TokioIo;
use lattice_model::Snapshot;
use lattice_runtime::health::{InFlight, Seen};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::Instant;

use crate::deadline::{Deadline, Elapsed};
use crate::framing::{content_length, lists, named, Chunks, Framing, MAX_HEADERS};
use crate::proxy::{self, Head, Listener, Routed, Verdict};
use crate::tls::TlsInfo;
use crate::upstream::{ConnPool, TargetConn};

/// The largest request or response head read.
const MAX_HEAD: usize = 64 * 1024;
/// How long a connection may wait for its next request before it names a service (then that
/// service's idle timeout applies).
pub(crate) const IDLE: Duration = Duration::from_secs(60);
const READ_CHUNK: usize = 16 * 1024;

/// Why a body stopped short.
#[derive(Debug)]
enum Broke {
    Source,
    Destination,
    /// The source was silent for the idle timeout.
    Timeout,
    /// The exchange ran out of its time (the target took too long to take the request).
    Limit,
    /// Chunked framing that does not parse.
    Framing,
}

/// Makes room for a read of `READ_CHUNK` bytes.
fn make_room(buf: &mut BytesMut) {
    if buf.capacity() - buf.len() < READ_CHUNK / 4 {
        buf.reserve(READ_CHUNK);
    }
}

/// Copies a body framed as `framing` from `src` (what `buf` already holds first) to `dst`,
/// after `head` (not written yet: sent in the same write as the body's first bytes).
/// Stops at the body's end: what follows it stays in `buf`. `src` may be silent for `idle` at
/// most, and all must be sent by `limit` when there is one (writes are bounded only by it).
/// `reading` (a request's place in its target's in-flight count) is dropped once the body's
/// last byte is read from `src`, before it is written to `dst`.
async fn relay<R, W>(
    framing: Framing,
    buf: &mut BytesMut,
    (src, dst): (&mut R, &mut W),
    head: &[u8],
    (deadline, idle, limit): (&mut Deadline, Duration, Option<Instant>),
    mut reading: Option<InFlight>,
) -> Result<(), Broke>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut left = match framing {
        Framing::Length(n) => n,
        _ => 0,
    };
    let mut chunks = Chunks::default();
    let mut head = head;
    loop {
        let (take, done) = match framing {
            Framing::Empty => (0, true),
            Framing::Length(_) => {
                let take = left.min(buf.len() as u64);
                left -= take;
                (take as usize, left == 0)
            }
            Framing::Chunked => {
                let take = chunks.scan(buf).map_err(|()| Broke::Framing)?;
                (take, chunks.done())
            }
            Framing::UntilClose => (buf.len(), false),
        };
        if done {
            reading = None;
        }
        if !head.is_empty() && take > 0 {
            let mut first = Vec::with_capacity(head.len() + take);
            first.extend_from_slice(head);
            first.extend_from_slice(&buf[..take]);
            by_limit(dst.write_all(&first), deadline, limit).await?;
            head = &[];
        } else if !head.is_empty() {
            by_limit(dst.write_all(head), deadline, limit).await?;
            head = &[];
        } else if take > 0 {
            by_limit(dst.write_all(&buf[..take]), deadline, limit).await?;
        }
        buf.advance(take);
        if done {
            break;
        }
        make_room(buf);
        deadline.within(idle, limit);
        match deadline.run(src.read_buf(buf)).await {
            Err(Elapsed) if limit.is_some_and(|limit| Instant::now() >= limit) => return Err(Broke::Limit),
            Err(Elapsed) => return Err(Broke::Timeout),
            Ok(Err(_)) => return Err(Broke::Source),
            Ok(Ok(0)) if framing == Framing::UntilClose => {
                drop(reading);
                break;
            }
            Ok(Ok(0)) => return Err(Broke::Source),
            Ok(Ok(_)) => {}
        }
    }
    by_limit(dst.flush(), deadline, limit).await
}

/// A write's outcome, or `Broke::Limit` once `limit` passes (unbounded without one).
async fn by_limit(
    write: impl Future<Output = io::Result<()>>,
    deadline: &mut Deadline,
    limit: Option<Instant>,
) -> Result<(), Broke> {
    let Some(limit) = limit else { return write.await.map_err(|_| Broke::Destination) };
    deadline.set(limit);
    match deadline.run(write).await {
        Ok(written) => written.map_err(|_| Broke::Destination),
        Err(Elapsed) => Err(Broke::Limit),
    }
}

/// True once `buf` holds a whole head (an empty line ends it).
fn head_complete(buf: &[u8]) -> bool {
    // Line ends found by the vectorized search: a head ends at an empty line.
    memchr::memchr_iter(b'\n', buf).any(|p| match buf.get(p + 1) {
        Some(b'\n') => true,
        Some(b'\r') => buf.get(p + 2) == Some(&b'\n'),
        _ => false,
    })
}

/// Appends one header line to a head being written.
fn put_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Appends the `headers` that `keep` keeps, each as `name: value\r\n`. They were parsed from
/// `head`: runs of lines written exactly so there are copied whole, in one copy each (most heads
/// are one run), the others written out.
fn copy_headers(out: &mut Vec<u8>, head: &[u8], headers: &[httparse::Header<'_>], keep: impl Fn(&str) -> bool) {
    let base = head.as_ptr() as usize;
    // Where a slice of `head` starts in it (slices from elsewhere land out of range).
    let at = |p: *const u8| (p as usize).wrapping_sub(base);
    let mut run = 0..0;
    for h in headers {
        let (name_at, value_at) = (at(h.name.as_ptr()), at(h.value.as_ptr()));
        let (name_end, line_end) = (name_at.wrapping_add(h.name.len()), value_at.wrapping_add(h.value.len() + 2));
        // The bytes there are exactly what `put_header` would write.
        let verbatim = value_at == name_end.wrapping_add(2)
            && head.get(name_end..value_at) == Some(b": ")
            && head.get(line_end.wrapping_sub(2)..line_end) == Some(b"\r\n");
        let kept = keep(h.name);
        if kept && verbatim && !run.is_empty() && run.end == name_at {
            run.end = line_end;
            continue;
        }
        out.extend_from_slice(head.get(run).unwrap_or_default());
        run = 0..0;
        if kept && verbatim {
            run = name_at..line_end;
        } else if kept {
            put_header(out, h.name, h.value);
        }
    }
    out.extend_from_slice(head.get(run).unwrap_or_default());
}

/// Writes a response the proxy makes itself. `false` when the connection ends here (`close`, or
/// the client is gone), after shutting it down.
async fn reply<IO: AsyncWrite + Unpin>(io: &mut IO, out: &[u8], close: bool) -> bool {
    let sent = io.write_all(out).await.is_ok() && io.flush().await.is_ok();
    if !sent || close {
        let _ = io.shutdown().await;
        return false;
    }
    true
}

/// A response the proxy makes itself: `text/plain` when it has a body.
fn answer(status: StatusCode, body: &str, close: bool) -> BytesMut {
    let mut out = BytesMut::with_capacity(128 + body.len());
    let _ = write!(out, "HTTP/1.1 {} {}\r\n", status.as_u16(), status.canonical_reason().unwrap_or(""));
    if !body.is_empty() {
        out.put_slice(b"content-type: text/plain\r\n");
    }
    let _ = write!(out, "content-length: {}\r\n", body.len());
    if close {
        out.put_slice(b"connection: close\r\n");
    }
    out.put_slice(b"\r\n");
    out.put_slice(body.as_bytes());
    out
}

/// What the fast path does with one request. (Made and taken apart once per request, on the
/// stack: boxing the large variant would cost an allocation per request.)
#[allow(clippy::large_enum_variant)]
enum Plan<'s> {
    /// Not for the fast path: hyper takes the connection from here, this request included.
    Handoff,
    /// A request that cannot be read: answered, then the connection is closed.
    Reject(StatusCode),
    /// A request with a head of `head_len` bytes and a body framed as `body`.
    Request { head_len: usize, body: Framing, keep_alive: bool, head_request: bool, action: Action<'s> },
}

enum Action<'s> {
    /// The proxy answers itself (no service, fixed response, denial, no target).
    Answer { status: StatusCode, text: String, routed: Option<Routed<'s>> },
    /// Forward to `to` (over TLS when `tls`) with `out`, the head the target gets.
    Forward { to: SocketAddr, tls: bool, out: Vec<u8>, routed: Routed<'s> },
}

fn stripped(name: &str) -> bool {
    // Most names are none of these: told by their length and first letter before comparing.
    let first = name.as_bytes().first().map(u8::to_ascii_lowercase);
    matches!(first, Some(b'c' | b'k' | b'p' | b't' | b'u' | b'x'))
        && proxy::LATTICE_SET
            .iter()
            .chain(&proxy::HOP_BY_HOP)
            .any(|s| s.len() == name.len() && s.eq_ignore_ascii_case(name))
}

/// Reads, routes and (for targets) rewrites the request at the head of `buf`, into `spare`'s
/// allocation: the connection's last head, kept (a signed request's head with Lattice's identity
/// header outgrows the allocator's per-thread cache).
fn plan<'s>(
    listener: &Listener,
    snapshot: &'s Snapshot,
    (buf, spare): (&[u8], &mut Vec<u8>),
    (peer, tls): (SocketAddr, Option<&TlsInfo>),
) -> Plan<'s> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Err(httparse::Error::TooManyHeaders) => return Plan::Reject(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
        Err(httparse::Error::Version) => return Plan::Handoff,
        Ok(httparse::Status::Partial) | Err(_) => return Plan::Reject(StatusCode::BAD_REQUEST),
    };
    let (Some(method), Some(target), Some(1)) = (req.method, req.path, req.version) else {
        return Plan::Handoff;
    };
    let headers = req.headers;
    if named(headers, "expect").next().is_some() || named(headers, "upgrade").next().is_some() {
        return Plan::Handoff;
    }
    let Ok(body) = Framing::of_request(headers) else {
        return Plan::Reject(StatusCode::BAD_REQUEST);
    };
    // Two Host headers: the proxy and the target could route one request two ways.
    let mut hosts = named(headers, "host");
    let host_header = hosts.next();
    if hosts.next().is_some() {
        return Plan::Reject(StatusCode::BAD_REQUEST);
    }
    let host_header = host_header.and_then(|v| std::str::from_utf8(v).ok());
    // After a refused CONNECT the client may already be sending what it meant to tunnel.
    let keep_alive = method != "CONNECT" && !named(headers, "connection").any(|v| lists(v, "close"));
    // An absolute-form target names the host itself (origin-form, the usual one, starts with /).
    let absolute = if target.starts_with('/') { None } else { target.split_once("://") };
    let (target, authority) = match absolute {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => (&rest[i..], Some(&rest[..i])),
            None => ("/", Some(rest)),
        },
        None => (target, None),
    };
    let head = Head {
        method,
        target,
        version: hyper::Version::HTTP_11,
        host: authority.or(host_header).unwrap_or_default(),
        headers: headers.iter().map(|h| (h.name, h.value)).collect(),
    };
    let (verdict, routed) = proxy::decide(listener, snapshot, &head, tls);
    let head_request = method == "HEAD";
    let request = |action| Plan::Request { head_len, body, keep_alive, head_request, action };
    let (to, tls_to_target, routed) = match (verdict, routed) {
        (Verdict::Target(to, (tls_to_target, false)), Some(routed)) => (to, tls_to_target, routed),
        (Verdict::Target(..) | Verdict::Function(_), _) => return Plan::Handoff,
        (verdict, routed) => {
            let (status, text) = proxy::local_answer(&verdict).unwrap_or((StatusCode::NOT_FOUND, "Not Found\n"));
            return request(Action::Answer { status, text: text.to_string(), routed });
        }
    };
    let mut out = std::mem::take(spare);
    out.clear();
    out.reserve(head_len + 768);
    for piece in [method, " ", target, " HTTP/1.1\r\n"] {
        out.extend_from_slice(piece.as_bytes());
    }
    copy_headers(&mut out, &buf[..head_len], headers, |name| !stripped(name));
    if host_header.is_none() {
        put_header(&mut out, "host", head.host.as_bytes());
    }
    let prior = named(headers, "x-forwarded-for").next().and_then(|v| std::str::from_utf8(v).ok());
    proxy::each_lattice_header(listener, &routed, (peer, tls.is_some()), prior, |name, value| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        value.each(|piece| out.extend_from_slice(piece));
        out.extend_from_slice(b"\r\n");
    });
    out.extend_from_slice(b"\r\n");
    request(Action::Forward { to, tls: tls_to_target, out, routed })
}

/// Hop-by-hop response headers: the client gets its own connection management.
const RESPONSE_HOP_BY_HOP: [&str; 3] = ["connection", "keep-alive", "proxy-connection"];

/// The start of a target's response: the head the client gets and how the body ends.
struct ResponseStart {
    out: Vec<u8>,
    framing: Framing,
    status: u16,
    content_length: Option<u64>,
    /// The target keeps the connection open after this response.
    reusable: bool,
}

/// Why no response head came.
enum NoResponse {
    /// The connection ended before a byte arrived (a pooled connection the target closed).
    NothingRead,
    Invalid,
}

/// Reads a response head from `conn` (skipping interim 1xx responses) and makes the client's.
async fn response_head(conn: &mut TargetConn, head_request: bool, close: bool) -> Result<ResponseStart, NoResponse> {
    let mut got_any = !conn.buf.is_empty();
    loop {
        if !conn.buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut resp = httparse::Response::new(&mut headers);
            let parsed = match resp.parse(&conn.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let status = resp.code.unwrap_or_default();
                    if status == 101 {
                        return Err(NoResponse::Invalid);
                    }
                    if (100..200).contains(&status) {
                        Some((n, None))
                    } else {
                        let start = start_of(&resp, &conn.buf[..n], head_request, close).ok_or(NoResponse::Invalid)?;
                        Some((n, Some(start)))
                    }
                }
                Ok(httparse::Status::Partial) if conn.buf.len() < MAX_HEAD => None,
                Ok(httparse::Status::Partial) | Err(_) => return Err(NoResponse::Invalid),
            };
            if let Some((n, start)) = parsed {
                conn.buf.advance(n);
                match start {
                    Some(start) => return Ok(start),
                    None => continue,
                }
            }
        }
        make_room(&mut conn.buf);
        match conn.io.read_buf(&mut conn.buf).await {
            Ok(0) | Err(_) if !got_any => return Err(NoResponse::NothingRead),
            Ok(0) | Err(_) => return Err(NoResponse::Invalid),
            Ok(_) => got_any = true,
        }
    }
}

/// The client's response head for a target's response (parsed from `head`); `None` when its
/// framing is invalid.
fn start_of(resp: &httparse::Response<'_, '_>, head: &[u8], head_request: bool, close: bool) -> Option<ResponseStart> {
    let status = resp.code?;
    let headers = &*resp.headers;
    let framing = Framing::of_response(status, head_request, headers).ok()?;
    let target_closes = resp.version != Some(1)
        || named(headers, "connection").any(|v| lists(v, "close"))
        || framing == Framing::UntilClose;
    let mut out = Vec::with_capacity(head.len() + 32);
    let code = crate::text::decimal(u64::from(status));
    for piece in [b"HTTP/1.1 ", code.as_bytes(), b" ", resp.reason.unwrap_or_default().as_bytes()] {
        out.extend_from_slice(piece);
    }
    out.extend_from_slice(b"\r\n");
    copy_headers(&mut out, head, headers, |name| !RESPONSE_HOP_BY_HOP.iter().any(|n| name.eq_ignore_ascii_case(n)));
    if close || framing == Framing::UntilClose {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    let content_length = content_length(headers).ok().flatten();
    Some(ResponseStart { out, framing, status, content_length, reusable: !target_closes })
}

/// Why a forwarded request got no response from its target.
enum Failed {
    /// The client broke off (or sent a body that does not parse): close its connection.
    Client,
    /// The target failed so: the client gets 504 when it did not answer in time, else 502.
    Target(Seen),
}

impl Failed {
    fn status(seen: Seen) -> StatusCode {
        if seen == Seen::TimedOut {
            StatusCode::GATEWAY_TIMEOUT
        } else {
            StatusCode::BAD_GATEWAY
        }
    }
}

/// Sends a request (head, then its body from the client) to `to` and reads the response head.
/// A request without a body that finds a pooled connection closed is sent again on a new one.
#[allow(clippy::too_many_arguments)]
async fn exchange<IO>(
    pool: &ConnPool,
    (to, tls): (SocketAddr, bool),
    head: &[u8],
    (body, head_request, close): (Framing, bool, bool),
    buf: &mut BytesMut,
    client: &mut IO,
    (deadline, idle): (&mut Deadline, Duration),
) -> Result<(TargetConn, ResponseStart), Failed>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    // The target has `idle` to take the request and answer it.
    let now = Instant::now();
    let limit = now + idle;
    for attempt in 0..2 {
        let pooled = if attempt == 0 { pool.take(to, tls, idle, now.into_std()) } else { None };
        let mut conn = match pooled {
            Some(conn) => conn,
            None => match deadline.set_and_run(limit, pool.connect(to, tls)).await {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, target = %to, "cannot connect to the target");
                    return Err(Failed::Target(Seen::of_error(&e)));
                }
                Err(_) => return Err(Failed::Target(Seen::TimedOut)),
            },
        };
        let retryable = conn.reused && body == Framing::Empty;
        match relay(body, buf, (client, &mut conn.io), head, (&mut *deadline, idle, Some(limit)), None).await {
            Err(Broke::Limit) => return Err(Failed::Target(Seen::TimedOut)),
            Err(Broke::Destination) if retryable => continue,
            Err(Broke::Destination) => return Err(Failed::Target(Seen::Reset)),
            Err(Broke::Source | Broke::Timeout | Broke::Framing) => return Err(Failed::Client),
            Ok(()) => {}
        }
        match deadline.set_and_run(limit, response_head(&mut conn, head_request, close)).await {
            Err(_) => return Err(Failed::Target(Seen::TimedOut)),
            Ok(Err(NoResponse::NothingRead)) if retryable => continue,
            Ok(Err(_)) => {
                tracing::debug!(target = %to, "the target sent no valid response");
                return Err(Failed::Target(Seen::Reset));
            }
            Ok(Ok(start)) => return Ok((conn, start)),
        }
    }
    Err(Failed::Target(Seen::Reset))
}

/// Counts the request, and writes its record when `routed` asks for one.
fn finish(
    listener: &Listener,
    routed: &Routed<'_>,
    who: (SocketAddr, Option<&TlsInfo>),
    status: u16,
    bytes_sent: Option<u64>,
    started: std::time::Instant,
) {
    let took = started.elapsed();
    routed.count(status, took);
    if routed.log.is_some() {
        let sent = bytes_sent.map_or(proxy::Sent::Unknown, proxy::Sent::Count);
        proxy::write_log(listener, routed, who, (status, sent), took);
    }
}

/// Serves an HTTP/1 client connection (plain or TLS-terminated) until it closes, idles out,
/// or is handed to hyper.
pub(crate) async fn serve<IO>(listener: Arc<Listener>, mut io: IO, peer: SocketAddr, tls: Option<Arc<TlsInfo>>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut idle = IDLE;
    let mut deadline = Deadline::new(Instant::now() + idle);
    let mut spare = Vec::new();
    loop {
        while !head_complete(&buf) {
            if buf.len() >= MAX_HEAD {
                reply(&mut io, &answer(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "", true), true).await;
                return;
            }
            make_room(&mut buf);
            deadline.within(idle, None);
            match deadline.run(io.read_buf(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
        }
        let snapshot = listener.served.borrow().snapshot.clone();
        let started = std::time::Instant::now();
        let who = (peer, tls.as_deref());
        let (head_len, body, keep_alive, head_request, action) =
            match plan(&listener, &snapshot, (&buf, &mut spare), who) {
                Plan::Handoff => {
                    // Hyper keeps its own idle timer: this one would only wake the task for nothing.
                    drop(deadline);
                    let io = crate::idle::IdleTimeout::new(Prefixed { prefix: buf.freeze(), io }, idle);
                    return crate::h2::serve_connection(listener, TokioIo::new(io), peer, tls).await;
                }
                Plan::Reject(status) => {
                    reply(&mut io, &answer(status, "", true), true).await;
                    return;
                }
                Plan::Request { head_len, body, keep_alive, head_request, action } => {
                    (head_len, body, keep_alive, head_request, action)
                }
            };
        buf.advance(head_len);
        // After an answer of the proxy's own, a request body it may not have read (all or at
        // all) ends the connection.
        let close_after_answer = !keep_alive || body != Framing::Empty;
        match action {
            Action::Answer { status, text, routed } => {
                let out = answer(status, if head_request { "" } else { &text }, close_after_answer);
                if let Some(routed) = &routed {
                    idle = routed.route.idle_timeout;
                    finish(&listener, routed, who, status.as_u16(), Some(text.len() as u64), started);
                }
                if !reply(&mut io, &out, close_after_answer).await {
                    return;
                }
            }
            Action::Forward { to, tls: tls_to_target, out, routed } => {
                idle = routed.route.idle_timeout;
                // Counted until the response's last byte is read: what a deregistered target drains.
                let in_flight = routed.slot.map(|slot| slot.begin());
                let pool = &listener.client.h1;
                let sent = exchange(
                    pool,
                    (to, tls_to_target),
                    &out,
                    (body, head_request, !keep_alive),
                    &mut buf,
                    &mut io,
                    (&mut deadline, idle),
                )
                .await;
                // Kept for the next head unless a large head grew it: an idle connection holds
                // no more than a usual head's room.
                if out.capacity() <= 4096 {
                    spare = out;
                }
                let mut routed = routed;
                let (mut conn, start) = match sent {
                    Ok(answered) => {
                        routed.saw(Seen::Answered);
                        answered
                    }
                    Err(Failed::Client) => return,
                    Err(Failed::Target(seen)) => {
                        routed.saw(seen);
                        let status = Failed::status(seen);
                        let text =
                            if status == StatusCode::GATEWAY_TIMEOUT { "Gateway Timeout\n" } else { "Bad Gateway\n" };
                        finish(&listener, &routed, who, status.as_u16(), Some(text.len() as u64), started);
                        if !reply(&mut io, &answer(status, text, close_after_answer), close_after_answer).await {
                            return;
                        }
                        continue;
                    }
                };
                finish(&listener, &routed, who, start.status, start.content_length, started);
                let ends = start.framing == Framing::UntilClose || !keep_alive;
                let copied = relay(
                    start.framing,
                    &mut conn.buf,
                    (&mut conn.io, &mut io),
                    &start.out,
                    (&mut deadline, idle, None),
                    in_flight,
                )
                .await;
                if copied.is_err() {
                    return;
                }
                if start.reusable {
                    pool.give_back(to, tls_to_target, conn);
                }
                if ends {
                    let _ = io.shutdown().await;
                    return;
                }
            }
        }
    }
}

/// A connection with bytes already read from it put back in front, for hyper.
struct Prefixed<IO> {
    prefix: Bytes,
    io: IO,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Prefixed<IO> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.prefix.is_empty() {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let n = this.prefix.len().min(buf.remaining());
        buf.put_slice(&this.prefix[..n]);
        this.prefix.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Prefixed<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client connection that notes, with each write, how many requests its target has.
    struct Watching {
        slot: Arc<lattice_runtime::health::Slot>,
        writes: Vec<(Vec<u8>, u32)>,
    }

    impl AsyncWrite for Watching {
        fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            this.writes.push((buf.to_vec(), this.slot.in_flight()));
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_request_leaves_its_targets_count_before_the_client_gets_the_last_byte() {
        let cases: [(Framing, &[u8], &[u8], u32); 3] = [
            (Framing::Length(10), b"hello", b"world", 0),
            (Framing::Chunked, b"5\r\nhello\r\n", b"0\r\n\r\n", 0),
            // Until close: the end is the target closing, after the last write; the client
            // sees the end when the proxy closes, after `relay` returns.
            (Framing::UntilClose, b"hello", b"world", 1),
        ];
        for (framing, first, rest, counted_at_last) in cases {
            let slot = Arc::new(lattice_runtime::health::Slot::default());
            let mut client = Watching { slot: slot.clone(), writes: vec![] };
            let mut buf = BytesMut::from(first);
            let mut target: &[u8] = rest;
            let head = b"HTTP/1.1 200 OK\r\n\r\n";
            let in_flight = Some(slot.begin());
            let mut deadline = Deadline::new(Instant::now() + Duration::from_secs(5));
            let wait = (&mut deadline, Duration::from_secs(5), None);
            let relayed = relay(framing, &mut buf, (&mut target, &mut client), head, wait, in_flight);
            assert!(relayed.await.is_ok(), "{framing:?}");
            let counts: Vec<u32> = client.writes.iter().map(|(_, n)| *n).collect();
            assert_eq!(counts, vec![1, counted_at_last], "{framing:?}: counted while more is to come");
            assert!(client.writes[1].0.ends_with(rest), "{framing:?}");
            assert_eq!(slot.in_flight(), 0, "{framing:?}: no longer counted once relayed");
        }
    }

    #[test]
    fn every_header_lattice_sets_or_hop_by_hop_is_stripped_in_any_case() {
        for name in proxy::LATTICE_SET.iter().chain(&proxy::HOP_BY_HOP) {
            assert!(stripped(name) && stripped(&name.to_ascii_uppercase()), "{name}");
        }
        for name in ["host", "accept", "content-length", "x-amz-date", "authorization", "", "t", "x"] {
            assert!(!stripped(name), "{name}");
        }
    }

    #[test]
    fn headers_are_copied_as_each_would_be_written() {
        let heads: [&[u8]; 6] = [
            b"GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Forwarded-For: 1.2.3.4\r\nUser-Agent: t\r\n\r\n",
            // Spacing, case and line ends that are not written back as they came.
            b"GET / HTTP/1.1\r\nHost:a\r\nAccept:   */*  \r\nx-empty:\r\nconnection: close\nZ: 1\r\n\r\n",
            b"GET / HTTP/1.1\r\nconnection: keep-alive\r\nte: trailers\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: 1\r\nB: \r\nC: 3\r\n\r\n",
            b"GET / HTTP/1.1\nA: 1\nB: 2\n\n",
            b"GET / HTTP/1.1\r\n\r\n",
        ];
        for head in heads {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut req = httparse::Request::new(&mut headers);
            assert!(req.parse(head).unwrap().is_complete());
            for keep in [stripped as fn(&str) -> bool, |_: &str| true, |_: &str| false] {
                let keep = |name: &str| !keep(name);
                let mut written = Vec::new();
                for h in req.headers.iter().filter(|h| keep(h.name)) {
                    put_header(&mut written, h.name, h.value);
                }
                let mut copied = Vec::new();
                copy_headers(&mut copied, head, req.headers, keep);
                assert_eq!(String::from_utf8_lossy(&copied), String::from_utf8_lossy(&written));
            }
        }
    }

    #[test]
    fn a_head_is_complete_at_its_empty_line() {
        assert!(head_complete(b"GET / HTTP/1.1\r\nhost: a\r\n\r\n"));
        assert!(head_complete(b"GET / HTTP/1.1\nhost: a\n\n"));
        assert!(!head_complete(b"GET / HTTP/1.1\r\nhost: a\r\n"));
        assert!(!head_complete(b"GET / HTTP/1.1\r\nhost: a\r\n\r"));
    }

    #[test]
    fn answers_carry_length_type_and_close() {
        let out = answer(StatusCode::FORBIDDEN, "denied\n", true);
        assert_eq!(
            &out[..],
            b"HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 7\r\nconnection: close\r\n\r\ndenied\n"
        );
        let out = answer(StatusCode::NO_CONTENT, "", false);
        assert_eq!(&out[..], b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n");
    }
}
