//! The VPC Lattice service: its operations, one file per noun, and the table that is the only
//! list of them. `server` routes a request by the botocore model to an operation name, and
//! runs the handler this table gives for it.

pub(crate) mod access_log;
pub(crate) mod domain_verification;
pub(crate) mod listener;
pub(crate) mod policies;
pub(crate) mod resource_configuration;
pub(crate) mod resource_gateway;
pub(crate) mod rule;
pub(crate) mod service;
pub(crate) mod service_network;
pub(crate) mod sn_resource_association;
pub(crate) mod sn_service_association;
pub(crate) mod sn_vpc_association;
pub(crate) mod tags;
pub(crate) mod target_group;
pub(crate) mod targets;

use crate::kit::{AwsService, Handler};

/// VPC Lattice, selected by the signing name `vpc-lattice`.
pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "vpc-lattice",
    model: lattice_api::model::vpc_lattice,
    operations: OPERATIONS,
    validation_error: std::convert::identity,
    client_token: Some("clientToken"),
    async_operations: &[],
    left_out_for_terraform_aws: &[],
    token_mismatch: std::convert::identity,
};

/// Every VPC Lattice operation the backend implements, by its botocore name.
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateServiceNetwork", service_network::create_service_network),
    ("GetServiceNetwork", service_network::get_service_network),
    ("ListServiceNetworks", service_network::list_service_networks),
    ("UpdateServiceNetwork", service_network::update_service_network),
    ("DeleteServiceNetwork", service_network::delete_service_network),
    ("CreateService", service::create_service),
    ("GetService", service::get_service),
    ("ListServices", service::list_services),
    ("UpdateService", service::update_service),
    ("DeleteService", service::delete_service),
    ("CreateTargetGroup", target_group::create_target_group),
    ("GetTargetGroup", target_group::get_target_group),
    ("ListTargetGroups", target_group::list_target_groups),
    ("UpdateTargetGroup", target_group::update_target_group),
    ("DeleteTargetGroup", target_group::delete_target_group),
    ("RegisterTargets", targets::register_targets),
    ("DeregisterTargets", targets::deregister_targets),
    ("ListTargets", targets::list_targets),
    ("CreateListener", listener::create_listener),
    ("GetListener", listener::get_listener),
    ("ListListeners", listener::list_listeners),
    ("UpdateListener", listener::update_listener),
    ("DeleteListener", listener::delete_listener),
    ("CreateServiceNetworkServiceAssociation", sn_service_association::create_snsa),
    ("GetServiceNetworkServiceAssociation", sn_service_association::get_snsa),
    ("ListServiceNetworkServiceAssociations", sn_service_association::list_snsa),
    ("DeleteServiceNetworkServiceAssociation", sn_service_association::delete_snsa),
    ("CreateServiceNetworkVpcAssociation", sn_vpc_association::create_snva),
    ("GetServiceNetworkVpcAssociation", sn_vpc_association::get_snva),
    ("ListServiceNetworkVpcAssociations", sn_vpc_association::list_snva),
    ("UpdateServiceNetworkVpcAssociation", sn_vpc_association::update_snva),
    ("DeleteServiceNetworkVpcAssociation", sn_vpc_association::delete_snva),
    ("TagResource", tags::tag_resource),
    ("UntagResource", tags::untag_resource),
    ("ListTagsForResource", tags::list_tags),
    ("PutAuthPolicy", policies::put_auth_policy),
    ("GetAuthPolicy", policies::get_auth_policy),
    ("DeleteAuthPolicy", policies::delete_auth_policy),
    ("PutResourcePolicy", policies::put_resource_policy),
    ("GetResourcePolicy", policies::get_resource_policy),
    ("DeleteResourcePolicy", policies::delete_resource_policy),
    ("CreateAccessLogSubscription", access_log::create_access_log_subscription),
    ("GetAccessLogSubscription", access_log::get_access_log_subscription),
    ("ListAccessLogSubscriptions", access_log::list_access_log_subscriptions),
    ("UpdateAccessLogSubscription", access_log::update_access_log_subscription),
    ("DeleteAccessLogSubscription", access_log::delete_access_log_subscription),
    ("CreateRule", rule::create_rule),
    ("GetRule", rule::get_rule),
    ("ListRules", rule::list_rules),
    ("UpdateRule", rule::update_rule),
    ("DeleteRule", rule::delete_rule),
    ("BatchUpdateRule", rule::batch_update_rule),
    ("CreateResourceGateway", resource_gateway::create_resource_gateway),
    ("GetResourceGateway", resource_gateway::get_resource_gateway),
    ("ListResourceGateways", resource_gateway::list_resource_gateways),
    ("UpdateResourceGateway", resource_gateway::update_resource_gateway),
    ("DeleteResourceGateway", resource_gateway::delete_resource_gateway),
    ("CreateResourceConfiguration", resource_configuration::create_resource_configuration),
    ("GetResourceConfiguration", resource_configuration::get_resource_configuration),
    ("ListResourceConfigurations", resource_configuration::list_resource_configurations),
    ("UpdateResourceConfiguration", resource_configuration::update_resource_configuration),
    ("DeleteResourceConfiguration", resource_configuration::delete_resource_configuration),
    ("CreateServiceNetworkResourceAssociation", sn_resource_association::create_snra),
    ("GetServiceNetworkResourceAssociation", sn_resource_association::get_snra),
    ("ListServiceNetworkResourceAssociations", sn_resource_association::list_snra),
    ("DeleteServiceNetworkResourceAssociation", sn_resource_association::delete_snra),
    ("StartDomainVerification", domain_verification::start_domain_verification),
    ("GetDomainVerification", domain_verification::get_domain_verification),
    ("ListDomainVerifications", domain_verification::list_domain_verifications),
    ("DeleteDomainVerification", domain_verification::delete_domain_verification),
    (
        "ListServiceNetworkVpcEndpointAssociations",
        crate::admin::vpc_endpoint::list_service_network_vpc_endpoint_associations,
    ),
    ("ListResourceEndpointAssociations", crate::admin::vpc_endpoint::list_resource_endpoint_associations),
    ("DeleteResourceEndpointAssociation", crate::admin::vpc_endpoint::delete_resource_endpoint_association),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_model_is_in_the_table_once() {
        let ops = &lattice_api::model::vpc_lattice().operations;
        assert_eq!(ops.len(), 73);
        assert_eq!(OPERATIONS.len(), ops.len());
        for op in ops {
            assert!(SERVICE.handler(&op.name).is_some(), "{} has no handler", op.name);
        }
    }
}
