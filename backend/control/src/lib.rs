//! The control plane: owns the state, commits every write to the store, compiles and
//! publishes a new [`Snapshot`] for each write, and answers only once the data plane reports
//! that it serves that generation.

mod admin;
mod cascade;
mod dispatch;
mod ec2;
mod functions;
mod http;
mod iam;
mod kit;
pub use http::OPERATOR_KEY_ID;
mod lattice;
mod logs;
mod organizations;
mod origin;
mod probe;
mod ram;
mod route53;
mod server;
mod shaped;
mod sharing;
mod sts;
pub mod ui;
mod vpcs;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lattice_api::ApiError;
use lattice_model::snapshot::Dirty;
use lattice_model::{compile, ObjectChange, Snapshot, State};
use lattice_store::{Change, Record, Store, StoreError};
use serde_json::Value;
use tokio::sync::watch;

pub use kit::Ctx;
pub use server::{serve, DRAIN};

/// Backend settings that the control plane needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    /// First and last /24 block index (of 127.0.0.0/8) VPCs may be given.
    pub vpc_pool: (u32, u32),
    /// Network namespace requests, served by the data plane.
    pub namespaces: Arc<lattice_runtime::bindings::Namespaces>,
    /// The port the VPC resolvers are asked to bind (the port bound may be offset).
    pub dns_port: u16,
    /// Where the data plane writes access logs (CloudWatch Logs reads and writes events there).
    pub access_log_dir: Option<std::path::PathBuf>,
    /// Where Lambda functions' zips are kept (and unpacked).
    pub functions_dir: Option<std::path::PathBuf>,
    /// The operator's secret (the data directory's `operator.key`): whoever can read it — the
    /// machine's owner — may ask whose a VPC is. `None`: nobody may.
    pub operator_secret: Option<String>,
}

/// Parses `127.A.B.0/N` (N between 8 and 24) into the /24 block indexes it spans.
pub fn parse_vpc_pool(cidr: &str) -> Result<(u32, u32), String> {
    let (addr, len) = cidr.split_once('/').ok_or_else(|| format!("{cidr}: expected 127.x.y.0/N"))?;
    let ip: std::net::Ipv4Addr = addr.parse().map_err(|_| format!("{cidr}: not an IPv4 address"))?;
    let len: u32 = len.parse().map_err(|_| format!("{cidr}: bad prefix length"))?;
    if ip.octets()[0] != 127 || !(8..=24).contains(&len) {
        return Err(format!("{cidr}: the pool must be inside 127.0.0.0/8 with a prefix between /8 and /24"));
    }
    let first = (u32::from(ip) >> 8) & 0xffff;
    let count = 1u32 << (24 - len);
    let first = first & !(count - 1);
    // Skip 127.0.0.0/24 (the host's own loopback services live there).
    Ok((first.max(1), first + count - 1))
}

/// Where the data plane actually listens, as it reports back (ports may be offset when the
/// OS refuses privileged ones).
pub trait Bindings: Send + Sync {
    /// The port actually bound for `requested` on `ip`, if any.
    fn actual_port(&self, ip: std::net::Ipv4Addr, requested: u16) -> Option<u16>;
    /// Addresses the data plane needs but another process holds: (address, port, why). It
    /// keeps trying them.
    fn unbound(&self) -> Vec<(std::net::Ipv4Addr, u16, String)>;
}

struct Inner {
    state: State,
    store: Store,
    generation: u64,
    /// Client tokens of completed writes: key → (request fingerprint, response body).
    tokens: HashMap<String, (String, Value)>,
}

/// A request's `clientToken`, scoped to the account and operation, and the fingerprint of the
/// rest of its input: a retry with the same token and input gets the first answer again.
#[derive(Debug, Clone)]
pub struct ClientToken {
    pub key: String,
    pub fingerprint: String,
}

const TOKEN_PREFIX: &str = "token:";

impl ClientToken {
    /// The token of `input`, if it carries one.
    pub fn of(account: &str, operation: &str, member: &str, input: &Value) -> Option<Self> {
        let token = input.get(member)?.as_str()?;
        let mut rest = input.clone();
        if let Some(map) = rest.as_object_mut() {
            map.remove(member);
        }
        Some(Self { key: format!("{TOKEN_PREFIX}{account}:{operation}:{token}"), fingerprint: rest.to_string() })
    }
}

/// The control plane. Cheap to share behind an `Arc`.
pub struct Backend {
    config: Config,
    inner: Mutex<Inner>,
    snapshots: watch::Sender<Arc<Snapshot>>,
    served: watch::Receiver<u64>,
    pub(crate) bindings: Arc<dyn Bindings>,
    shutdown: tokio::sync::Notify,
    /// The local certificate authority (issues `lattice_local_certificate`s).
    pub(crate) ca: lattice_runtime::ca::LocalCa,
    /// How long the last snapshot compilation took (reported by the health endpoint).
    last_compile_micros: std::sync::atomic::AtomicU64,
}

/// What the data plane receives from [`Backend::open`]: snapshots to serve, and where to
/// report the generation it serves.
pub struct DataPlaneLink {
    pub snapshots: watch::Receiver<Arc<Snapshot>>,
    pub served: watch::Sender<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored state cannot be loaded: {0}")]
    State(String),
}

impl Backend {
    /// Opens the database under `data_dir`, loads the state and compiles the first snapshot.
    pub fn open(
        config: Config,
        db_path: &Path,
        bindings: Arc<dyn Bindings>,
    ) -> Result<(Arc<Self>, DataPlaneLink), OpenError> {
        let mut store = Store::open(db_path)?;
        let mut state = State::default();
        for record in store.load_all()? {
            let kind = State::static_kind(&record.kind)
                .ok_or_else(|| OpenError::State(format!("unknown kind {}", record.kind)))?;
            state
                .apply(&ObjectChange::Put { kind, id: record.id, account: record.account, body: record.body })
                .map_err(|e| OpenError::State(e.to_string()))?;
        }
        let ca = match (store.meta("ca:cert")?, store.meta("ca:key")?) {
            (Some(cert), Some(key)) => lattice_runtime::ca::LocalCa::from_pem(cert, key),
            _ => {
                let ca = lattice_runtime::ca::LocalCa::generate()
                    .map_err(|e| OpenError::State(format!("cannot create the local CA: {e}")))?;
                store.commit(&[], &[("ca:cert", ca.cert_pem.clone()), ("ca:key", ca.key_pem().to_string())])?;
                ca
            }
        };
        let mut tokens = HashMap::new();
        for (key, value) in store.meta_with_prefix(TOKEN_PREFIX)? {
            if let Ok(Value::Array(pair)) = serde_json::from_str::<Value>(&value) {
                if let [Value::String(fingerprint), body] = pair.as_slice() {
                    tokens.insert(key, (fingerprint.clone(), body.clone()));
                }
            }
        }
        let generation = 1;
        let snapshot = Arc::new(compile(&state, generation, &config.region));
        let (snapshots, snapshots_rx) = watch::channel(snapshot);
        let (served_tx, served) = watch::channel(0);
        let backend = Arc::new(Self {
            config,
            inner: Mutex::new(Inner { state, store, generation, tokens }),
            snapshots,
            served,
            bindings,
            shutdown: tokio::sync::Notify::new(),
            last_compile_micros: std::sync::atomic::AtomicU64::new(0),
            ca,
        });
        Ok((backend, DataPlaneLink { snapshots: snapshots_rx, served: served_tx }))
    }

    /// Target statuses, written by the data plane's health checks.
    pub fn health(&self) -> Arc<lattice_runtime::health::HealthTable> {
        self.snapshots.borrow().health.clone()
    }

    /// The local CA, which also signs what HTTPS listeners present.
    /// The snapshot published last (the data plane serves it, or will once it acks).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    pub fn ca(&self) -> &lattice_runtime::ca::LocalCa {
        &self.ca
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A context for `account`.
    pub fn ctx(&self, account: &str) -> Ctx {
        Ctx {
            account: account.to_string(),
            caller: None,
            region: self.config.region.clone(),
            home_region: self.config.region.clone(),
            log_dir: self.config.access_log_dir.clone().map(Arc::new),
            code_dir: self.config.functions_dir.clone().map(Arc::new),
            vpc_pool: self.config.vpc_pool,
            health: self.health(),
        }
    }

    /// Reads the state under the lock.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&inner.state)
    }

    /// Runs an operation: on success its changes are committed, applied and published, and
    /// this returns once the data plane serves them.
    pub async fn execute(
        &self,
        op: impl FnOnce(&Ctx, &State) -> Result<kit::Outcome, ApiError>,
        ctx: &Ctx,
    ) -> Result<Value, ApiError> {
        self.execute_once(op, ctx, None).await
    }

    /// Like [`Backend::execute`], but a write carrying a client token is done at most once:
    /// a retry with the same token and input gets the first answer; with other input, a
    /// `ConflictException`. The token is stored in the write's own transaction.
    pub async fn execute_once(
        &self,
        op: impl FnOnce(&Ctx, &State) -> Result<kit::Outcome, ApiError>,
        ctx: &Ctx,
        token: Option<ClientToken>,
    ) -> Result<Value, ApiError> {
        let effects;
        let (body, generation) = {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(t) = &token {
                if let Some((fingerprint, body)) = inner.tokens.get(&t.key) {
                    if *fingerprint == t.fingerprint {
                        return Ok(body.clone());
                    }
                    return Err(ApiError::conflict(
                        "CLIENT_TOKEN",
                        t.key.rsplit(':').next().unwrap_or_default(),
                        "The client token was already used with different parameters",
                    ));
                }
            }
            let outcome = op(ctx, &inner.state)?;
            effects = outcome.effects;
            if outcome.changes.is_empty() {
                (outcome.body, None)
            } else {
                let changes: Vec<Change> = outcome.changes.iter().map(to_store_change).collect();
                let meta: Vec<(&str, String)> = token
                    .as_ref()
                    .map(|t| (t.key.as_str(), serde_json::json!([t.fingerprint, outcome.body]).to_string()))
                    .into_iter()
                    .collect();
                inner.store.commit(&changes, &meta).map_err(|e| {
                    tracing::error!(error = %e, "commit failed");
                    ApiError::internal("The change could not be stored")
                })?;
                // What the write touches, seen before and after it: only that is recompiled.
                let mut dirty = Dirty::default();
                for change in &outcome.changes {
                    dirty.add(&inner.state, change);
                }
                for change in &outcome.changes {
                    if let Err(e) = inner.state.apply(change) {
                        tracing::error!(error = %e, "committed change did not apply");
                    }
                }
                for change in &outcome.changes {
                    dirty.add(&inner.state, change);
                }
                if let Some(t) = token {
                    inner.tokens.insert(t.key, (t.fingerprint, outcome.body.clone()));
                }
                inner.generation += 1;
                let generation = inner.generation;
                let started = std::time::Instant::now();
                let snapshot = self.snapshots.borrow().next(&inner.state, &dirty, generation);
                self.last_compile_micros
                    .store(started.elapsed().as_micros() as u64, std::sync::atomic::Ordering::Relaxed);
                self.snapshots.send_replace(Arc::new(snapshot));
                (outcome.body, Some(generation))
            }
        };
        if let Some(generation) = generation {
            self.wait_served(generation).await;
        }
        let health = self.health();
        for effect in effects {
            match effect {
                kit::Effect::Drain { group, target, addr } => health.drain(&group, (&target.0, target.1), addr),
                kit::Effect::Undrain { group, target } => health.undrain(&group, (&target.0, target.1)),
                kit::Effect::Append { path, text } => {
                    let appended = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
                    if let Err(e) = appended {
                        tracing::error!(error = %e, path = %path.display(), "cannot append log events");
                    }
                }
                kit::Effect::Remove { path } => {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
        Ok(body)
    }

    /// Waits until the data plane serves `generation` (or a newer one).
    async fn wait_served(&self, generation: u64) {
        let mut served = self.served.clone();
        let outcome = tokio::time::timeout(Duration::from_secs(10), async {
            served.wait_for(|g| *g >= generation).await.map(|_| ())
        })
        .await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(_)) => tracing::warn!(generation, "data plane is gone; write stored but not served"),
            Err(_) => tracing::warn!(generation, "data plane did not confirm generation within 10s"),
        }
    }

    /// Microseconds the last snapshot compilation took.
    pub fn last_compile_micros(&self) -> u64 {
        self.last_compile_micros.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The generation the data plane last reported serving.
    pub fn served_generation(&self) -> u64 {
        *self.served.borrow()
    }

    pub fn request_shutdown(&self) {
        self.shutdown.notify_waiters();
        self.shutdown.notify_one();
    }

    /// Resolves when `lattice-local stop` (the admin shutdown call) asks the daemon to stop.
    pub async fn shutdown_requested(&self) {
        self.shutdown.notified().await;
    }
}

fn to_store_change(change: &ObjectChange) -> Change {
    match change {
        ObjectChange::Put { kind, id, account, body } => {
            Change::Put(Record { kind: kind.to_string(), id: id.clone(), account: account.clone(), body: body.clone() })
        }
        ObjectChange::Delete { kind, id } => Change::Delete { kind: kind.to_string(), id: id.clone() },
    }
}

impl Bindings for lattice_runtime::bindings::PortMap {
    fn actual_port(&self, ip: std::net::Ipv4Addr, requested: u16) -> Option<u16> {
        self.actual(ip, requested)
    }

    fn unbound(&self) -> Vec<(std::net::Ipv4Addr, u16, String)> {
        self.failures()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpc_pools() {
        assert_eq!(parse_vpc_pool("127.77.0.0/16").unwrap(), (77 << 8, (77 << 8) + 255));
        assert_eq!(parse_vpc_pool("127.0.0.0/8").unwrap(), (1, 0xffff));
        assert!(parse_vpc_pool("10.0.0.0/16").is_err());
        assert!(parse_vpc_pool("127.1.2.0/25").is_err());
    }
}
