//! `lattice-local echo`: a demo target that answers every request with what it received, so
//! a curl through Lattice shows the path it took and the headers Lattice added.

use std::convert::Infallible;
use std::net::SocketAddr;

use anyhow::Result;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub(crate) async fn run(listen: SocketAddr, message: String) -> Result<()> {
    let listener = TcpListener::bind(listen).await?;
    // The one line scripts wait for: where the echo server listens.
    println!("{}", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        let message = message.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let message = message.clone();
                async move {
                    let headers: serde_json::Map<String, serde_json::Value> = req
                        .headers()
                        .iter()
                        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.into())))
                        .collect();
                    let body = serde_json::json!({
                        "message": message,
                        "method": req.method().as_str(),
                        "path": req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/"),
                        "peer": peer.to_string(),
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
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
