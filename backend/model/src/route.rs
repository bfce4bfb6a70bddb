//! The HTTP decision: which service and listener a request reaches through a door, whether
//! auth lets it through, and which action its listener takes. The data plane runs it on every
//! request; `explain` runs the same function and reports what it saw, so the two cannot drift.

use std::sync::Arc;

use crate::auth::{self, Denial, GateTrace, Identities, Identity};
use crate::iam;
use crate::snapshot::{Admission, CompiledRule, Door, ListenerRoute, RouteAction, ServiceRoute};

/// The parts of a request head routing and auth read, whichever HTTP stack parsed it.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    pub method: &'a str,
    /// The request target: path and query, `/` when absent.
    pub target: &'a str,
    /// The name the request addresses: its Host header, or (HTTP/2) the URI's authority.
    pub host: &'a str,
    /// The TLS server name (`None` for plain HTTP).
    pub sni: Option<&'a str>,
    /// The listener port the client addressed.
    pub port: u16,
    /// Header names as sent (any case) and raw values.
    pub headers: &'a [(&'a str, &'a [u8])],
}

impl<'a> Head<'a> {
    /// The path as sent (percent-encoded), without the query.
    pub fn path(&self) -> &'a str {
        self.target.get(..self.query_mark()).unwrap_or(self.target)
    }

    pub fn query(&self) -> &'a str {
        self.target.get(self.query_mark() + 1..).unwrap_or_default()
    }

    /// Where the `?` before the query is (the target's length when there is none). A byte
    /// search: targets are short, and a `char` pattern's searcher costs more than the search.
    fn query_mark(&self) -> usize {
        self.target.bytes().position(|b| b == b'?').unwrap_or(self.target.len())
    }

    /// Every value of a header, by name in any case; values that are not UTF-8 are skipped.
    pub fn all(&self, name: &str) -> Vec<&'a str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .filter_map(|(_, v)| std::str::from_utf8(v).ok())
            .collect()
    }

    /// The first value of a header, by name in any case.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| std::str::from_utf8(v).ok())
    }
}

/// What the decision concluded.
#[derive(Debug)]
pub enum Decision<'s> {
    /// No listener of a service takes the request here (unknown Host, no listener on the port,
    /// plain HTTP to HTTPS, a Host other than the TLS session's): never logged, as in Lattice.
    NotAdmitted(Admission<'s>),
    Admitted(Admitted<'s>),
}

/// A request a service's listener took.
#[derive(Debug)]
pub struct Admitted<'s> {
    pub door: Door<'s>,
    pub route: &'s Arc<ServiceRoute>,
    pub listener: &'s Arc<ListenerRoute>,
    /// The authenticated caller (signed requests to `AWS_IAM` services).
    pub caller: Option<Arc<Identity>>,
    pub outcome: Outcome<'s>,
}

/// What an admitted request gets.
#[derive(Debug)]
pub enum Outcome<'s> {
    /// `CONNECT`: a service is no tunnel; Lattice answers 405 itself.
    MethodNotAllowed,
    /// Auth refused it: the denial and the 403 body.
    Denied(Denial, String),
    /// The listener's action: the matching rule's (`None`: the default action).
    Action { rule: Option<&'s CompiledRule>, action: &'s RouteAction },
}

/// Decides `head` arriving at `door`. `now` is asked only when auth runs (a request to an open
/// service reads no clock); `observe` sees the IAM request context and each policy evaluated
/// (only when auth runs); the data plane passes a closure that does nothing.
pub fn decide<'s>(
    door: Door<'s>,
    identities: &Identities,
    head: &Head<'_>,
    now: impl FnOnce() -> time::OffsetDateTime,
    observe: &mut dyn FnMut(&iam::Request, GateTrace),
) -> Decision<'s> {
    let (route, listener) = match door.admit(head.host, head.port, head.sni) {
        Admission::Admitted(route, listener) => (route, listener),
        refused => return Decision::NotAdmitted(refused),
    };
    let admitted = |caller, outcome| Decision::Admitted(Admitted { door, route, listener, caller, outcome });
    if head.method.eq_ignore_ascii_case("CONNECT") {
        return admitted(None, Outcome::MethodNotAllowed);
    }
    let mut caller = None;
    if door.network_auth().iam || route.auth.iam {
        let verdict = authorize(door, route, identities, head, now(), observe);
        caller = verdict.caller;
        if let Some((denial, body)) = verdict.refused {
            return admitted(caller, Outcome::Denied(denial, body));
        }
    }
    let rule = listener.matching_rule(head.method, head.path(), &|name| head.all(name));
    let action = rule.map_or(&listener.action, |r| &r.action);
    admitted(caller, Outcome::Action { rule, action })
}

/// Authenticates and authorizes a request to a service whose network or service uses `AWS_IAM`.
fn authorize(
    door: Door<'_>,
    route: &ServiceRoute,
    identities: &Identities,
    head: &Head<'_>,
    now: time::OffsetDateTime,
    observe: &mut dyn FnMut(&iam::Request, GateTrace),
) -> auth::Verdict {
    // Names are compared without regard to case; values that are not UTF-8 cannot take part in
    // a signature or a condition: they read empty (`HeaderField` for name and bytes).
    let facts = auth::RequestFacts {
        method: head.method,
        raw_path: head.path(),
        raw_query: head.query(),
        headers: head.headers,
        port: head.port,
    };
    let to = door.destination(route);
    auth::check_observed(identities, (door.network_auth(), &route.auth), &facts, &to, now, observe)
}

/// Decides a TLS session a passthrough listener relays untouched: nothing inside is signed, so
/// the policies see an anonymous caller. Runs only when the network or service uses `AWS_IAM`.
pub fn relayed(
    door: Door<'_>,
    route: &ServiceRoute,
    identities: &Identities,
    port: u16,
    now: impl FnOnce() -> time::OffsetDateTime,
    observe: &mut dyn FnMut(&iam::Request, GateTrace),
) -> auth::Verdict {
    if !(door.network_auth().iam || route.auth.iam) {
        return auth::Verdict::default();
    }
    let head = Head { method: "", target: "", host: "", sni: None, port, headers: &[] };
    authorize(door, route, identities, &head, now(), observe)
}
