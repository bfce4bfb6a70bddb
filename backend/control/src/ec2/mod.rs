//! EC2 on the `ec2` protocol, as far as a VPC Lattice network module reaches into it: VPCs
//! (each a local VPC with its loopback block; the declared CIDR is what EC2 answers and what
//! rules are written against), their main route table, default network ACL and default
//! security group, subnets, security groups and their rules (the groups the data plane
//! enforces), tags, Availability Zones and Regions. Errors take EC2's codes
//! (`InvalidVpcID.NotFound`, `DependencyViolation`, …), status 400.

mod describe;
mod filter;
mod security_group;
mod subnet;
mod tags;
pub(crate) mod vpc;
mod vpc_endpoint;

use lattice_api::ApiError;
use serde_json::{json, Value};

use crate::kit::{AwsService, Handler};

pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "ec2",
    model: lattice_api::model::ec2,
    operations: OPERATIONS,
    validation_error,
    token_mismatch: |e| error("IdempotentParameterMismatch", e.message),
    client_token: Some("ClientToken"),
    async_operations: &[],
    left_out_for_terraform_aws: &[],
};

/// Every EC2 operation served, by its botocore name: the only list of them.
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateVpc", vpc::create),
    ("DeleteVpc", vpc::delete),
    ("DescribeVpcs", vpc::describe),
    ("DescribeVpcAttribute", vpc::describe_attribute),
    ("ModifyVpcAttribute", vpc::modify_attribute),
    ("DescribeRouteTables", describe::route_tables),
    ("DescribeNetworkAcls", describe::network_acls),
    ("DescribeAvailabilityZones", describe::availability_zones),
    ("DescribeRegions", describe::regions),
    ("DescribeAccountAttributes", describe::account_attributes),
    ("DescribeNetworkInterfaces", describe::network_interfaces),
    ("DescribePrefixLists", describe::prefix_lists),
    ("DescribeManagedPrefixLists", describe::managed_prefix_lists),
    ("CreateSubnet", subnet::create),
    ("DeleteSubnet", subnet::delete),
    ("DescribeSubnets", subnet::describe),
    ("ModifySubnetAttribute", subnet::modify_attribute),
    ("CreateSecurityGroup", security_group::create),
    ("DeleteSecurityGroup", security_group::delete),
    ("DescribeSecurityGroups", security_group::describe),
    ("AuthorizeSecurityGroupIngress", |c, s, i| security_group::authorize(c, s, i, false)),
    ("AuthorizeSecurityGroupEgress", |c, s, i| security_group::authorize(c, s, i, true)),
    ("RevokeSecurityGroupIngress", |c, s, i| security_group::revoke(c, s, i, false)),
    ("RevokeSecurityGroupEgress", |c, s, i| security_group::revoke(c, s, i, true)),
    ("DescribeSecurityGroupRules", security_group::describe_rules),
    ("ModifySecurityGroupRules", security_group::modify_rules),
    ("CreateVpcEndpoint", vpc_endpoint::create),
    ("DescribeVpcEndpoints", vpc_endpoint::describe),
    ("ModifyVpcEndpoint", vpc_endpoint::modify),
    ("DeleteVpcEndpoints", vpc_endpoint::delete),
    ("CreateTags", tags::create),
    ("DeleteTags", tags::delete),
    ("DescribeTags", tags::describe),
];

/// An EC2 error: status 400 and EC2's code.
pub(crate) fn error(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message)
}

/// EC2 words model violations as `MissingParameter` or `InvalidParameterValue`.
fn validation_error(err: ApiError) -> ApiError {
    if err.code != lattice_api::ErrorCode::Validation {
        return err;
    }
    match err.field_list.iter().find(|f| f.message == "Member must not be null") {
        Some(missing) => error("MissingParameter", format!("The request must contain the parameter {}", missing.name)),
        None => error("InvalidParameterValue", err.message),
    }
}

/// `{ "Return": true }`, what EC2's mutating calls without a payload answer.
pub(crate) fn done() -> Value {
    json!({ "Return": true })
}

/// What other rooms' tests use to set up EC2 objects.
#[cfg(test)]
pub(crate) mod tests_support {
    pub(crate) use super::vpc::create as create_vpc;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_model_has_a_handler() {
        let model = lattice_api::model::ec2();
        for op in &model.operations {
            assert!(SERVICE.handler(&op.name).is_some(), "{} has no handler", op.name);
        }
        assert_eq!(model.operations.len(), OPERATIONS.len());
    }
}
