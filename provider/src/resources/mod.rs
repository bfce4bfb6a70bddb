//! Resource types, one file each.

mod access_log_subscription;
mod associations;
pub(crate) mod common;
pub(crate) mod listener;
mod listener_rule;
mod local_certificate;
mod local_compute;
mod local_dns;
mod local_identity;
mod local_security_group;
mod local_vpc;
pub(crate) mod policies;
mod ram;
mod resource_associations;
mod resource_configuration;
mod resource_gateway;
pub(crate) mod service;
pub(crate) mod service_network;
mod target_group;
mod target_group_attachment;
mod vpc_endpoint;

use std::sync::Arc;

use crate::engine::Kind;

/// Every resource type by its Terraform name.
pub(crate) fn all() -> Vec<(&'static str, Arc<dyn Kind>)> {
    vec![
        ("lattice_service_network", Arc::new(service_network::ServiceNetwork)),
        ("lattice_service", Arc::new(service::Service)),
        ("lattice_target_group", Arc::new(target_group::TargetGroup)),
        ("lattice_target_group_attachment", Arc::new(target_group_attachment::TargetGroupAttachment)),
        ("lattice_listener", Arc::new(listener::Listener)),
        ("lattice_service_network_service_association", Arc::new(associations::ServiceNetworkServiceAssociation)),
        ("lattice_service_network_vpc_association", Arc::new(associations::ServiceNetworkVpcAssociation)),
        ("lattice_local_vpc", Arc::new(local_vpc::LocalVpc)),
        ("lattice_listener_rule", Arc::new(listener_rule::ListenerRule)),
        ("lattice_auth_policy", Arc::new(policies::AuthPolicy)),
        ("lattice_resource_policy", Arc::new(policies::ResourcePolicy)),
        ("lattice_access_log_subscription", Arc::new(access_log_subscription::AccessLogSubscription)),
        ("lattice_resource_gateway", Arc::new(resource_gateway::ResourceGateway)),
        ("lattice_resource_configuration", Arc::new(resource_configuration::ResourceConfiguration)),
        (
            "lattice_service_network_resource_association",
            Arc::new(resource_associations::ServiceNetworkResourceAssociation),
        ),
        ("lattice_domain_verification", Arc::new(resource_associations::DomainVerification)),
        ("lattice_vpc_endpoint", Arc::new(vpc_endpoint::VpcEndpoint)),
        ("lattice_local_dns_zone", Arc::new(local_dns::LocalDnsZone)),
        ("lattice_local_instance", Arc::new(local_compute::LocalInstance)),
        ("lattice_local_certificate", Arc::new(local_certificate::LocalCertificate)),
        ("lattice_local_function", Arc::new(local_compute::LocalFunction)),
        ("lattice_local_dns_record", Arc::new(local_dns::LocalDnsRecord)),
        ("lattice_ram_resource_share", Arc::new(ram::ResourceShare)),
        ("lattice_ram_principal_association", Arc::new(ram::ShareAssociation { principal: true })),
        ("lattice_ram_resource_association", Arc::new(ram::ShareAssociation { principal: false })),
        ("lattice_ram_resource_share_accepter", Arc::new(ram::ResourceShareAccepter)),
        ("lattice_ram_sharing_with_organization", Arc::new(ram::SharingWithOrganization)),
        ("lattice_ram_permission", Arc::new(ram::Permission)),
        ("lattice_ram_resource_share_associations_exclusive", Arc::new(ram::ShareAssociationsExclusive)),
        ("lattice_local_principal", Arc::new(local_identity::LocalPrincipal)),
        ("lattice_local_organization", Arc::new(local_identity::LocalOrganization)),
        ("lattice_local_organization_accepter", Arc::new(local_identity::LocalOrganizationAccepter)),
        ("lattice_local_security_group", Arc::new(local_security_group::LocalSecurityGroup)),
    ]
}
