//! Compiled services: hosts, certificates, listeners and their pre-sorted rules.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::auth::Gate;
use crate::records::Listener;
use crate::state::State;
use lattice_runtime::health::HealthTable;

use super::*;

#[derive(Debug)]
pub struct ServiceRoute {
    pub service_id: String,
    pub service_arn: String,
    /// The service's auth type and policy.
    pub auth: Gate,
    /// How long a target may stay silent before the request fails with 504.
    pub idle_timeout: std::time::Duration,
    /// The certificate HTTPS listeners present for the custom domain name.
    pub certificate: Option<Arc<CertMaterial>>,
    /// Lower-case names the service answers to (generated and custom).
    pub(crate) names: Vec<String>,
    pub listeners: HashMap<u16, Arc<ListenerRoute>, super::Fast>,
    /// Where the service's access logs go (subscription destination ARNs).
    pub log_destinations: Arc<[String]>,
    /// Every request that reached the service, counted for the web UI.
    pub traffic: Arc<lattice_runtime::traffic::Counters>,
}

impl ServiceRoute {
    /// The generated DNS name, lower case (the first of the names).
    pub fn generated_name(&self) -> &str {
        &self.names[0]
    }
}

/// A certificate chain and its key, as PEM.
#[derive(Debug, PartialEq, Eq)]
pub struct CertMaterial {
    pub arn: String,
    pub chain_pem: String,
    pub key_pem: String,
}

#[derive(Debug)]
pub struct ListenerRoute {
    pub listener_arn: String,
    /// The listener id (the ARN's last part), as access-log records show it.
    pub listener_id: String,
    pub protocol: String,
    /// Rules by ascending priority; the first that matches decides.
    pub rules: Vec<CompiledRule>,
    /// The default action, when no rule matches.
    pub action: RouteAction,
    /// Every request the listener decided, counted for the web UI.
    pub traffic: Arc<lattice_runtime::traffic::Counters>,
}

/// A listener rule, pre-compiled: all of its conditions must hold.
#[derive(Debug)]
pub struct CompiledRule {
    pub rule_arn: String,
    pub priority: i64,
    pub(crate) method: Option<String>,
    pub(crate) path: Option<TextCondition>,
    pub(crate) headers: Vec<(String, TextCondition)>,
    pub action: RouteAction,
}

#[derive(Debug)]
pub(crate) enum TextMatch {
    Exact(String),
    Prefix(String),
    Contains(String),
}

/// A comparison of a request value against a pattern; without case sensitivity the pattern
/// is stored lower-cased and the value lower-cased before comparing.
#[derive(Debug)]
pub(crate) struct TextCondition {
    pub(crate) text: TextMatch,
    pub(crate) case_sensitive: bool,
}

impl TextCondition {
    fn parse(match_union: &Value, case_sensitive: bool) -> Option<Self> {
        let norm = |v: &Value| -> Option<String> {
            let s = v.as_str()?;
            Some(if case_sensitive { s.to_string() } else { s.to_ascii_lowercase() })
        };
        let text = if let Some(v) = match_union.get("exact") {
            TextMatch::Exact(norm(v)?)
        } else if let Some(v) = match_union.get("prefix") {
            TextMatch::Prefix(norm(v)?)
        } else {
            TextMatch::Contains(norm(match_union.get("contains")?)?)
        };
        Some(Self { text, case_sensitive })
    }

    fn holds(&self, value: &str) -> bool {
        let lowered;
        let value = if self.case_sensitive {
            value
        } else {
            lowered = value.to_ascii_lowercase();
            &lowered
        };
        match &self.text {
            TextMatch::Exact(p) => value == p,
            TextMatch::Prefix(p) => value.starts_with(p.as_str()),
            TextMatch::Contains(p) => value.contains(p.as_str()),
        }
    }
}

impl CompiledRule {
    fn compile(state: &State, rule: &crate::records::Rule, health: &HealthTable) -> Self {
        let http = rule.rule_match.get("httpMatch").cloned().unwrap_or(Value::Null);
        let flag = |v: &Value| v.get("caseSensitive").and_then(Value::as_bool).unwrap_or(false);
        let path = http.get("pathMatch").and_then(|p| TextCondition::parse(p.get("match")?, flag(p)));
        let headers = http
            .get("headerMatches")
            .and_then(Value::as_array)
            .map(|hs| {
                hs.iter()
                    .filter_map(|h| {
                        let name = h.get("name")?.as_str()?.to_ascii_lowercase();
                        Some((name, TextCondition::parse(h.get("match")?, flag(h))?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            rule_arn: rule.arn.clone(),
            priority: rule.priority,
            // An empty method (as hashicorp/aws sends an unset one) matches any method.
            method: http.get("method").and_then(Value::as_str).filter(|m| !m.is_empty()).map(str::to_string),
            path,
            headers,
            action: forward_action(state, &rule.action, health),
        }
    }

    /// `header(name)` gives the request's values of a (lower-case) header.
    fn matches<'h>(&self, method: &str, path: &str, header: &dyn Fn(&str) -> Vec<&'h str>) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self.path.as_ref().is_none_or(|p| p.holds(path))
            && self.headers.iter().all(|(name, cond)| header(name).iter().any(|v| cond.holds(v)))
    }
}

impl ListenerRoute {
    /// The action for a request: the first matching rule's, else the default.
    pub fn select<'h>(&self, method: &str, path: &str, header: &dyn Fn(&str) -> Vec<&'h str>) -> &RouteAction {
        self.matching_rule(method, path, header).map_or(&self.action, |r| &r.action)
    }

    /// The first rule (by priority) whose conditions all hold; `None`: the default action.
    pub fn matching_rule<'h>(
        &self,
        method: &str,
        path: &str,
        header: &dyn Fn(&str) -> Vec<&'h str>,
    ) -> Option<&CompiledRule> {
        self.rules.iter().find(|r| r.matches(method, path, header))
    }
}

#[derive(Debug)]
pub enum RouteAction {
    Fixed { status: u16 },
    Forward(ForwardAction),
}

pub(crate) fn listener_route(state: &State, listener: &Listener, health: &HealthTable) -> ListenerRoute {
    let mut rules: Vec<CompiledRule> = state
        .rules
        .values()
        .filter(|r| r.listener_id == listener.id)
        .map(|r| CompiledRule::compile(state, r, health))
        .collect();
    rules.sort_by_key(|r| r.priority);
    ListenerRoute {
        listener_arn: listener.arn.clone(),
        listener_id: listener.id.clone(),
        protocol: listener.protocol.clone(),
        rules,
        action: forward_action(state, &listener.default_action, health),
        traffic: health.traffic.cell(&listener.id),
    }
}

pub(crate) fn service_route(state: &State, service: &crate::records::Service, health: &HealthTable) -> ServiceRoute {
    let listeners = state
        .listeners
        .values()
        .filter(|l| l.service_id == service.id && matches!(l.protocol.as_str(), "HTTP" | "HTTPS" | "TLS_PASSTHROUGH"))
        .filter_map(|l| Some((u16::try_from(l.port).ok()?, Arc::new(listener_route(state, l, health)))))
        .collect();
    let mut names = vec![service.dns_entry.domain_name.to_ascii_lowercase()];
    names.extend(service.custom_domain_name.iter().map(|n| n.to_ascii_lowercase()));
    ServiceRoute {
        service_id: service.id.clone(),
        service_arn: service.arn.clone(),
        auth: gate(state, &service.id, &service.auth_type),
        idle_timeout: std::time::Duration::from_secs(service.idle_timeout_seconds.clamp(60, 600) as u64),
        certificate: service.certificate_arn.as_ref().and_then(|arn| {
            let cert = state.local_certificates.values().find(|c| &c.arn == arn)?;
            let mut chain_pem = cert.certificate_pem.trim_end().to_string();
            if !cert.certificate_chain_pem.trim().is_empty() {
                chain_pem = format!("{chain_pem}\n{}", cert.certificate_chain_pem.trim());
            }
            Some(Arc::new(CertMaterial { arn: arn.clone(), chain_pem, key_pem: cert.private_key_pem.clone() }))
        }),
        names,
        listeners,
        log_destinations: log_destinations(state, &service.id),
        traffic: health.traffic.cell(&service.id),
    }
}

/// Destinations of the service-log subscriptions of a service or service network.
pub(crate) fn log_destinations(state: &State, resource_id: &str) -> Arc<[String]> {
    state
        .access_log_subscriptions
        .values()
        .filter(|a| {
            a.resource_id == resource_id && a.service_network_log_type.as_deref().unwrap_or("SERVICE") == "SERVICE"
        })
        .map(|a| a.destination_arn.clone())
        .collect()
}
