//! Live target health: the table of target statuses the data plane's checkers write and both
//! the proxy (which targets to pick) and `ListTargets` read, and the in-flight counts that keep
//! a deregistered target draining. Each status is an atomic in a slot that compiled snapshots
//! point at, so the request path reads it without a lock and statuses survive recompilation.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// A target's health as `ListTargets` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Registered, not checked yet.
    Initial = 0,
    Healthy = 1,
    Unhealthy = 2,
}

impl Status {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => Status::Healthy,
            2 => Status::Unhealthy,
            _ => Status::Initial,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Initial => "INITIAL",
            Status::Healthy => "HEALTHY",
            Status::Unhealthy => "UNHEALTHY",
        }
    }
}

/// What the data plane last saw when it connected to a target: on its health checks' connections
/// and on the requests it forwarded. `explain` reads it to say what a client will get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Seen {
    /// Nothing yet.
    Unknown = 0,
    /// The last connection went through and the target answered.
    Answered = 1,
    /// The connection was refused (nothing listens on the address and port).
    Refused = 2,
    /// The target reset or closed the connection before answering.
    Reset = 3,
    /// The target did not answer in time.
    TimedOut = 4,
}

impl Seen {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => Seen::Answered,
            2 => Seen::Refused,
            3 => Seen::Reset,
            4 => Seen::TimedOut,
            _ => Seen::Unknown,
        }
    }

    /// What a failed connect or exchange says about the target.
    pub fn of_error(e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::ConnectionRefused => Seen::Refused,
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Seen::TimedOut,
            _ => Seen::Reset,
        }
    }

    pub fn failed(self) -> bool {
        matches!(self, Seen::Refused | Seen::Reset | Seen::TimedOut)
    }

    /// In words, for `explain`.
    pub fn describe(self) -> &'static str {
        match self {
            Seen::Unknown => "not connected to yet",
            Seen::Answered => "answers",
            Seen::Refused => "refuses connections",
            Seen::Reset => "resets connections",
            Seen::TimedOut => "does not answer in time",
        }
    }

    /// The access log's `failureReason` for a request that failed so.
    pub fn failure_reason(self) -> &'static str {
        match self {
            Seen::Refused => "TargetConnectionRefused",
            Seen::Reset => "TargetConnectionReset",
            Seen::TimedOut => "TargetTimeout",
            Seen::Unknown | Seen::Answered => "-",
        }
    }
}

/// One target's cell: its health status, what the data plane last saw connecting to it, and
/// how many requests (or relayed connections) are on their way to it, which a deregistered
/// target drains.
#[derive(Debug, Default)]
pub struct Slot {
    status: AtomicU8,
    seen: AtomicU8,
    in_flight: AtomicU32,
    /// The requests forwarded to the target, for the web UI.
    pub traffic: crate::traffic::Counters,
}

impl Slot {
    /// What the data plane last saw connecting to the target.
    pub fn seen(&self) -> Seen {
        Seen::from_u8(self.seen.load(Ordering::Relaxed))
    }

    pub fn saw(&self, seen: Seen) {
        if self.seen.load(Ordering::Relaxed) != seen as u8 {
            self.seen.store(seen as u8, Ordering::Relaxed);
        }
    }

    pub fn get(&self) -> Status {
        Status::from_u8(self.status.load(Ordering::Relaxed))
    }

    pub fn set(&self, status: Status) {
        self.status.store(status as u8, Ordering::Relaxed);
    }

    /// Counts a request toward this target until the guard is dropped. The guard owns its
    /// slot, so it can travel with a response body that outlives the request's routing.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// Requests on their way. A guard dropped before the proxy writes a response's last byte
    /// is seen here by whoever reads after receiving that byte (release / acquire).
    pub fn in_flight(&self) -> u32 {
        self.in_flight.load(Ordering::Acquire)
    }
}

/// A request on its way to a target (see [`Slot::begin`]).
#[derive(Debug)]
pub struct InFlight(Arc<Slot>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Release);
    }
}

/// Status slots by (target group id, target address), the deregistered targets still
/// draining, and the services' and listeners' traffic counters (kept here, beside the targets',
/// because compiled snapshots point at all of them the same way).
#[derive(Debug, Default)]
pub struct HealthTable {
    slots: RwLock<HashMap<(String, SocketAddr), Arc<Slot>>>,
    draining: Mutex<Vec<Draining>>,
    pub traffic: crate::traffic::TrafficTable,
}

/// The longest a deregistered target stays `DRAINING` (requests still in flight after this
/// no longer keep it listed).
pub const DRAIN_LIMIT: Duration = Duration::from_secs(300);

/// A deregistered target that requests sent to it before are still on their way to.
#[derive(Debug)]
struct Draining {
    tg_id: String,
    id: String,
    port: i64,
    slot: Arc<Slot>,
    until: Instant,
}

impl Draining {
    fn is(&self, tg_id: &str, (id, port): (&str, i64)) -> bool {
        self.tg_id == tg_id && self.id == id && self.port == port
    }
}

impl HealthTable {
    /// The slot of a target, created (INITIAL) on first use.
    pub fn slot(&self, tg_id: &str, addr: SocketAddr) -> Arc<Slot> {
        let key = (tg_id.to_string(), addr);
        if let Some(slot) = self.slots.read().ok().and_then(|s| s.get(&key).cloned()) {
            return slot;
        }
        let Ok(mut slots) = self.slots.write() else { return Arc::default() };
        slots.entry(key).or_default().clone()
    }

    /// A target was deregistered: it stays `DRAINING` while requests to it are in flight.
    pub fn drain(&self, tg_id: &str, (id, port): (&str, i64), addr: SocketAddr) {
        let Some(slot) = self.slots.read().ok().and_then(|s| s.get(&(tg_id.to_string(), addr)).cloned()) else {
            return;
        };
        if slot.in_flight() == 0 {
            return;
        }
        if let Ok(mut draining) = self.draining.lock() {
            draining.retain(|d| !d.is(tg_id, (id, port)));
            let until = Instant::now() + DRAIN_LIMIT;
            draining.push(Draining { tg_id: tg_id.to_string(), id: id.to_string(), port, slot, until });
        }
    }

    /// A target was registered (again): it no longer drains.
    pub fn undrain(&self, tg_id: &str, (id, port): (&str, i64)) {
        if let Ok(mut draining) = self.draining.lock() {
            draining.retain(|d| !d.is(tg_id, (id, port)));
        }
    }

    /// The group's targets still draining, as (id, port); those done are forgotten.
    pub fn draining(&self, tg_id: &str) -> Vec<(String, i64)> {
        let Ok(mut draining) = self.draining.lock() else { return vec![] };
        let now = Instant::now();
        draining.retain(|d| d.slot.in_flight() > 0 && now < d.until);
        draining.iter().filter(|d| d.tg_id == tg_id).map(|d| (d.id.clone(), d.port)).collect()
    }

    /// Every target still draining: (target group id, target id, port, requests in flight).
    pub fn all_draining(&self) -> Vec<(String, String, i64, u32)> {
        let Ok(mut draining) = self.draining.lock() else { return vec![] };
        let now = Instant::now();
        draining.retain(|d| d.slot.in_flight() > 0 && now < d.until);
        draining.iter().map(|d| (d.tg_id.clone(), d.id.clone(), d.port, d.slot.in_flight())).collect()
    }

    /// A target's slot if it has one (never creates it).
    pub fn existing(&self, tg_id: &str, addr: SocketAddr) -> Option<Arc<Slot>> {
        self.slots.read().ok()?.get(&(tg_id.to_string(), addr)).cloned()
    }

    pub fn status(&self, tg_id: &str, addr: SocketAddr) -> Option<Status> {
        let slots = self.slots.read().ok()?;
        slots.get(&(tg_id.to_string(), addr)).map(|s| s.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deregistered_target_drains_while_requests_are_in_flight() {
        let table = HealthTable::default();
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let slot = table.slot("tg-1", addr);
        table.drain("tg-1", ("127.0.0.1", 8080), addr);
        assert!(table.draining("tg-1").is_empty(), "nothing in flight: gone at once");
        let request = slot.begin();
        table.drain("tg-1", ("127.0.0.1", 8080), addr);
        assert_eq!(table.draining("tg-1"), vec![("127.0.0.1".to_string(), 8080)]);
        assert!(table.draining("tg-2").is_empty());
        drop(request);
        assert!(table.draining("tg-1").is_empty(), "drained when the request ends");
        let _request = slot.begin();
        table.drain("tg-1", ("127.0.0.1", 8080), addr);
        table.undrain("tg-1", ("127.0.0.1", 8080));
        assert!(table.draining("tg-1").is_empty(), "registered again");
    }
}
