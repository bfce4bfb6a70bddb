//! All control-plane objects, in memory, keyed by id. The state is a projection of the stored
//! records: `apply` turns a record change into a map update, so loading at start and
//! committing a write go through the same code. Every kind is listed once, in `kinds!` below.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::records::*;

/// A change to one object, as the store persists it.
#[derive(Debug, Clone)]
pub enum ObjectChange {
    Put { kind: &'static str, id: String, account: String, body: Value },
    Delete { kind: &'static str, id: String },
}

/// Something that lives in [`State`] under a kind name.
pub trait Object: Serialize + DeserializeOwned + Clone + crate::records::Regional {
    const KIND: &'static str;
    fn id(&self) -> &str;
    fn account(&self) -> &str;
    fn map(state: &mut State) -> &mut BTreeMap<String, Self>;

    /// The key of the object in its map and in the store: its id, or for kinds whose ids each
    /// account chooses for itself, the account and the id ([`scoped_key`]).
    fn key(&self) -> String {
        if is_scoped(Self::KIND) {
            scoped_key(self.account(), self.id())
        } else {
            self.id().to_string()
        }
    }

    fn put(&self) -> ObjectChange {
        ObjectChange::Put {
            kind: Self::KIND,
            id: self.key(),
            account: self.account().to_string(),
            body: serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }
    fn delete(&self) -> ObjectChange {
        ObjectChange::Delete { kind: Self::KIND, id: self.key() }
    }
}

/// VPCs and local instances may be named by their creator (a `vpc_identifier` creates its VPC on
/// first reference; `instanceId`), so each account has ids of its own: an id another account
/// uses is neither refused nor revealed. Their records are keyed `account:id`.
pub fn scoped_key(account: &str, id: &str) -> String {
    format!("{account}:{id}")
}

/// The id in a [`scoped_key`] (what people are shown).
pub fn unscoped(key: &str) -> &str {
    key.split_once(':').map_or(key, |(_, id)| id)
}

fn is_scoped(kind: &str) -> bool {
    kind == kind::VPC || kind == kind::LOCAL_INSTANCE
}

/// A stored record this binary cannot load.
#[derive(Debug)]
pub struct UnknownRecord(pub String);

impl std::error::Error for UnknownRecord {}

impl std::fmt::Display for UnknownRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn put_into<T: Object>(state: &mut State, id: &str, account: &str, body: &Value) -> Result<(), UnknownRecord> {
    let mut body = body.clone();
    // The owner is kept beside the body; bodies written without it still load.
    if body.get("account").and_then(Value::as_str).is_none_or(str::is_empty) {
        body["account"] = Value::String(account.to_string());
    }
    let obj: T = serde_json::from_value(body).map_err(|e| UnknownRecord(format!("{} {id}: {e}", T::KIND)))?;
    T::map(state).insert(id.to_string(), obj);
    Ok(())
}

macro_rules! kinds {
    ($( $ty:ty => $kind:ident, $field:ident; )*) => {
        #[derive(Debug, Clone, Default)]
        pub struct State {
            $( pub $field: BTreeMap<String, $ty>, )*
        }

        $(
            impl Object for $ty {
                const KIND: &'static str = kind::$kind;
                fn id(&self) -> &str {
                    &self.id
                }
                fn account(&self) -> &str {
                    &self.account
                }
                fn map(state: &mut State) -> &mut BTreeMap<String, Self> {
                    &mut state.$field
                }
            }
        )*

        impl State {
            /// Applies one change; an unknown kind or a body that does not parse is an error
            /// (the database was written by a newer or broken binary).
            pub fn apply(&mut self, change: &ObjectChange) -> Result<(), UnknownRecord> {
                match change {
                    ObjectChange::Put { kind, id, account, body } => match *kind {
                        $( kind::$kind => put_into::<$ty>(self, id, account, body), )*
                        other => Err(UnknownRecord(format!("unknown record kind {other}"))),
                    },
                    ObjectChange::Delete { kind, id } => {
                        match *kind {
                            $( kind::$kind => { self.$field.remove(id); } )*
                            other => return Err(UnknownRecord(format!("unknown record kind {other}"))),
                        }
                        Ok(())
                    }
                }
            }

            /// Maps a stored kind name to the static name used in changes.
            pub fn static_kind(kind: &str) -> Option<&'static str> {
                [$( kind::$kind, )*].into_iter().find(|k| *k == kind)
            }
        }
    };
}

kinds! {
    Vpc => VPC, vpcs;
    ServiceNetwork => SERVICE_NETWORK, service_networks;
    Service => SERVICE, services;
    TargetGroup => TARGET_GROUP, target_groups;
    Listener => LISTENER, listeners;
    ServiceNetworkServiceAssociation => SN_SERVICE_ASSOCIATION, sn_service_associations;
    ServiceNetworkVpcAssociation => SN_VPC_ASSOCIATION, sn_vpc_associations;
    AuthPolicy => AUTH_POLICY, auth_policies;
    ResourcePolicy => RESOURCE_POLICY, resource_policies;
    AccessLogSubscription => ACCESS_LOG_SUBSCRIPTION, access_log_subscriptions;
        Rule => RULE, rules;
    ResourceGateway => RESOURCE_GATEWAY, resource_gateways;
    ResourceConfiguration => RESOURCE_CONFIGURATION, resource_configurations;
    ServiceNetworkResourceAssociation => SN_RESOURCE_ASSOCIATION, sn_resource_associations;
        DomainVerification => DOMAIN_VERIFICATION, domain_verifications;
    VpcEndpoint => VPC_ENDPOINT, vpc_endpoints;
    ResourceEndpointAssociation => RESOURCE_ENDPOINT_ASSOCIATION, resource_endpoint_associations;
    DnsZone => DNS_ZONE, dns_zones;
    DnsRecord => DNS_RECORD, dns_records;
    LocalInstance => LOCAL_INSTANCE, local_instances;
    LocalFunction => LOCAL_FUNCTION, local_functions;
    LocalCertificate => LOCAL_CERTIFICATE, local_certificates;
    ResourceShare => RESOURCE_SHARE, resource_shares;
    ShareAssociation => SHARE_ASSOCIATION, share_associations;
    ShareInvitation => SHARE_INVITATION, share_invitations;
    RamPermission => RAM_PERMISSION, ram_permissions;
    PermissionReplacement => PERMISSION_REPLACEMENT, permission_replacements;
    LocalPrincipal => LOCAL_PRINCIPAL, local_principals;
    Subnet => SUBNET, subnets;
    Organization => ORGANIZATION, organizations;
    SecurityGroup => SECURITY_GROUP, security_groups;
    IamPolicy => IAM_POLICY, iam_policies;
    AccessKey => ACCESS_KEY, access_keys;
    InstanceProfile => INSTANCE_PROFILE, instance_profiles;
    LogGroup => LOG_GROUP, log_groups;
}

impl State {
    /// `account`'s VPC `id`.
    pub fn vpc(&self, account: &str, id: &str) -> Option<&Vpc> {
        self.vpcs.get(&scoped_key(account, id))
    }

    /// `account`'s local instance `id`.
    pub fn instance(&self, account: &str, id: &str) -> Option<&LocalInstance> {
        self.local_instances.get(&scoped_key(account, id))
    }

    /// The address the local compute registry gives an AWS resource's ARN (a
    /// `lattice_local_instance` of `account` listing it in `resource_arns`).
    pub fn registry_address(&self, account: &str, arn: &str) -> Option<std::net::IpAddr> {
        let instance =
            self.local_instances.values().find(|i| i.account == account && i.resource_arns.iter().any(|a| a == arn))?;
        instance.ip_address.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_put_then_a_delete_round_trips_through_changes() {
        let vpc = Vpc {
            id: "vpc-12345678".into(),
            account: "000000000000".into(),
            block: "127.77.1".into(),
            tags: Tags::new(),
            created_at: String::new(),
            ec2: Default::default(),
            region: String::new(),
        };
        let mut state = State::default();
        state.apply(&vpc.put()).unwrap();
        assert_eq!(state.vpc("000000000000", "vpc-12345678"), Some(&vpc));
        assert_eq!(state.vpc("111111111111", "vpc-12345678"), None, "each account has its own VPC ids");
        assert_eq!(unscoped(&vpc.key()), "vpc-12345678");
        state.apply(&vpc.delete()).unwrap();
        assert!(state.vpcs.is_empty());
        assert_eq!(State::static_kind("vpc"), Some("vpc"));
        assert!(state.apply(&ObjectChange::Delete { kind: "nope", id: String::new() }).is_err());
    }
}
