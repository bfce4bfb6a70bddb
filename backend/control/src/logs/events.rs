//! Log streams and events. Events are read from files in the log directory: the data plane's
//! access-log records for the group (`<group ARN>.log`, one JSON record a line; its timestamp
//! is the record's `startTime` or `eventTimestamp`) and what `PutLogEvents` appended
//! (`<group ARN>.log.events`, `{"t":…,"i":…,"s":…,"m":…}` lines).

use std::path::Path;

use lattice_model::records::{log_file, LogGroup};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::groups::now_millis;
use super::{error, named};
use crate::kit::{page_at, req, str_of, string_list, Ctx, Effect, OpResult, Outcome, Paging};

/// The streams Lattice's records go to.
pub(crate) const ACCESS_STREAM: &str = "VpcLatticeAccessLogs";
pub(crate) const RESOURCE_STREAM: &str = "VpcLatticeResourceAccessLogs";

/// One event, wherever it was read from.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub timestamp: i64,
    pub ingestion: i64,
    pub stream: String,
    pub message: String,
}

/// The files that hold a group's events: the data plane's records (whether the subscription
/// named the group with or without `:*`) and `PutLogEvents`'.
pub(crate) fn files(group_arn: &str) -> [String; 2] {
    [log_file(group_arn), format!("{}.events", log_file(group_arn))]
}

fn millis(rfc3339: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).map(|t| t.lines().map(str::to_string).collect()).unwrap_or_default()
}

/// Every event of `group` in its known streams, oldest first.
pub(crate) fn events(ctx: &Ctx, group: &LogGroup) -> Vec<Event> {
    let Some(dir) = &ctx.log_dir else { return vec![] };
    let [access, put] = files(&group.id);
    let mut out = vec![];
    for line in read_lines(&dir.join(access)) {
        let Ok(record) = serde_json::from_str::<Value>(&line) else { continue };
        let (when, stream) = match (str_of(&record, "startTime"), str_of(&record, "eventTimestamp")) {
            (Some(t), _) => (millis(t), ACCESS_STREAM),
            (None, Some(t)) => (millis(t), RESOURCE_STREAM),
            _ => continue,
        };
        let Some(timestamp) = when else { continue };
        out.push(Event { timestamp, ingestion: timestamp, stream: stream.into(), message: line });
    }
    for line in read_lines(&dir.join(put)) {
        let Ok(e) = serde_json::from_str::<Value>(&line) else { continue };
        let (Some(t), Some(s), Some(m)) = (e["t"].as_i64(), e["s"].as_str(), e["m"].as_str()) else { continue };
        if group.streams.contains_key(s) {
            out.push(Event {
                timestamp: t,
                ingestion: e["i"].as_i64().unwrap_or(t),
                stream: s.into(),
                message: m.into(),
            });
        }
    }
    out.sort_by_key(|e| e.timestamp);
    out
}

fn check_stream_name(name: &str) -> Result<(), lattice_api::ApiError> {
    if name.is_empty() || name.len() > 512 || name.contains([':', '*']) {
        return Err(error("InvalidParameterException", "Log stream names are 1-512 characters, without : or *"));
    }
    Ok(())
}

pub(crate) fn create_stream(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "logStreamName");
    check_stream_name(name)?;
    let mut group = named(ctx, s, input)?.clone();
    if group.streams.contains_key(name) || [ACCESS_STREAM, RESOURCE_STREAM].contains(&name) {
        return Err(error("ResourceAlreadyExistsException", "The specified log stream already exists"));
    }
    group.streams.insert(name.to_string(), now_millis());
    Outcome::write(vec![group.put()], json!({}))
}

fn no_stream() -> lattice_api::ApiError {
    error("ResourceNotFoundException", "The specified log stream does not exist.")
}

/// Deletes a stream; its events go with it (they are no longer read).
pub(crate) fn delete_stream(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut group = named(ctx, s, input)?.clone();
    group.streams.remove(req(input, "logStreamName")).ok_or_else(no_stream)?;
    Outcome::write(vec![group.put()], json!({}))
}

pub(crate) fn describe_streams(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let group = named(ctx, s, input)?;
    let all = events(ctx, group);
    let mut names: Vec<(String, i64)> = group.streams.iter().map(|(n, t)| (n.clone(), *t)).collect();
    for vended in [ACCESS_STREAM, RESOURCE_STREAM] {
        if let Some(first) = all.iter().find(|e| e.stream == vended) {
            names.push((vended.to_string(), first.timestamp));
        }
    }
    let prefix = str_of(input, "logStreamNamePrefix").unwrap_or_default();
    let mut streams: Vec<Value> = names
        .into_iter()
        .filter(|(n, _)| n.starts_with(prefix))
        .map(|(name, created)| {
            let mine: Vec<&Event> = all.iter().filter(|e| e.stream == name).collect();
            let mut v = json!({
                "logStreamName": name, "creationTime": created, "storedBytes": 0,
                "arn": format!("{}:log-stream:{name}", group.id),
            });
            if let (Some(first), Some(last)) = (mine.first(), mine.last()) {
                v["firstEventTimestamp"] = json!(first.timestamp);
                v["lastEventTimestamp"] = json!(last.timestamp);
                v["lastIngestionTime"] = json!(last.ingestion);
            }
            v
        })
        .collect();
    let key = |v: &Value| {
        if str_of(input, "orderBy") == Some("LastEventTime") {
            json!(v["lastEventTimestamp"].as_i64().unwrap_or(0))
        } else {
            v["logStreamName"].clone()
        }
    };
    streams.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        match (ka.as_i64(), kb.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => ka.as_str().cmp(&kb.as_str()),
        }
    });
    if input.get("descending").and_then(Value::as_bool).unwrap_or(false) {
        streams.reverse();
    }
    Outcome::read(page_at(streams, input, "logStreams", &super::PAGING))
}

pub(crate) fn put(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let group = named(ctx, s, input)?;
    let stream = req(input, "logStreamName");
    if !group.streams.contains_key(stream) {
        return Err(no_stream());
    }
    let Some(dir) = &ctx.log_dir else {
        return Err(error("ServiceUnavailableException", "This backend keeps no log events (no log directory)"));
    };
    let items = input.get("logEvents").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let now = now_millis();
    let mut text = String::new();
    let mut last = i64::MIN;
    for e in items {
        let (t, m) = (e["timestamp"].as_i64().unwrap_or_default(), e["message"].as_str().unwrap_or_default());
        if t < last {
            return Err(error(
                "InvalidParameterException",
                "Log events in a single PutLogEvents request must be in chronological order.",
            ));
        }
        last = t;
        text.push_str(&json!({ "t": t, "i": now, "s": stream, "m": m }).to_string());
        text.push('\n');
    }
    let mut outcome = Outcome::read(json!({ "nextSequenceToken": format!("{now:056}") }))?;
    outcome.effects.push(Effect::Append { path: dir.join(&files(&group.id)[1]), text });
    Ok(outcome)
}

fn in_window(e: &Event, input: &Value) -> bool {
    let start = input.get("startTime").and_then(Value::as_i64).unwrap_or(i64::MIN);
    let end = input.get("endTime").and_then(Value::as_i64).unwrap_or(i64::MAX);
    (start..=end).contains(&e.timestamp)
}

pub(crate) fn get(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let group = named(ctx, s, input)?;
    let stream = req(input, "logStreamName");
    if !group.streams.contains_key(stream) && ![ACCESS_STREAM, RESOURCE_STREAM].contains(&stream) {
        return Err(no_stream());
    }
    let matching: Vec<Event> =
        events(ctx, group).into_iter().filter(|e| e.stream == stream && in_window(e, input)).collect();
    let limit = input.get("limit").and_then(Value::as_u64).unwrap_or(10_000).clamp(1, 10_000) as usize;
    let (start, end) = match str_of(input, "nextToken") {
        Some(t) if t.starts_with("f/") => {
            let from = t[2..].parse::<usize>().unwrap_or(0).min(matching.len());
            (from, (from + limit).min(matching.len()))
        }
        Some(t) if t.starts_with("b/") => {
            let to = t[2..].parse::<usize>().unwrap_or(0).min(matching.len());
            (to.saturating_sub(limit), to)
        }
        Some(_) => return Err(error("InvalidParameterException", "The specified nextToken is invalid.")),
        None if input.get("startFromHead").and_then(Value::as_bool).unwrap_or(false) => (0, limit.min(matching.len())),
        None => (matching.len().saturating_sub(limit), matching.len()),
    };
    let items: Vec<Value> = matching[start..end]
        .iter()
        .map(|e| json!({ "timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion }))
        .collect();
    Outcome::read(
        json!({ "events": items, "nextForwardToken": format!("f/{end:056}"), "nextBackwardToken": format!("b/{start:056}") }),
    )
}

pub(crate) fn filter(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let group = named(ctx, s, input)?;
    let names = string_list(input, "logStreamNames");
    let prefix = str_of(input, "logStreamNamePrefix").unwrap_or_default();
    let pattern = super::filter::Pattern::parse(str_of(input, "filterPattern").unwrap_or_default())?;
    let matching: Vec<(usize, Event)> = events(ctx, group)
        .into_iter()
        .enumerate()
        .filter(|(_, e)| (names.is_empty() || names.contains(&e.stream)) && e.stream.starts_with(prefix))
        .filter(|(_, e)| in_window(e, input) && pattern.matches(&e.message))
        .collect();
    let items: Vec<Value> = matching
        .iter()
        .map(|(n, e)| {
            json!({ "logStreamName": e.stream, "timestamp": e.timestamp, "message": e.message,
                    "ingestionTime": e.ingestion, "eventId": format!("{n:056}") })
        })
        .collect();
    const EVENTS: Paging =
        Paging { size: "limit", token: "nextToken", default: 10_000, max: 10_000, next: "nextToken" };
    let mut out = page_at(items, input, "events", &EVENTS);
    out["searchedLogStreams"] = json!([]);
    Outcome::read(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A};

    /// Runs a handler that appends events and applies its effects, as the backend does after
    /// the commit.
    fn put_events(s: &mut State, ctx: &Ctx, input: Value) {
        let outcome = put(ctx, s, &input).unwrap();
        for effect in outcome.effects {
            if let Effect::Append { path, text } = effect {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
                f.write_all(text.as_bytes()).unwrap();
            }
        }
    }

    #[test]
    fn events_put_and_vended_records_are_read_back_in_order() {
        let dir = std::env::temp_dir().join(format!("lattice-logs-events-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (mut s, mut a) = (State::default(), Ctx::test(A));
        a.log_dir = Some(std::sync::Arc::new(dir.clone()));
        run(&mut s, &a, super::super::groups::create, json!({ "logGroupName": "app" })).unwrap();
        let group = json!({ "logGroupName": "app", "logStreamName": "mine" });
        assert_eq!(
            code(run(&mut s, &a, put, json!({ "logGroupName": "app", "logStreamName": "mine", "logEvents": [] }))),
            "ResourceNotFoundException"
        );
        run(&mut s, &a, create_stream, group.clone()).unwrap();
        assert_eq!(code(run(&mut s, &a, create_stream, group)), "ResourceAlreadyExistsException");
        let unordered = json!({ "logGroupName": "app", "logStreamName": "mine",
            "logEvents": [{ "timestamp": 2000, "message": "b" }, { "timestamp": 1000, "message": "a" }] });
        assert_eq!(code(put(&a, &s, &unordered).map(|o| o.body)), "InvalidParameterException");
        put_events(
            &mut s,
            &a,
            json!({ "logGroupName": "app", "logStreamName": "mine",
            "logEvents": [{ "timestamp": 1000, "message": "ERROR one" }, { "timestamp": 3000, "message": "ok two" }] }),
        );
        // The data plane's access-log record for the group is an event of the vended stream.
        let arn = format!("arn:aws:logs:us-east-1:{A}:log-group:app");
        std::fs::write(dir.join(log_file(&arn)), "{\"startTime\":\"1970-01-01T00:00:02Z\",\"responseCode\":403}\n")
            .unwrap();
        let got =
            run(&mut s, &a, get, json!({ "logGroupName": "app", "logStreamName": "mine", "startFromHead": true }))
                .unwrap();
        let messages: Vec<&str> =
            got["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
        assert_eq!(messages, ["ERROR one", "ok two"]);
        let found = run(&mut s, &a, filter, json!({ "logGroupName": "app", "filterPattern": "ERROR" })).unwrap();
        assert_eq!(found["events"].as_array().unwrap().len(), 1);
        let all = run(&mut s, &a, filter, json!({ "logGroupName": "app" })).unwrap();
        let streams: Vec<&str> =
            all["events"].as_array().unwrap().iter().map(|e| e["logStreamName"].as_str().unwrap()).collect();
        assert_eq!(streams, ["mine", ACCESS_STREAM, "mine"], "oldest first, across streams");
        let described = run(&mut s, &a, describe_streams, json!({ "logGroupName": "app" })).unwrap();
        assert_eq!(described["logStreams"].as_array().unwrap().len(), 2);
        run(&mut s, &a, delete_stream, json!({ "logGroupName": "app", "logStreamName": "mine" })).unwrap();
        let gone = run(&mut s, &a, get, json!({ "logGroupName": "app", "logStreamName": "mine" }));
        assert_eq!(code(gone), "ResourceNotFoundException");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
