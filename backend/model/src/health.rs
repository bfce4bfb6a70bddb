//! Target health: the parsed health-check settings of a target group, and the table of target
//! statuses the data plane's checkers write and both the proxy (which targets to pick) and
//! `ListTargets` read. Each status is an atomic in a slot that compiled snapshots point at, so
//! the request path reads it without a lock and statuses survive recompilation.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;

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

/// One target's cell: its health status, and how many requests (or relayed connections) are
/// on their way to it, which a deregistered target drains.
#[derive(Debug, Default)]
pub struct Slot {
    status: AtomicU8,
    in_flight: AtomicU32,
}

impl Slot {
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

/// Status slots by (target group id, target address), and the deregistered targets still
/// draining.
#[derive(Debug, Default)]
pub struct HealthTable {
    slots: RwLock<HashMap<(String, SocketAddr), Arc<Slot>>>,
    draining: Mutex<Vec<Draining>>,
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

    pub fn status(&self, tg_id: &str, addr: SocketAddr) -> Option<Status> {
        let slots = self.slots.read().ok()?;
        slots.get(&(tg_id.to_string(), addr)).map(|s| s.get())
    }
}

/// A target group's health check, with Lattice's defaults for what is not set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HealthCheck {
    /// Check over TLS (`HTTPS`) rather than plain HTTP.
    pub tls: bool,
    pub http2: bool,
    /// `None`: the target's own port.
    pub port: Option<u16>,
    pub path: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    /// Accepted status codes: `200`, `200,202`, `200-299`.
    pub matcher: String,
}

impl HealthCheck {
    /// The check of a target group's `config`, or `None` when checks are off (LAMBDA and ALB
    /// groups, TCP groups and HTTP2 groups unless enabled, `enabled = false`).
    pub fn of(kind: &str, config: Option<&Value>) -> Option<Self> {
        if matches!(kind, "LAMBDA" | "ALB") {
            return None;
        }
        let config = config?;
        let hc = config.get("healthCheck").cloned().unwrap_or(Value::Null);
        let protocol = config.get("protocol").and_then(Value::as_str).unwrap_or("HTTP");
        let version = config.get("protocolVersion").and_then(Value::as_str).unwrap_or("HTTP1");
        let on_by_default = protocol != "TCP" && version == "HTTP1";
        if !hc.get("enabled").and_then(Value::as_bool).unwrap_or(on_by_default) {
            return None;
        }
        let num = |key: &str, default: u64| hc.get(key).and_then(Value::as_u64).filter(|n| *n > 0).unwrap_or(default);
        let check_protocol =
            hc.get("protocol").and_then(Value::as_str).unwrap_or(if protocol == "HTTPS" { "HTTPS" } else { "HTTP" });
        Some(Self {
            tls: check_protocol == "HTTPS",
            http2: hc.get("protocolVersion").and_then(Value::as_str) == Some("HTTP2"),
            port: hc.get("port").and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok()).filter(|p| *p > 0),
            path: hc.get("path").and_then(Value::as_str).unwrap_or("/").to_string(),
            interval: Duration::from_secs(num("healthCheckIntervalSeconds", 30)),
            timeout: Duration::from_secs(num("healthCheckTimeoutSeconds", 5)),
            healthy_threshold: num("healthyThresholdCount", 5) as u32,
            unhealthy_threshold: num("unhealthyThresholdCount", 2) as u32,
            matcher: hc.pointer("/matcher/httpCode").and_then(Value::as_str).unwrap_or("200").to_string(),
        })
    }

    /// True when `status` is one the matcher accepts.
    pub fn accepts(&self, status: u16) -> bool {
        self.matcher.split(',').map(str::trim).any(|part| match part.split_once('-') {
            Some((lo, hi)) => {
                lo.parse::<u16>().is_ok_and(|lo| status >= lo) && hi.parse::<u16>().is_ok_and(|hi| status <= hi)
            }
            None => part.parse::<u16>() == Ok(status),
        })
    }
}

/// Consecutive results of one target's checks and the status they lead to: the first result
/// decides an INITIAL target (it must pass one check to take traffic); after that a change
/// needs the threshold's count in a row.
#[derive(Debug, Default)]
pub struct Streak {
    passed: u32,
    failed: u32,
}

impl Streak {
    pub fn record(&mut self, check: &HealthCheck, current: Status, ok: bool) -> Status {
        if ok {
            self.passed += 1;
            self.failed = 0;
        } else {
            self.failed += 1;
            self.passed = 0;
        }
        match current {
            Status::Initial if ok => Status::Healthy,
            Status::Initial => Status::Unhealthy,
            Status::Healthy if self.failed >= check.unhealthy_threshold => Status::Unhealthy,
            Status::Unhealthy if self.passed >= check.healthy_threshold => Status::Healthy,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn defaults_ranges_and_when_checks_are_off() {
        let hc = HealthCheck::of("IP", Some(&json!({ "port": 80, "protocol": "HTTP" }))).unwrap();
        assert_eq!((hc.interval.as_secs(), hc.timeout.as_secs()), (30, 5));
        assert_eq!((hc.healthy_threshold, hc.unhealthy_threshold, hc.path.as_str()), (5, 2, "/"));
        assert!(hc.accepts(200) && !hc.accepts(204));
        assert!(HealthCheck::of("LAMBDA", None).is_none());
        assert!(HealthCheck::of("IP", Some(&json!({ "protocol": "TCP" }))).is_none());
        assert!(HealthCheck::of("IP", Some(&json!({ "protocolVersion": "HTTP2" }))).is_none());
        let h2 = json!({ "protocolVersion": "HTTP2", "healthCheck": { "enabled": true, "protocolVersion": "HTTP2" } });
        assert!(HealthCheck::of("IP", Some(&h2)).unwrap().http2);
        let off = json!({ "healthCheck": { "enabled": false } });
        assert!(HealthCheck::of("IP", Some(&off)).is_none());
        let ranges = json!({ "healthCheck": { "matcher": { "httpCode": "200-299,404" } } });
        let hc = HealthCheck::of("IP", Some(&ranges)).unwrap();
        assert!(hc.accepts(204) && hc.accepts(404) && !hc.accepts(500));
    }

    #[test]
    fn thresholds_decide_transitions() {
        let hc = HealthCheck::of("IP", Some(&json!({ "healthCheck": { "healthyThresholdCount": 3 } }))).unwrap();
        let mut streak = Streak::default();
        assert_eq!(Streak::default().record(&hc, Status::Initial, false), Status::Unhealthy);
        let mut s = streak.record(&hc, Status::Initial, true);
        assert_eq!(s, Status::Healthy, "one pass makes a new target healthy");
        s = streak.record(&hc, s, false);
        assert_eq!(s, Status::Healthy);
        s = streak.record(&hc, s, false);
        assert_eq!(s, Status::Unhealthy);
        for expected in [Status::Unhealthy, Status::Unhealthy, Status::Healthy] {
            s = streak.record(&hc, s, true);
            assert_eq!(s, expected);
        }
    }
}
