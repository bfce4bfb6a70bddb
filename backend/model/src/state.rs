//! All control-plane objects, in memory, keyed by id. The state is a projection of the stored
//! records: `apply` turns a record change into a map update, so loading at start and
//! committing a write go through the same code.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::records::*;

#[derive(Debug, Clone, Default)]
pub struct State {
    pub vpcs: BTreeMap<String, Vpc>,
    pub service_networks: BTreeMap<String, ServiceNetwork>,
    pub services: BTreeMap<String, Service>,
    pub target_groups: BTreeMap<String, TargetGroup>,
    pub listeners: BTreeMap<String, Listener>,
    pub sn_service_associations: BTreeMap<String, ServiceNetworkServiceAssociation>,
    pub sn_vpc_associations: BTreeMap<String, ServiceNetworkVpcAssociation>,
}

/// A change to one object, as the store persists it.
#[derive(Debug, Clone)]
pub enum ObjectChange {
    Put {
        kind: &'static str,
        id: String,
        account: String,
        body: Value,
    },
    Delete {
        kind: &'static str,
        id: String,
    },
}

/// Something that lives in [`State`] under a kind name.
pub trait Object: Serialize + DeserializeOwned + Clone {
    const KIND: &'static str;
    fn id(&self) -> &str;
    fn account(&self) -> &str;
    fn map(state: &mut State) -> &mut BTreeMap<String, Self>;

    fn put(&self) -> ObjectChange {
        ObjectChange::Put {
            kind: Self::KIND,
            id: self.id().to_string(),
            account: self.account().to_string(),
            body: serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }
    fn delete(&self) -> ObjectChange {
        ObjectChange::Delete {
            kind: Self::KIND,
            id: self.id().to_string(),
        }
    }
}

macro_rules! object {
    ($t:ty, $kind:expr, $field:ident) => {
        impl Object for $t {
            const KIND: &'static str = $kind;
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
    };
}

object!(Vpc, kind::VPC, vpcs);
object!(ServiceNetwork, kind::SERVICE_NETWORK, service_networks);
object!(Service, kind::SERVICE, services);
object!(TargetGroup, kind::TARGET_GROUP, target_groups);
object!(Listener, kind::LISTENER, listeners);
object!(
    ServiceNetworkServiceAssociation,
    kind::SN_SERVICE_ASSOCIATION,
    sn_service_associations
);
object!(
    ServiceNetworkVpcAssociation,
    kind::SN_VPC_ASSOCIATION,
    sn_vpc_associations
);

/// A stored record this binary cannot load.
#[derive(Debug)]
pub struct UnknownRecord(pub String);

impl std::error::Error for UnknownRecord {}

impl std::fmt::Display for UnknownRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn put_into<T: Object>(
    state: &mut State,
    id: &str,
    account: &str,
    body: &Value,
) -> Result<(), UnknownRecord> {
    let mut obj: T = serde_json::from_value(body.clone())
        .map_err(|e| UnknownRecord(format!("{} {id}: {e}", T::KIND)))?;
    // The owner is kept beside the body; bodies written before it was set still load.
    let mut value = serde_json::to_value(&obj).unwrap_or(Value::Null);
    if value
        .get("account")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        value["account"] = Value::String(account.to_string());
        obj = serde_json::from_value(value).map_err(|e| UnknownRecord(e.to_string()))?;
    }
    T::map(state).insert(id.to_string(), obj);
    Ok(())
}

impl State {
    /// Applies one change; an unknown kind or a body that does not parse is an error (the
    /// database was written by a newer or broken binary).
    pub fn apply(&mut self, change: &ObjectChange) -> Result<(), UnknownRecord> {
        match change {
            ObjectChange::Put {
                kind,
                id,
                account,
                body,
            } => match *kind {
                kind::VPC => put_into::<Vpc>(self, id, account, body),
                kind::SERVICE_NETWORK => put_into::<ServiceNetwork>(self, id, account, body),
                kind::SERVICE => put_into::<Service>(self, id, account, body),
                kind::TARGET_GROUP => put_into::<TargetGroup>(self, id, account, body),
                kind::LISTENER => put_into::<Listener>(self, id, account, body),
                kind::SN_SERVICE_ASSOCIATION => {
                    put_into::<ServiceNetworkServiceAssociation>(self, id, account, body)
                }
                kind::SN_VPC_ASSOCIATION => {
                    put_into::<ServiceNetworkVpcAssociation>(self, id, account, body)
                }
                other => Err(UnknownRecord(format!("unknown record kind {other}"))),
            },
            ObjectChange::Delete { kind, id } => {
                match *kind {
                    kind::VPC => self.vpcs.remove(id).map(drop),
                    kind::SERVICE_NETWORK => self.service_networks.remove(id).map(drop),
                    kind::SERVICE => self.services.remove(id).map(drop),
                    kind::TARGET_GROUP => self.target_groups.remove(id).map(drop),
                    kind::LISTENER => self.listeners.remove(id).map(drop),
                    kind::SN_SERVICE_ASSOCIATION => {
                        self.sn_service_associations.remove(id).map(drop)
                    }
                    kind::SN_VPC_ASSOCIATION => self.sn_vpc_associations.remove(id).map(drop),
                    other => return Err(UnknownRecord(format!("unknown record kind {other}"))),
                };
                Ok(())
            }
        }
    }

    /// Maps a stored kind name to the static name used in changes.
    pub fn static_kind(kind: &str) -> Option<&'static str> {
        [
            kind::VPC,
            kind::SERVICE_NETWORK,
            kind::SERVICE,
            kind::TARGET_GROUP,
            kind::LISTENER,
            kind::SN_SERVICE_ASSOCIATION,
            kind::SN_VPC_ASSOCIATION,
        ]
        .into_iter()
        .find(|k| *k == kind)
    }
}
