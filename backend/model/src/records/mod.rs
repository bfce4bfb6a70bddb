//! The control plane's objects as stored and served. Field names are the wire names
//! (camelCase), so a record serialises straight into most `Get*` responses; `account` is the
//! owner and is never sent on the wire.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub type Tags = BTreeMap<String, String>;

mod iam;
mod lambda;
mod logs;
mod network;
pub use iam::*;
pub use lambda::*;
pub use logs::*;
pub use network::*;

/// Objects that carry an ARN and tags (what the tag operations address).
pub trait Tagged {
    fn arn(&self) -> &str;
    fn tags_mut(&mut self) -> &mut Tags;
}

macro_rules! tagged {
    ($($t:ty),*) => {
        $(impl Tagged for $t {
            fn arn(&self) -> &str {
                &self.arn
            }
            fn tags_mut(&mut self) -> &mut Tags {
                &mut self.tags
            }
        })*
    };
}

/// Where a record lives: `Some(region)` for regional objects (`Some("")` for records written
/// before regions were stored: they belong to the backend's home region), `None` for global
/// ones (IAM principals, organizations, hosted zones, AWS-managed permissions, and records
/// reached only through a regional parent).
pub trait Regional {
    fn region(&self) -> Option<&str>;
}

/// The region of an ARN (`arn:aws:<service>:<region>:…`); `None` when the ARN has none (IAM,
/// Organizations, AWS-managed RAM permissions).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

macro_rules! regional_by_arn {
    ($($t:ty => $field:ident),* $(,)?) => {
        $(impl Regional for $t {
            fn region(&self) -> Option<&str> {
                arn_region(&self.$field)
            }
        })*
    };
}

macro_rules! regional_by_field {
    ($($t:ty),* $(,)?) => {
        $(impl Regional for $t {
            fn region(&self) -> Option<&str> {
                Some(&self.region)
            }
        })*
    };
}

macro_rules! global {
    ($($t:ty),* $(,)?) => {
        $(impl Regional for $t {
            fn region(&self) -> Option<&str> {
                None
            }
        })*
    };
}

regional_by_arn!(
    ServiceNetwork => arn,
    Service => arn,
    TargetGroup => arn,
    Listener => arn,
    Rule => arn,
    ServiceNetworkServiceAssociation => arn,
    ServiceNetworkVpcAssociation => arn,
    ServiceNetworkResourceAssociation => arn,
    AccessLogSubscription => arn,
    ResourceGateway => arn,
    ResourceConfiguration => arn,
    DomainVerification => arn,
    ResourceEndpointAssociation => arn,
    AuthPolicy => resource_arn,
    ResourcePolicy => resource_arn,
    LocalFunction => arn,
    LocalCertificate => arn,
    ResourceShare => resource_share_arn,
    ShareInvitation => arn,
    RamPermission => arn,
    SecurityGroup => arn,
    LocalPrincipal => arn,
    LogGroup => id,
    Organization => arn,
);
regional_by_field!(Vpc, Subnet, VpcEndpoint, LocalInstance);
global!(ShareAssociation, PermissionReplacement, DnsZone, DnsRecord, IamPolicy, AccessKey, InstanceProfile);

tagged!(
    ServiceNetwork,
    Service,
    TargetGroup,
    Listener,
    Rule,
    ServiceNetworkServiceAssociation,
    ServiceNetworkVpcAssociation,
    ServiceNetworkResourceAssociation,
    AccessLogSubscription,
    ResourceGateway,
    ResourceConfiguration,
    DomainVerification
);

/// The kind names records are stored under.
pub mod kind {
    pub const VPC: &str = "vpc";
    pub const SERVICE_NETWORK: &str = "service_network";
    pub const SERVICE: &str = "service";
    pub const TARGET_GROUP: &str = "target_group";
    pub const LISTENER: &str = "listener";
    pub const SN_SERVICE_ASSOCIATION: &str = "sn_service_association";
    pub const SN_VPC_ASSOCIATION: &str = "sn_vpc_association";
    pub const AUTH_POLICY: &str = "auth_policy";
    pub const RESOURCE_POLICY: &str = "resource_policy";
    pub const ACCESS_LOG_SUBSCRIPTION: &str = "access_log_subscription";
    pub const RULE: &str = "rule";
    pub const RESOURCE_GATEWAY: &str = "resource_gateway";
    pub const RESOURCE_CONFIGURATION: &str = "resource_configuration";
    pub const SN_RESOURCE_ASSOCIATION: &str = "sn_resource_association";
    pub const DOMAIN_VERIFICATION: &str = "domain_verification";
    pub const VPC_ENDPOINT: &str = "vpc_endpoint";
    pub const RESOURCE_ENDPOINT_ASSOCIATION: &str = "resource_endpoint_association";
    pub const DNS_ZONE: &str = "dns_zone";
    pub const DNS_RECORD: &str = "dns_record";
    pub const LOCAL_INSTANCE: &str = "local_instance";
    pub const LOCAL_FUNCTION: &str = "local_function";
    pub const LOCAL_CERTIFICATE: &str = "local_certificate";
    pub const RESOURCE_SHARE: &str = "resource_share";
    pub const SHARE_ASSOCIATION: &str = "share_association";
    pub const SHARE_INVITATION: &str = "share_invitation";
    pub const RAM_PERMISSION: &str = "ram_permission";
    pub const PERMISSION_REPLACEMENT: &str = "permission_replacement";
    pub const LOCAL_PRINCIPAL: &str = "local_principal";
    pub const ORGANIZATION: &str = "organization";
    pub const SECURITY_GROUP: &str = "security_group";
    pub const SUBNET: &str = "subnet";
    pub const IAM_POLICY: &str = "iam_policy";
    pub const ACCESS_KEY: &str = "access_key";
    pub const INSTANCE_PROFILE: &str = "instance_profile";
    pub const LOG_GROUP: &str = "log_group";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceNetwork {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub auth_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing_config: Option<Value>,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsEntry {
    pub domain_name: String,
    pub hosted_zone_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub auth_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    pub idle_timeout_seconds: i64,
    pub dns_entry: DnsEntry,
    pub status: String,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub id: String,
    pub port: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroup {
    pub id: String,
    pub arn: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// `TargetGroupConfig` as the API returns it, defaults filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
    pub status: String,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

impl TargetGroup {
    /// The port targets receive traffic on unless they name their own.
    pub fn default_port(&self) -> Option<i64> {
        self.config.as_ref()?.get("port")?.as_i64()
    }
    pub fn vpc_identifier(&self) -> Option<&str> {
        self.config.as_ref()?.get("vpcIdentifier")?.as_str()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listener {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub protocol: String,
    pub port: i64,
    pub service_id: String,
    pub service_arn: String,
    /// `RuleAction` union as given: `{"forward": …}` or `{"fixedResponse": …}`.
    pub default_action: Value,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceNetworkServiceAssociation {
    pub id: String,
    pub arn: String,
    pub service_network_id: String,
    pub service_id: String,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceNetworkVpcAssociation {
    pub id: String,
    pub arn: String,
    pub service_network_id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub private_dns_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_options: Option<Value>,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

/// The auth policy of a service network or service, keyed by that object's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthPolicy {
    /// The id of the service network or service the policy belongs to.
    pub id: String,
    pub resource_arn: String,
    pub policy: String,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub account: String,
}

/// The resource-based policy of a service network, service or resource configuration, keyed
/// by that object's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePolicy {
    pub id: String,
    pub resource_arn: String,
    pub policy: String,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSubscription {
    pub id: String,
    pub arn: String,
    pub resource_id: String,
    pub resource_arn: String,
    pub destination_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_network_log_type: Option<String>,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

/// A listener rule (not the default rule, which is the listener's `defaultAction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub service_id: String,
    pub listener_id: String,
    pub priority: i64,
    /// `RuleMatch` union as given: `{"httpMatch": …}`.
    #[serde(rename = "match")]
    pub rule_match: Value,
    /// `RuleAction` union as given.
    pub action: Value,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGateway {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub vpc_id: String,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    pub ip_address_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_addresses_per_eni: Option<i64>,
    pub resource_config_dns_resolution: String,
    pub status: String,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceConfiguration {
    pub id: String,
    pub arn: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub port_ranges: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_gateway_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_configuration_group_id: Option<String>,
    /// `ResourceConfigurationDefinition` union as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_configuration_definition: Option<Value>,
    pub allow_association_to_shareable_service_network: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_verification_id: Option<String>,
    pub status: String,
    pub created_at: String,
    pub last_updated_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceNetworkResourceAssociation {
    pub id: String,
    pub arn: String,
    pub service_network_id: String,
    pub resource_configuration_id: String,
    pub private_dns_enabled: bool,
    pub dns_entry: DnsEntry,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainVerification {
    pub id: String,
    pub arn: String,
    pub domain_name: String,
    pub status: String,
    pub txt_method_config: Value,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_time: Option<String>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

/// A VPC endpoint of type `ServiceNetwork` or `Resource` (the EC2 side, served by the admin API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    pub vpc_endpoint_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_network_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_configuration_id: Option<String>,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    pub private_dns_enabled: bool,
    pub ip_address_type: String,
    pub state: String,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    /// Empty for records written before regions were stored (the home region).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default)]
    pub account: String,
}

/// The Lattice side of a `Resource` VPC endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceEndpointAssociation {
    pub id: String,
    pub arn: String,
    pub resource_configuration_id: String,
    pub vpc_endpoint_id: String,
    pub vpc_endpoint_owner: String,
    pub created_by: String,
    pub created_at: String,
    #[serde(default)]
    pub account: String,
}

/// A local stand-in for an EC2 instance: where `INSTANCE` targets with its id are reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalInstance {
    pub id: String,
    pub ip_address: String,
    /// ARNs of AWS resources this address stands in for (an RDS database, an ALB): ARN resource
    /// configurations and `ALB` targets naming one of them reach `ip_address`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    /// Empty for records written before regions were stored (the home region).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default)]
    pub account: String,
}

/// A local stand-in for a Lambda function: `LAMBDA` targets with its ARN invoke this URL or
/// command with the Lattice event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalFunction {
    /// The function name.
    pub id: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// What the Lambda API stores of a function it made (code, runtime, versions, policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<Box<LambdaFunction>>,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

/// A local stand-in for an ACM certificate: imported, or issued by the backend's local CA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalCertificate {
    pub id: String,
    pub arn: String,
    pub domain_name: String,
    #[serde(default)]
    pub subject_alternative_names: Vec<String>,
    /// `IMPORTED` or `AMAZON_ISSUED` (issued by the local CA).
    #[serde(rename = "type")]
    pub kind: String,
    pub certificate_pem: String,
    #[serde(default)]
    pub certificate_chain_pem: String,
    pub private_key_pem: String,
    pub not_before: String,
    pub not_after: String,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

// ---- AWS RAM and local identities ----------------------------------------------------------

/// A RAM resource share. `id` is the last segment of its ARN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceShare {
    pub id: String,
    pub resource_share_arn: String,
    pub name: String,
    pub owning_account_id: String,
    pub allow_external_principals: bool,
    pub status: String,
    pub feature_set: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_share_configuration: Option<Value>,
    /// Epoch seconds (RAM's wire format for timestamps).
    pub creation_time: f64,
    pub last_updated_time: f64,
    /// Resource type (`vpc-lattice:Service`) → the permission used for it.
    #[serde(default)]
    pub permissions: BTreeMap<String, SharePermission>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

/// The permission (and its version) a share applies to one resource type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharePermission {
    pub arn: String,
    pub version: u32,
    pub last_updated_time: f64,
}

/// A principal, resource or source of a share: `<share id>|<TYPE>|<entity>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareAssociation {
    pub id: String,
    pub share_id: String,
    /// `PRINCIPAL`, `RESOURCE` or `SOURCE`.
    pub association_type: String,
    pub associated_entity: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    pub external: bool,
    pub creation_time: f64,
    pub last_updated_time: f64,
    /// The share owner.
    #[serde(default)]
    pub account: String,
}

/// An invitation to a share, sent to an account outside the owner's organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareInvitation {
    pub id: String,
    pub arn: String,
    pub share_id: String,
    pub sender_account_id: String,
    pub receiver_account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_arn: Option<String>,
    pub status: String,
    pub invitation_timestamp: f64,
    /// The sender.
    #[serde(default)]
    pub account: String,
}

/// One version of a customer managed RAM permission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionVersion {
    pub policy_template: String,
    pub creation_time: f64,
}

/// A customer managed RAM permission; `id` is `<account>/<name>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RamPermission {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub resource_type: String,
    pub status: String,
    /// `STANDARD`, or `CREATED_FROM_POLICY` for the permission behind a Lattice resource policy.
    #[serde(default = "standard")]
    pub feature_set: String,
    pub default_version: u32,
    pub versions: BTreeMap<u32, PermissionVersion>,
    pub creation_time: f64,
    pub last_updated_time: f64,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

fn standard() -> String {
    "STANDARD".into()
}

/// A finished `ReplacePermissionAssociations` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionReplacement {
    pub id: String,
    pub from_permission_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_permission_version: Option<String>,
    pub to_permission_arn: String,
    pub to_permission_version: String,
    pub status: String,
    pub creation_time: f64,
    pub last_updated_time: f64,
    #[serde(default)]
    pub account: String,
}

/// A local IAM role or user with its own access key; `id` is its unique id (`AROA…`/`AIDA…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalPrincipal {
    pub id: String,
    pub name: String,
    /// `role` or `user`.
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    pub arn: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// What IAM stores of a principal made through the IAM API (absent for a
    /// `lattice_local_principal`, whose identity policy is `policy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<IamPrincipal>,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
}

/// A local AWS Organization. `account` is the management account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: String,
    pub arn: String,
    pub root_id: String,
    /// Member account → OU path below the root (`""` for the root, `prod/web` for nested OUs).
    /// Only accounts that joined: an account becomes a member by its own action.
    pub accounts: BTreeMap<String, String>,
    /// Accounts the management account invited that have not joined (account → OU path they
    /// will have): they are not members, for RAM or for `aws:PrincipalOrgID`, until they accept.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub invited: BTreeMap<String, String>,
    /// OU path → OU id (`ou-…`).
    #[serde(default)]
    pub organizational_units: BTreeMap<String, String>,
    /// `EnableSharingWithAwsOrganization` was called (the `ram.amazonaws.com` service access).
    #[serde(default)]
    pub ram_sharing_enabled: bool,
    /// What the Organizations API keeps beyond membership.
    #[serde(default, skip_serializing_if = "OrganizationDetails::is_empty")]
    pub details: OrganizationDetails,
    pub created_at: String,
    #[serde(default)]
    pub account: String,
}

impl Organization {
    /// The organization's entity path of an account's OU, as `aws:PrincipalOrgPaths` has it:
    /// `o-…/r-…/ou-…/`.
    pub fn org_path(&self, account: &str) -> Option<String> {
        self.org_path_of_ou(self.accounts.get(account)?)
    }

    /// The organization's entity path of the OU at `ou_path` (`""`: the root).
    pub fn org_path_of_ou(&self, ou_path: &str) -> Option<String> {
        let mut path = format!("{}/{}/", self.id, self.root_id);
        let mut prefix = String::new();
        for part in ou_path.split('/').filter(|p| !p.is_empty()) {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            path.push_str(self.organizational_units.get(&prefix)?);
            path.push('/');
        }
        Some(path)
    }
}
