//! What a write touched (`Dirty`), seen in the state before and after it: only that is recompiled.

use std::collections::HashSet;

use serde_json::Value;

use crate::records::kind;
use crate::state::{ObjectChange, State};

/// What a write touched, gathered from its changes against the state before and after it.
#[derive(Debug, Default)]
pub struct Dirty {
    pub services: HashSet<String>,
    pub networks: HashSet<String>,
    pub zones: bool,
    /// Local principals or organizations changed.
    pub identities: bool,
    /// Resource gateways (or their security groups), configurations or their associations changed.
    pub resources: bool,
}

pub(crate) fn action_uses(action: &Value, tg_id: &str) -> bool {
    action.pointer("/forward/targetGroups").and_then(Value::as_array).is_some_and(|gs| {
        gs.iter().any(|g| g.get("targetGroupIdentifier").and_then(Value::as_str).map(crate::id_of) == Some(tg_id))
    })
}

impl Dirty {
    /// Everything in `state`: what a full compilation does.
    pub fn everything(state: &State) -> Self {
        Self {
            services: state.services.keys().cloned().collect(),
            networks: state.service_networks.keys().cloned().collect(),
            zones: true,
            identities: true,
            resources: true,
        }
    }

    /// Records what `change` touches as seen in `state`. Call it with the state before a write
    /// (what is removed or replaced) and after it (what is added).
    pub fn add(&mut self, state: &State, change: &ObjectChange) {
        let (kind, id) = match change {
            ObjectChange::Put { kind, id, .. } | ObjectChange::Delete { kind, id } => (*kind, id.as_str()),
        };
        match kind {
            kind::SERVICE => {
                self.services.insert(id.to_string());
            }
            kind::LISTENER => self.services.extend(state.listeners.get(id).map(|l| l.service_id.clone())),
            kind::RULE => self.services.extend(state.rules.get(id).map(|r| r.service_id.clone())),
            kind::TARGET_GROUP => self.target_group(state, id),
            kind::LOCAL_INSTANCE => {
                // `id` is the instance's key; the state before or after the write has it.
                let Some(instance) = state.local_instances.get(id) else { return };
                let arns = instance.resource_arns.as_slice();
                // ARN resource configurations may point at it.
                self.resources |= !arns.is_empty();
                let groups: Vec<String> = state
                    .target_groups
                    .values()
                    .filter(|tg| tg.account == instance.account)
                    .filter(|tg| match tg.kind.as_str() {
                        "INSTANCE" => tg.targets.iter().any(|t| t.id == instance.id),
                        "ALB" => tg.targets.iter().any(|t| arns.contains(&t.id)),
                        _ => false,
                    })
                    .map(|tg| tg.id.clone())
                    .collect();
                for tg in groups {
                    self.target_group(state, &tg);
                }
            }
            kind::LOCAL_FUNCTION => {
                let groups: Vec<String> = state
                    .target_groups
                    .values()
                    .filter(|tg| tg.kind == "LAMBDA")
                    .filter(|tg| {
                        state
                            .local_functions
                            .get(id)
                            .is_none_or(|f| tg.targets.iter().any(|t| t.id.starts_with(&f.arn)))
                    })
                    .map(|tg| tg.id.clone())
                    .collect();
                for tg in groups {
                    self.target_group(state, &tg);
                }
            }
            kind::SN_SERVICE_ASSOCIATION => {
                if let Some(a) = state.sn_service_associations.get(id) {
                    self.services.insert(a.service_id.clone());
                    self.networks.insert(a.service_network_id.clone());
                }
            }
            kind::SERVICE_NETWORK => {
                self.networks.insert(id.to_string());
            }
            kind::DNS_ZONE | kind::DNS_RECORD => self.zones = true,
            kind::LOCAL_CERTIFICATE => {
                if let Some(cert) = state.local_certificates.get(id) {
                    let users = state.services.values().filter(|s| s.certificate_arn.as_ref() == Some(&cert.arn));
                    self.services.extend(users.map(|s| s.id.clone()));
                }
            }
            kind::AUTH_POLICY => {
                let target = if id.starts_with("sn-") { &mut self.networks } else { &mut self.services };
                target.insert(id.to_string());
            }
            kind::LOCAL_PRINCIPAL | kind::ORGANIZATION | kind::IAM_POLICY | kind::ACCESS_KEY => self.identities = true,
            // A resource gateway's groups decide where it may connect.
            kind::SECURITY_GROUP => {
                self.resources |= state.resource_gateways.values().any(|g| g.security_group_ids.iter().any(|s| s == id))
            }
            kind::RESOURCE_GATEWAY | kind::RESOURCE_CONFIGURATION | kind::SN_RESOURCE_ASSOCIATION | kind::VPC => {
                self.resources = true
            }
            kind::ACCESS_LOG_SUBSCRIPTION => {
                if let Some(a) = state.access_log_subscriptions.get(id) {
                    // A network's RESOURCE subscriptions log connections to its resources.
                    self.resources |= a.service_network_log_type.as_deref() == Some("RESOURCE");
                    let target = if a.resource_id.starts_with("sn-") { &mut self.networks } else { &mut self.services };
                    target.insert(a.resource_id.clone());
                }
            }
            _ => {}
        }
    }

    fn target_group(&mut self, state: &State, tg_id: &str) {
        let listeners =
            state.listeners.values().filter(|l| action_uses(&l.default_action, tg_id)).map(|l| &l.service_id);
        let rules = state.rules.values().filter(|r| action_uses(&r.action, tg_id)).map(|r| &r.service_id);
        self.services.extend(listeners.chain(rules).cloned());
    }
}
