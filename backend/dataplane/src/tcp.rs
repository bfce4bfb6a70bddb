//! The resource gateway's TCP forwarder: a listening socket per (resource address, port) in a
//! consumer VPC. Each connection is looked up in the current snapshot, then forwarded raw to
//! the resource from the gateway's own source address, so the resource sees the gateway. DNS
//! resources are resolved on every connection. A half-close travels on to the other side; a
//! reset is passed on as a reset.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use lattice_model::resources::{ResourceRoute, ResourceTarget};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

use crate::Served;

/// How long connecting to a resource may take.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One listening socket: connections to `ip:port` in `vpc_id`.
pub(crate) struct Forwarder {
    pub vpc_id: String,
    pub ip: Ipv4Addr,
    /// The port clients address (the socket may be offset).
    pub port: u16,
    pub served: watch::Receiver<Served>,
}

pub(crate) async fn serve(socket: TcpListener, forwarder: Forwarder) {
    let forwarder = Arc::new(forwarder);
    loop {
        let (client, peer) = match socket.accept().await {
            Ok((client, peer)) => (client, lattice_model::snapshot::client_address(peer, forwarder.ip)),
            Err(e) => {
                tracing::debug!(error = %e, "resource accept failed");
                continue;
            }
        };
        if !crate::admitted(&forwarder.served, &forwarder.vpc_id, peer, (forwarder.ip, forwarder.port)) {
            let _ = client.set_zero_linger();
            continue;
        }
        let forwarder = forwarder.clone();
        tokio::spawn(async move {
            if let Err(e) = forward(&forwarder, client, peer).await {
                tracing::debug!(error = %e, %peer, "resource connection ended");
            }
        });
    }
}

/// The resource this socket serves now.
fn served_route(served: &Served, forwarder: &Forwarder) -> Option<Arc<ResourceRoute>> {
    let view = served.snapshot.vpcs.get(&forwarder.vpc_id)?;
    view.resource_at(forwarder.ip).filter(|r| r.accepts(forwarder.port)).cloned()
}

/// The resource this socket serves now, and (for an `IN_VPC` gateway) the answer of the
/// gateway VPC's resolver for a DNS resource.
fn lookup(forwarder: &Forwarder) -> Option<(Arc<ResourceRoute>, Option<Ipv4Addr>)> {
    let served = forwarder.served.borrow();
    let route = served_route(&served, forwarder)?;
    let in_vpc = match (&route.target, route.gateway.in_vpc_dns) {
        (ResourceTarget::Dns(name), true) => {
            served.snapshot.vpcs.get(&route.gateway.vpc_id).and_then(|gw_vpc| gw_vpc.dns_answer(name))
        }
        _ => None,
    };
    Some((route, in_vpc))
}

/// Where to connect: the resource's address, or its name resolved now.
async fn destination(route: &ResourceRoute, in_vpc: Option<Ipv4Addr>, port: u16) -> io::Result<SocketAddr> {
    match (&route.target, in_vpc) {
        (ResourceTarget::Ip(ip), _) => Ok(SocketAddr::new(*ip, port)),
        (ResourceTarget::Dns(_), Some(ip)) => Ok(SocketAddr::from((ip, port))),
        (ResourceTarget::Dns(name), None) => tokio::net::lookup_host((name.as_str(), port))
            .await?
            .find(|a| a.is_ipv4())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{name} has no IPv4 address"))),
    }
}

async fn forward(forwarder: &Forwarder, mut client: TcpStream, peer: SocketAddr) -> io::Result<()> {
    let (mut upstream, key) = match connect(forwarder).await {
        Ok(x) => x,
        Err(e) => {
            // Nothing to reach: the client sees a reset, as from a closed port.
            let _ = client.set_zero_linger();
            return Err(e);
        }
    };
    let _ = (client.set_nodelay(true), upstream.set_nodelay(true));
    tracing::debug!(%peer, "resource connection");
    let result = tokio::select! {
        copied = tokio::io::copy_bidirectional(&mut client, &mut upstream) => copied.map(drop),
        () = withdrawn(forwarder, &key) => {
            Err(io::Error::new(io::ErrorKind::ConnectionAborted, "the resource is no longer reachable from this VPC"))
        }
    };
    if result.is_err() {
        // One side reset (or failed), or access was withdrawn: reset both, not a clean close.
        let _ = client.set_zero_linger();
        let _ = upstream.set_zero_linger();
    }
    result
}

/// Returns once the snapshot no longer serves the resource `key` at this socket (its
/// association, share or configuration went away): live connections are cut, as Lattice does.
async fn withdrawn(forwarder: &Forwarder, key: &str) {
    let mut served = forwarder.served.clone();
    while served.changed().await.is_ok() {
        if served_route(&served.borrow(), forwarder).is_none_or(|route| route.key != key) {
            return;
        }
    }
    std::future::pending().await
}

/// A connection to the resource this socket serves, from its gateway's address, and the
/// resource's key.
async fn connect(forwarder: &Forwarder) -> io::Result<(TcpStream, String)> {
    let (route, in_vpc) =
        lookup(forwarder).ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no resource is served here"))?;
    let to = destination(&route, in_vpc, forwarder.port).await?;
    // The resource sees the gateway's address, as in Lattice.
    connect_from(route.gateway.source_ip, to).await.map(|s| (s, route.key.clone()))
}

/// A connection to `to` from `source` (when `to` is on loopback, where the VPC blocks are),
/// given up after [`CONNECT_TIMEOUT`].
pub(crate) async fn connect_from(source: Ipv4Addr, to: SocketAddr) -> io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    if to.ip().is_loopback() {
        socket.bind(SocketAddr::from((source, 0)))?;
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(to)).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, format!("connecting to {to} timed out"))),
    }
}
