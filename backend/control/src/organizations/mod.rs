//! AWS Organizations on the `json` protocol: an organization with its root, OUs and accounts
//! (the same `Organization` records `lattice_local_organization` makes), trusted service
//! access (RAM's is `EnableSharingWithAwsOrganization`) and policy types. `aws:PrincipalOrgID`
//! and `aws:PrincipalOrgPaths` in auth policies, and RAM sharing with an organization or OU,
//! read the same records. Organizations is global. Accounts made by `CreateAccount` are fresh
//! 12-digit ids in the organization (sign as them with that id as the access key).

mod accounts;
mod units;

use lattice_api::ApiError;
use lattice_model::records::{AccountProfile, Organization};
use lattice_model::State;
use serde_json::{json, Value};

use crate::kit::{AwsService, Ctx, Handler, OpResult, Outcome};

pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "organizations",
    model: lattice_api::model::organizations,
    operations: OPERATIONS,
    validation_error: |e| {
        if e.code == lattice_api::ErrorCode::Validation {
            error("InvalidInputException", e.message)
        } else {
            e
        }
    },
    token_mismatch: |e| e,
    client_token: None,
    async_operations: &[],
    left_out_for_terraform_aws: &[],
};

/// Every Organizations operation served, by its botocore name: the only list of them.
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateOrganization", accounts::create_organization),
    ("DescribeOrganization", accounts::describe_organization),
    ("DeleteOrganization", accounts::delete_organization),
    ("ListAccounts", accounts::list),
    ("DescribeAccount", accounts::describe),
    ("CreateAccount", accounts::create),
    ("DescribeCreateAccountStatus", accounts::create_status),
    ("MoveAccount", accounts::move_account),
    ("RemoveAccountFromOrganization", accounts::remove),
    ("CloseAccount", accounts::remove),
    ("ListAccountsForParent", accounts::list_for_parent),
    ("ListParents", accounts::parents),
    ("ListRoots", units::roots),
    ("EnablePolicyType", |c, s, i| units::policy_type(c, s, i, true)),
    ("DisablePolicyType", |c, s, i| units::policy_type(c, s, i, false)),
    ("CreateOrganizationalUnit", units::create),
    ("DescribeOrganizationalUnit", units::describe),
    ("UpdateOrganizationalUnit", units::update),
    ("DeleteOrganizationalUnit", units::delete),
    ("ListOrganizationalUnitsForParent", units::list_for_parent),
    ("ListAWSServiceAccessForOrganization", units::service_access),
    ("EnableAWSServiceAccess", |c, s, i| units::set_service_access(c, s, i, true)),
    ("DisableAWSServiceAccess", |c, s, i| units::set_service_access(c, s, i, false)),
    ("ListDelegatedAdministrators", |_, _, _| Outcome::read(json!({ "DelegatedAdministrators": [] }))),
    ("ListTagsForResource", units::tags),
];

/// An Organizations error (all are 400 on the `json` protocol).
pub(crate) fn error(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message)
}

/// A timestamp as the `json` protocol writes it: epoch seconds.
pub(crate) fn epoch(rfc3339: &str) -> f64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp_nanos() as f64 / 1e9)
        .unwrap_or(0.0)
}

/// The caller's organization (it is a member), or `AWSOrganizationsNotInUseException`.
pub(crate) fn mine<'a>(ctx: &Ctx, s: &'a State) -> Result<&'a Organization, ApiError> {
    crate::sharing::organization_of(s, &ctx.account)
        .ok_or_else(|| error("AWSOrganizationsNotInUseException", "Your account is not a member of an organization."))
}

/// The organization the caller manages, or `AccessDeniedException` for members.
pub(crate) fn managed<'a>(ctx: &Ctx, s: &'a State) -> Result<&'a Organization, ApiError> {
    let org = mine(ctx, s)?;
    if org.account != ctx.account {
        return Err(error("AccessDeniedException", "You don't have permissions to access this resource."));
    }
    Ok(org)
}

/// Writes the organization back after `change`.
pub(crate) fn edit(
    ctx: &Ctx,
    s: &State,
    change: impl FnOnce(&mut Organization) -> Result<Value, ApiError>,
) -> OpResult {
    let mut org = managed(ctx, s)?.clone();
    let body = change(&mut org)?;
    let mut changes = vec![lattice_model::Object::put(&org)];
    changes.extend(crate::sharing::revocations(s, &changes));
    Outcome::write(changes, body)
}

/// What the organization knows of an account (made up for accounts it did not record).
pub(crate) fn profile(org: &Organization, account: &str) -> AccountProfile {
    org.details.profiles.get(account).cloned().unwrap_or_else(|| AccountProfile {
        name: format!("account-{account}"),
        email: format!("{account}@lattice.local"),
        joined_method: if account == org.account { "CREATED".into() } else { "INVITED".into() },
        joined_at: org.created_at.clone(),
        create_request: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn every_operation_of_the_model_has_a_handler() {
        let model = lattice_api::model::organizations();
        for op in &model.operations {
            assert!(SERVICE.handler(&op.name).is_some(), "{} has no handler", op.name);
        }
        assert_eq!(model.operations.len(), OPERATIONS.len());
    }

    #[test]
    fn an_organization_with_a_created_account_in_an_ou() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        assert_eq!(
            code(run(&mut s, &a, accounts::describe_organization, json!({}))),
            "AWSOrganizationsNotInUseException"
        );
        let org = run(&mut s, &a, accounts::create_organization, json!({ "FeatureSet": "ALL" })).unwrap();
        assert_eq!(org["Organization"]["MasterAccountId"], A);
        assert_eq!(code(run(&mut s, &a, accounts::create_organization, json!({}))), "AlreadyInOrganizationException");
        let root = run(&mut s, &a, units::roots, json!({})).unwrap()["Roots"][0]["Id"].as_str().unwrap().to_string();
        let ou = run(&mut s, &a, units::create, json!({ "ParentId": root, "Name": "prod" })).unwrap();
        let ou_id = ou["OrganizationalUnit"]["Id"].as_str().unwrap().to_string();
        let made =
            run(&mut s, &a, accounts::create, json!({ "AccountName": "web", "Email": "web@example.com" })).unwrap();
        let request = made["CreateAccountStatus"]["Id"].as_str().unwrap().to_string();
        let status = run(&mut s, &a, accounts::create_status, json!({ "CreateAccountRequestId": request })).unwrap();
        assert_eq!(status["CreateAccountStatus"]["State"], "SUCCEEDED");
        let web = status["CreateAccountStatus"]["AccountId"].as_str().unwrap().to_string();
        run(
            &mut s,
            &a,
            accounts::move_account,
            json!({ "AccountId": web, "SourceParentId": root, "DestinationParentId": ou_id }),
        )
        .unwrap();
        let org = s.organizations.values().next().unwrap();
        assert_eq!(org.org_path(&web).unwrap(), format!("{}/{root}/{ou_id}/", org.id));
        let listed = run(&mut s, &a, accounts::list, json!({})).unwrap();
        assert_eq!(listed["Accounts"].as_array().unwrap().len(), 2);
        assert_eq!(code(run(&mut s, &b, accounts::list, json!({}))), "AWSOrganizationsNotInUseException");
        assert_eq!(
            code(run(&mut s, &a, units::delete, json!({ "OrganizationalUnitId": ou_id }))),
            "OrganizationalUnitNotEmptyException"
        );
        assert_eq!(code(run(&mut s, &a, accounts::delete_organization, json!({}))), "OrganizationNotEmptyException");
        run(&mut s, &a, accounts::remove, json!({ "AccountId": web })).unwrap();
        run(&mut s, &a, units::delete, json!({ "OrganizationalUnitId": ou_id })).unwrap();
        run(&mut s, &a, accounts::delete_organization, json!({})).unwrap();
        assert!(s.organizations.is_empty());
    }
}
