//! `lattice-local`: the backend daemon (`serve`) and the small CLI around it.

mod data_dir;
mod echo;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use lattice_api::{sigv4, DEFAULT_ACCOUNT, DEFAULT_ENDPOINT, DEFAULT_REGION};
use lattice_model::bindings::PortMap;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(name = "lattice-local", version, about = "A local Amazon VPC Lattice: control plane, DNS and proxies")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the backend (control-plane API, VPC resolvers, proxies) in the foreground.
    Serve(ServeArgs),
    /// Print access-log records (JSON lines) of a destination, or of all destinations.
    Logs {
        /// The subscription's destination ARN; all destinations when omitted.
        #[arg(long)]
        destination: Option<String>,
        /// Keep printing records as they arrive.
        #[arg(long, short)]
        follow: bool,
        /// The backend's data directory (default: $XDG_DATA_HOME/lattice-local).
        #[arg(long, env = "LATTICE_LOCAL_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Print the local CA certificate (PEM), for clients that should trust issued certificates.
    Ca(EndpointArgs),
    /// Ask a running backend to stop.
    Stop(EndpointArgs),
    /// Show whether a backend answers, and what generation it serves.
    Status(EndpointArgs),
    /// Local VPCs: their addresses, resolver and service-network ports.
    Vpc {
        #[command(subcommand)]
        command: VpcCommand,
    },
    /// Would a request from a VPC succeed? Each step (DNS view, association, listener, rules,
    /// auth policies, targets or resource gateway) and the one that decides. Exits 0 when the
    /// request gets through, 2 when it does not.
    Explain(ExplainArgs),
    /// Run a command as a client in a VPC: in a network namespace (Linux, root) whose resolver
    /// is the VPC's and where Lattice's link-local addresses lead to the data plane. Exits with
    /// the command's status.
    Exec {
        /// The VPC to be in.
        #[arg(long)]
        vpc: String,
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// The account that owns the VPC.
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
        /// The command and its arguments (after `--`).
        #[arg(required = true, last = true)]
        command: Vec<String>,
    },
    /// A tiny HTTP server that answers every request with a description of it (a demo target).
    Echo {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Text to put in every answer.
        #[arg(long, default_value = "hello from the echo target")]
        message: String,
        /// Serve TLS (a self-signed certificate; HTTP/2 or HTTP/1.1 by ALPN).
        #[arg(long)]
        tls: bool,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Where the database lives (default: $XDG_DATA_HOME/lattice-local).
    #[arg(long, env = "LATTICE_LOCAL_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Control-plane listen address (loopback only unless --allow-non-loopback).
    #[arg(long, default_value = "127.0.0.1:4599")]
    listen: SocketAddr,
    #[arg(long, default_value = DEFAULT_REGION)]
    region: String,
    /// Loopback range VPC blocks (/24 each) are taken from.
    #[arg(long, default_value = "127.77.0.0/16")]
    vpc_pool: String,
    /// Port of the VPC resolvers.
    #[arg(long, default_value_t = 53)]
    dns_port: u16,
    /// Added to ports the OS refuses (privileged ports without root).
    #[arg(long, default_value_t = 10000)]
    port_offset: u16,
    /// Resolver for names outside Lattice's zones: an address, or `none` to refuse them
    /// (default: the first nameserver in /etc/resolv.conf).
    #[arg(long)]
    upstream_dns: Option<String>,
    /// Permit a control-plane address outside 127.0.0.0/8.
    #[arg(long)]
    allow_non_loopback: bool,
    /// Threads that run proxied connections, each its own event loop (0: one per core).
    #[arg(long, env = "LATTICE_LOCAL_DATA_PLANE_THREADS", default_value_t = 0)]
    data_plane_threads: usize,
}

#[derive(Args)]
struct ExplainArgs {
    /// The client's VPC.
    #[arg(long)]
    vpc: String,
    /// A URL (`http://…`, `https://…`) or a TCP `host:port`.
    target: String,
    /// The request method.
    #[arg(short = 'X', long, default_value = "GET")]
    method: String,
    /// A request header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Sign as this local principal (its access key id or ARN).
    #[arg(long, conflicts_with = "access_key")]
    principal: Option<String>,
    /// Sign with these credentials.
    #[arg(long, requires = "secret_key")]
    access_key: Option<String>,
    #[arg(long)]
    secret_key: Option<String>,
    /// The client's source address, for security groups (default: the VPC's namespace client,
    /// `.250` of its block).
    #[arg(long)]
    source: Option<std::net::IpAddr>,
    /// Print the explanation as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    endpoint: EndpointArgs,
    /// The account that owns the VPC.
    #[arg(long, default_value = DEFAULT_ACCOUNT)]
    account: String,
}

#[derive(Args)]
struct EndpointArgs {
    #[arg(long, env = "LATTICE_ENDPOINT", default_value = DEFAULT_ENDPOINT)]
    endpoint: String,
}

#[derive(Subcommand)]
enum VpcCommand {
    /// Print a VPC's addresses as JSON.
    Info {
        vpc_id: String,
        #[command(flatten)]
        endpoint: EndpointArgs,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
    },
    /// List VPCs as JSON.
    List {
        #[command(flatten)]
        endpoint: EndpointArgs,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
    },
    /// Print the URL of a VPC's HTTP forward proxy, for `HTTP_PROXY` / `HTTPS_PROXY`: clients
    /// that use it resolve names and connect as a client in that VPC.
    ProxyUrl {
        vpc_id: String,
        #[command(flatten)]
        endpoint: EndpointArgs,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
    },
    /// Create a VPC (an id is generated unless given) and print its addresses.
    Create {
        #[arg(long)]
        vpc_id: Option<String>,
        #[command(flatten)]
        endpoint: EndpointArgs,
        #[arg(long, default_value = DEFAULT_ACCOUNT)]
        account: String,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Stop(e) => admin(&e.endpoint, reqwest::Method::POST, "/shutdown", DEFAULT_ACCOUNT, None).await,
            Command::Status(e) => status(&e.endpoint).await,
            Command::Ca(e) => {
                let url = format!("{}/_lattice-local/ca", e.endpoint.trim_end_matches('/'));
                let pem = reqwest::get(&url)
                    .await
                    .with_context(|| format!("no lattice-local backend answers at {}", e.endpoint))?;
                print!("{}", pem.error_for_status()?.text().await?);
                Ok(())
            }
            Command::Vpc { command } => match command {
                VpcCommand::Info { vpc_id, endpoint, account } => {
                    admin(&endpoint.endpoint, reqwest::Method::GET, &format!("/vpcs/{vpc_id}"), &account, None).await
                }
                VpcCommand::ProxyUrl { vpc_id, endpoint, account } => {
                    let path = format!("/vpcs/{vpc_id}");
                    let info = admin_json(&endpoint.endpoint, reqwest::Method::GET, &path, &account, None).await?;
                    match info.get("proxyUrl").and_then(serde_json::Value::as_str) {
                        Some(url) => println!("{url}"),
                        None => bail!("the forward proxy of {vpc_id} is not listening (see the backend's log)"),
                    }
                    Ok(())
                }
                VpcCommand::List { endpoint, account } => {
                    admin(&endpoint.endpoint, reqwest::Method::GET, "/vpcs", &account, None).await
                }
                VpcCommand::Create { vpc_id, endpoint, account } => {
                    let body = serde_json::json!({ "vpcId": vpc_id });
                    admin(&endpoint.endpoint, reqwest::Method::POST, "/vpcs", &account, Some(body)).await
                }
            },
            Command::Explain(args) => explain(args).await,
            Command::Exec { vpc, endpoint, account, command } => {
                exec(&vpc, &endpoint.endpoint, &account, &command).await
            }
            Command::Echo { listen, message, tls } => echo::run(listen, message, tls).await,
            Command::Logs { destination, follow, data_dir } => {
                logs(data_dir.unwrap_or_else(default_data_dir).join("access-logs"), destination, follow).await
            }
        }
    })
}

/// Prints the backend's health; fails when it is degraded (an address it needs is held by
/// another process), naming what.
async fn status(endpoint: &str) -> Result<()> {
    let url = format!("{}/_lattice-local/health", endpoint.trim_end_matches('/'));
    let health: serde_json::Value = reqwest::get(&url)
        .await
        .with_context(|| format!("no lattice-local backend answers at {endpoint}"))?
        .json()
        .await?;
    println!("{}", serde_json::to_string_pretty(&health)?);
    match health.get("unbound").and_then(serde_json::Value::as_array) {
        Some(unbound) if !unbound.is_empty() => {
            let list: Vec<String> = unbound
                .iter()
                .map(|u| format!("{} ({})", u["address"].as_str().unwrap_or("?"), u["error"].as_str().unwrap_or("?")))
                .collect();
            bail!(
                "degraded: another process holds {}; the backend keeps trying (another lattice-local on the same --vpc-pool?)",
                list.join(", ")
            )
        }
        _ => Ok(()),
    }
}

/// Calls the admin API and prints the JSON answer; a non-2xx answer is an error.
async fn admin(
    endpoint: &str,
    method: reqwest::Method,
    path: &str,
    account: &str,
    body: Option<serde_json::Value>,
) -> Result<()> {
    let answer = admin_json(endpoint, method, path, account, body).await?;
    if !answer.is_null() {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    }
    Ok(())
}

/// Calls the admin API and returns its JSON answer; a non-2xx answer is an error.
async fn admin_json(
    endpoint: &str,
    method: reqwest::Method,
    path: &str,
    account: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value> {
    let endpoint = endpoint.trim_end_matches('/');
    let url = format!("{endpoint}/_lattice-local{path}");
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    // Signed as the account's root (a 12-digit access key acts as that account).
    let host = endpoint.split("://").nth(1).unwrap_or(endpoint).to_string();
    let mut headers = vec![("host".to_string(), host)];
    if !body.is_empty() {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    let (raw_path, raw_query) = path.split_once('?').unwrap_or((path, ""));
    let raw_path = format!("/_lattice-local{raw_path}");
    let signable = sigv4::SignableRequest {
        method: method.as_str(),
        raw_path: &raw_path,
        raw_query,
        headers: &headers,
        body: &body,
    };
    let client = reqwest::Client::new();
    let region = backend_region(&client, endpoint).await?;
    let added =
        sigv4::sign(&signable, account, "lattice-local", &region, "lattice-local", time::OffsetDateTime::now_utc());
    let mut req = client.request(method, &url);
    for (k, v) in headers.iter().chain(&added).filter(|(k, _)| k != "host") {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req.body(body);
    let resp = req.send().await.with_context(|| format!("no lattice-local backend answers at {endpoint}"))?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("{status}: {text}");
    }
    if text.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(&text).with_context(|| format!("the backend answered something that is not JSON: {text}"))
}

/// The region a backend serves (its signatures are scoped to it), from its health answer.
async fn backend_region(client: &reqwest::Client, endpoint: &str) -> Result<String> {
    let health: serde_json::Value = client
        .get(format!("{endpoint}/_lattice-local/health"))
        .send()
        .await
        .with_context(|| format!("no lattice-local backend answers at {endpoint}"))?
        .json()
        .await
        .with_context(|| format!("the backend at {endpoint} answered its health check with something else"))?;
    Ok(health.get("region").and_then(serde_json::Value::as_str).unwrap_or(DEFAULT_REGION).to_string())
}

/// Runs `command` in the network namespace of `vpc` (created by the backend on demand).
async fn exec(vpc: &str, endpoint: &str, account: &str, command: &[String]) -> Result<()> {
    let path = format!("/vpcs/{vpc}/namespace");
    let ns = admin_json(endpoint, reqwest::Method::POST, &path, account, None).await?;
    let name = ns.get("namespace").and_then(serde_json::Value::as_str).context("the backend named no namespace")?;
    let status = tokio::process::Command::new("ip")
        .args(["netns", "exec", name])
        .args(command)
        .status()
        .await
        .context("cannot run `ip netns exec` (iproute2)")?;
    std::process::exit(status.code().unwrap_or(1));
}

/// Asks the backend to explain a request and prints the trace; exits 2 when it does not get
/// through.
async fn explain(args: ExplainArgs) -> Result<()> {
    let mut body = serde_json::json!({ "vpcId": args.vpc, "method": args.method });
    if args.target.contains("://") {
        body["url"] = args.target.clone().into();
    } else {
        body["address"] = args.target.clone().into();
    }
    let mut headers = serde_json::Map::new();
    for h in &args.headers {
        let (name, value) = h.split_once(':').with_context(|| format!("header '{h}' is not 'Name: value'"))?;
        headers.insert(name.trim().to_string(), value.trim().into());
    }
    body["headers"] = headers.into();
    if let Some(p) = &args.principal {
        body["principal"] = p.clone().into();
    }
    if let Some(source) = args.source {
        body["sourceAddress"] = source.to_string().into();
    }
    if let (Some(k), Some(s)) = (&args.access_key, &args.secret_key) {
        body["accessKeyId"] = k.clone().into();
        body["secretAccessKey"] = s.clone().into();
    }
    let answer =
        admin_json(&args.endpoint.endpoint, reqwest::Method::POST, "/explain", &args.account, Some(body)).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", explanation_text(&args, &answer));
    }
    if answer.get("reachable").and_then(serde_json::Value::as_bool) != Some(true) {
        std::process::exit(2);
    }
    Ok(())
}

/// The explanation for people: a verdict line, then one line per step (with the policy
/// statement and condition keys under the policy steps).
fn explanation_text(args: &ExplainArgs, answer: &serde_json::Value) -> String {
    use std::fmt::Write;
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    let verdict = match (answer.get("reachable").and_then(serde_json::Value::as_bool), answer.get("status")) {
        (Some(true), Some(serde_json::Value::Number(n))) => format!("REACHABLE: the data plane answers {n}"),
        (Some(true), _) => "REACHABLE".to_string(),
        (_, Some(serde_json::Value::Number(n))) => format!("NOT REACHABLE: {n}"),
        _ => format!("NOT REACHABLE ({})", text(answer, "outcome")),
    };
    let request =
        if args.target.contains("://") { format!("{} {}", args.method, args.target) } else { args.target.clone() };
    let mut out = format!("{request} from {}\n=> {verdict}, decided by {}\n", args.vpc, text(answer, "decidedBy"));
    for step in answer.get("steps").and_then(serde_json::Value::as_array).into_iter().flatten() {
        let ok = step.get("ok").and_then(serde_json::Value::as_bool) == Some(true);
        let _ = writeln!(
            out,
            "  {:<4} {:<16} {}",
            if ok { "ok" } else { "FAIL" },
            text(step, "step"),
            text(step, "detail")
        );
        let facts = step.get("facts").unwrap_or(&serde_json::Value::Null);
        if let Some(st) = facts.get("statement").filter(|s| !s.is_null()) {
            let _ = writeln!(out, "{:23}statement: {st}", "");
        }
        if let Some(keys) = facts.get("conditionKeys").and_then(serde_json::Value::as_object).filter(|k| !k.is_empty())
        {
            for (k, v) in keys {
                let _ = writeln!(out, "{:23}{k} = {v}", "");
            }
        }
    }
    let _ = writeln!(out, "{}", text(answer, "summary"));
    out
}

/// Prints the access-log files (all, or one destination's), then follows them if asked.
async fn logs(dir: PathBuf, destination: Option<String>, follow: bool) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let wanted = destination.as_deref().map(lattice_dataplane::access_log::file_name);
    let mut offsets: std::collections::HashMap<PathBuf, u64> = std::collections::HashMap::new();
    loop {
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) if follow => vec![],
            Err(e) => return Err(e).with_context(|| format!("no access logs in {}", dir.display())),
        };
        paths.retain(|p| wanted.as_deref().is_none_or(|w| p.file_name().and_then(|n| n.to_str()) == Some(w)));
        paths.sort();
        for path in paths {
            let offset = offsets.entry(path.clone()).or_insert(0);
            let mut file = std::fs::File::open(&path)?;
            file.seek(SeekFrom::Start(*offset))?;
            let mut text = String::new();
            let read = file.read_to_string(&mut text)?;
            // Only whole lines: a record being written is printed next time.
            let complete = text.rfind('\n').map_or(0, |i| i + 1);
            print!("{}", &text[..complete]);
            *offset += (read.min(complete)) as u64;
        }
        if !follow {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("lattice-local");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    home.join(".local/share/lattice-local")
}

fn upstream_dns(setting: Option<&str>) -> Result<Option<SocketAddr>> {
    match setting {
        Some("none") => Ok(None),
        Some(addr) => {
            let addr = addr
                .parse::<SocketAddr>()
                .or_else(|_| addr.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 53)));
            Ok(Some(addr.context("--upstream-dns takes an address, address:port, or none")?))
        }
        None => Ok(std::fs::read_to_string("/etc/resolv.conf").ok().and_then(|conf| {
            conf.lines()
                .filter_map(|l| l.strip_prefix("nameserver"))
                .find_map(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
                .map(|ip| SocketAddr::new(ip, 53))
        })),
    }
}

async fn serve(args: ServeArgs) -> Result<()> {
    init_tracing();
    if !args.listen.ip().is_loopback() && !args.allow_non_loopback {
        bail!("{} is not a loopback address; pass --allow-non-loopback to expose the API", args.listen);
    }
    let vpc_pool = lattice_control::parse_vpc_pool(&args.vpc_pool).map_err(anyhow::Error::msg)?;
    lattice_dataplane::raise_fd_limit();
    let data_dir = args.data_dir.unwrap_or_else(default_data_dir);
    let _lock = data_dir::claim(&data_dir)?;
    let ports = Arc::new(PortMap::default());
    let namespaces = Arc::new(lattice_model::bindings::Namespaces::default());
    let config = lattice_control::Config { region: args.region.clone(), vpc_pool, namespaces: namespaces.clone() };
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
    let dataplane =
        tokio::spawn(lattice_dataplane::run(dp_config, link.snapshots, link.served, ports, namespaces.clone()));
    // The first snapshot (rebuilt from the database) is served before the API opens.
    wait_first_generation(&backend).await;

    let listener = TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    std::fs::write(data_dir.join("endpoint"), &endpoint)?;
    let api = tokio::spawn(lattice_control::serve(listener, backend.clone()));
    // The one line scripts wait for.
    println!("{endpoint}");
    tracing::info!(%endpoint, data_dir = %data_dir.display(), region = %args.region, "lattice-local ready");

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted; stopping"),
        _ = term.recv() => tracing::info!("terminated; stopping"),
        _ = backend.shutdown_requested() => tracing::info!("stop requested; stopping"),
    }
    api.abort();
    dataplane.abort();
    for ns in namespaces.created() {
        lattice_dataplane::netns::remove(&ns);
    }
    let _ = std::fs::remove_file(data_dir.join("endpoint"));
    Ok(())
}

async fn wait_first_generation(backend: &lattice_control::Backend) {
    for _ in 0..500 {
        if backend.served_generation() >= 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tracing::warn!("data plane did not report its first snapshot");
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LATTICE_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
