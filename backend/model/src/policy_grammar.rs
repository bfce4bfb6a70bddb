//! The grammar of the IAM policy language, checked when a policy is stored (`PutAuthPolicy`,
//! `PutResourcePolicy`, a principal's identity policy), as AWS checks it: a statement the
//! evaluator cannot read (`"Effect": "deny"`, `StringEqual`, `"Actions"`) would otherwise be
//! stored and silently decide nothing, and a mistyped `Deny` would let traffic through.
//! Pure: a document in, the first problem out, worded for a `ValidationException`.

use lattice_api::model::echo;
use serde_json::{Map, Value};

/// Which kind of policy a document is: resource-based policies (auth and resource policies)
/// may name principals; identity policies belong to their holder and may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Auth,
    Resource,
    Identity,
}

impl PolicyKind {
    /// Lattice's auth policy quota is 10 KB; a resource policy is at most 10,000 characters
    /// (its botocore shape); IAM's inline policies at most 10,240.
    fn max_len(self) -> usize {
        match self {
            PolicyKind::Auth => 10 * 1024,
            PolicyKind::Resource => 10_000,
            PolicyKind::Identity => 10_240,
        }
    }
}

const CONDITION_OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

const PRINCIPAL_TYPES: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

/// Checks a policy document; `Err` names the first problem (and where it is).
pub fn validate(document: &str, kind: PolicyKind) -> Result<(), String> {
    if document.chars().count() > kind.max_len() {
        return Err(format!("The policy is longer than the {} characters allowed", kind.max_len()));
    }
    let doc: Value = serde_json::from_str(document).map_err(|e| format!("The policy is not valid JSON: {e}"))?;
    let Value::Object(doc) = doc else { return Err("The policy must be a JSON object".into()) };
    for (name, value) in &doc {
        match name.as_str() {
            "Version" => match value.as_str() {
                Some("2012-10-17" | "2008-10-17") => {}
                _ => return Err(format!("Version {} is not 2012-10-17 or 2008-10-17", short(value))),
            },
            "Id" if value.is_string() => {}
            "Id" => return Err("Id must be a string".into()),
            "Statement" => {}
            other => return Err(format!("The policy has an unknown element '{}'", echo(other))),
        }
    }
    let statements: Vec<&Value> = match doc.get("Statement") {
        None => return Err("The policy has no Statement".into()),
        Some(Value::Array(list)) if list.is_empty() => return Err("Statement is an empty list".into()),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(other) => return Err(format!("Statement must be an object or a list of objects, not {}", short(other))),
    };
    for (i, st) in statements.iter().enumerate() {
        let Value::Object(st) = st else {
            return Err(format!("Statement {} must be an object, not {}", i + 1, short(st)));
        };
        statement(st, kind).map_err(|e| format!("Statement {}{}: {e}", i + 1, sid(st)))?;
    }
    Ok(())
}

fn sid(st: &Map<String, Value>) -> String {
    st.get("Sid").and_then(Value::as_str).map(|s| format!(" ({})", echo(s))).unwrap_or_default()
}

fn statement(st: &Map<String, Value>, kind: PolicyKind) -> Result<(), String> {
    for name in st.keys() {
        let known = matches!(
            name.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        );
        if !known {
            return Err(format!("unknown element '{}'", echo(name)));
        }
    }
    if st.get("Sid").is_some_and(|s| !s.is_string()) {
        return Err("Sid must be a string".into());
    }
    match st.get("Effect") {
        Some(Value::String(e)) if e == "Allow" || e == "Deny" => {}
        Some(other) => return Err(format!("Effect must be Allow or Deny (case-sensitive), not {}", short(other))),
        None => return Err("Effect is missing".into()),
    }
    let action = pair(st, "Action", "NotAction")?.ok_or("Action or NotAction is missing")?;
    for a in string_list(action.1, action.0)? {
        let ok = a == "*"
            || a.split_once(':').is_some_and(|(service, name)| {
                !service.is_empty()
                    && service.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
            });
        if !ok {
            return Err(format!("{} '{}' is not service:action or *", action.0, echo(a)));
        }
    }
    if let Some((name, value)) = pair(st, "Resource", "NotResource")? {
        for r in string_list(value, name)? {
            // An ARN, or a pattern that a wildcard opens (`*`, `*/public`).
            if !r.starts_with('*') && !r.starts_with("arn:") {
                return Err(format!("{name} '{}' is not an ARN or a pattern starting with *", echo(r)));
            }
        }
    }
    match (pair(st, "Principal", "NotPrincipal")?, kind) {
        (Some((name, _)), PolicyKind::Identity) => {
            return Err(format!("{name} is not allowed in an identity policy"));
        }
        (Some((name, value)), _) => principal(name, value)?,
        (None, _) => {}
    }
    if let Some(block) = st.get("Condition") {
        condition(block)?;
    }
    Ok(())
}

/// The element `name` or its `not_name`, not both.
fn pair<'a>(
    st: &'a Map<String, Value>,
    name: &'static str,
    not_name: &'static str,
) -> Result<Option<(&'static str, &'a Value)>, String> {
    match (st.get(name), st.get(not_name)) {
        (Some(_), Some(_)) => Err(format!("{name} and {not_name} cannot both be given")),
        (Some(v), None) => Ok(Some((name, v))),
        (None, Some(v)) => Ok(Some((not_name, v))),
        (None, None) => Ok(None),
    }
}

/// A string or a non-empty list of strings.
fn string_list<'a>(value: &'a Value, name: &str) -> Result<Vec<&'a str>, String> {
    match value {
        Value::String(s) => Ok(vec![s]),
        Value::Array(list) if !list.is_empty() => list
            .iter()
            .map(|v| v.as_str().ok_or_else(|| format!("{name} values must be strings, not {}", short(v))))
            .collect(),
        Value::Array(_) => Err(format!("{name} is an empty list")),
        other => Err(format!("{name} must be a string or a list of strings, not {}", short(other))),
    }
}

fn principal(name: &str, value: &Value) -> Result<(), String> {
    match value {
        Value::String(s) if s == "*" => Ok(()),
        Value::Object(types) if !types.is_empty() => {
            for (t, ids) in types {
                if !PRINCIPAL_TYPES.contains(&t.as_str()) {
                    return Err(format!("{name} type '{}' is not one of {}", echo(t), PRINCIPAL_TYPES.join(", ")));
                }
                for id in string_list(ids, &format!("{name}.{t}"))? {
                    if t == "AWS" && !(id == "*" || is_account(id) || id.starts_with("arn:")) {
                        return Err(format!("{name}.AWS '{}' is not an account id, an ARN or *", echo(id)));
                    }
                }
            }
            Ok(())
        }
        other => Err(format!("{name} must be \"*\" or an object of principal types, not {}", short(other))),
    }
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn condition(block: &Value) -> Result<(), String> {
    let Value::Object(ops) = block else {
        return Err(format!("Condition must be an object, not {}", short(block)));
    };
    for (op, keys) in ops {
        let (set, base) = match op.split_once(':') {
            Some((set @ ("ForAnyValue" | "ForAllValues"), rest)) => (Some(set), rest),
            Some(_) => return Err(format!("condition operator '{}' has an unknown qualifier", echo(op))),
            None => (None, op.as_str()),
        };
        let base = base.strip_suffix("IfExists").filter(|b| *b != "Null").unwrap_or(base);
        if !CONDITION_OPERATORS.contains(&base) {
            return Err(format!("'{}' is not a condition operator", echo(op)));
        }
        if set.is_some() && base == "Null" {
            return Err("Null cannot take ForAnyValue or ForAllValues".into());
        }
        let Value::Object(keys) = keys else {
            return Err(format!("{} must map condition keys to values, not {}", echo(op), short(keys)));
        };
        if keys.is_empty() {
            return Err(format!("{} names no condition key", echo(op)));
        }
        for (key, values) in keys {
            if key.is_empty() || key.chars().any(char::is_whitespace) {
                return Err(format!("'{}' is not a condition key", echo(key)));
            }
            let values: Vec<&Value> = match values {
                Value::Array(list) if !list.is_empty() => list.iter().collect(),
                Value::Array(_) => return Err(format!("{op} {key}: an empty list of values")),
                one => vec![one],
            };
            for v in values {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    other => return Err(format!("{op} {key}: {} is not a string, number or boolean", short(other))),
                };
                value_fits(base, &text).map_err(|why| format!("{op} {key}: {why}"))?;
            }
        }
    }
    Ok(())
}

/// Whether a condition value has the type its operator compares.
fn value_fits(op: &str, value: &str) -> Result<(), String> {
    let bad = |what: &str| Err(format!("'{}' is not {what}", echo(value)));
    if op.starts_with("Numeric") && value.parse::<f64>().is_err() {
        return bad("a number");
    }
    if (op == "Bool" || op == "Null") && !(value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")) {
        return bad("true or false");
    }
    if op.ends_with("IpAddress") && !is_cidr(value) {
        return bad("an IP address or CIDR block");
    }
    Ok(())
}

fn is_cidr(value: &str) -> bool {
    let (ip, len) = value.split_once('/').unwrap_or((value, ""));
    match ip.parse::<std::net::IpAddr>() {
        Ok(ip) => len.is_empty() || len.parse::<u8>().is_ok_and(|l| l <= if ip.is_ipv4() { 32 } else { 128 }),
        Err(_) => false,
    }
}

/// A JSON value for a message, cut to 64 characters.
fn short(v: &Value) -> String {
    echo(&v.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(doc: Value) -> Result<(), String> {
        validate(&doc.to_string(), PolicyKind::Auth)
    }

    fn allow(extra: Value) -> Value {
        let mut st =
            json!({ "Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*" });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                st.as_object_mut().unwrap().remove(k);
            } else {
                st[k] = v.clone();
            }
        }
        json!({ "Version": "2012-10-17", "Statement": [st] })
    }

    #[test]
    fn policies_aws_accepts_are_accepted() {
        assert_eq!(check(allow(json!({}))), Ok(()));
        let full = json!({
            "Version": "2012-10-17",
            "Id": "p",
            "Statement": {
                "Sid": "Orders",
                "Effect": "Deny",
                "NotPrincipal": { "AWS": ["111122223333", "arn:aws:iam::111122223333:role/x"], "Service": "lambda.amazonaws.com" },
                "NotAction": ["vpc-lattice-svcs:*", "*"],
                "NotResource": "arn:aws:vpc-lattice:us-east-1:111122223333:service/svc-0123456789abcdef0/*",
                "Condition": {
                    "StringEquals": { "vpc-lattice-svcs:RequestMethod": ["GET", "HEAD"] },
                    "ForAnyValue:StringLikeIfExists": { "aws:PrincipalTag/team": "ord*" },
                    "NumericLessThan": { "vpc-lattice-svcs:Port": 1024 },
                    "Bool": { "aws:SecureTransport": true },
                    "IpAddress": { "vpc-lattice-svcs:SourceIp": "10.0.0.0/8" },
                    "Null": { "aws:PrincipalOrgID": "false" }
                }
            }
        });
        assert_eq!(check(full), Ok(()));
    }

    #[test]
    fn what_aws_rejects_is_rejected_naming_the_problem() {
        let cases = [
            (allow(json!({ "Effect": "deny" })), "Effect must be Allow or Deny"),
            (allow(json!({ "Effect": null })), "Effect is missing"),
            (allow(json!({ "Action": null, "Actions": "*" })), "unknown element 'Actions'"),
            (allow(json!({ "Action": null })), "Action or NotAction is missing"),
            (allow(json!({ "Resource": 5 })), "Resource must be a string or a list of strings, not 5"),
            (allow(json!({ "Resource": "svc-1" })), "Resource 'svc-1' is not an ARN or a pattern"),
            (allow(json!({ "Action": "Invoke" })), "Action 'Invoke' is not service:action or *"),
            (allow(json!({ "NotAction": "*" })), "Action and NotAction cannot both be given"),
            (allow(json!({ "Principal": { "AWS": "bob" } })), "Principal.AWS 'bob' is not an account id"),
            (allow(json!({ "Principal": { "Aws": "*" } })), "Principal type 'Aws'"),
            (
                allow(json!({ "Condition": { "StringEqual": { "a:b": "c" } } })),
                "'StringEqual' is not a condition operator",
            ),
            (allow(json!({ "Condition": { "ForSomeValues:StringEquals": { "a:b": "c" } } })), "unknown qualifier"),
            (allow(json!({ "Condition": { "NumericEquals": { "a:b": "ten" } } })), "'ten' is not a number"),
            (allow(json!({ "Condition": { "Bool": { "a:b": "yes" } } })), "'yes' is not true or false"),
            (allow(json!({ "Condition": { "IpAddress": { "a:b": "10.0.0.0/33" } } })), "not an IP address"),
            (allow(json!({ "Condition": { "StringEquals": "x" } })), "must map condition keys"),
            (allow(json!({ "Condition": { "StringEquals": { "a:b": { "c": 1 } } } })), "is not a string, number"),
            (allow(json!({ "Condition": "x" })), "Condition must be an object"),
            (allow(json!({ "Condition": { "NullIfExists": { "a:b": "true" } } })), "not a condition operator"),
            (json!({ "Statement": "x" }), "Statement must be an object or a list"),
            (json!({ "Statement": [] }), "Statement is an empty list"),
            (json!({ "Statement": [1] }), "Statement 1 must be an object"),
            (json!({ "Version": "2020-01-01", "Statement": [] }), "Version \"2020-01-01\""),
            (json!({ "Statements": [] }), "unknown element 'Statements'"),
            (json!({}), "no Statement"),
            (json!([]), "must be a JSON object"),
        ];
        for (doc, expected) in cases {
            let err = check(doc.clone()).expect_err(&doc.to_string());
            assert!(err.contains(expected), "{doc}: {err}");
        }
        let err = check(allow(json!({ "Sid": "Ops", "Effect": "deny" }))).unwrap_err();
        assert!(err.starts_with("Statement 1 (Ops): "), "{err}");
    }

    #[test]
    fn identity_policies_name_no_principal_and_sizes_are_bounded() {
        let identity = json!({ "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*" }] }).to_string();
        assert_eq!(validate(&identity, PolicyKind::Identity), Ok(()));
        let with_principal = allow(json!({})).to_string();
        assert!(validate(&with_principal, PolicyKind::Identity).unwrap_err().contains("not allowed"));
        let huge = format!("{{\"Id\": \"{}\", \"Statement\": []}}", "x".repeat(20_000));
        let err = validate(&huge, PolicyKind::Auth).unwrap_err();
        assert!(err.contains("longer than the 10240 characters") && err.len() < 200, "{err}");
        let long_value = allow(json!({ "Action": "x".repeat(100_000) })).to_string();
        assert!(validate(&long_value, PolicyKind::Auth).unwrap_err().len() < 400);
    }
}
