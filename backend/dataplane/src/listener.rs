//! The accept loop of an HTTP listener (per VPC address and port): each connection is handed
//! to a worker and, by its first bytes, to TLS passthrough (`passthrough`), the HTTP/1 fast path
//! (`h1`) or hyper (`h2`), behind the security groups of its door.

use hyper_util::rt::TokioIo;
use std::sync::Arc;

use lattice_model::snapshot::Admission;
use tokio::net::TcpListener;
use tracing::Instrument;

use crate::proxy::*;
use crate::tls::TlsInfo;

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
        if !crate::admitted(&listener.served, &listener.vpc, peer, (listener.ip, listener.port)) {
            let _ = stream.set_zero_linger();
            continue;
        }
        let _ = stream.set_nodelay(true);
        let conn = listener.clone();
        // One span per connection, with its addresses (disabled below debug: free).
        let span = tracing::debug_span!("connection", vpc = %listener.vpc, %peer, port = listener.port);
        let served = listener.workers.spawn(stream, move |stream| {
            async move {
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
                        crate::h2::serve_connection(listener, TokioIo::new(stream), peer, info).await;
                    } else {
                        crate::h1::serve(listener, stream, peer, info).await;
                    }
                } else {
                    crate::h1::serve(listener, stream, peer, None).await;
                }
            }
            .instrument(span)
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
    let door = served.snapshot.vpcs.get(&listener.vpc).and_then(|view| view.door(listener.ip));
    match door.map(|door| door.admit(host, listener.port, Some(host))) {
        Some(Admission::Admitted(route, _)) => route.idle_timeout,
        _ => crate::h1::IDLE,
    }
}
