//! Helpers the resource types share: reading plan values, tags, and NotFound handling.

use serde_json::{json, Map, Value as Json};

use crate::client::{Client, ClientError};

pub(crate) fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

pub(crate) fn n(v: &Json, key: &str) -> Option<i64> {
    v.get(key).and_then(Json::as_i64)
}

/// The single element of a `MaxItems: 1` block, if present.
pub(crate) fn block<'a>(v: &'a Json, key: &str) -> Option<&'a Json> {
    v.get(key).and_then(Json::as_array).and_then(|a| a.first())
}

/// Puts `value` under `key` unless it is null.
pub(crate) fn put(obj: &mut Map<String, Json>, key: &str, value: Option<Json>) {
    if let Some(v) = value.filter(|v| !v.is_null()) {
        obj.insert(key.to_string(), v);
    }
}

/// The tags to write: `tags_all` (the provider's defaults overlaid with `tags`) when planned,
/// else `tags`.
pub(crate) fn tags_of(plan: &Json) -> Json {
    ["tags_all", "tags"]
        .iter()
        .find_map(|k| plan.get(*k).filter(|t| t.is_object()).cloned())
        .unwrap_or_else(|| json!({}))
}

pub(crate) async fn read_tags(c: &Client, arn: &str) -> Result<Json, ClientError> {
    let r = c.op("ListTagsForResource", json!({ "resourceArn": arn })).await?;
    Ok(r.get("tags").cloned().unwrap_or_else(|| json!({})))
}

/// The tags of an object a data source found: none for an object another account shares with
/// the caller, whose tags Lattice does not show it (as the AWS provider reads them).
pub(crate) async fn visible_tags(c: &Client, arn: &str) -> Result<Json, ClientError> {
    match read_tags(c, arn).await {
        Err(ClientError::Api(e)) if e.code == lattice_api::ErrorCode::AccessDenied => Ok(json!({})),
        other => other,
    }
}

/// Brings the object's tags from `prior` to `plan`.
pub(crate) async fn sync_tags(c: &Client, arn: &str, prior: &Json, plan: &Json) -> Result<(), ClientError> {
    let (old, new) = (tags_of(prior), tags_of(plan));
    if old == new {
        return Ok(());
    }
    let removed: Vec<&String> =
        old.as_object().into_iter().flatten().filter(|(k, _)| new.get(k.as_str()).is_none()).map(|(k, _)| k).collect();
    if !removed.is_empty() {
        c.op("UntagResource", json!({ "resourceArn": arn, "tagKeys": removed })).await?;
    }
    if new.as_object().is_some_and(|m| !m.is_empty()) {
        c.op("TagResource", json!({ "resourceArn": arn, "tags": new })).await?;
    }
    Ok(())
}

/// Maps NotFound to `None`, as Terraform's read contract wants.
pub(crate) fn found<T>(r: Result<T, ClientError>) -> Result<Option<T>, ClientError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A JSON document as state: the configured spelling when it means the same document as the
/// backend's, else the backend's.
pub(crate) fn same_json(prior: &Json, key: &str, theirs: Option<&str>) -> Json {
    let parse = |t: &str| serde_json::from_str::<Json>(t).ok();
    match (s(prior, key), theirs) {
        (Some(mine), Some(theirs)) if parse(mine).is_some() && parse(mine) == parse(theirs) => json!(mine),
        (_, theirs) => json!(theirs),
    }
}

/// RAM's tag list (`[{key, value}]`) as a map.
pub(crate) fn tags_map(list: Option<&Json>) -> Json {
    let map: Map<String, Json> = list
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((s(t, "key")?.to_string(), t.get("value").cloned().unwrap_or(json!("")))))
        .collect();
    Json::Object(map)
}

/// The configured spelling of a value when it means the same as the backend's (`same`), else the
/// backend's.
pub(crate) fn keep_spelling(prior: &Json, key: &str, theirs: Option<&str>, same: fn(&str, &str) -> bool) -> Json {
    match (s(prior, key), theirs) {
        (Some(mine), Some(theirs)) if same(mine, theirs) => Json::String(mine.to_string()),
        (_, theirs) => theirs.map_or(Json::Null, |t| Json::String(t.to_string())),
    }
}

/// Keeps the user's spelling of an identifier (ID or ARN) when it names the same object.
pub(crate) fn same_identifier(prior: &Json, key: &str, id: &str) -> Json {
    keep_spelling(prior, key, Some(id), crate::schema::same_object)
}

pub(crate) fn dns_entry_state(dns: Option<&Json>) -> Json {
    match dns {
        Some(d) if d.is_object() => {
            json!([{ "domain_name": d.get("domainName"), "hosted_zone_id": d.get("hostedZoneId") }])
        }
        _ => json!([]),
    }
}

/// An operation's input: a request body plus the identifiers that go in its path.
pub(crate) fn with_input(mut body: Json, ids: Json) -> Json {
    if let (Some(body), Some(ids)) = (body.as_object_mut(), ids.as_object()) {
        body.extend(ids.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    body
}

/// Checks an import id made of `parts` identifiers joined by `/` (`svc-…/listener-…`), or takes
/// the object's ARN (`…:service/svc-…/listener/listener-…`): the id, or the expected format.
pub(crate) fn composite_import_id(id: &str, kinds: &[&str]) -> Result<String, String> {
    let expected = || {
        let format: Vec<String> = kinds.iter().map(|k| format!("<{k} id>")).collect();
        format!("expected {} (or the ARN), got \"{id}\"", format.join("/"))
    };
    let parts: Vec<&str> = if id.starts_with("arn:") {
        // The ARN's resource path alternates type names and ids: keep the ids.
        let path = id.split_once('/').map(|(_, p)| p).unwrap_or_default();
        let first = id.split_once('/').map(|(head, _)| head.rsplit(':').next().unwrap_or_default());
        let mut segments: Vec<&str> = vec![first.unwrap_or_default()];
        segments.extend(path.split('/'));
        segments.chunks(2).filter_map(|pair| pair.get(1).copied()).collect()
    } else {
        id.split('/').collect()
    };
    let ok = parts.len() == kinds.len()
        && parts.iter().zip(kinds).all(|(p, k)| p.len() > k.len() && p.starts_with(&format!("{k}-")));
    if ok {
        Ok(parts.join("/"))
    } else {
        Err(expected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_import_ids_are_checked_and_arns_taken() {
        let kinds = ["svc", "listener"];
        let id = "svc-0123456789abcdef0/listener-0123456789abcdef0";
        assert_eq!(composite_import_id(id, &kinds).as_deref(), Ok(id));
        let arn = "arn:aws:vpc-lattice:us-east-1:111111111111:service/svc-0123456789abcdef0/listener/listener-0123456789abcdef0";
        assert_eq!(composite_import_id(arn, &kinds).as_deref(), Ok(id));
        let bad = composite_import_id("listener-0123456789abcdef0", &kinds).unwrap_err();
        assert!(bad.contains("expected <svc id>/<listener id>"), "{bad}");
        assert!(composite_import_id("svc-x//listener-y", &kinds).is_err());
    }
}
