//! Health-check settings of a target group (Lattice's defaults and ranges) and the threshold
//! logic that turns check results into a status. The live statuses are in
//! `lattice_runtime::health`.

use std::time::Duration;

use lattice_runtime::health::Status;
use serde_json::Value;

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
