//! CloudWatch Logs' records: log groups and their streams. Events live in files beside the
//! access logs (the data plane appends Lattice's records to `<log dir>/<destination>.log`;
//! `PutLogEvents` appends to `<…>.log.events`), not in the database.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Tags;

/// A log group. Its id is its ARN (names are unique per account and Region only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroup {
    /// `arn:aws:logs:<region>:<account>:log-group:<name>`.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i64>,
    /// Stored and answered; nothing is encrypted here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    pub log_group_class: String,
    /// Milliseconds since the epoch.
    pub creation_time: i64,
    /// Streams made by `CreateLogStream` → their creation time (ms).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub streams: BTreeMap<String, i64>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

/// The file a destination ARN's records go to: the ARN with every character that is not a
/// letter, digit, `-` or `.` replaced by `_`.
pub fn log_file(destination: &str) -> String {
    // A log group's ARN with or without `:*` (the form Lattice answers with) is one group.
    let destination = destination.strip_suffix(":*").unwrap_or(destination);
    let safe: String =
        destination.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    format!("{safe}.log")
}
