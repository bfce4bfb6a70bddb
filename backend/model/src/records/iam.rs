//! What IAM and Organizations know beyond a principal's keys: roles' trust policies, inline and managed
//! policies and their versions, users' access keys, instance profiles. Roles and users
//! themselves are [`super::LocalPrincipal`]s (with [`IamPrincipal`] when made through IAM), so
//! the data plane, STS and `explain` treat them as one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Tags;

/// What the IAM API stores of a role or user it created.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IamPrincipal {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// A role's trust policy (who may assume it); empty for users.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub trust_policy: String,
    #[serde(default)]
    pub max_session_duration: i64,
    /// Inline policies by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, String>,
    /// ARNs of the managed policies attached, in attachment order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// A service-linked role (`aws-service-role/…`), made by `CreateServiceLinkedRole`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub service_linked: bool,
}

/// A customer managed policy and its versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IamPolicy {
    /// `ANPA…`.
    pub id: String,
    pub name: String,
    pub path: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `v1`, `v2`, … → the version.
    pub versions: BTreeMap<String, IamPolicyVersion>,
    pub default_version: String,
    /// The number the next version gets.
    pub next_version: u32,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IamPolicyVersion {
    pub document: String,
    pub created_at: String,
}

impl IamPolicy {
    /// The default version's document.
    pub fn document(&self) -> Option<&str> {
        self.versions.get(&self.default_version).map(|v| v.document.as_str())
    }
}

/// An access key of an IAM user: requests signed with it act as the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessKey {
    /// The access key id (`AKIA…`).
    pub id: String,
    /// The user's name.
    pub user_name: String,
    pub secret_access_key: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub created_at: String,
    #[serde(default)]
    pub account: String,
}

/// An instance profile (a role container EC2 reads; stored for what the provider reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceProfile {
    /// `AIPA…`.
    pub id: String,
    pub name: String,
    pub path: String,
    pub arn: String,
    /// Role names (at most one).
    #[serde(default)]
    pub roles: Vec<String>,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

/// What the Organizations API keeps of an organization beyond its members and OUs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationDetails {
    /// `ALL` or `CONSOLIDATED_BILLING` (empty: `ALL`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub feature_set: String,
    /// Service principals with trusted access (other than RAM's) → when it was enabled.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub service_access: BTreeMap<String, String>,
    /// Policy types enabled on the root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_types: Vec<String>,
    /// Accounts' names and e-mail addresses, and how and when they joined.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, AccountProfile>,
}

impl OrganizationDetails {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountProfile {
    pub name: String,
    pub email: String,
    /// `CREATED` or `INVITED`.
    pub joined_method: String,
    pub joined_at: String,
    /// The `CreateAccount` request that made it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub create_request: String,
}
