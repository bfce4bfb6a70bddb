//! The data plane: one DNS resolver per VPC and an HTTP proxy per (VPC, listener port). A
//! reconciler follows the published snapshots: for each one it opens the sockets the snapshot
//! needs, closes the ones it no longer needs, makes the snapshot current for request handlers,
//! and then reports the generation as served. It never reads the store or the control plane.

pub mod access_log;
mod deadline;
pub mod dns;
mod forward;
mod framing;
#[doc(hidden)]
pub mod fuzzing;
mod h1;
mod h2;
mod health;
mod idle;
mod lambda;
mod listener;
pub mod netns;
mod passthrough;
mod proxy;
mod tcp;
mod text;
mod tls;
mod upstream;
mod workers;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use lattice_model::snapshot::{link_local, link_local_v6, FORWARD_PROXY_PORT};
use lattice_model::Snapshot;
use lattice_runtime::bindings::{Namespaces, PortMap};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Data-plane settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port the VPC resolvers listen on (53 unless the OS refuses).
    pub dns_port: u16,
    /// Added to a port the OS refuses to bind (ports below 1024 without privileges).
    pub port_offset: u16,
    /// Where names outside Lattice's zones go; `None` answers REFUSED.
    pub upstream_dns: Option<SocketAddr>,
    /// Where access-log files are written (one per subscription destination).
    pub access_log_dir: std::path::PathBuf,
    /// Signs the certificates HTTPS listeners present for generated service names.
    pub ca: lattice_runtime::ca::LocalCa,
    /// Threads proxied connections run on (one per core when 0).
    pub workers: usize,
}

/// The snapshot request handlers currently serve.
#[derive(Debug, Clone)]
pub struct Served {
    pub snapshot: Arc<Snapshot>,
}

/// Raises the soft limit on open files to the hard limit: every proxied connection holds two
/// descriptors, and a soft limit of 1024 would cap the data plane near 500 connections.
pub fn raise_fd_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = Rlimit { current: limit.maximum, maximum: limit.maximum };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, "cannot raise the open-file limit");
        }
    }
}

/// Whether the security groups guarding `ip:port` of `vpc` admit a connection from `peer`.
/// Checked once per connection, on accept; a refused connection is reset (in AWS its packets
/// are dropped, which a client only notices after its connect timeout).
fn admitted(served: &watch::Receiver<Served>, vpc: &str, peer: SocketAddr, (ip, port): (Ipv4Addr, u16)) -> bool {
    let served = served.borrow();
    served.snapshot.vpcs.get(vpc).is_none_or(|view| view.admits(peer.ip(), ip, port))
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SocketKey {
    Dns {
        vpc: String,
        ip: Ipv4Addr,
    },
    Http {
        vpc: String,
        ip: Ipv4Addr,
        port: u16,
    },
    /// The VPC's forward proxy.
    Forward {
        vpc: String,
        ip: Ipv4Addr,
    },
    /// A resource's address and one of its ports.
    Tcp {
        vpc: String,
        ip: Ipv4Addr,
        port: u16,
    },
    /// The VPC resolver inside the VPC's namespace (at the block's `.2`).
    NsDns {
        vpc: String,
        ns: String,
        ip: Ipv4Addr,
    },
    /// Services inside the namespace: `ip` is the block's service address, served at its
    /// link-local twin (169.254.171.10).
    NsHttp {
        vpc: String,
        ns: String,
        ip: Ipv4Addr,
        port: u16,
        /// Served at the IPv6 twin (fd00:ec2:80::10) instead.
        v6: bool,
    },
    /// A resource inside the namespace: `ip` is its block address, served at 169.254.171.N (or
    /// fd00:ec2:80::N).
    NsTcp {
        vpc: String,
        ns: String,
        ip: Ipv4Addr,
        port: u16,
        v6: bool,
    },
    /// The socket the namespace's redirect rules lead to (127.0.0.1 or ::1, at
    /// [`netns::REDIRECT_PORT`]).
    NsRedirect {
        vpc: String,
        ns: String,
        v6: bool,
    },
}

/// How long connections being served may take to finish once the backend stops.
pub const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

/// How often the data plane tries again an address another process holds.
const RETRY_BIND: std::time::Duration = std::time::Duration::from_secs(2);

impl SocketKey {
    /// The host address and requested port this socket serves; `None` inside a namespace.
    fn address(&self, dns_port: u16) -> Option<(Ipv4Addr, u16)> {
        match self {
            SocketKey::Dns { ip, .. } => Some((*ip, dns_port)),
            SocketKey::Forward { ip, .. } => Some((*ip, FORWARD_PROXY_PORT)),
            SocketKey::Http { ip, port, .. } | SocketKey::Tcp { ip, port, .. } => Some((*ip, *port)),
            SocketKey::NsDns { .. }
            | SocketKey::NsHttp { .. }
            | SocketKey::NsTcp { .. }
            | SocketKey::NsRedirect { .. } => None,
        }
    }
}

/// Binds `ip:port`, or `ip:port+offset` when the OS refuses the port itself.
async fn bind_with_fallback<T, F, Fut>(ip: Ipv4Addr, port: u16, offset: u16, bind: F) -> io::Result<(T, u16)>
where
    F: Fn(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    match bind(SocketAddr::from((ip, port))).await {
        Ok(s) => Ok((s, port)),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && offset > 0 => {
            let alt = port.checked_add(offset).ok_or(e)?;
            tracing::warn!(%ip, port, alt, "port refused by the OS; listening on port+offset instead");
            bind(SocketAddr::from((ip, alt))).await.map(|s| (s, alt))
        }
        Err(e) => Err(e),
    }
}

/// Follows `snapshots` until the sender is dropped, acknowledging each generation on `acks`
/// once it is served.
pub async fn run(
    config: Config,
    mut snapshots: watch::Receiver<Arc<Snapshot>>,
    acks: watch::Sender<u64>,
    ports: Arc<PortMap>,
    namespaces: Arc<Namespaces>,
    mut stop: watch::Receiver<bool>,
) {
    let mut wanted = namespaces.wanted();
    // VPC → its namespace, for the VPCs whose namespace exists.
    let mut created: HashMap<String, String> = HashMap::new();
    let first = snapshots.borrow_and_update().clone();
    let function_workers = first.workers.clone();
    // The web UI shows how many connections the workers serve.
    let connections = first.health.traffic.connections.clone();
    let (served_tx, served_rx) = watch::channel(Served { snapshot: first });
    let workers = match workers::Workers::start(config.workers, connections) {
        Ok(workers) => Arc::new(workers),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the data plane's worker threads");
            return;
        }
    };
    let shared = Shared {
        client: upstream::Upstreams::new(),
        functions: lambda::Functions { http: reqwest::Client::new(), workers: function_workers },
        certs: Arc::new(tls::Certs::new(config.ca.clone())),
        access_log: access_log::AccessLog::start(config.access_log_dir.clone()),
        workers: workers.clone(),
    };
    let mut checkers = health::Checkers::default();
    let mut sockets: HashMap<SocketKey, JoinHandle<()>> = HashMap::new();
    // Namespace → the redirect rules in force there.
    let mut redirects: HashMap<String, String> = HashMap::new();
    loop {
        let snapshot = served_rx.borrow().snapshot.clone();
        let asked = wanted.borrow_and_update().clone();
        let fresh = reconcile_namespaces(&snapshot, &asked, &mut created, &namespaces).await;
        let mut desired = Vec::new();
        for (key, view) in &snapshot.vpcs {
            if let Some(ns) = created.get(key) {
                desired.extend(namespace_sockets((key, view), ns));
            }
            desired.push(SocketKey::Dns { vpc: key.clone(), ip: view.resolver_ip });
            desired.push(SocketKey::Forward { vpc: key.clone(), ip: view.proxy_ip() });
            for door in view.doors() {
                let ip = door.ip();
                desired.extend(door.ports().map(|port| SocketKey::Http { vpc: key.clone(), ip, port }));
            }
            for (ip, resource) in view.resources() {
                if !resource.fits_the_host() && first_time(&resource.key) {
                    tracing::warn!(
                        resource = %resource.resource_configuration_arn, %ip, ports = resource.port_count(),
                        served = lattice_model::resources::MAX_PORTS,
                        "the resource's port ranges hold more ports than are served on the host: only the first ones listen there (a VPC's namespace serves them all)"
                    );
                }
                for port in resource.listen_ports() {
                    desired.push(SocketKey::Tcp { vpc: key.clone(), ip, port });
                }
            }
        }
        // Addresses no longer needed are no longer failing.
        for (ip, port, _) in ports.failures() {
            if !desired.iter().any(|key| key.address(config.dns_port) == Some((ip, port))) {
                ports.forget(ip, port);
            }
        }
        // Close what is no longer needed first, so a reused address can be bound again.
        sockets.retain(|key, task| {
            let keep = desired.contains(key);
            if !keep {
                task.abort();
                if let Some((ip, port)) = key.address(config.dns_port) {
                    ports.forget(ip, port);
                }
            }
            keep
        });
        for key in desired {
            if sockets.contains_key(&key) {
                continue;
            }
            match open(&config, &key, &served_rx, &shared, ports.clone()).await {
                Ok(task) => {
                    sockets.insert(key, task);
                }
                Err(e) => {
                    if let Some((ip, port)) = key.address(config.dns_port) {
                        // Logged when it first fails; tried again every RETRY_BIND.
                        if !ports.failures().iter().any(|(i, p, _)| (*i, *p) == (ip, port)) {
                            tracing::error!(?key, error = %e, "cannot open data-plane socket; retrying");
                        }
                        ports.fail(ip, port, e.to_string());
                    } else {
                        tracing::error!(?key, error = %e, "cannot open data-plane socket");
                    }
                }
            }
        }
        redirects.retain(|ns, _| created.values().any(|n| n == ns));
        for (key, view) in &snapshot.vpcs {
            if let Some(ns) = created.get(key) {
                apply_redirects(ns, netns::redirect_rules(view), &mut redirects).await;
            }
        }
        checkers.reconcile(&snapshot);
        for vpc in fresh {
            if let Some(ns) = created.get(&vpc) {
                namespaces.report(&vpc, Ok(ns.clone()));
            }
        }
        acks.send_replace(snapshot.generation);
        let retry = !ports.failures().is_empty();
        tokio::select! {
            () = tokio::time::sleep(RETRY_BIND), if retry => {}
            changed = snapshots.changed() => {
                if changed.is_err() {
                    break;
                }
                let next = snapshots.borrow_and_update().clone();
                served_tx.send_replace(Served { snapshot: next });
            }
            Ok(()) = wanted.changed() => {}
            Ok(_) = stop.wait_for(|stopping| *stopping) => break,
        }
    }
    // Stop accepting, then let the connections being served finish, for at most DRAIN.
    for task in sockets.values() {
        task.abort();
    }
    if !workers.drain(DRAIN).await {
        tracing::warn!("data-plane connections still open after the drain limit; closing them");
    }
    workers.stop();
    for ns in created.values() {
        netns::remove(ns);
    }
}

/// Creates the namespaces asked for (of VPCs that exist) and removes those of VPCs that are
/// gone; returns the VPCs whose namespace was just created (reported once their sockets are
/// open). Failures are reported at once.
async fn reconcile_namespaces(
    snapshot: &Snapshot,
    wanted: &std::collections::BTreeSet<String>,
    created: &mut HashMap<String, String>,
    namespaces: &Namespaces,
) -> Vec<String> {
    created.retain(|vpc, ns| {
        let keep = snapshot.vpcs.contains_key(vpc);
        if !keep {
            netns::remove(ns);
            namespaces.forget(vpc);
        }
        keep
    });
    let mut fresh = Vec::new();
    for vpc in wanted {
        if created.contains_key(vpc) || namespaces.answered(vpc) {
            continue;
        }
        let Some(view) = snapshot.vpcs.get(vpc) else {
            namespaces.report(vpc, Err(format!("{vpc} does not exist")));
            continue;
        };
        let (name, id, resolver) = (netns::name(&view.account, &view.vpc_id), view.vpc_id.clone(), view.resolver_ip);
        let made = tokio::task::spawn_blocking(move || netns::create(&name, &id, resolver))
            .await
            .unwrap_or_else(|e| Err(format!("namespace setup failed: {e}")));
        match made {
            Ok(ns) => {
                tracing::info!(vpc = %vpc, namespace = %ns, "network namespace created");
                created.insert(vpc.clone(), ns);
                fresh.push(vpc.clone());
            }
            Err(e) => namespaces.report(vpc, Err(e)),
        }
    }
    fresh
}

/// Installs `rules` in namespace `ns` unless they are in force already.
async fn apply_redirects(ns: &str, rules: String, applied: &mut HashMap<String, String>) {
    if applied.get(ns) == Some(&rules) {
        return;
    }
    let (name, text) = (ns.to_string(), rules.clone());
    let done = tokio::task::spawn_blocking(move || netns::redirect(&name, &text))
        .await
        .unwrap_or_else(|e| Err(format!("redirect setup failed: {e}")));
    // A failure is logged once per ruleset: the next change tries again.
    if let Err(e) = done {
        tracing::error!(namespace = ns, error = %e, "cannot install the namespace's redirect rules");
    }
    applied.insert(ns.to_string(), rules);
}

/// Where a namespace serves the block address `ip`: its IPv4 or IPv6 link-local twin.
fn namespace_address(ip: Ipv4Addr, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(link_local_v6(ip))
    } else {
        IpAddr::V4(link_local(ip))
    }
}

/// The sockets a VPC's namespace needs: its resolver, services and resources.
fn namespace_sockets((vpc, view): (&String, &lattice_model::snapshot::VpcView), ns: &str) -> Vec<SocketKey> {
    let (vpc, ns) = (vpc.clone(), ns.to_string());
    let mut keys = vec![SocketKey::NsDns { vpc: vpc.clone(), ns: ns.clone(), ip: view.resolver_ip }];
    for v6 in [false, true] {
        keys.push(SocketKey::NsRedirect { vpc: vpc.clone(), ns: ns.clone(), v6 });
        for door in view.doors() {
            let ip = door.ip();
            keys.extend(door.ports().map(|port| SocketKey::NsHttp { vpc: vpc.clone(), ns: ns.clone(), ip, port, v6 }));
        }
        // Resources with wider ranges are served through the redirect.
        for (ip, resource) in view.resources().filter(|(_, r)| r.fits_the_host()) {
            keys.extend(resource.listen_ports().map(|port| SocketKey::NsTcp {
                vpc: vpc.clone(),
                ns: ns.clone(),
                ip,
                port,
                v6,
            }));
        }
    }
    keys
}

/// A VPC resolver: UDP, and TCP at the same address and port when it could be bound.
async fn serve_dns(
    udp: UdpSocket,
    tcp: io::Result<TcpListener>,
    (vpc, served): (String, watch::Receiver<Served>),
    upstream: Option<SocketAddr>,
    link_local: bool,
) {
    let udp_side = dns::serve_udp(udp, vpc.clone(), served.clone(), upstream, link_local);
    match tcp {
        Ok(tcp) => {
            tokio::join!(udp_side, dns::serve_tcp(tcp, vpc, served, upstream, link_local));
        }
        Err(e) => {
            tracing::warn!(vpc = %vpc, error = %e, "the VPC resolver answers over UDP only: cannot listen on TCP");
            udp_side.await;
        }
    }
}

/// What every listening socket's handlers share.
struct Shared {
    client: upstream::Upstreams,
    /// How functions are reached (a URL, a command, or a worker running the zip's handler).
    functions: lambda::Functions,
    certs: Arc<tls::Certs>,
    access_log: access_log::AccessLog,
    workers: Arc<workers::Workers>,
}

async fn open(
    config: &Config,
    key: &SocketKey,
    served: &watch::Receiver<Served>,
    shared: &Shared,
    ports: Arc<PortMap>,
) -> io::Result<JoinHandle<()>> {
    match key {
        SocketKey::Dns { vpc, ip } => {
            let (socket, actual) =
                bind_with_fallback(*ip, config.dns_port, config.port_offset, UdpSocket::bind).await?;
            ports.record(*ip, config.dns_port, actual);
            let addr = SocketAddr::from((*ip, actual));
            tracing::info!(vpc = %vpc, %addr, "VPC resolver listening");
            let tcp = TcpListener::bind(addr).await;
            Ok(tokio::spawn(serve_dns(socket, tcp, (vpc.clone(), served.clone()), config.upstream_dns, false)))
        }
        SocketKey::NsDns { vpc, ns, ip } => {
            let addr = SocketAddr::from((*ip, 53));
            let socket = netns::bind_udp(ns, addr)?;
            let tcp = netns::bind_tcp(ns, addr);
            Ok(tokio::spawn(serve_dns(socket, tcp, (vpc.clone(), served.clone()), config.upstream_dns, true)))
        }
        SocketKey::NsHttp { vpc, ns, ip, port, v6 } => {
            let socket = netns::bind_tcp(ns, SocketAddr::new(namespace_address(*ip, *v6), *port))?;
            let listener = http_listener((vpc, *ip, *port), served, shared)?;
            Ok(tokio::spawn(listener::serve(socket, listener)))
        }
        SocketKey::NsTcp { vpc, ns, ip, port, v6 } => {
            let socket = netns::bind_tcp(ns, SocketAddr::new(namespace_address(*ip, *v6), *port))?;
            let forwarder = tcp::Forwarder {
                vpc: vpc.clone(),
                ip: *ip,
                port: *port,
                served: served.clone(),
                access_log: shared.access_log.clone(),
                workers: shared.workers.clone(),
            };
            Ok(tokio::spawn(tcp::serve(socket, forwarder)))
        }
        SocketKey::NsRedirect { vpc, ns, v6 } => {
            let ip = if *v6 { IpAddr::from(std::net::Ipv6Addr::LOCALHOST) } else { IpAddr::from(Ipv4Addr::LOCALHOST) };
            let socket = netns::bind_tcp(ns, SocketAddr::new(ip, netns::REDIRECT_PORT))?;
            let redirected = tcp::Redirected {
                vpc: vpc.clone(),
                served: served.clone(),
                access_log: shared.access_log.clone(),
                workers: shared.workers.clone(),
            };
            Ok(tokio::spawn(tcp::serve_redirected(socket, redirected)))
        }
        SocketKey::Http { vpc, ip, port } => {
            let (socket, actual) = bind_with_fallback(*ip, *port, config.port_offset, TcpListener::bind).await?;
            ports.record(*ip, *port, actual);
            tracing::info!(vpc = %vpc, addr = %SocketAddr::from((*ip, actual)), "service network listener open");
            let listener = http_listener((vpc, *ip, *port), served, shared)?;
            Ok(tokio::spawn(listener::serve(socket, listener)))
        }
        SocketKey::Forward { vpc, ip } => {
            let (socket, actual) =
                bind_with_fallback(*ip, FORWARD_PROXY_PORT, config.port_offset, TcpListener::bind).await?;
            ports.record(*ip, FORWARD_PROXY_PORT, actual);
            tracing::info!(vpc = %vpc, addr = %SocketAddr::from((*ip, actual)), "VPC forward proxy listening");
            let proxy = forward::ForwardProxy { vpc: vpc.clone(), ip: *ip, served: served.clone(), ports };
            Ok(tokio::spawn(forward::serve(socket, proxy)))
        }
        SocketKey::Tcp { vpc, ip, port } => {
            let (socket, actual) = bind_with_fallback(*ip, *port, config.port_offset, TcpListener::bind).await?;
            ports.record(*ip, *port, actual);
            tracing::info!(vpc = %vpc, addr = %SocketAddr::from((*ip, actual)), "resource address listening");
            let forwarder = tcp::Forwarder {
                vpc: vpc.clone(),
                ip: *ip,
                port: *port,
                served: served.clone(),
                access_log: shared.access_log.clone(),
                workers: shared.workers.clone(),
            };
            Ok(tokio::spawn(tcp::serve(socket, forwarder)))
        }
    }
}

/// What the proxy on one (VPC, listener port) socket needs.
fn http_listener(
    (vpc, ip, port): (&str, Ipv4Addr, u16),
    served: &watch::Receiver<Served>,
    shared: &Shared,
) -> io::Result<proxy::Listener> {
    let tls = tls::server_config((vpc, ip, port), served.clone(), shared.certs.clone()).map_err(io::Error::other)?;
    Ok(proxy::Listener {
        tls: tokio_rustls::TlsAcceptor::from(tls),
        vpc: vpc.to_string(),
        ip,
        port,
        served: served.clone(),
        client: shared.client.clone(),
        access_log: shared.access_log.clone(),
        functions: shared.functions.clone(),
        workers: shared.workers.clone(),
    })
}

/// True the first time `key` is seen in this process: a warning about it is logged once, not
/// on every snapshot.
fn first_time(key: &str) -> bool {
    static SEEN: std::sync::Mutex<Option<std::collections::HashSet<String>>> = std::sync::Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    seen.get_or_insert_with(Default::default).insert(key.to_string())
}
