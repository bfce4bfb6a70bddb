//! AWS RAM operations (`ram` 2018-01-04): resource shares, their principals, resources and
//! sources, invitations, managed and customer managed permissions, and tags. Like the Lattice
//! handlers, each reads the state and returns the changes to commit; a rejected request
//! stores nothing. What sharing grants is in `sharing.rs`.

pub(crate) mod association;
pub(crate) mod common;
pub(crate) mod invitation;
pub(crate) mod listing;
pub(crate) mod permission;
pub(crate) mod permission_association;
pub(crate) mod policy;
pub(crate) mod share;
pub(crate) mod tags;

use lattice_api::ApiError;

use self::common::*;
use self::{
    association::*, invitation::*, listing::*, permission::*, permission_association::*, policy::*, share::*, tags::*,
};
use crate::kit::{AwsService, Handler};

/// Runs operation `name` of the RAM model; `None` for a name the model does not have.
/// RAM, selected by the signing name `ram`.
pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "ram",
    model: lattice_api::model::ram,
    operations: OPERATIONS,
    validation_error: ram_validation_error,
    client_token: Some("clientToken"),
    async_operations: &[],
    left_out_for_terraform_aws: &[],
    token_mismatch: |e| ApiError::new(400, "IdempotentParameterMismatchException", e.message),
};

/// Every RAM operation, by its botocore name: the only list of them.
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("AcceptResourceShareInvitation", |ctx, s, input| answer_invitation(ctx, s, input, true)),
    ("RejectResourceShareInvitation", |ctx, s, input| answer_invitation(ctx, s, input, false)),
    ("AssociateResourceShare", associate_resource_share),
    ("DisassociateResourceShare", disassociate_resource_share),
    ("AssociateResourceSharePermission", associate_share_permission),
    ("DisassociateResourceSharePermission", disassociate_share_permission),
    ("CreatePermission", create_permission),
    ("CreatePermissionVersion", create_permission_version),
    ("DeletePermission", delete_permission),
    ("DeletePermissionVersion", delete_permission_version),
    ("SetDefaultPermissionVersion", set_default_permission_version),
    ("UpdatePermission", update_permission),
    ("GetPermission", get_permission),
    ("ListPermissions", list_permissions),
    ("ListPermissionVersions", list_permission_versions),
    ("ListPermissionAssociations", list_permission_associations),
    ("ReplacePermissionAssociations", replace_permission_associations),
    ("ListReplacePermissionAssociationsWork", list_replace_work),
    ("PromotePermissionCreatedFromPolicy", promote_permission),
    ("PromoteResourceShareCreatedFromPolicy", promote_share),
    ("CreateResourceShare", create_resource_share),
    ("UpdateResourceShare", update_resource_share),
    ("DeleteResourceShare", delete_resource_share),
    ("GetResourceShares", get_resource_shares),
    ("GetResourceShareAssociations", get_resource_share_associations),
    ("GetResourceShareInvitations", get_resource_share_invitations),
    ("ListPendingInvitationResources", list_pending_invitation_resources),
    ("EnableSharingWithAwsOrganization", |ctx, s, _| enable_sharing_with_organization(ctx, s)),
    ("GetResourcePolicies", get_resource_policies),
    ("ListResources", list_resources),
    ("ListPrincipals", list_principals),
    ("ListResourceTypes", |_, _, input| list_resource_types(input)),
    ("ListResourceSharePermissions", list_resource_share_permissions),
    ("ListSourceAssociations", list_source_associations),
    ("TagResource", tag_resource),
    ("UntagResource", untag_resource),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_model_is_in_the_table_once() {
        let ops = &lattice_api::model::ram().operations;
        assert_eq!(ops.len(), 36);
        assert_eq!(OPERATIONS.len(), ops.len());
        for op in ops {
            assert!(SERVICE.handler(&op.name).is_some(), "{} has no handler", op.name);
        }
    }
}
