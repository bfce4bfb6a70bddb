//! CloudWatch Logs on the `json` protocol: log groups (retention, tags; a KMS key is stored
//! and answered, nothing is encrypted), streams, `PutLogEvents`, and reading events back with
//! `GetLogEvents` / `FilterLogEvents` (what `aws logs tail` and `filter-log-events` call). A
//! VPC Lattice access-log subscription whose destination is a log group writes there: the
//! data plane's records are that group's events, in the stream `VpcLatticeAccessLogs` (service
//! traffic) or `VpcLatticeResourceAccessLogs` (resource connections).

mod events;
mod filter;
mod groups;

use lattice_api::ApiError;
use lattice_model::records::LogGroup;
use lattice_model::State;
use serde_json::Value;

use crate::kit::{str_of, AwsService, Ctx, Handler, Paging};

pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "logs",
    model: lattice_api::model::logs,
    operations: OPERATIONS,
    validation_error: |e| {
        if e.code == lattice_api::ErrorCode::Validation {
            error("InvalidParameterException", e.message)
        } else {
            e
        }
    },
    token_mismatch: |e| e,
    client_token: None,
    async_operations: &[],
    left_out_for_terraform_aws: &[],
};

/// Every CloudWatch Logs operation served, by its botocore name: the only list of them.
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateLogGroup", groups::create),
    ("DeleteLogGroup", groups::delete),
    ("DescribeLogGroups", groups::describe),
    ("PutRetentionPolicy", |c, s, i| groups::retention(c, s, i, true)),
    ("DeleteRetentionPolicy", |c, s, i| groups::retention(c, s, i, false)),
    ("AssociateKmsKey", |c, s, i| groups::kms(c, s, i, true)),
    ("DisassociateKmsKey", |c, s, i| groups::kms(c, s, i, false)),
    ("TagResource", |c, s, i| groups::tag(c, s, i, "resourceArn", true)),
    ("UntagResource", |c, s, i| groups::tag(c, s, i, "resourceArn", false)),
    ("ListTagsForResource", |c, s, i| groups::list_tags(c, s, i, "resourceArn")),
    ("TagLogGroup", |c, s, i| groups::tag(c, s, i, "logGroupName", true)),
    ("UntagLogGroup", |c, s, i| groups::tag(c, s, i, "logGroupName", false)),
    ("ListTagsLogGroup", |c, s, i| groups::list_tags(c, s, i, "logGroupName")),
    ("CreateLogStream", events::create_stream),
    ("DeleteLogStream", events::delete_stream),
    ("DescribeLogStreams", events::describe_streams),
    ("PutLogEvents", events::put),
    ("GetLogEvents", events::get),
    ("FilterLogEvents", events::filter),
];

/// How `Describe*` page (`limit`, `nextToken`).
pub(crate) const PAGING: Paging = Paging { size: "limit", token: "nextToken", default: 50, max: 50, next: "nextToken" };

/// A CloudWatch Logs error (400 on the `json` protocol).
pub(crate) fn error(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message)
}

pub(crate) fn no_group() -> ApiError {
    error("ResourceNotFoundException", "The specified log group does not exist.")
}

/// The ARN of a log group of the caller (`arn:aws:logs:<region>:<account>:log-group:<name>`).
pub(crate) fn group_arn(ctx: &Ctx, name: &str) -> String {
    format!("arn:aws:logs:{}:{}:log-group:{name}", ctx.region, ctx.account)
}

/// The caller's log group named by `logGroupName`, or by `logGroupIdentifier` (name or ARN).
pub(crate) fn named<'a>(ctx: &Ctx, s: &'a State, input: &Value) -> Result<&'a LogGroup, ApiError> {
    let given = str_of(input, "logGroupIdentifier").or_else(|| str_of(input, "logGroupName")).unwrap_or_default();
    let arn = if given.starts_with("arn:") { given.trim_end_matches(":*").to_string() } else { group_arn(ctx, given) };
    s.log_groups.get(&arn).filter(|g| ctx.owns(*g)).ok_or_else(no_group)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn every_operation_of_the_model_has_a_handler() {
        let model = lattice_api::model::logs();
        for op in &model.operations {
            assert!(SERVICE.handler(&op.name).is_some(), "{} has no handler", op.name);
        }
        assert_eq!(model.operations.len(), OPERATIONS.len());
    }

    #[test]
    fn log_groups_are_the_callers_and_their_events_come_back_filtered() {
        let dir = std::env::temp_dir().join(format!("lattice-logs-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = State::default();
        let a = Ctx { log_dir: Some(std::sync::Arc::new(dir.clone())), ..Ctx::test(A) };
        run(&mut s, &a, groups::create, json!({ "logGroupName": "/lattice/access", "tags": { "env": "dev" } }))
            .unwrap();
        assert_eq!(
            code(run(&mut s, &a, groups::create, json!({ "logGroupName": "/lattice/access" }))),
            "ResourceAlreadyExistsException"
        );
        assert_eq!(
            code(run(&mut s, &Ctx::test(B), groups::delete, json!({ "logGroupName": "/lattice/access" }))),
            "ResourceNotFoundException"
        );
        // What the data plane writes for a subscription to this group.
        let arn = group_arn(&a, "/lattice/access");
        let lines = [
            r#"{"startTime":"2026-01-01T00:00:01.000Z","requestPath":"/a","responseCode":200}"#,
            r#"{"startTime":"2026-01-01T00:00:02.000Z","requestPath":"/b","responseCode":403}"#,
        ];
        std::fs::write(dir.join(lattice_model::records::log_file(&arn)), lines.join("\n") + "\n").unwrap();
        let all = run(&mut s, &a, events::filter, json!({ "logGroupName": "/lattice/access" })).unwrap();
        assert_eq!(all["events"].as_array().unwrap().len(), 2);
        assert_eq!(all["events"][0]["logStreamName"], "VpcLatticeAccessLogs");
        assert_eq!(all["events"][0]["timestamp"], 1_767_225_601_000_i64);
        let denied = run(
            &mut s,
            &a,
            events::filter,
            json!({ "logGroupName": "/lattice/access", "filterPattern": "{ $.responseCode = 403 }" }),
        )
        .unwrap();
        assert_eq!(denied["events"].as_array().unwrap().len(), 1);
        let later = run(
            &mut s,
            &a,
            events::filter,
            json!({ "logGroupName": "/lattice/access", "startTime": 1_767_225_602_000_i64 }),
        )
        .unwrap();
        assert_eq!(later["events"][0]["message"], lines[1]);
        let streams = run(&mut s, &a, events::describe_streams, json!({ "logGroupName": "/lattice/access" })).unwrap();
        assert_eq!(streams["logStreams"][0]["logStreamName"], "VpcLatticeAccessLogs");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
