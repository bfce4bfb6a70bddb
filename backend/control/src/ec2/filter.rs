//! EC2's `Filter.N.Name` / `Filter.N.Value.M`: a resource matches when, for every filter, one
//! of its values for that name matches one of the filter's values (`*` and `?` wildcards).
//! `tag:<key>`, `tag-key` and `tag-value` work on every resource; a name the resource does not
//! know is refused, as EC2 refuses it.

use lattice_api::ApiError;
use lattice_model::records::Tags;
use serde_json::Value;

use super::error;

pub(crate) struct Filters(Vec<(String, Vec<String>)>);

impl Filters {
    pub(crate) fn of(input: &Value) -> Filters {
        let list = input.get("Filters").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        Filters(
            list.iter()
                .map(|f| {
                    let name = f.get("Name").and_then(Value::as_str).unwrap_or_default().to_string();
                    let values = f.get("Values").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                    (name, values.iter().filter_map(Value::as_str).map(str::to_string).collect())
                })
                .collect(),
        )
    }

    /// Whether a resource with `tags` and the named `values` passes every filter.
    pub(crate) fn matches(&self, tags: &Tags, values: impl Fn(&str) -> Option<Vec<String>>) -> Result<bool, ApiError> {
        for (name, wanted) in &self.0 {
            let have: Vec<String> = if let Some(key) = name.strip_prefix("tag:") {
                tags.get(key).cloned().into_iter().collect()
            } else if name == "tag-key" {
                tags.keys().cloned().collect()
            } else if name == "tag-value" {
                tags.values().cloned().collect()
            } else {
                values(name).ok_or_else(|| {
                    error(
                        "InvalidParameterValue",
                        format!("The filter '{}' is invalid", lattice_api::model::echo(name)),
                    )
                })?
            };
            if !have.iter().any(|h| wanted.iter().any(|w| wildcard(w, h))) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// `pattern` with `*` (any run) and `?` (any one character) against all of `text`.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A list of strings as a filter value list.
pub(crate) fn one(v: impl Into<String>) -> Option<Vec<String>> {
    Some(vec![v.into()])
}

/// The tags of `TagSpecifications` for `resource_type` (`vpc`, `subnet`, `security-group`).
pub(crate) fn spec_tags(input: &Value, resource_type: &str) -> Tags {
    let specs = input.get("TagSpecifications").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    specs
        .iter()
        .filter(|s| s.get("ResourceType").and_then(Value::as_str) == Some(resource_type))
        .flat_map(|s| s.get("Tags").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_string(),
                t.get("Value").and_then(Value::as_str).unwrap_or("").to_string(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_and_tags_filter_as_ec2_does() {
        assert!(
            wildcard("vpc-*", "vpc-123") && wildcard("a?c", "abc") && !wildcard("a?c", "abbc") && wildcard("*", "")
        );
        let f = Filters::of(
            &json!({ "Filters": [{ "Name": "tag:Name", "Values": ["web*"] }, { "Name": "vpc-id", "Values": ["vpc-1", "vpc-2"] }] }),
        );
        let tags: Tags = [("Name".to_string(), "web-1".to_string())].into();
        assert!(f.matches(&tags, |n| (n == "vpc-id").then(|| vec!["vpc-2".to_string()])).unwrap());
        assert!(!f.matches(&Tags::new(), |n| (n == "vpc-id").then(|| vec!["vpc-2".to_string()])).unwrap());
        let bad = Filters::of(&json!({ "Filters": [{ "Name": "nope", "Values": ["x"] }] }));
        assert_eq!(bad.matches(&tags, |_| None).unwrap_err().code, "InvalidParameterValue");
    }
}
