//! Where the data plane actually listens. Requested ports below 1024 may be refused by the OS;
//! the data plane then binds `port + offset` and records it here, so the admin API and the
//! CLI can tell clients the real port. [`Namespaces`] carries requests for a VPC's network
//! namespace from the control plane to the data plane, which creates it and reports back.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::sync::RwLock;

#[derive(Debug, Default)]
pub struct PortMap {
    inner: RwLock<HashMap<(Ipv4Addr, u16), u16>>,
    /// Addresses the data plane needs but could not bind (another process holds them), with
    /// why; it tries them again until they bind or are no longer needed.
    failed: RwLock<BTreeMap<(Ipv4Addr, u16), String>>,
}

impl PortMap {
    pub fn record(&self, ip: Ipv4Addr, requested: u16, actual: u16) {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).insert((ip, requested), actual);
        self.failed.write().unwrap_or_else(|p| p.into_inner()).remove(&(ip, requested));
    }

    pub fn forget(&self, ip: Ipv4Addr, requested: u16) {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).remove(&(ip, requested));
        self.failed.write().unwrap_or_else(|p| p.into_inner()).remove(&(ip, requested));
    }

    /// `ip:requested` is needed and could not be bound.
    pub fn fail(&self, ip: Ipv4Addr, requested: u16, why: String) {
        self.failed.write().unwrap_or_else(|p| p.into_inner()).insert((ip, requested), why);
    }

    /// What could not be bound: (address, port, why).
    pub fn failures(&self) -> Vec<(Ipv4Addr, u16, String)> {
        let failed = self.failed.read().unwrap_or_else(|p| p.into_inner());
        failed.iter().map(|((ip, port), why)| (*ip, *port, why.clone())).collect()
    }

    pub fn actual(&self, ip: Ipv4Addr, requested: u16) -> Option<u16> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).get(&(ip, requested)).copied()
    }
}

/// What became of a namespace request: the namespace's name, or why there is none.
pub type NamespaceResult = Result<String, String>;

/// VPCs whose clients asked for a network namespace (`lattice-local exec`), and the outcome.
#[derive(Debug)]
pub struct Namespaces {
    wanted: tokio::sync::watch::Sender<BTreeSet<String>>,
    ready: tokio::sync::watch::Sender<BTreeMap<String, NamespaceResult>>,
}

impl Default for Namespaces {
    fn default() -> Self {
        Self {
            wanted: tokio::sync::watch::channel(BTreeSet::new()).0,
            ready: tokio::sync::watch::channel(BTreeMap::new()).0,
        }
    }
}

impl Namespaces {
    /// Asks for `vpc_id`'s namespace and waits (up to `timeout`) for the data plane's answer.
    pub async fn request(&self, vpc_id: &str, timeout: std::time::Duration) -> Option<NamespaceResult> {
        let mut ready = self.ready.subscribe();
        // A failed attempt is tried again.
        self.ready.send_if_modified(|r| r.get(vpc_id).is_some_and(Result::is_err) && r.remove(vpc_id).is_some());
        self.wanted.send_modify(|w| {
            w.insert(vpc_id.to_string());
        });
        let answered = tokio::time::timeout(timeout, ready.wait_for(|r| r.contains_key(vpc_id))).await;
        let result = answered.ok()?.ok()?.get(vpc_id).cloned();
        result
    }

    /// The VPCs that want a namespace, to follow.
    pub fn wanted(&self) -> tokio::sync::watch::Receiver<BTreeSet<String>> {
        self.wanted.subscribe()
    }

    /// Records the outcome for `vpc_id` (a failure is tried again on the next request).
    pub fn report(&self, vpc_id: &str, result: NamespaceResult) {
        self.ready.send_modify(|r| {
            r.insert(vpc_id.to_string(), result);
        });
    }

    /// Whether the data plane has answered for `vpc_id` (created, or failed).
    pub fn answered(&self, vpc_id: &str) -> bool {
        self.ready.borrow().contains_key(vpc_id)
    }

    /// Names of the namespaces created so far.
    pub fn created(&self) -> Vec<String> {
        self.ready.borrow().values().filter_map(|r| r.as_ref().ok().cloned()).collect()
    }

    /// Forgets `vpc_id`'s namespace (its VPC is gone).
    pub fn forget(&self, vpc_id: &str) {
        self.ready.send_if_modified(|r| r.remove(vpc_id).is_some());
        self.wanted.send_if_modified(|w| w.remove(vpc_id));
    }
}
