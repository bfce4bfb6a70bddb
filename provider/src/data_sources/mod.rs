//! Data source types, one file per type.

mod auth_policy;
mod listener;
mod local_reachability;
mod ram_resource_share;
mod resource_policy;
mod service;
mod service_network;
mod service_network_service_associations;

use std::sync::Arc;

use crate::engine::DataKind;

pub(crate) fn all() -> Vec<(&'static str, Arc<dyn DataKind>)> {
    vec![
        ("lattice_service_network", Arc::new(service_network::ServiceNetworkData)),
        ("lattice_service", Arc::new(service::ServiceData)),
        ("lattice_auth_policy", Arc::new(auth_policy::AuthPolicyData)),
        ("lattice_resource_policy", Arc::new(resource_policy::ResourcePolicyData)),
        ("lattice_listener", Arc::new(listener::ListenerData)),
        (
            "lattice_service_network_service_associations",
            Arc::new(service_network_service_associations::ServiceNetworkServiceAssociationsData),
        ),
        ("lattice_ram_resource_share", Arc::new(ram_resource_share::ResourceShareData)),
        ("lattice_local_reachability", Arc::new(local_reachability::ReachabilityData)),
    ]
}
