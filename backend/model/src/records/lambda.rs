//! What the Lambda API stores of a function beyond the local stand-in's ARN: its code (a zip,
//! content-addressed on disk), runtime and handler, configuration, published versions,
//! aliases and resource policy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A function made through the Lambda API.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LambdaFunction {
    /// `$LATEST`.
    pub latest: LambdaConfig,
    /// Published versions by number.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<u32, LambdaConfig>,
    pub next_version: u32,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, LambdaAlias>,
    /// The resource policy's statements (`AddPermission`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<i64>,
    /// Changes with every write (`RevisionId`).
    pub revision: String,
}

/// One version's configuration and code.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LambdaConfig {
    pub runtime: String,
    pub handler: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub timeout: i64,
    pub memory_size: i64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Base64 of the zip's SHA-256, as Lambda writes it.
    pub code_sha256: String,
    pub code_size: i64,
    /// Where the zip is stored (`<data dir>/functions/<sha256 hex>.zip`).
    pub code_path: String,
    pub last_modified: String,
    #[serde(default)]
    pub architectures: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LambdaAlias {
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub revision: String,
}

impl LambdaFunction {
    /// The configuration a qualifier (`$LATEST`, a version number, an alias) names, with the
    /// version it resolves to.
    pub fn resolve(&self, qualifier: Option<&str>) -> Option<(String, &LambdaConfig)> {
        match qualifier {
            None | Some("$LATEST") => Some(("$LATEST".to_string(), &self.latest)),
            Some(q) => {
                let version = self.aliases.get(q).map_or(q, |a| a.version.as_str());
                if version == "$LATEST" {
                    return Some((version.to_string(), &self.latest));
                }
                let n: u32 = version.parse().ok()?;
                self.versions.get(&n).map(|c| (version.to_string(), c))
            }
        }
    }

    /// Whether the resource policy lets VPC Lattice invoke the function for `target_group`
    /// (an `Allow` of `lambda:InvokeFunction` to `vpc-lattice.amazonaws.com`, its `SourceArn`
    /// condition, when there is one, naming the target group).
    pub fn allows_lattice(&self, target_group: &str) -> bool {
        self.policy.iter().any(|st| {
            let principal = st.pointer("/Principal/Service").and_then(Value::as_str);
            let action = st.get("Action").and_then(Value::as_str);
            let source = st.pointer("/Condition/ArnLike/AWS:SourceArn").and_then(Value::as_str);
            st.get("Effect").and_then(Value::as_str) == Some("Allow")
                && principal == Some("vpc-lattice.amazonaws.com")
                && matches!(action, Some("lambda:InvokeFunction" | "lambda:*"))
                && source.is_none_or(|s| crate::iam::wildcard(s, target_group, false))
        })
    }
}
