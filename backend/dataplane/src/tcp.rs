//! The resource gateway's TCP forwarder: a listening socket per (resource address, port) in a
//! consumer VPC. Each connection is looked up in the current snapshot, then forwarded raw to
//! the resource from the gateway's own source address, so the resource sees the gateway. DNS
//! resources are resolved on every connection. A half-close travels on to the other side; a
//! reset is passed on as a reset. Each socket's accept loop also follows the snapshot and aborts
//! its connections when access to their resource is withdrawn (the connections themselves only
//! copy bytes). Inside a VPC's namespace one more socket takes what its redirect rules send
//! (wide port ranges, `CIDR` resources): there the original destination names the resource.

use std::collections::HashSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lattice_model::resources::{ResourceRoute, ResourceTarget};
use lattice_model::snapshot::{from_link_local, CLIENT_OCTET};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

use crate::Served;

/// How long connecting to a resource may take.
pub(crate) const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One listening socket: connections to `ip:port` in `vpc_id`.
pub(crate) struct Forwarder {
    /// The VPC's key in the snapshot (`account:id`).
    pub vpc: String,
    pub ip: Ipv4Addr,
    /// The port clients address (the socket may be offset).
    pub port: u16,
    pub served: watch::Receiver<Served>,
    pub access_log: crate::access_log::AccessLog,
    /// Where accepted connections run.
    pub workers: Arc<crate::workers::Workers>,
}

pub(crate) async fn serve(socket: TcpListener, forwarder: Forwarder) {
    let forwarder = Arc::new(forwarder);
    let live = Arc::new(Live::default());
    // When the socket closes (the resource is no longer served here), its connections go too.
    let _cut = CutOnDrop(live.clone());
    let mut changes = forwarder.served.clone();
    loop {
        let (client, peer) = tokio::select! {
            accepted = socket.accept() => match accepted {
                Ok((client, peer)) => (client, lattice_model::snapshot::client_address(peer, forwarder.ip)),
                Err(e) => {
                    tracing::debug!(error = %e, "resource accept failed");
                    continue;
                }
            },
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                // Access withdrawn (association, share or configuration gone): cut, as Lattice does.
                let now = served_route(&changes.borrow_and_update(), &forwarder).map(|r| r.key.clone());
                live.cut_all_but(|key| Some(key) == now.as_deref());
                continue;
            }
        };
        if !crate::admitted(&forwarder.served, &forwarder.vpc, peer, (forwarder.ip, forwarder.port)) {
            let _ = client.set_zero_linger();
            continue;
        }
        let Some(found) = lookup(&forwarder) else {
            // Nothing to reach: the client sees a reset, as from a closed port.
            let _ = client.set_zero_linger();
            continue;
        };
        let asked = SocketAddr::from((forwarder.ip, forwarder.port));
        let (key, access_log) = (found.0.key.clone(), forwarder.access_log.clone());
        match forwarder.workers.spawn(client, move |client| forward(access_log, client, (peer, asked), found)) {
            Ok(task) => live.add(key, task),
            Err(e) => tracing::debug!(error = %e, %peer, "resource connection dropped"),
        }
    }
}

/// The socket a VPC namespace's redirect rules lead to ([`crate::netns::redirect_rules`]): a
/// connection's original destination is a resource's address (169.254.171.N or its IPv6 twin)
/// on a port of a range too wide for a socket each, or an address of a `CIDR` resource.
pub(crate) struct Redirected {
    /// The VPC's key in the snapshot (`account:id`).
    pub vpc: String,
    pub served: watch::Receiver<Served>,
    pub access_log: crate::access_log::AccessLog,
    pub workers: Arc<crate::workers::Workers>,
}

pub(crate) async fn serve_redirected(socket: TcpListener, redirected: Redirected) {
    let live = Arc::new(Live::default());
    let _cut = CutOnDrop(live.clone());
    let mut changes = redirected.served.clone();
    loop {
        let (client, peer) = tokio::select! {
            accepted = socket.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::debug!(error = %e, "redirected accept failed");
                    continue;
                }
            },
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                let served = changes.borrow_and_update();
                let keys: HashSet<&str> = served.snapshot.vpcs.get(&redirected.vpc).map_or_else(HashSet::new, |view| {
                    let addressed = view.resources().map(|(_, r)| r.key.as_str());
                    addressed.chain(view.cidr_resources().map(|r| r.key.as_str())).collect()
                });
                live.cut_all_but(|key| keys.contains(key));
                continue;
            }
        };
        let asked = crate::netns::original_destination(&client);
        let Some((found, asked, peer)) = asked.ok().and_then(|asked| redirected_lookup(&redirected, asked, peer))
        else {
            // Not a resource (or not admitted): a reset, as from a closed port.
            let _ = client.set_zero_linger();
            continue;
        };
        let (key, access_log) = (found.0.key.clone(), redirected.access_log.clone());
        match redirected.workers.spawn(client, move |client| forward(access_log, client, (peer, asked), found)) {
            Ok(task) => live.add(key, task),
            Err(e) => tracing::debug!(error = %e, %peer, "resource connection dropped"),
        }
    }
}

/// What a redirected connection to `asked` reaches, as the VPC's client (`.250` of its block)
/// sees it: the resource, the address it asked for in the VPC's terms, and the client's address.
fn redirected_lookup(r: &Redirected, asked: SocketAddr, peer: SocketAddr) -> Option<(Found, SocketAddr, SocketAddr)> {
    let served = r.served.borrow();
    let view = served.snapshot.vpcs.get(&r.vpc)?;
    let [a, b, c, _] = view.service_ip.octets();
    let client = SocketAddr::from((Ipv4Addr::new(a, b, c, CLIENT_OCTET), peer.port()));
    let port = asked.port();
    let (route, asked) = match from_link_local(asked.ip(), view.service_ip) {
        Some(ip) => {
            let route = view.resource_at(ip).filter(|r| r.accepts(port))?;
            view.admits(client.ip(), ip, port).then_some((route, SocketAddr::from((ip, port))))?
        }
        None => {
            let (route, firewall) = view.cidr_resource(asked.ip(), port)?;
            lattice_model::firewall::admits(firewall, client.ip(), port).then_some((route, asked))?
        }
    };
    let in_vpc = resolved_in_vpc(&served, route);
    Some(((route.clone(), in_vpc, view.vpc_arn.clone()), asked, client))
}

/// The connections of one socket, by the resource key they were opened for.
#[derive(Default)]
struct Live(std::sync::Mutex<Connections>);

#[derive(Default)]
struct Connections {
    open: Vec<(String, tokio::task::AbortHandle)>,
    /// Finished connections are dropped from `open` when it reaches this length (then twice the
    /// survivors): each accept costs O(1) amortized, not a scan of every connection.
    prune_at: usize,
}

impl Live {
    fn add(&self, key: String, task: tokio::task::AbortHandle) {
        if let Ok(mut live) = self.0.lock() {
            if live.open.len() >= live.prune_at {
                live.open.retain(|(_, t)| !t.is_finished());
                live.prune_at = (live.open.len() * 2).max(64);
            }
            live.open.push((key, task));
        }
    }

    /// Aborts every connection not opened for a key `keep` accepts: its sockets close with a reset.
    fn cut_all_but(&self, keep: impl Fn(&str) -> bool) {
        if let Ok(mut live) = self.0.lock() {
            live.open.retain(|(key, task)| {
                let stays = keep(key) && !task.is_finished();
                if !stays {
                    task.abort();
                }
                stays
            });
        }
    }
}

struct CutOnDrop(Arc<Live>);

impl Drop for CutOnDrop {
    fn drop(&mut self) {
        self.0.cut_all_but(|_| false);
    }
}

/// The resource this socket serves now.
fn served_route(served: &Served, forwarder: &Forwarder) -> Option<Arc<ResourceRoute>> {
    let view = served.snapshot.vpcs.get(&forwarder.vpc)?;
    view.resource_at(forwarder.ip).filter(|r| r.accepts(forwarder.port)).cloned()
}

/// A connection's resource, (for an `IN_VPC` gateway) the answer of the gateway VPC's resolver
/// for a DNS resource, and the client VPC's ARN.
type Found = (Arc<ResourceRoute>, Option<Ipv4Addr>, String);

/// The resource this socket serves now, with what [`Found`] carries.
fn lookup(forwarder: &Forwarder) -> Option<Found> {
    let served = forwarder.served.borrow();
    let view = served.snapshot.vpcs.get(&forwarder.vpc)?;
    let route = view.resource_at(forwarder.ip).filter(|r| r.accepts(forwarder.port))?;
    Some((route.clone(), resolved_in_vpc(&served, route), view.vpc_arn.clone()))
}

/// For a DNS resource behind an `IN_VPC` gateway, the gateway VPC's answer for its name.
fn resolved_in_vpc(served: &Served, route: &ResourceRoute) -> Option<Ipv4Addr> {
    match (&route.target, route.gateway.in_vpc_dns) {
        (ResourceTarget::Dns(name), true) => {
            served.snapshot.vpcs.get(&route.gateway.vpc_key).and_then(|gw_vpc| gw_vpc.dns_answer(name))
        }
        _ => None,
    }
}

/// Where to connect for a client that asked for `asked`: the resource's address, its name
/// resolved now, or (a `CIDR` resource) the address asked for.
async fn destination(route: &ResourceRoute, in_vpc: Option<Ipv4Addr>, asked: SocketAddr) -> io::Result<SocketAddr> {
    let port = asked.port();
    match (&route.target, in_vpc) {
        (ResourceTarget::Cidr(_), _) => Ok(asked),
        (ResourceTarget::Ip(ip), _) => Ok(SocketAddr::new(*ip, port)),
        (ResourceTarget::Dns(_), Some(ip)) => Ok(SocketAddr::from((ip, port))),
        (ResourceTarget::Dns(name), None) => tokio::net::lookup_host((name.as_str(), port))
            .await?
            .find(|a| a.is_ipv4())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{name} has no IPv4 address"))),
    }
}

/// Forwards one accepted connection from `peer`, which asked for `asked`, to the resource `found`
/// names; logs why it ended.
async fn forward(
    access_log: crate::access_log::AccessLog,
    client: TcpStream,
    (peer, asked): (SocketAddr, SocketAddr),
    found: Found,
) {
    match relay(&access_log, client, (peer, asked), found).await {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            tracing::info!(error = %e, %peer, "resource connection refused")
        }
        Err(e) => tracing::debug!(error = %e, %peer, "resource connection ended"),
        Ok(()) => {}
    }
}

async fn relay(
    access_log: &crate::access_log::AccessLog,
    mut client: TcpStream,
    (peer, asked): (SocketAddr, SocketAddr),
    (route, in_vpc, source_vpc_arn): Found,
) -> io::Result<()> {
    let started = std::time::SystemTime::now();
    // Until the relay ends cleanly, closing either socket resets it: a failure, a reset from the
    // other side, or the task being aborted because access was withdrawn.
    let _ = client.set_zero_linger();
    let to = destination(&route, in_vpc, asked).await?;
    if !route.gateway.may_connect(to) {
        let why = format!("the security groups of {} allow no egress to {to}", route.gateway.id);
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, why));
    }
    // The resource sees one of the gateway's addresses, as in Lattice.
    let mut upstream = in_turn(&route.gateway.source_ips, |ip| connect_from(ip, to)).await?;
    let _ = upstream.set_zero_linger();
    let _ = (client.set_nodelay(true), upstream.set_nodelay(true));
    tracing::debug!(%peer, "resource connection");
    if !route.log_destinations.is_empty() {
        let record = ConnectionRecord {
            event_timestamp: lattice_api::rfc3339(started),
            service_network_arn: route.service_network_arn.as_deref().unwrap_or("-"),
            service_network_resource_association_id: route.via_association().unwrap_or("-"),
            vpc_endpoint_id: route.via_endpoint().unwrap_or("-"),
            source_vpc_arn: &source_vpc_arn,
            resource_configuration_arn: &route.resource_configuration_arn,
            protocol: "tcp",
            source_ip_port: peer.to_string(),
            destination_ip_port: asked.to_string(),
            gateway_ip_port: upstream.local_addr().map_or_else(|_| "-".into(), |a| a.to_string()),
            resource_ip_port: upstream.peer_addr().map_or_else(|_| "-".into(), |a| a.to_string()),
        };
        if let Ok(line) = serde_json::to_string(&record) {
            access_log.record([Some(route.log_destinations.clone()), None], line.as_bytes());
        }
    }
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    // Both sides closed their halves: a clean close, not a reset.
    for stream in [&client, &upstream] {
        let _ = rustix::net::sockopt::set_socket_linger(stream, None);
    }
    Ok(())
}

/// One resource access-log record: a connection through the gateway, with Lattice's
/// `VpcLatticeResourceAccessLogs` field names.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionRecord<'a> {
    event_timestamp: String,
    service_network_arn: &'a str,
    service_network_resource_association_id: &'a str,
    vpc_endpoint_id: &'a str,
    source_vpc_arn: &'a str,
    resource_configuration_arn: &'a str,
    protocol: &'static str,
    source_ip_port: String,
    destination_ip_port: String,
    gateway_ip_port: String,
    resource_ip_port: String,
}

/// Spreads connections over the gateway addresses.
static NEXT_SOURCE: AtomicUsize = AtomicUsize::new(0);

/// `connect` from the next of a gateway's `sources`, or, when that address has no local port
/// left, from the ones after it: as in Lattice, a gateway's addresses bound how many connections
/// it holds at once.
async fn in_turn<T, F, Fut>(sources: &[Ipv4Addr], mut connect: F) -> io::Result<T>
where
    F: FnMut(Ipv4Addr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let start = NEXT_SOURCE.fetch_add(1, Ordering::Relaxed);
    let mut last = io::Error::new(io::ErrorKind::AddrNotAvailable, "the gateway has no address");
    for k in 0..sources.len() {
        match connect(sources[(start + k) % sources.len()]).await {
            Err(e) if matches!(e.kind(), io::ErrorKind::AddrInUse | io::ErrorKind::AddrNotAvailable) => last = e,
            done => return done,
        }
    }
    Err(last)
}

/// A connection to `to` from `source` (when `to` is on loopback, where the VPC blocks are),
/// given up after [`CONNECT_TIMEOUT`].
pub(crate) async fn connect_from(source: Ipv4Addr, to: SocketAddr) -> io::Result<TcpStream> {
    let socket = if to.is_ipv6() { TcpSocket::new_v6()? } else { TcpSocket::new_v4()? };
    if to.ip().is_loopback() && to.is_ipv4() {
        socket.bind(SocketAddr::from((source, 0)))?;
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(to)).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, format!("connecting to {to} timed out"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Ipv4Addr {
        Ipv4Addr::new(127, 1, 0, last)
    }

    #[tokio::test]
    async fn connections_take_the_gateway_addresses_in_turn_and_skip_exhausted_ones() {
        let sources = [ip(200), ip(201), ip(202)];
        let mut seen = Vec::new();
        for _ in 0..6 {
            seen.push(in_turn(&sources, |a| async move { Ok::<_, io::Error>(a) }).await.unwrap());
        }
        for a in sources {
            assert_eq!(seen.iter().filter(|s| **s == a).count(), 2, "{seen:?}");
        }

        // An address without a free local port is skipped; other failures are the answer.
        let exhausted = |a: Ipv4Addr| async move {
            if a == ip(201) {
                Ok(a)
            } else {
                Err(io::Error::from(io::ErrorKind::AddrInUse))
            }
        };
        for _ in 0..3 {
            assert_eq!(in_turn(&sources, exhausted).await.unwrap(), ip(201));
        }
        let refused = |_| async { Err::<Ipv4Addr, _>(io::Error::from(io::ErrorKind::ConnectionRefused)) };
        assert_eq!(in_turn(&sources, refused).await.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
        let none = |_| async { Err::<Ipv4Addr, _>(io::Error::from(io::ErrorKind::AddrNotAvailable)) };
        assert_eq!(in_turn(&sources, none).await.unwrap_err().kind(), io::ErrorKind::AddrNotAvailable);
    }
}
