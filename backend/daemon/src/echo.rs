//! `lattice-local echo`: a demo target that answers every request with what it received, so
//! a curl through Lattice shows the path it took and the headers Lattice added. It speaks
//! HTTP/1.1 and HTTP/2 (h2c, or ALPN over TLS with `--tls` and a self-signed certificate).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;

/// A TLS acceptor with a certificate for `localhost` and 127.0.0.1 from a throwaway CA.
fn acceptor() -> Result<tokio_rustls::TlsAcceptor> {
    let ca = lattice_runtime::ca::LocalCa::generate()?;
    let (cert, key, _, _) = ca.issue(&["localhost".into(), "127.0.0.1".into()])?;
    let chain = CertificateDer::pem_slice_iter(cert.as_bytes()).collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes())?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the echo certificate is unusable")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

pub(crate) async fn run(listen: SocketAddr, message: String, tls: bool) -> Result<()> {
    let listener = TcpListener::bind(listen).await?;
    let acceptor = if tls { Some(acceptor()?) } else { None };
    // The one line scripts wait for: where the echo server listens.
    println!("{}", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        let message = message.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve(TokioIo::new(stream), peer, message, true).await;
                    }
                }
                None => serve(TokioIo::new(stream), peer, message, false).await,
            }
        });
    }
}

async fn serve<IO>(io: IO, peer: SocketAddr, message: String, tls: bool)
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let message = message.clone();
        async move {
            let headers: serde_json::Map<String, serde_json::Value> =
                req.headers().iter().filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.into()))).collect();
            let body = serde_json::json!({
                "message": message,
                "method": req.method().as_str(),
                "path": req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/"),
                "peer": peer.to_string(),
                "version": format!("{:?}", req.version()),
                "tls": tls,
                "headers": headers,
            });
            let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
            text.push('\n');
            Ok::<_, Infallible>(
                Response::builder()
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(text)))
                    .unwrap_or_default(),
            )
        }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let _ = builder.serve_connection(io, service).await;
}
