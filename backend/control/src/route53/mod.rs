//! Route 53 on the `rest-xml` protocol: hosted zones are the local DNS zones the VPC resolvers
//! answer (a private zone in the VPCs it is associated with; a public zone is stored and
//! listed but answered nowhere, as nothing here is the public DNS), record sets are their
//! records (alias records answer what their target answers), and every change is in sync
//! once it is acknowledged, so `GetChange` says `INSYNC`.
//!
//! hashicorp/aws waits a fixed 15 seconds after every change it is given a `ChangeInfo` for
//! before it asks `GetChange` (hashicorp/terraform-provider-aws#28523): a zone and its records
//! cost an apply 30 seconds, and a destroy as much, of nothing but waiting. The provider skips
//! the wait when the answer has no `ChangeInfo`, so its requests (told by their `User-Agent`) get
//! none; every other client gets the `ChangeInfo` the model requires. `GetChange` is answered
//! as to anyone.

mod records;
mod zones;

use lattice_api::{ids, now_rfc3339, ApiError};
use lattice_model::records::DnsZone;
use lattice_model::State;
use serde_json::{json, Value};

use crate::kit::{AwsService, Ctx, Handler};

pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "route53",
    model: lattice_api::model::route53,
    operations: OPERATIONS,
    validation_error,
    token_mismatch: |e| e,
    client_token: None,
    async_operations: &[],
    left_out_for_terraform_aws: &[
        ("CreateHostedZone", "ChangeInfo"),
        ("DeleteHostedZone", "ChangeInfo"),
        ("AssociateVPCWithHostedZone", "ChangeInfo"),
        ("DisassociateVPCFromHostedZone", "ChangeInfo"),
        ("ChangeResourceRecordSets", "ChangeInfo"),
    ],
};

/// Every Route 53 operation served, by its botocore name: the only list of them.
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateHostedZone", zones::create),
    ("GetHostedZone", zones::get),
    ("DeleteHostedZone", zones::delete),
    ("ListHostedZones", zones::list),
    ("ListHostedZonesByName", zones::list_by_name),
    ("ListHostedZonesByVPC", zones::list_by_vpc),
    ("UpdateHostedZoneComment", zones::update_comment),
    ("AssociateVPCWithHostedZone", zones::associate_vpc),
    ("DisassociateVPCFromHostedZone", zones::disassociate_vpc),
    ("ChangeTagsForResource", zones::change_tags),
    ("ListTagsForResource", zones::list_tags),
    ("ChangeResourceRecordSets", records::change),
    ("ListResourceRecordSets", records::list),
    ("GetChange", |_, _, input| {
        crate::kit::Outcome::read(json!({ "ChangeInfo": change_info_with(crate::kit::req(input, "Id")) }))
    }),
];

pub(crate) fn error(status: u16, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

/// Route 53 words every model violation as `InvalidInput`.
fn validation_error(err: ApiError) -> ApiError {
    if err.code == lattice_api::ErrorCode::Validation {
        error(400, "InvalidInput", err.message)
    } else {
        err
    }
}

/// A zone id as the API takes it: `Z…` or `/hostedzone/Z…`.
pub(crate) fn zone_key(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

pub(crate) fn owned_zone<'a>(ctx: &Ctx, s: &'a State, id: &str) -> Result<&'a DnsZone, ApiError> {
    let key = zone_key(id);
    s.dns_zones.get(key).filter(|z| ctx.owns(*z)).ok_or_else(|| {
        error(404, "NoSuchHostedZone", format!("No hosted zone found with ID: {}", lattice_api::model::echo(key)))
    })
}

/// A change, in sync as soon as it is answered.
pub(crate) fn change_info() -> Value {
    change_info_with(&format!("C{}", ids::random_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 19)))
}

fn change_info_with(id: &str) -> Value {
    let id = id.trim_start_matches("/change/");
    json!({ "Id": format!("/change/{id}"), "Status": "INSYNC", "SubmittedAt": now_rfc3339() })
}

/// `name.` as Route 53 writes names.
pub(crate) fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_model_has_a_handler() {
        let model = lattice_api::model::route53();
        for op in &model.operations {
            assert!(SERVICE.handler(&op.name).is_some(), "{} has no handler", op.name);
        }
    }
}
