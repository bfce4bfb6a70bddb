//! The IAM policy language, as VPC Lattice auth policies and identity policies use it: Effect,
//! Principal / NotPrincipal, Action / NotAction, Resource / NotResource with `*` and `?`
//! wildcards, and Condition blocks (string, numeric, boolean, ARN, IP and `Null` operators,
//! `…IfExists`, `ForAnyValue:` / `ForAllValues:`). Pure: the caller builds the request
//! context; [`evaluate`] says whether one policy allows, explicitly denies, or says nothing.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::Value;

/// Who is calling, as a policy's `Principal` element sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Caller<'a> {
    /// The principal ARN (`arn:aws:iam::<acct>:role/<name>`, `…:root`); `None` when anonymous.
    pub arn: Option<Cow<'a, str>>,
    pub account: Option<Cow<'a, str>>,
}

/// One request as policies see it. Condition keys are matched case-insensitively; each maps to
/// one or more values. Values are borrowed from the request and its caller where they can be:
/// the proxy builds one of these per request.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub action: Cow<'a, str>,
    pub resource: Cow<'a, str>,
    pub caller: Caller<'a>,
    keys: Vec<(Cow<'static, str>, Values<'a>)>,
}

/// A key's values: most keys have one, kept without a list of its own.
#[derive(Debug, Clone)]
enum Values<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl<'a> Values<'a> {
    fn as_slice(&self) -> &[Cow<'a, str>] {
        match self {
            Values::One(value) => std::slice::from_ref(value),
            Values::Many(values) => values,
        }
    }
}

impl<'a> Request<'a> {
    pub fn new(action: impl Into<Cow<'a, str>>, resource: impl Into<Cow<'a, str>>, caller: Caller<'a>) -> Self {
        Self { action: action.into(), resource: resource.into(), caller, keys: Vec::new() }
    }

    /// Sets a condition key (names are case-insensitive).
    pub fn key(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        self.set(name.into(), Values::One(value.into()));
        self
    }

    /// Sets a multi-valued condition key.
    pub fn keys(mut self, name: impl Into<Cow<'static, str>>, values: Vec<Cow<'a, str>>) -> Self {
        self.set(name.into(), Values::Many(values));
        self
    }

    /// Sets the Lattice condition key `key` (one of [`KeyUse`]'s single keys) when `wanted`
    /// includes it: its value is only computed then.
    pub fn key_if(&mut self, wanted: KeyUse, key: KeyUse, value: impl FnOnce() -> Cow<'a, str>) {
        if let (true, Some(name)) = (wanted.has(key), key.name()) {
            self.set(Cow::Borrowed(name), Values::One(value()));
        }
    }

    fn set(&mut self, name: Cow<'static, str>, values: Values<'a>) {
        match self.keys.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&name)) {
            Some((_, old)) => *old = values,
            None => self.keys.push((name, values)),
        }
    }

    /// A key's values, if the request has the key. A request has a few dozen keys: a scan beats
    /// hashing a lower-cased copy.
    pub fn values(&self, name: &str) -> Option<&[Cow<'a, str>]> {
        self.keys.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }
}

/// What one policy says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A matching `Deny` statement: wins over any allow.
    Deny,
    /// No statement applies.
    NotApplicable,
}

/// Evaluates a policy document (a JSON object with `Statement`, one statement or a list).
/// A document that is not a policy applies to nothing.
pub fn evaluate(policy: &Value, request: &Request<'_>) -> Decision {
    Policy::new(policy.clone()).evaluate_traced(request).0
}

/// A policy document and its statements read into typed elements, once (when the snapshot or
/// the identities are built): evaluating a request then does no JSON lookups.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The document as written (what `explain` shows).
    pub document: Value,
    statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
struct Statement {
    /// `Allow` or `Deny`; `None` for any other effect (the statement decides nothing).
    effect: Option<Decision>,
    principal: Element<Pattern>,
    action: Element<Pattern>,
    resource: Element<Pattern>,
    /// `None` when the Condition block is malformed: the statement never applies.
    conditions: Option<Vec<Condition>>,
}

/// `X` (the values), `NotX`, or neither.
#[derive(Debug, Clone, PartialEq)]
enum Element<T> {
    Missing,
    In(Vec<T>),
    NotIn(Vec<T>),
}

impl<T> Element<T> {
    fn read(st: &Value, name: &str, not_name: &str, values: fn(&Value) -> Vec<T>) -> Self {
        match (st.get(name), st.get(not_name)) {
            (Some(v), _) => Element::In(values(v)),
            (None, Some(v)) => Element::NotIn(values(v)),
            (None, None) => Element::Missing,
        }
    }

    /// Whether the element admits a request, `test` telling whether one value matches.
    fn admits(&self, missing: bool, test: impl Fn(&T) -> bool) -> bool {
        match self {
            Element::Missing => missing,
            Element::In(values) => values.iter().any(&test),
            Element::NotIn(values) => !values.iter().any(test),
        }
    }
}

/// A `Principal`, `Action` or `Resource` pattern, sorted once when the policy is read: most are
/// `*`, a literal, or a literal followed by one `*`, which compare as bytes without the general
/// glob.
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    text: String,
    shape: Shape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Any,
    Literal,
    /// `text` less its last byte, a `*`, is a prefix of the value.
    Prefix,
    Glob,
}

impl Pattern {
    fn new(text: String) -> Self {
        let wild = |s: &str| s.contains(['*', '?']);
        let shape = if text == "*" {
            Shape::Any
        } else if !text.is_ascii() {
            // Case-insensitive matching of non-ASCII text lower-cases it: the general path.
            Shape::Glob
        } else if !wild(&text) {
            Shape::Literal
        } else if text.ends_with('*') && !wild(&text[..text.len() - 1]) {
            Shape::Prefix
        } else {
            Shape::Glob
        };
        Self { text, shape }
    }

    /// What [`wildcard`] says of `value`, sooner.
    fn matches(&self, value: &str, ignore_case: bool) -> bool {
        let eq = |a: &[u8], b: &[u8]| if ignore_case { a.eq_ignore_ascii_case(b) } else { a == b };
        let (p, v) = (self.text.as_bytes(), value.as_bytes());
        match self.shape {
            Shape::Any => true,
            Shape::Literal => p.len() == v.len() && eq(p, v),
            Shape::Prefix => v.len() >= p.len() - 1 && eq(&p[..p.len() - 1], &v[..p.len() - 1]),
            Shape::Glob => wildcard(&self.text, value, ignore_case),
        }
    }
}

/// One operator applied to one key, read from `"Op": { "key": values }`.
#[derive(Debug, Clone, PartialEq)]
struct Condition {
    /// `ForAnyValue` / `ForAllValues`.
    set: Option<SetOperator>,
    /// The positive operator (`StringLike` for `StringNotLike`), without `IfExists`.
    op: String,
    negated: bool,
    if_exists: bool,
    key: String,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOperator {
    AnyValue,
    AllValues,
}

impl Policy {
    pub fn new(document: Value) -> Self {
        let statements = statements(&document).map(Statement::read).collect();
        Self { document, statements }
    }

    /// Evaluates the policy, also naming the statement that decided (its index in
    /// `Statement`): the matching `Deny`, else the first matching `Allow`.
    pub fn evaluate_traced(&self, request: &Request<'_>) -> (Decision, Option<usize>) {
        let mut allowed = None;
        for (i, st) in self.statements.iter().enumerate() {
            if st.effect.is_none() || !st.applies(request) {
                continue;
            }
            match st.effect {
                Some(Decision::Deny) => return (Decision::Deny, Some(i)),
                _ => allowed = allowed.or(Some(i)),
            }
        }
        match allowed {
            Some(i) => (Decision::Allow, Some(i)),
            None => (Decision::NotApplicable, None),
        }
    }
}

impl Statement {
    fn read(st: &Value) -> Self {
        let effect = match st.get("Effect").and_then(Value::as_str) {
            Some("Deny") => Some(Decision::Deny),
            Some("Allow") => Some(Decision::Allow),
            _ => None,
        };
        let patterns = |v: &Value| strings(v).map(|s| Pattern::new(s.into_owned())).collect();
        Self {
            effect,
            principal: Element::read(st, "Principal", "NotPrincipal", principal_values),
            action: Element::read(st, "Action", "NotAction", patterns),
            resource: Element::read(st, "Resource", "NotResource", patterns),
            conditions: Condition::read_block(st.get("Condition")),
        }
    }

    fn applies(&self, r: &Request<'_>) -> bool {
        // Identity policies have no Principal: they apply to their holder. A statement without
        // Action applies to nothing; auth policies may leave Resource out (their own resource).
        self.principal.admits(true, |v| principal_value_matches(v, &r.caller))
            && self.action.admits(false, |p| p.matches(&r.action, true))
            && self.resource.admits(true, |p| p.matches(&r.resource, false))
            && self.conditions.as_ref().is_some_and(|cs| cs.iter().all(|c| c.holds(r.values(&c.key))))
    }
}

impl Condition {
    fn read_block(block: Option<&Value>) -> Option<Vec<Condition>> {
        // No block, or one that is not an object, tests nothing.
        let Some(Value::Object(ops)) = block else { return Some(Vec::new()) };
        let mut conditions = Vec::new();
        for (op, keys) in ops {
            let Value::Object(keys) = keys else { return None };
            let (set, base) = match op.split_once(':') {
                Some(("ForAnyValue", rest)) => (Some(SetOperator::AnyValue), rest),
                Some(("ForAllValues", rest)) => (Some(SetOperator::AllValues), rest),
                _ => (None, op.as_str()),
            };
            let (base, if_exists) = match base.strip_suffix("IfExists") {
                Some(base) => (base, true),
                None => (base, false),
            };
            let (positive_op, negated) = if base == "Null" { (base, false) } else { positive(base) };
            for (key, values) in keys {
                conditions.push(Condition {
                    set,
                    op: positive_op.to_string(),
                    negated,
                    if_exists,
                    key: key.clone(),
                    values: strings(values).map(Cow::into_owned).collect(),
                });
            }
        }
        Some(conditions)
    }

    fn holds(&self, actual: Option<&[Cow<'_, str>]>) -> bool {
        if self.op == "Null" {
            let absent = actual.is_none_or(<[_]>::is_empty);
            return self.values.iter().any(|w| w.eq_ignore_ascii_case("true") == absent);
        }
        let Some(values) = actual.filter(|v| !v.is_empty()) else {
            return match self.set {
                Some(SetOperator::AllValues) => true,
                Some(SetOperator::AnyValue) => false,
                None => self.if_exists || self.negated,
            };
        };
        let matches_one = |v: &str| self.values.iter().any(|w| value_matches(&self.op, v, w));
        let negated = self.negated;
        match self.set {
            // Each request value is tested; negation applies per value.
            Some(SetOperator::AnyValue) => values.iter().any(|v| matches_one(v) != negated),
            Some(SetOperator::AllValues) => values.iter().all(|v| matches_one(v) != negated),
            None => values.iter().any(|v| matches_one(v)) != negated,
        }
    }
}

/// A policy's statements (`Statement` is one statement or a list); none when it is not a policy.
pub fn statements(policy: &Value) -> impl Iterator<Item = &Value> {
    let list = match policy.get("Statement") {
        Some(Value::Array(list)) => list.as_slice(),
        Some(one @ Value::Object(_)) => std::slice::from_ref(one),
        _ => &[],
    };
    list.iter()
}

/// Which of the condition keys a request provides some policy tests: one bit per key Lattice
/// sets, one per key family (`RequestHeader/*`, `RequestQueryString/*`, `aws:PrincipalTag/*`).
/// A request context is built with only those keys: computing every key of every request
/// (a key per header and query parameter) costs more than evaluating the policies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyUse(u32);

/// The single keys, in bit order.
const KEY_NAMES: [&str; 13] = [
    "vpc-lattice-svcs:Port",
    "vpc-lattice-svcs:RequestMethod",
    "vpc-lattice-svcs:RequestPath",
    "vpc-lattice-svcs:ServiceArn",
    "vpc-lattice-svcs:ServiceNetworkArn",
    "vpc-lattice-svcs:SourceVpc",
    "vpc-lattice-svcs:SourceVpcOwnerAccount",
    "aws:PrincipalType",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:userid",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
];

/// The key families (name prefixes), in bit order after the single keys.
const FAMILY_PREFIXES: [&str; 3] =
    ["vpc-lattice-svcs:RequestHeader/", "vpc-lattice-svcs:RequestQueryString/", "aws:PrincipalTag/"];

impl KeyUse {
    pub const NONE: KeyUse = KeyUse(0);
    pub const ALL: KeyUse = KeyUse(u32::MAX);
    pub const PORT: KeyUse = KeyUse(1 << 0);
    pub const REQUEST_METHOD: KeyUse = KeyUse(1 << 1);
    pub const REQUEST_PATH: KeyUse = KeyUse(1 << 2);
    pub const SERVICE_ARN: KeyUse = KeyUse(1 << 3);
    pub const SERVICE_NETWORK_ARN: KeyUse = KeyUse(1 << 4);
    pub const SOURCE_VPC: KeyUse = KeyUse(1 << 5);
    pub const SOURCE_VPC_OWNER: KeyUse = KeyUse(1 << 6);
    pub const PRINCIPAL_TYPE: KeyUse = KeyUse(1 << 7);
    pub const PRINCIPAL_ARN: KeyUse = KeyUse(1 << 8);
    pub const PRINCIPAL_ACCOUNT: KeyUse = KeyUse(1 << 9);
    pub const USER_ID: KeyUse = KeyUse(1 << 10);
    pub const PRINCIPAL_ORG_ID: KeyUse = KeyUse(1 << 11);
    pub const PRINCIPAL_ORG_PATHS: KeyUse = KeyUse(1 << 12);
    /// `vpc-lattice-svcs:RequestHeader/*`
    pub const HEADERS: KeyUse = KeyUse(1 << 16);
    /// `vpc-lattice-svcs:RequestQueryString/*`
    pub const QUERY: KeyUse = KeyUse(1 << 17);
    /// `aws:PrincipalTag/*`
    pub const PRINCIPAL_TAGS: KeyUse = KeyUse(1 << 18);

    /// What a policy document tests.
    pub fn of(policy: &Value) -> Self {
        let mut uses = KeyUse::NONE;
        for key in statements(policy).flat_map(condition_keys) {
            uses = uses.and(Self::of_key(key));
        }
        uses
    }

    /// The bit of one condition key (none for keys requests do not provide).
    fn of_key(key: &str) -> Self {
        if let Some(i) = KEY_NAMES.iter().position(|n| n.eq_ignore_ascii_case(key)) {
            return KeyUse(1 << i);
        }
        let family =
            FAMILY_PREFIXES.iter().position(|p| key.get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p)));
        family.map_or(KeyUse::NONE, |j| KeyUse(1 << (16 + j)))
    }

    /// Both sets of keys.
    pub fn and(self, other: KeyUse) -> KeyUse {
        KeyUse(self.0 | other.0)
    }

    /// Whether any key of `key` is wanted.
    pub fn has(self, key: KeyUse) -> bool {
        self.0 & key.0 != 0
    }

    /// The name of a single key.
    fn name(self) -> Option<&'static str> {
        KEY_NAMES.get(self.0.trailing_zeros() as usize).copied()
    }
}

/// The condition keys a statement tests.
pub fn condition_keys(statement: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = statement
        .get("Condition")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|ops| ops.values())
        .filter_map(Value::as_object)
        .flat_map(|tests| tests.keys().map(String::as_str))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The strings of an element that may be a string or a list of strings (numbers and booleans
/// read as their text).
pub fn strings(v: &Value) -> impl Iterator<Item = Cow<'_, str>> {
    let items = match v {
        Value::Array(a) => a.as_slice(),
        one => std::slice::from_ref(one),
    };
    items.iter().filter_map(scalar)
}

fn scalar(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// The principals a `Principal` element names: `"*"`, the `AWS` list of an object (an object
/// without one names nobody), or the strings given.
fn principal_values(p: &Value) -> Vec<Pattern> {
    let values = match p {
        Value::Object(map) => match map.get("AWS") {
            Some(aws) => aws,
            None => return Vec::new(),
        },
        _ => p,
    };
    strings(values).map(|s| Pattern::new(s.into_owned())).collect()
}

fn principal_value_matches(p: &Pattern, caller: &Caller<'_>) -> bool {
    if p.shape == Shape::Any {
        return true;
    }
    let (Some(arn), Some(account)) = (&caller.arn, &caller.account) else { return false };
    let v = p.text.as_str();
    // An account id or its root ARN names every principal of the account.
    let root = v.strip_prefix("arn:aws:iam::").and_then(|r| r.strip_suffix(":root"));
    if v == account || root == Some(account.as_ref()) {
        return true;
    }
    if p.shape == Shape::Literal {
        // Compared without building the role's ARN.
        return v == arn || names_assumed_role(v, arn);
    }
    p.matches(arn, false) || assumed_role_of(arn).is_some_and(|role| p.matches(&role, false))
}

/// Whether `v` is exactly the role ARN [`assumed_role_of`] gives for `arn`.
fn names_assumed_role(v: &str, arn: &str) -> bool {
    // Split on bytes: a `char` pattern's searcher costs more than these short searches.
    fn before(s: &str, b: u8) -> Option<(&str, &str)> {
        s.bytes().position(|c| c == b).map(|at| s.split_at(at))
    }
    let Some((account, resource)) = arn.strip_prefix("arn:aws:sts::").and_then(|r| before(r, b':')) else {
        return false;
    };
    let resource = &resource[1..];
    let Some(role) = resource.strip_prefix("assumed-role/").map(|r| before(r, b'/').map_or(r, |(role, _)| role)) else {
        return false;
    };
    v.strip_prefix("arn:aws:iam::")
        .and_then(|r| r.strip_prefix(account))
        .and_then(|r| r.strip_prefix(":role/"))
        .is_some_and(|r| r == role)
}

/// `arn:aws:sts::<acct>:assumed-role/<role>/<session>` → `arn:aws:iam::<acct>:role/<role>`.
fn assumed_role_of(arn: &str) -> Option<String> {
    let rest = arn.strip_prefix("arn:aws:sts::")?;
    let (account, resource) = rest.split_once(':')?;
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some(format!("arn:aws:iam::{account}:role/{role}"))
}

/// `*` (any run) and `?` (one character) matching, as IAM does for actions and resources.
pub fn wildcard(pattern: &str, value: &str, ignore_case: bool) -> bool {
    if pattern.is_ascii() && value.is_ascii() {
        let eq = |a: u8, b: u8| if ignore_case { a.eq_ignore_ascii_case(&b) } else { a == b };
        return glob(pattern.as_bytes(), value.as_bytes(), b'*', b'?', eq);
    }
    let (p, v): (Vec<char>, Vec<char>) = if ignore_case {
        (pattern.to_lowercase().chars().collect(), value.to_lowercase().chars().collect())
    } else {
        (pattern.chars().collect(), value.chars().collect())
    };
    glob(&p, &v, '*', '?', |a, b| a == b)
}

/// Greedy glob matching with backtracking to the last `star`.
fn glob<T: Copy + PartialEq>(p: &[T], v: &[T], star_sym: T, one: T, eq: impl Fn(T, T) -> bool) -> bool {
    let (mut pi, mut vi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while vi < v.len() {
        if pi < p.len() && p[pi] != star_sym && (p[pi] == one || eq(p[pi], v[vi])) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == star_sym {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == star_sym)
}

/// The positive form of an operator, and whether it was negated (`StringNotLike` → `StringLike`).
fn positive(op: &str) -> (&str, bool) {
    match op {
        "StringNotEquals" => ("StringEquals", true),
        "StringNotEqualsIgnoreCase" => ("StringEqualsIgnoreCase", true),
        "StringNotLike" => ("StringLike", true),
        "NumericNotEquals" => ("NumericEquals", true),
        "ArnNotEquals" => ("ArnEquals", true),
        "ArnNotLike" => ("ArnLike", true),
        "NotIpAddress" => ("IpAddress", true),
        op => (op, false),
    }
}

/// Whether `actual` matches `wanted` under the positive operator `op`.
fn value_matches(op: &str, actual: &str, wanted: &str) -> bool {
    match op {
        "StringEquals" => actual == wanted,
        "StringEqualsIgnoreCase" => actual.eq_ignore_ascii_case(wanted),
        "StringLike" => wildcard(wanted, actual, false),
        "NumericEquals"
        | "NumericLessThan"
        | "NumericLessThanEquals"
        | "NumericGreaterThan"
        | "NumericGreaterThanEquals" => {
            let (Ok(a), Ok(w)) = (actual.parse::<f64>(), wanted.parse::<f64>()) else { return false };
            match op {
                "NumericEquals" => a == w,
                "NumericLessThan" => a < w,
                "NumericLessThanEquals" => a <= w,
                "NumericGreaterThan" => a > w,
                _ => a >= w,
            }
        }
        "Bool" => actual.eq_ignore_ascii_case(wanted),
        "ArnEquals" | "ArnLike" => wildcard(wanted, actual, false),
        "IpAddress" => ip_in(actual, wanted),
        _ => false,
    }
}

fn ip_in(ip: &str, cidr: &str) -> bool {
    let (Ok(ip), Some(cidr)) = (ip.parse::<IpAddr>(), crate::firewall::Cidr::parse(cidr)) else { return false };
    cidr.contains(ip)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SVC: &str = "arn:aws:vpc-lattice:us-east-1:111111111111:service/svc-0123456789abcdef0";

    fn role(account: &str, name: &str) -> Caller<'static> {
        Caller {
            arn: Some(format!("arn:aws:iam::{account}:role/{name}").into()),
            account: Some(account.to_string().into()),
        }
    }

    fn invoke<'a>(caller: Caller<'a>, path: &'a str, method: &'a str) -> Request<'a> {
        Request::new("vpc-lattice-svcs:Invoke", format!("{SVC}{path}"), caller)
            .key("vpc-lattice-svcs:RequestMethod", method)
            .key("vpc-lattice-svcs:RequestPath", path)
    }

    #[test]
    fn key_use_names_the_request_key_families_a_policy_tests() {
        let method_only = json!({ "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": { "StringEquals": { "vpc-lattice-svcs:RequestMethod": "GET" } } }] });
        assert_eq!(KeyUse::of(&method_only), KeyUse::REQUEST_METHOD);
        let header = json!({ "Statement": { "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": { "StringLike": { "VPC-Lattice-Svcs:RequestHeader/x-team": "a*" } } } });
        assert_eq!(KeyUse::of(&header), KeyUse::HEADERS, "key names are case-insensitive");
        let query = json!({ "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": { "ForAnyValue:StringEquals": { "vpc-lattice-svcs:RequestQueryString/id": ["1"] },
                           "Null": { "aws:principalorgid": "false", "aws:PrincipalTag/team": "false" } } }] });
        let both = KeyUse::of(&query).and(KeyUse::of(&header));
        for key in [KeyUse::HEADERS, KeyUse::QUERY, KeyUse::PRINCIPAL_ORG_ID, KeyUse::PRINCIPAL_TAGS] {
            assert!(both.has(key), "{key:?} missing from {both:?}");
        }
        assert!(!both.has(KeyUse::REQUEST_METHOD) && !both.has(KeyUse::PORT));
        assert_eq!(KeyUse::of(&json!("not a policy")), KeyUse::NONE);
        // Keys no request provides are nothing to compute.
        let other = json!({ "Statement": { "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": { "Bool": { "aws:SecureTransport": "true" } } } });
        assert_eq!(KeyUse::of(&other), KeyUse::NONE);
    }

    #[test]
    fn sorted_patterns_match_as_the_glob_does() {
        let values = ["", "a", "ab", "abc", "ABC", "abd", "xabc", "ab*", "é", "É", "aé"];
        for pattern in ["*", "abc", "ab*", "a*c", "a?c", "*c", "ABC", "é*", "a**", "", "*a*"] {
            for value in values {
                for ignore_case in [false, true] {
                    assert_eq!(
                        Pattern::new(pattern.to_string()).matches(value, ignore_case),
                        wildcard(pattern, value, ignore_case),
                        "{pattern} {value} {ignore_case}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_role_arn_names_its_sessions_as_a_literal_and_as_a_pattern() {
        let caller = Caller {
            arn: Some("arn:aws:sts::111111111111:assumed-role/order/lattice-local".into()),
            account: Some("111111111111".into()),
        };
        for (v, named) in [
            ("arn:aws:iam::111111111111:role/order", true),
            ("arn:aws:iam::111111111111:role/ord*", true),
            ("arn:aws:iam::111111111111:role/orders", false),
            ("arn:aws:iam::111111111111:role/orde", false),
            ("arn:aws:iam::222222222222:role/order", false),
            ("arn:aws:sts::111111111111:assumed-role/order/lattice-local", true),
            ("111111111111", true),
            ("arn:aws:iam::111111111111:root", true),
        ] {
            assert_eq!(principal_value_matches(&Pattern::new(v.to_string()), &caller), named, "{v}");
        }
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard("vpc-lattice-svcs:*", "VPC-Lattice-Svcs:Invoke", true));
        assert!(wildcard("arn:*:service/svc-*/stock*", &format!("{SVC}/stock/42"), false));
        assert!(!wildcard("arn:*:service/svc-*/stock", &format!("{SVC}/stocks"), false));
        assert!(wildcard("a?c", "abc", false) && !wildcard("a?c", "ac", false));
        assert!(wildcard("*", "", false) && wildcard("**a", "a", false));
    }

    #[test]
    fn the_order_role_may_only_get_stock() {
        let policy = json!({ "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": ["arn:aws:iam::222222222222:role/order"] },
            "Action": "vpc-lattice-svcs:Invoke",
            "Resource": [format!("{SVC}/stock"), format!("{SVC}/stock/*")],
            "Condition": { "StringEquals": { "vpc-lattice-svcs:RequestMethod": "GET" } },
        }]});
        let order = role("222222222222", "order");
        assert_eq!(evaluate(&policy, &invoke(order.clone(), "/stock/42", "GET")), Decision::Allow);
        assert_eq!(evaluate(&policy, &invoke(order.clone(), "/stock/42", "POST")), Decision::NotApplicable);
        assert_eq!(evaluate(&policy, &invoke(order, "/admin", "GET")), Decision::NotApplicable);
        assert_eq!(evaluate(&policy, &invoke(role("222222222222", "other"), "/stock", "GET")), Decision::NotApplicable);
        assert_eq!(evaluate(&policy, &invoke(Caller::default(), "/stock", "GET")), Decision::NotApplicable);
    }

    #[test]
    fn an_explicit_deny_wins_and_accounts_name_all_their_principals() {
        let policy = json!({ "Statement": [
            { "Effect": "Allow", "Principal": { "AWS": "222222222222" }, "Action": "*", "Resource": "*" },
            { "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": format!("{SVC}/admin*") },
        ]});
        assert_eq!(evaluate(&policy, &invoke(role("222222222222", "a"), "/x", "GET")), Decision::Allow);
        assert_eq!(evaluate(&policy, &invoke(role("222222222222", "a"), "/admin", "GET")), Decision::Deny);
        let root = json!({ "Statement": { "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::222222222222:root" },
                                          "Action": "*", "Resource": "*" } });
        assert_eq!(evaluate(&root, &invoke(role("222222222222", "b"), "/", "GET")), Decision::Allow);
        let session = Caller {
            arn: Some("arn:aws:sts::222222222222:assumed-role/order/s1".into()),
            account: Some("222222222222".into()),
        };
        let by_role = json!({ "Statement": { "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::222222222222:role/order" },
                                             "Action": "*", "Resource": "*" } });
        assert_eq!(evaluate(&by_role, &invoke(session, "/", "GET")), Decision::Allow);
    }

    #[test]
    fn not_elements_invert() {
        let policy = json!({ "Statement": [{ "Effect": "Allow", "NotPrincipal": { "AWS": "333333333333" },
                                             "NotAction": "vpc-lattice-svcs:Connect", "NotResource": format!("{SVC}/private*") }]});
        assert_eq!(evaluate(&policy, &invoke(role("222222222222", "a"), "/x", "GET")), Decision::Allow);
        assert_eq!(evaluate(&policy, &invoke(role("333333333333", "a"), "/x", "GET")), Decision::NotApplicable);
        assert_eq!(evaluate(&policy, &invoke(role("222222222222", "a"), "/private/1", "GET")), Decision::NotApplicable);
    }

    #[test]
    fn condition_operators() {
        let r = invoke(role("222222222222", "a"), "/x", "GET")
            .key("aws:PrincipalOrgID", "o-abc1234567")
            .key("vpc-lattice-svcs:Port", "443")
            .key("aws:SecureTransport", "true")
            .key("aws:SourceIp", "127.77.3.9")
            .keys("aws:PrincipalTag/team", vec!["payments".into()])
            .keys("vpc-lattice-svcs:RequestHeader/x-tags", vec!["a".into(), "b".into()]);
        let holds = |cond: Value| {
            let p = json!({ "Statement": { "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": cond } });
            evaluate(&p, &r) == Decision::Allow
        };
        assert!(holds(json!({ "StringEquals": { "aws:principalorgid": "o-abc1234567" } })));
        assert!(!holds(json!({ "StringEquals": { "aws:PrincipalOrgID": "o-other" } })));
        assert!(holds(json!({ "StringNotEquals": { "aws:PrincipalOrgID": ["o-x", "o-y"] } })));
        assert!(holds(json!({ "StringLike": { "vpc-lattice-svcs:RequestPath": "/*" } })));
        assert!(holds(json!({ "StringEqualsIgnoreCase": { "vpc-lattice-svcs:RequestMethod": "get" } })));
        assert!(holds(json!({ "NumericGreaterThanEquals": { "vpc-lattice-svcs:Port": "443" } })));
        assert!(!holds(json!({ "NumericLessThan": { "vpc-lattice-svcs:Port": 80 } })));
        assert!(holds(json!({ "Bool": { "aws:SecureTransport": true } })));
        assert!(holds(json!({ "IpAddress": { "aws:SourceIp": "127.77.0.0/16" } })));
        assert!(holds(json!({ "NotIpAddress": { "aws:SourceIp": "10.0.0.0/8" } })));
        assert!(!holds(json!({ "ArnLike": { "vpc-lattice-svcs:ServiceArn": "arn:*" } })));
        // Missing keys: positive operators fail, negated ones and …IfExists pass, Null tells.
        assert!(!holds(json!({ "StringEquals": { "aws:PrincipalTag/missing": "x" } })));
        assert!(holds(json!({ "StringEqualsIfExists": { "aws:PrincipalTag/missing": "x" } })));
        assert!(holds(json!({ "StringNotEquals": { "aws:PrincipalTag/missing": "x" } })));
        assert!(holds(json!({ "Null": { "aws:PrincipalTag/missing": "true", "aws:PrincipalOrgID": "false" } })));
        // Multi-valued keys.
        assert!(holds(json!({ "ForAnyValue:StringEquals": { "vpc-lattice-svcs:RequestHeader/x-tags": ["b", "z"] } })));
        assert!(!holds(
            json!({ "ForAllValues:StringEquals": { "vpc-lattice-svcs:RequestHeader/x-tags": ["b", "z"] } })
        ));
        assert!(holds(
            json!({ "ForAllValues:StringEquals": { "vpc-lattice-svcs:RequestHeader/x-tags": ["a", "b", "c"] } })
        ));
        assert!(holds(json!({ "ForAllValues:StringEquals": { "aws:PrincipalTag/missing": ["a"] } })));
        assert!(!holds(json!({ "ForAnyValue:StringEquals": { "aws:PrincipalTag/missing": ["a"] } })));
        // Several operators and keys: all must hold.
        assert!(!holds(
            json!({ "StringEquals": { "aws:PrincipalTag/team": "payments" }, "Bool": { "aws:SecureTransport": "false" } })
        ));
        // An unknown operator never holds.
        assert!(!holds(json!({ "StringSortOf": { "aws:PrincipalOrgID": "o-abc1234567" } })));
    }

    #[test]
    fn documents_that_are_not_policies_apply_to_nothing() {
        assert_eq!(evaluate(&json!({}), &invoke(Caller::default(), "/", "GET")), Decision::NotApplicable);
        assert_eq!(evaluate(&json!("x"), &invoke(Caller::default(), "/", "GET")), Decision::NotApplicable);
        let no_action = json!({ "Statement": [{ "Effect": "Allow", "Principal": "*", "Resource": "*" }] });
        assert_eq!(evaluate(&no_action, &invoke(Caller::default(), "/", "GET")), Decision::NotApplicable);
    }

    #[test]
    fn a_role_arn_names_an_assumed_role_exactly_when_the_built_role_arn_is_it() {
        let (sts, iam) = ("arn:aws:sts::111111111111", "arn:aws:iam::111111111111");
        let arns = ["assumed-role/order/s1", "assumed-role/order", "assumed-role/", "user/order"]
            .map(|r| format!("{sts}:{r}"));
        let roles =
            [format!("{iam}:role/order"), format!("{iam}:role/"), "arn:aws:iam::1:role/order".into(), "".into()];
        for arn in arns.iter().map(String::as_str).chain([sts, "arn:aws:iam::1:role/order", ""]) {
            for v in roles.iter().map(String::as_str) {
                assert_eq!(names_assumed_role(v, arn), assumed_role_of(arn).as_deref() == Some(v), "{v} / {arn}");
            }
        }
    }
}
