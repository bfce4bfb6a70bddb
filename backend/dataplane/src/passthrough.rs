//! TLS passthrough listeners: the server name of a connection's ClientHello (read without
//! consuming it) picks the service, as Lattice routes them; the TLS session is then relayed byte
//! for byte to a target of the listener's TCP target groups, for at most ten minutes.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lattice_model::route;
use lattice_model::snapshot::RouteAction;
use lattice_runtime::health::{Seen, Slot};
use tokio::net::TcpStream;

use crate::proxy::Listener;

/// Lattice ends passthrough connections after ten minutes.
const MAX_DURATION: Duration = Duration::from_secs(600);
/// The most of a ClientHello that is waited for.
const MAX_HELLO: usize = 16 * 1024;

/// What a TLS connection on a listener port is.
pub(crate) enum Route {
    /// Not for a passthrough listener: terminate TLS as usual.
    Terminate,
    /// For a passthrough listener, relayed to this target (counted in its cell while relayed,
    /// so a deregistered target drains).
    Relay(SocketAddr, Option<Arc<Slot>>),
    /// For a passthrough listener that refuses it (auth, no target): reset.
    Refuse,
}

/// The server name in the ClientHello at the head of `stream`, without consuming it.
async fn server_name(stream: &TcpStream) -> Option<String> {
    let mut buf = vec![0u8; MAX_HELLO];
    for _ in 0..50 {
        let n = stream.peek(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        let mut acceptor = rustls::server::Acceptor::default();
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            if acceptor.read_tls(&mut rest).ok()? == 0 {
                break;
            }
        }
        match acceptor.accept() {
            Ok(Some(accepted)) => return accepted.client_hello().server_name().map(str::to_ascii_lowercase),
            // Not all of it has arrived yet.
            Ok(None) if n < MAX_HELLO => tokio::time::sleep(Duration::from_millis(2)).await,
            _ => return None,
        }
    }
    None
}

/// Where a TLS connection on `listener`'s port goes.
pub(crate) async fn route(listener: &Listener, stream: &TcpStream) -> Route {
    let door_has_passthrough = {
        let served = listener.served.borrow();
        let door = served.snapshot.vpcs.get(&listener.vpc).and_then(|v| v.door(listener.ip));
        door.is_some_and(|d| d.has_passthrough(listener.port))
    };
    if !door_has_passthrough {
        return Route::Terminate;
    }
    let Some(sni) = server_name(stream).await else { return Route::Terminate };
    let served = listener.served.borrow();
    let Some(door) = served.snapshot.vpcs.get(&listener.vpc).and_then(|v| v.door(listener.ip)) else {
        return Route::Terminate;
    };
    let Some((service, lr)) = door.passthrough(&sni, listener.port) else { return Route::Terminate };
    let now = time::OffsetDateTime::now_utc;
    if route::relayed(door, service, &served.snapshot.identities, listener.port, now, &mut |_, _| {}).refused.is_some()
    {
        return Route::Refuse;
    }
    match &lr.action {
        RouteAction::Forward(forward) => {
            forward.pick().map_or(Route::Refuse, |pick| Route::Relay(pick.addr, pick.slot.cloned()))
        }
        RouteAction::Fixed { .. } => Route::Refuse,
    }
}

/// Relays `client` to `to` until both sides close, a side resets, or ten minutes pass.
pub(crate) async fn relay(mut client: TcpStream, to: SocketAddr, slot: Option<Arc<Slot>>) {
    let _in_flight = slot.as_ref().map(Slot::begin);
    let upstream = tokio::time::timeout(crate::tcp::CONNECT_TIMEOUT, TcpStream::connect(to)).await;
    let mut upstream = match upstream {
        Ok(Ok(s)) => s,
        failed => {
            if let Some(slot) = &slot {
                slot.saw(match failed {
                    Ok(Err(e)) => Seen::of_error(&e),
                    _ => Seen::TimedOut,
                });
            }
            let _ = client.set_zero_linger();
            return;
        }
    };
    if let Some(slot) = &slot {
        slot.saw(Seen::Answered);
    }
    let _ = upstream.set_nodelay(true);
    let copied = tokio::time::timeout(MAX_DURATION, tokio::io::copy_bidirectional(&mut client, &mut upstream)).await;
    let why = match copied {
        Ok(Ok(_)) => return,
        Ok(Err(e)) => e,
        Err(_) => io::Error::new(io::ErrorKind::TimedOut, "passthrough connections last ten minutes at most"),
    };
    tracing::debug!(error = %why, %to, "passthrough connection ended");
    let _ = client.set_zero_linger();
    let _ = upstream.set_zero_linger();
}
