//! Connections to targets: pooled keep-alive clients for HTTP/1.1 and HTTP/2 (prior knowledge
//! for plain HTTP2 / GRPC groups), in clear or over TLS. As in Lattice, TLS to targets does not
//! validate their certificates: self-signed targets work. HTTP/1.1 requests the fast path
//! (`h1`) forwards use [`ConnPool`] instead of hyper's client.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::ring::default_provider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Accepts any target certificate (Lattice does not validate them) but still checks that
/// the handshake is signed by the certificate's key.
#[derive(Debug)]
struct AnyCertificate(rustls::crypto::WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// TLS settings toward targets; `h2` offers HTTP/2 only (HTTP2 / GRPC groups).
pub(crate) fn client_tls(h2: bool) -> tokio_rustls::TlsConnector {
    let provider = default_provider();
    let verifier = AnyCertificate(provider.signature_verification_algorithms);
    let mut config = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = if h2 { vec![b"h2".to_vec()] } else { vec![b"http/1.1".to_vec()] };
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// A TLS connection to a target, usable by hyper's pooled client.
pub(crate) struct TlsConn(TokioIo<tokio_rustls::client::TlsStream<TcpStream>>);

impl Read for TlsConn {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl Write for TlsConn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl Connection for TlsConn {
    fn connected(&self) -> Connected {
        let h2 = self.0.inner().get_ref().1.alpn_protocol() == Some(b"h2");
        if h2 {
            Connected::new().negotiated_h2()
        } else {
            Connected::new()
        }
    }
}

/// Opens a TCP connection and a TLS session on it (the URI's host as SNI when it is a name).
pub(crate) async fn connect_tls(
    tls: &tokio_rustls::TlsConnector,
    stream: TcpStream,
    host: &str,
) -> io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_string()).map_err(io::Error::other)?;
    tls.connect(name, stream).await
}

#[derive(Clone)]
pub(crate) struct TlsConnector {
    tcp: HttpConnector,
    tls: tokio_rustls::TlsConnector,
}

impl tower_service::Service<Uri> for TlsConnector {
    type Response = TlsConn;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TlsConn>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let mut tcp = self.tcp.clone();
        let tls = self.tls.clone();
        Box::pin(async move {
            let host = uri.host().unwrap_or_default().to_string();
            // The TCP connector only dials http:// URIs; the TLS session is ours.
            let plain: Uri =
                format!("http://{}", uri.authority().map_or("", |a| a.as_str())).parse().map_err(io::Error::other)?;
            let io = tcp.call(plain).await.map_err(io::Error::other)?;
            let stream = connect_tls(&tls, io.into_inner(), &host).await?;
            Ok(TlsConn(TokioIo::new(stream)))
        })
    }
}

/// A connection to a target, in clear or over TLS.
pub(crate) enum TargetIo {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for TargetIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            TargetIo::Plain(s) => Pin::new(s).poll_read(cx, buf),
            TargetIo::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for TargetIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            TargetIo::Plain(s) => Pin::new(s).poll_write(cx, buf),
            TargetIo::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            TargetIo::Plain(s) => Pin::new(s).poll_flush(cx),
            TargetIo::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            TargetIo::Plain(s) => Pin::new(s).poll_shutdown(cx),
            TargetIo::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// An HTTP/1.1 connection to a target and what was read from it past the last response.
pub(crate) struct TargetConn {
    pub(crate) io: TargetIo,
    pub(crate) buf: bytes::BytesMut,
    born: Instant,
    /// Taken from the pool: the target may have closed it meanwhile.
    pub(crate) reused: bool,
}

impl TargetConn {
    /// True when the target has closed this idle connection or sent something unasked: bytes
    /// waiting on an idle connection (a response to a request the proxy never sent, say) would
    /// be read as the next client's response. The socket is peeked, not read, so TLS
    /// connections are looked into too; an idle connection with anything pending is unusable.
    ///
    /// The peek is a system call, so it is made only when the event loop has seen the socket
    /// readable since the last read drained it (a FIN, a reset or bytes all make it readable).
    /// A connection whose last read left it drained and that has had no event since is idle as
    /// far as the kernel has told: the usual case, checked for free. A peek that finds nothing
    /// marks the socket drained again, so the next check is free too. What arrives after the
    /// worker's event loop last polled is seen only once it polls again (within a round of its
    /// tasks); a peek has the same blind spot for what arrives just after it.
    pub(crate) fn looks_closed(&self) -> bool {
        let stream = match &self.io {
            TargetIo::Plain(s) => s,
            TargetIo::Tls(s) => s.get_ref().0,
        };
        let flags = rustix::net::RecvFlags::PEEK | rustix::net::RecvFlags::DONTWAIT;
        let peeked = stream.try_io(tokio::io::Interest::READABLE, || {
            rustix::net::recv(stream, &mut [0u8; 1], flags).map_err(io::Error::from)
        });
        !matches!(peeked, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

/// Lattice ends connections to targets after ten minutes; a pooled one older is not reused.
const MAX_CONNECTION_AGE: Duration = Duration::from_secs(600);
/// Idle connections kept per target.
const IDLE_PER_TARGET: usize = 64;

/// Idle connections are kept apart by worker (see [`crate::workers::current`]), address and TLS.
type PoolKey = (Option<usize>, SocketAddr, bool);

/// A pooled connection and when it went idle.
type IdleConn = (TargetConn, Instant);

/// Idle HTTP/1.1 connections to targets, by (worker, address, TLS), for the HTTP/1.1 fast
/// path: the request and response go through the connection in the client connection's own
/// task, and a connection is reused only on the worker whose event loop drives it.
pub(crate) struct ConnPool {
    idle: Mutex<HashMap<PoolKey, Vec<IdleConn>, foldhash::fast::RandomState>>,
    tls: tokio_rustls::TlsConnector,
}

impl ConnPool {
    fn new() -> Self {
        Self { idle: Mutex::default(), tls: client_tls(false) }
    }

    /// An idle connection to `to` that has been idle less than `idle_timeout` at `now`, if any.
    pub(crate) fn take(&self, to: SocketAddr, tls: bool, idle_timeout: Duration, now: Instant) -> Option<TargetConn> {
        let mut idle = self.idle.lock().ok()?;
        let conns = idle.get_mut(&(crate::workers::current(), to, tls))?;
        while let Some((mut conn, since)) = conns.pop() {
            let fresh = now.saturating_duration_since(since) < idle_timeout
                && now.saturating_duration_since(conn.born) < MAX_CONNECTION_AGE;
            if fresh && !conn.looks_closed() {
                conn.reused = true;
                return Some(conn);
            }
        }
        None
    }

    /// A new connection to `to` (TLS without certificate validation, as Lattice does).
    pub(crate) async fn connect(&self, to: SocketAddr, tls: bool) -> io::Result<TargetConn> {
        let stream = TcpStream::connect(to).await?;
        stream.set_nodelay(true)?;
        let io = if tls {
            TargetIo::Tls(Box::new(connect_tls(&self.tls, stream, &to.ip().to_string()).await?))
        } else {
            TargetIo::Plain(stream)
        };
        Ok(TargetConn { io, buf: bytes::BytesMut::with_capacity(8 * 1024), born: Instant::now(), reused: false })
    }

    /// Keeps a connection whose last exchange ended cleanly for the next request to `to`.
    pub(crate) fn give_back(&self, to: SocketAddr, tls: bool, conn: TargetConn) {
        let now = Instant::now();
        if !conn.buf.is_empty() || now.saturating_duration_since(conn.born) >= MAX_CONNECTION_AGE {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            let conns = idle.entry((crate::workers::current(), to, tls)).or_default();
            if conns.len() < IDLE_PER_TARGET {
                conns.push((conn, now));
            }
        }
    }
}

/// The pooled clients, one per (TLS, HTTP/2) combination a target group may ask for.
#[derive(Clone)]
pub(crate) struct Upstreams {
    /// HTTP/1.1 connections the fast path drives itself.
    pub(crate) h1: Arc<ConnPool>,
    http1: Client<HttpConnector, Incoming>,
    h2c: Client<HttpConnector, Incoming>,
    https: Client<TlsConnector, Incoming>,
    https_h2: Client<TlsConnector, Incoming>,
}

fn tcp() -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.enforce_http(false);
    connector
}

impl Upstreams {
    pub(crate) fn new() -> Self {
        let builder = || {
            let mut b = Client::builder(TokioExecutor::new());
            b.pool_max_idle_per_host(64);
            b
        };
        let tls = |h2| TlsConnector { tcp: tcp(), tls: client_tls(h2) };
        Self {
            h1: Arc::new(ConnPool::new()),
            http1: builder().build(tcp()),
            h2c: builder().http2_only(true).build(tcp()),
            https: builder().build(tls(false)),
            https_h2: builder().http2_only(true).build(tls(true)),
        }
    }

    /// Sends a request whose URI names the target, over the protocol its group speaks.
    pub(crate) async fn send(
        &self,
        req: hyper::Request<Incoming>,
        (tls, http2): (bool, bool),
    ) -> Result<hyper::Response<Incoming>, hyper_util::client::legacy::Error> {
        match (tls, http2) {
            (false, false) => self.http1.request(req).await,
            (false, true) => self.h2c.request(req).await,
            (true, false) => self.https.request(req).await,
            (true, true) => self.https_h2.request(req).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn pair() -> (TargetConn, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let to = listener.local_addr().unwrap();
        let pool = ConnPool::new();
        let (conn, accepted) = tokio::join!(pool.connect(to, false), listener.accept());
        (conn.unwrap(), accepted.unwrap().0)
    }

    /// Lets the event loop take in what the kernel has for the connection.
    async fn settle() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    #[tokio::test]
    async fn an_idle_connection_is_usable_until_the_target_closes_it_or_speaks_unasked() {
        // After an exchange whose read drained the socket: open and silent, so usable.
        let (mut conn, mut target) = pair().await;
        target.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.unwrap();
        let TargetIo::Plain(io) = &mut conn.io else { unreachable!() };
        assert!(io.read_buf(&mut conn.buf).await.unwrap() > 0);
        settle().await;
        assert!(!conn.looks_closed());

        // A read that filled its buffer leaves the socket marked readable: the peek finds it
        // drained.
        target.write_all(b"12345").await.unwrap();
        let TargetIo::Plain(io) = &mut conn.io else { unreachable!() };
        io.read_exact(&mut [0u8; 5]).await.unwrap();
        settle().await;
        assert!(!conn.looks_closed());

        // Closed by the target.
        drop(target);
        settle().await;
        assert!(conn.looks_closed());

        // Bytes nobody asked for.
        let (conn, mut target) = pair().await;
        assert!(!conn.looks_closed());
        target.write_all(b"HTTP/1.1 200 OK\r\n").await.unwrap();
        settle().await;
        assert!(conn.looks_closed());

        // Reset by the target.
        let (conn, target) = pair().await;
        target.set_zero_linger().unwrap();
        drop(target);
        settle().await;
        assert!(conn.looks_closed());
    }
}
