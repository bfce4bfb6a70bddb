//! `tags`, `tags_all` and the provider's `default_tags`, as the AWS provider has them: `tags_all`
//! is known at plan time (the default tags overlaid with the resource's own), it is what is
//! written to the API, and `tags` in state is what the configuration says — never null, so
//! `tags = {}` and no `tags` at all both read back without a diff, import included.

use serde_json::{Map, Value as Json};
use tf_provider::value::ValueAny;

use crate::schema::TypeSchema;

pub(crate) type Tags = Map<String, Json>;

fn has(schema: &TypeSchema, name: &str) -> bool {
    schema.attrs.iter().any(|a| a.name == name)
}

fn has_tags(schema: &TypeSchema) -> bool {
    has(schema, "tags") && has(schema, "tags_all")
}

/// Sets the planned `tags` (`{}` when the configuration has none) and `tags_all` (unknown while
/// some tag value is).
pub(crate) fn plan(schema: &TypeSchema, planned: &mut ValueAny, config: &ValueAny, defaults: &Tags) {
    let ValueAny::Map(map) = planned else { return };
    if !has(schema, "tags") {
        return;
    }
    let configured = match config {
        ValueAny::Map(c) => c.get("tags").cloned().unwrap_or(ValueAny::Null),
        _ => ValueAny::Null,
    };
    let tags = map.entry("tags".to_string()).or_insert(ValueAny::Null);
    *tags = match configured {
        ValueAny::Null => ValueAny::Map(Default::default()),
        configured => configured,
    };
    if !has(schema, "tags_all") {
        return;
    }
    let all = match tags {
        ValueAny::Map(own) if own.values().all(|v| !matches!(v, ValueAny::Unknown)) => {
            let mut all: std::collections::BTreeMap<String, ValueAny> = defaults
                .iter()
                .map(|(k, v)| (k.clone(), ValueAny::String(v.as_str().unwrap_or_default().into())))
                .collect();
            all.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
            ValueAny::Map(all.into_iter().collect())
        }
        _ => ValueAny::Unknown,
    };
    map.insert("tags_all".to_string(), all);
}

/// After a read (`tags_all` holds the object's tags): `tags` is what the configuration owns —
/// every tag except those only the provider's defaults put there.
pub(crate) fn settle(schema: &TypeSchema, state: &mut Json, prior: &Json, defaults: &Tags) {
    let Some(obj) = state.as_object_mut() else { return };
    if !has_tags(schema) {
        if has(schema, "tags") && obj.get("tags").is_none_or(Json::is_null) {
            obj.insert("tags".into(), Json::Object(Tags::new()));
        }
        return;
    }
    let all = obj.get("tags_all").and_then(Json::as_object).cloned().unwrap_or_default();
    let configured = prior.get("tags").and_then(Json::as_object);
    let own: Tags = all
        .into_iter()
        .filter(|(k, v)| configured.is_some_and(|c| c.contains_key(k)) || defaults.get(k) != Some(v))
        .collect();
    obj.insert("tags".into(), Json::Object(own));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::Attr;

    fn schema() -> TypeSchema {
        TypeSchema { description: "", attrs: vec![Attr::tags(), Attr::tags_all()], blocks: vec![] }
    }

    fn defaults() -> Tags {
        json!({ "team": "platform", "env": "dev" }).as_object().unwrap().clone()
    }

    #[test]
    fn tags_all_is_planned_from_the_defaults_and_the_resources_own() {
        let config = crate::engine::from_json(&json!({ "tags": { "env": "prod", "app": "web" } }));
        let mut planned = config.clone();
        plan(&schema(), &mut planned, &config, &defaults());
        let got = crate::engine::to_json(&planned);
        assert_eq!(got["tags_all"], json!({ "team": "platform", "env": "prod", "app": "web" }));
        let config = crate::engine::from_json(&json!({ "tags": null }));
        let mut untagged = crate::engine::from_json(&json!({ "tags": "unknown" }));
        if let ValueAny::Map(m) = &mut untagged {
            m.insert("tags".into(), ValueAny::Unknown); // what a computed attribute plans to
        }
        plan(&schema(), &mut untagged, &config, &Tags::new());
        assert_eq!(crate::engine::to_json(&untagged), json!({ "tags": {}, "tags_all": {} }));
    }

    #[test]
    fn state_keeps_the_configured_tags_only() {
        let read = || json!({ "tags_all": { "team": "platform", "env": "prod", "app": "web" } });
        let mut state = read();
        settle(&schema(), &mut state, &json!({ "tags": { "env": "prod", "app": "web" } }), &defaults());
        assert_eq!(state["tags"], json!({ "env": "prod", "app": "web" }));
        // A tag configured with the default's own value stays the configuration's.
        let mut state = json!({ "tags_all": { "team": "platform" } });
        settle(&schema(), &mut state, &json!({ "tags": { "team": "platform" } }), &defaults());
        assert_eq!(state["tags"], json!({ "team": "platform" }));
        // Import: no configuration known; nothing is null.
        let mut state = json!({ "tags_all": {} });
        settle(&schema(), &mut state, &json!({}), &defaults());
        assert_eq!(state["tags"], json!({}));
    }
}
