//! Filter patterns, as `FilterLogEvents` takes them: terms (`ERROR`, `"two words"`; all must
//! appear, `-term` must not, `?a ?b` any of them) or a JSON selector (`{ $.responseCode = 403 }`,
//! `{ $.a.b != "x" && $.n >= 5 }`, `||` too; `*` is a wildcard in string values).

use serde_json::Value;

use super::error;

#[derive(Debug)]
pub(crate) enum Pattern {
    All,
    Terms {
        all: Vec<String>,
        none: Vec<String>,
        any: Vec<String>,
    },
    /// Comparisons joined by `&&` (inner) and `||` (outer).
    Json(Vec<Vec<Comparison>>),
}

#[derive(Debug)]
pub(crate) struct Comparison {
    path: Vec<String>,
    op: String,
    value: Value,
}

impl Pattern {
    pub(crate) fn parse(text: &str) -> Result<Self, lattice_api::ApiError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Pattern::All);
        }
        if let Some(inner) = text.strip_prefix('{') {
            let inner = inner.strip_suffix('}').ok_or_else(invalid)?;
            let groups = inner
                .split("||")
                .map(|group| group.split("&&").map(comparison).collect::<Result<Vec<_>, _>>())
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Pattern::Json(groups));
        }
        let (mut all, mut none, mut any) = (vec![], vec![], vec![]);
        for term in terms(text)? {
            if let Some(t) = term.strip_prefix('?') {
                any.push(t.to_string());
            } else if let Some(t) = term.strip_prefix('-').filter(|t| !t.is_empty()) {
                none.push(t.to_string());
            } else {
                all.push(term);
            }
        }
        Ok(Pattern::Terms { all, none, any })
    }

    pub(crate) fn matches(&self, message: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Terms { all, none, any } => {
                if !any.is_empty() {
                    return any.iter().any(|t| message.contains(t.as_str()));
                }
                all.iter().all(|t| message.contains(t.as_str())) && !none.iter().any(|t| message.contains(t.as_str()))
            }
            Pattern::Json(groups) => {
                let Ok(doc) = serde_json::from_str::<Value>(message) else { return false };
                groups.iter().any(|group| group.iter().all(|c| c.holds(&doc)))
            }
        }
    }
}

fn invalid() -> lattice_api::ApiError {
    error("InvalidParameterException", "Invalid filter pattern")
}

/// Whitespace-separated terms; double quotes keep a term's spaces.
fn terms(text: &str) -> Result<Vec<String>, lattice_api::ApiError> {
    let mut out = vec![];
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut term = String::new();
        let prefix = if c == '?' || c == '-' { chars.next() } else { None };
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(ch) => term.push(ch),
                    None => return Err(invalid()),
                }
            }
        } else {
            while let Some(&ch) = chars.peek().filter(|ch| !ch.is_whitespace()) {
                term.push(ch);
                chars.next();
            }
        }
        out.push(prefix.map(|p| format!("{p}{term}")).unwrap_or(term));
    }
    Ok(out)
}

fn comparison(text: &str) -> Result<Comparison, lattice_api::ApiError> {
    let text = text.trim();
    let rest = text.strip_prefix("$.").ok_or_else(invalid)?;
    let at = rest.find(['=', '!', '<', '>']).ok_or_else(invalid)?;
    let path = rest[..at].trim().split('.').map(str::to_string).collect();
    let after = &rest[at..];
    let op = ["!=", "<=", ">=", "=", "<", ">"].into_iter().find(|op| after.starts_with(op)).ok_or_else(invalid)?;
    let raw = after[op.len()..].trim();
    let value = if let Some(s) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Value::String(s.to_string())
    } else if let Ok(n) = raw.parse::<f64>() {
        serde_json::json!(n)
    } else {
        Value::String(raw.to_string())
    };
    Ok(Comparison { path, op: op.to_string(), value })
}

impl Comparison {
    fn holds(&self, doc: &Value) -> bool {
        let mut at = doc;
        for key in &self.path {
            match at.get(key) {
                Some(v) => at = v,
                None => return false,
            }
        }
        match (&self.value, at) {
            (Value::Number(want), _) => {
                let (Some(want), Some(have)) = (want.as_f64(), at.as_f64().or_else(|| at.as_str()?.parse().ok()))
                else {
                    return false;
                };
                match self.op.as_str() {
                    "=" => have == want,
                    "!=" => have != want,
                    "<" => have < want,
                    ">" => have > want,
                    "<=" => have <= want,
                    _ => have >= want,
                }
            }
            (Value::String(want), _) => {
                let have = match at {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let equal = lattice_model::iam::wildcard(want, &have, false);
                match self.op.as_str() {
                    "=" => equal,
                    "!=" => !equal,
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_json_selectors() {
        let line = r#"{"requestPath":"/orders","responseCode":403,"authDeniedReason":"Service","x":{"y":"abc"}}"#;
        let yes = [
            "",
            "orders",
            "\"/orders\" 403",
            "?nothing ?Service",
            "{ $.responseCode = 403 }",
            "{ $.responseCode >= 400 && $.x.y = \"a*\" }",
            "{ $.responseCode = 200 || $.authDeniedReason = Service }",
        ];
        let no = ["orders -Service", "missing", "{ $.responseCode != 403 }", "{ $.nope = 1 }", "{ $.x.y = \"b*\" }"];
        for p in yes {
            assert!(Pattern::parse(p).unwrap().matches(line), "{p}");
        }
        for p in no {
            assert!(!Pattern::parse(p).unwrap().matches(line), "{p}");
        }
        assert!(Pattern::parse("{ responseCode = 1 }").is_err() && Pattern::parse("\"open").is_err());
    }
}
