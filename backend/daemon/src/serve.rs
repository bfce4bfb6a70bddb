//! `serve`: open the store, start the data plane, serve the API; stop on a signal or
//! `lattice-local stop`, draining the control plane's requests in flight for at most
//! `DRAIN`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use lattice_runtime::bindings::PortMap;
use tokio::net::TcpListener;

use crate::{data_dir, ServeArgs, UsageError};

pub(crate) fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("lattice-local");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    home.join(".local/share/lattice-local")
}

pub(crate) fn upstream_dns(setting: Option<&str>) -> Result<Option<SocketAddr>> {
    match setting {
        Some("none") => Ok(None),
        Some(given) => {
            let addr = given
                .parse::<SocketAddr>()
                .or_else(|_| given.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| {
                    UsageError(format!("--upstream-dns takes an address, address:port, or none, not {given:?}"))
                })?;
            Ok(Some(addr))
        }
        None => Ok(std::fs::read_to_string("/etc/resolv.conf").ok().and_then(|conf| {
            conf.lines()
                .filter_map(|l| l.strip_prefix("nameserver"))
                .find_map(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
                .map(|ip| SocketAddr::new(ip, 53))
        })),
    }
}

/// Where to listen: `--listen`, else the address `$LATTICE_ENDPOINT` names (so a backend started
/// with the variable set answers where the provider and the CLI will look), else the default.
fn listen_address(args: &ServeArgs) -> Result<SocketAddr> {
    if let Some(listen) = args.listen {
        return Ok(listen);
    }
    match std::env::var("LATTICE_ENDPOINT").ok().filter(|e| !e.is_empty()) {
        Some(endpoint) => {
            let authority = endpoint.strip_prefix("http://").unwrap_or(&endpoint).trim_end_matches('/');
            authority.parse().map_err(|_| {
                UsageError(format!(
                    "LATTICE_ENDPOINT={endpoint} is not http://<address>:<port>; set it so, or pass --listen"
                ))
                .into()
            })
        }
        None => Ok(SocketAddr::from(([127, 0, 0, 1], 4599))),
    }
}

pub(crate) async fn serve(args: ServeArgs) -> Result<()> {
    init_tracing();
    let listen = listen_address(&args)?;
    if !listen.ip().is_loopback() && !args.allow_non_loopback {
        return Err(UsageError(format!(
            "{listen} is not a loopback address; pass --allow-non-loopback to expose the API"
        ))
        .into());
    }
    let vpc_pool = lattice_control::parse_vpc_pool(&args.vpc_pool).map_err(UsageError)?;
    lattice_dataplane::raise_fd_limit();
    let data_dir = args.data_dir.unwrap_or_else(default_data_dir);
    let _lock = data_dir::claim(&data_dir)?;
    let ports = Arc::new(PortMap::default());
    let namespaces = Arc::new(lattice_runtime::bindings::Namespaces::default());
    let config = lattice_control::Config {
        region: args.region.clone(),
        vpc_pool,
        namespaces: namespaces.clone(),
        dns_port: args.dns_port,
        access_log_dir: Some(data_dir.join("access-logs")),
        functions_dir: Some(data_dir.join("functions")),
        operator_secret: Some(data_dir::operator_secret(&data_dir)?),
    };
    let (backend, link) = lattice_control::Backend::open(config, &data_dir.join("state.db"), ports.clone())
        .with_context(|| format!("cannot open the database in {}", data_dir.display()))?;

    let dp_config = lattice_dataplane::Config {
        dns_port: args.dns_port,
        port_offset: args.port_offset,
        upstream_dns: upstream_dns(args.upstream_dns.as_deref())?,
        access_log_dir: data_dir.join("access-logs"),
        ca: backend.ca().clone(),
        workers: args.data_plane_threads,
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let dataplane = tokio::spawn(lattice_dataplane::run(
        dp_config,
        link.snapshots,
        link.served,
        ports,
        namespaces.clone(),
        stopped.clone(),
    ));
    // The first snapshot (rebuilt from the database) is served before the API opens.
    wait_first_generation(&backend).await;

    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    std::fs::write(data_dir.join("endpoint"), &endpoint)?;
    let api = tokio::spawn(lattice_control::serve(listener, backend.clone(), stopped));
    // The one line scripts wait for.
    println!("{endpoint}");
    tracing::info!(%endpoint, data_dir = %data_dir.display(), region = %args.region, "lattice-local ready");

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted; stopping"),
        _ = term.recv() => tracing::info!("terminated; stopping"),
        _ = backend.shutdown_requested() => tracing::info!("stop requested; stopping"),
    }
    // Both planes stop accepting and finish what they serve, each for at most its drain limit.
    let _ = stop.send(true);
    let limit = lattice_control::DRAIN.max(lattice_dataplane::DRAIN) + std::time::Duration::from_secs(1);
    if tokio::time::timeout(limit, async { tokio::join!(api, dataplane) }).await.is_err() {
        tracing::warn!("still serving after the drain limit; stopping anyway");
    }
    for ns in namespaces.created() {
        lattice_dataplane::netns::remove(&ns);
    }
    let _ = std::fs::remove_file(data_dir.join("endpoint"));
    Ok(())
}

pub(crate) async fn wait_first_generation(backend: &lattice_control::Backend) {
    for _ in 0..500 {
        if backend.served_generation() >= 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tracing::warn!("data plane did not report its first snapshot");
}

pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LATTICE_LOG").unwrap_or_else(|_| "info".into());
    // Colours only on a terminal: a redirected log gets none of the escape codes.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}
