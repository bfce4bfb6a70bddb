//! `lattice-local`: the backend daemon (`serve`) and the small CLI around it.

mod client;
mod data_dir;
mod echo;
mod explain;
mod logs;
mod serve;
mod terraform;
mod vpc;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use lattice_api::{DEFAULT_ACCOUNT, DEFAULT_ENDPOINT, DEFAULT_REGION};

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
        /// One short line per record for people, instead of the JSON lines.
        #[arg(long)]
        text: bool,
        /// The backend's data directory (default: $XDG_DATA_HOME/lattice-local).
        #[arg(long, env = "LATTICE_LOCAL_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Print the local CA certificate (PEM), for clients that should trust issued certificates.
    Ca(EndpointArgs),
    /// Ask a running backend to stop.
    Stop(EndpointArgs),
    /// Show whose backend answers and how it fares: process, version, data directory, pool,
    /// Regions, objects, failing targets, addresses it could not bind (the details need its
    /// operator key). Exits 1 when degraded.
    Status {
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// The backend's data directory (its operator key gives the details).
        #[arg(long, env = "LATTICE_LOCAL_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Print the address of the web UI (topology, reachability, live traffic), which carries
    /// the token that opens it (made from the data directory's operator key). Opens nothing.
    Ui {
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// The backend's data directory (its operator key opens the UI).
        #[arg(long, env = "LATTICE_LOCAL_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
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
        owner: VpcOwner,
        /// The command and its arguments (after `--`).
        #[arg(required = true, last = true)]
        command: Vec<String>,
    },
    /// Run Terraform with the hashicorp/aws provider pointed at the backend (every service
    /// endpoint, credentials, skip flags), as `tflocal` does for LocalStack: `lattice-local
    /// terraform -- plan`. Exits with Terraform's status.
    Terraform {
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// The Region the providers use.
        #[arg(long, env = "LATTICE_REGION", default_value = DEFAULT_REGION)]
        region: String,
        /// The default provider's account (12 digits), or `alias=account` for an aliased
        /// provider (repeatable). Providers with `assume_role` switch accounts through STS.
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// A filesystem mirror holding hashicorp/aws (default: /opt/tf-plugins when it has it).
        #[arg(long, env = "LATTICE_TF_PLUGIN_MIRROR")]
        plugin_mirror: Option<PathBuf>,
        /// The Terraform binary.
        #[arg(long, env = "TERRAFORM", default_value = "terraform")]
        terraform: String,
        /// Leave the generated provider files in place afterwards.
        #[arg(long)]
        keep: bool,
        /// Terraform's arguments (after `--`).
        #[arg(required = true, last = true)]
        args: Vec<String>,
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
pub(crate) struct ServeArgs {
    /// Where the database lives (default: $XDG_DATA_HOME/lattice-local).
    #[arg(long, env = "LATTICE_LOCAL_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Control-plane listen address (loopback only unless --allow-non-loopback). Default: the
    /// address of $LATTICE_ENDPOINT (which every other subcommand and the provider use), else
    /// 127.0.0.1:4599.
    #[arg(long)]
    listen: Option<SocketAddr>,
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
pub(crate) struct ExplainArgs {
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
    owner: VpcOwner,
}

/// How a command finds the VPC it names: the endpoint, and the VPC's account — given, or found.
#[derive(Args)]
pub(crate) struct VpcOwner {
    #[command(flatten)]
    endpoint: EndpointArgs,
    /// The account that owns the VPC (default: whoever owns it, found with the data directory's
    /// operator key; else 000000000000).
    #[arg(long)]
    account: Option<String>,
    /// The backend's data directory, whose operator key finds a VPC's owner (default:
    /// $XDG_DATA_HOME/lattice-local).
    #[arg(long, env = "LATTICE_LOCAL_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Args)]
struct EndpointArgs {
    #[arg(long, env = "LATTICE_ENDPOINT", default_value = DEFAULT_ENDPOINT)]
    endpoint: String,
}

#[derive(Subcommand)]
pub(crate) enum VpcCommand {
    /// Print a VPC's addresses as JSON.
    Info {
        vpc_id: String,
        #[command(flatten)]
        owner: VpcOwner,
    },
    /// List VPCs as JSON: one account's, or every account's (`--all-accounts`, as the backend's
    /// operator: its data directory's operator key).
    List {
        #[command(flatten)]
        endpoint: EndpointArgs,
        #[arg(long, default_value = DEFAULT_ACCOUNT, conflicts_with = "all_accounts")]
        account: String,
        #[arg(long)]
        all_accounts: bool,
        /// The backend's data directory (for `--all-accounts`).
        #[arg(long, env = "LATTICE_LOCAL_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Print the URL of a VPC's HTTP forward proxy, for `HTTP_PROXY` / `HTTPS_PROXY`: clients
    /// that use it resolve names and connect as a client in that VPC.
    ProxyUrl {
        vpc_id: String,
        #[command(flatten)]
        owner: VpcOwner,
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

/// A configuration the user must change (exit status 64, `EX_USAGE`), as opposed to a
/// failure at run time (exit status 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(pub(crate) String);

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Command::Terraform { endpoint, region, accounts, plugin_mirror, terraform, keep, args } = cli.command {
        let options =
            terraform::Options { endpoint: endpoint.endpoint, region, accounts, plugin_mirror, terraform, keep, args };
        return terraform::run(options).unwrap_or_else(|e| {
            eprintln!("Error: {e:#}");
            let usage = e.chain().any(|cause| cause.downcast_ref::<UsageError>().is_some());
            std::process::ExitCode::from(if usage { 64 } else { 1 })
        });
    }
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(cli.command)));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            // Walking the cause chain, not matching text: a usage error anywhere in it is one.
            let usage = e.chain().any(|cause| cause.downcast_ref::<UsageError>().is_some());
            std::process::ExitCode::from(if usage { 64 } else { 1 })
        }
    }
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Stop(e) => client::stop(&e.endpoint).await,
        Command::Status { endpoint, data_dir } => {
            client::status(&endpoint.endpoint, &data_dir.unwrap_or_else(serve::default_data_dir)).await
        }
        Command::Ca(e) => client::ca(&e.endpoint).await,
        Command::Ui { endpoint, data_dir } => {
            client::ui(&endpoint.endpoint, &data_dir.unwrap_or_else(serve::default_data_dir)).await
        }
        Command::Vpc { command } => vpc::run(command).await,
        Command::Explain(args) => explain::explain(args).await,
        Command::Exec { vpc, owner, command } => vpc::exec(&vpc, &owner, &command).await,
        Command::Echo { listen, message, tls } => echo::run(listen, message, tls).await,
        Command::Terraform { .. } => unreachable!("run before the runtime starts"),
        Command::Logs { destination, follow, text, data_dir } => {
            let dir = data_dir.unwrap_or_else(serve::default_data_dir).join("access-logs");
            logs::logs(dir, destination, follow, text).await
        }
    }
}
