//! Log groups: retention, tags, the KMS key (stored, not used).

use lattice_model::records::LogGroup;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::{error, group_arn, named, no_group};
use crate::kit::{page_at, req, str_of, string_list, tags_of, Ctx, OpResult, Outcome};

/// The retention periods CloudWatch Logs accepts, in days.
const RETENTION: &[i64] =
    &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

pub(crate) fn wire(g: &LogGroup) -> Value {
    let mut out = json!({
        "logGroupName": g.name, "creationTime": g.creation_time, "metricFilterCount": 0,
        "arn": format!("{}:*", g.id), "logGroupArn": g.id, "storedBytes": 0, "logGroupClass": g.log_group_class,
    });
    if let Some(days) = g.retention_in_days {
        out["retentionInDays"] = json!(days);
    }
    if let Some(key) = &g.kms_key_id {
        out["kmsKeyId"] = json!(key);
    }
    out
}

fn check_name(name: &str) -> Result<(), lattice_api::ApiError> {
    let ok =
        (1..=512).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-/.#".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(error("InvalidParameterException", "Log group names are 1-512 letters, digits and _ - / . #"))
    }
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "logGroupName");
    check_name(name)?;
    let id = group_arn(ctx, name);
    if s.log_groups.contains_key(&id) {
        return Err(error("ResourceAlreadyExistsException", "The specified log group already exists"));
    }
    let kms_key_id = str_of(input, "kmsKeyId").map(str::to_string);
    if kms_key_id.is_some() {
        tracing::warn!(group = name, "a KMS key is stored for the log group; lattice-local does not encrypt");
    }
    let group = LogGroup {
        id,
        name: name.to_string(),
        retention_in_days: None,
        kms_key_id,
        log_group_class: str_of(input, "logGroupClass").unwrap_or("STANDARD").to_string(),
        creation_time: now_millis(),
        streams: Default::default(),
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    Outcome::write(vec![group.put()], json!({}))
}

pub(crate) fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Deletes the group and its events (the data plane's records for it too).
pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let group = named(ctx, s, input)?;
    let mut outcome = Outcome::write(vec![group.delete()], json!({}))?;
    if let Some(dir) = &ctx.log_dir {
        for file in super::events::files(&group.id) {
            outcome.effects.push(crate::kit::Effect::Remove { path: dir.join(file) });
        }
    }
    Ok(outcome)
}

pub(crate) fn describe(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let prefix = str_of(input, "logGroupNamePrefix").unwrap_or_default();
    let pattern = str_of(input, "logGroupNamePattern").map(str::to_ascii_lowercase);
    let mut groups: Vec<&LogGroup> = s
        .log_groups
        .values()
        .filter(|g| ctx.owns(*g) && g.name.starts_with(prefix))
        .filter(|g| pattern.as_deref().is_none_or(|p| g.name.to_ascii_lowercase().contains(p)))
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let items = groups.into_iter().map(wire).collect();
    Outcome::read(page_at(items, input, "logGroups", &super::PAGING))
}

fn edit(ctx: &Ctx, s: &State, input: &Value, change: impl FnOnce(&mut LogGroup)) -> OpResult {
    let mut group = named(ctx, s, input)?.clone();
    change(&mut group);
    Outcome::write(vec![group.put()], json!({}))
}

pub(crate) fn retention(ctx: &Ctx, s: &State, input: &Value, put: bool) -> OpResult {
    let days = if put {
        let days = input.get("retentionInDays").and_then(Value::as_i64).unwrap_or_default();
        if !RETENTION.contains(&days) {
            return Err(error(
                "InvalidParameterException",
                format!("{days} is not a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, … 3653 days)"),
            ));
        }
        Some(days)
    } else {
        None
    };
    edit(ctx, s, input, |g| g.retention_in_days = days)
}

pub(crate) fn kms(ctx: &Ctx, s: &State, input: &Value, associate: bool) -> OpResult {
    let key = associate.then(|| str_of(input, "kmsKeyId").unwrap_or_default().to_string());
    if key.is_some() {
        tracing::warn!("a KMS key is stored for a log group; lattice-local does not encrypt");
    }
    edit(ctx, s, input, |g| g.kms_key_id = key)
}

/// The group a tag call names: by ARN (`resourceArn`, with or without `:*`) or by name.
fn tagged<'a>(ctx: &Ctx, s: &'a State, input: &Value, member: &str) -> Result<&'a LogGroup, lattice_api::ApiError> {
    if member == "resourceArn" {
        let arn = req(input, member).trim_end_matches(":*");
        return s.log_groups.get(arn).filter(|g| ctx.owns(*g)).ok_or_else(no_group);
    }
    named(ctx, s, input)
}

pub(crate) fn tag(ctx: &Ctx, s: &State, input: &Value, member: &str, add: bool) -> OpResult {
    let mut group = tagged(ctx, s, input, member)?.clone();
    if add {
        group.tags.extend(tags_of(input));
    } else {
        let key = if member == "resourceArn" { "tagKeys" } else { "tags" };
        for k in string_list(input, key) {
            group.tags.remove(&k);
        }
    }
    Outcome::write(vec![group.put()], json!({}))
}

pub(crate) fn list_tags(ctx: &Ctx, s: &State, input: &Value, member: &str) -> OpResult {
    let group = tagged(ctx, s, input, member)?;
    Outcome::read(json!({ "tags": group.tags }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn a_group_is_its_accounts_and_keeps_what_cloudwatch_accepts() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        run(&mut s, &a, create, json!({ "logGroupName": "/aws/vpclattice/app", "tags": { "team": "x" } })).unwrap();
        let again = run(&mut s, &a, create, json!({ "logGroupName": "/aws/vpclattice/app" }));
        assert_eq!(code(again), "ResourceAlreadyExistsException");
        assert_eq!(code(run(&mut s, &a, create, json!({ "logGroupName": "bad name" }))), "InvalidParameterException");
        // Another account's group of the same name is its own.
        run(&mut s, &b, create, json!({ "logGroupName": "/aws/vpclattice/app" })).unwrap();
        let listed = run(&mut s, &a, describe, json!({ "logGroupNamePrefix": "/aws/" })).unwrap();
        assert_eq!(listed["logGroups"].as_array().unwrap().len(), 1);
        assert_eq!(
            listed["logGroups"][0]["arn"],
            format!("arn:aws:logs:us-east-1:{A}:log-group:/aws/vpclattice/app:*")
        );
        let put = |c: &Ctx, s: &State, i: &Value| retention(c, s, i, true);
        assert_eq!(
            code(run(&mut s, &a, put, json!({ "logGroupName": "/aws/vpclattice/app", "retentionInDays": 2 }))),
            "InvalidParameterException"
        );
        run(&mut s, &a, put, json!({ "logGroupName": "/aws/vpclattice/app", "retentionInDays": 14 })).unwrap();
        let arn = format!("arn:aws:logs:us-east-1:{A}:log-group:/aws/vpclattice/app:*");
        let tags = run(&mut s, &a, |c, s, i| list_tags(c, s, i, "resourceArn"), json!({ "resourceArn": arn })).unwrap();
        assert_eq!(tags["tags"], json!({ "team": "x" }));
        let theirs = run(&mut s, &b, |c, s, i| list_tags(c, s, i, "resourceArn"), json!({ "resourceArn": arn }));
        assert_eq!(code(theirs), "ResourceNotFoundException");
        run(&mut s, &a, delete, json!({ "logGroupName": "/aws/vpclattice/app" })).unwrap();
        assert_eq!(s.log_groups.len(), 1);
    }
}
