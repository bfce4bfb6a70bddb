//! Invitations to shares from outside the organization.

use lattice_api::ApiError;
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::{str_of, string_list, Ctx, OpResult, Outcome};
use crate::ram::common::*;
use crate::sharing::{associations_of, PRINCIPAL, RESOURCE};

pub(crate) fn invitation_wire(s: &State, i: &ShareInvitation) -> Value {
    let share = s.resource_shares.get(&i.share_id);
    let mut v = json!({
        "resourceShareInvitationArn": i.arn, "resourceShareName": share.map(|sh| sh.name.as_str()),
        "resourceShareArn": share.map(|sh| sh.resource_share_arn.as_str()), "senderAccountId": i.sender_account_id,
        "receiverAccountId": i.receiver_account_id, "invitationTimestamp": i.invitation_timestamp,
        "status": i.status,
    });
    if let Some(arn) = &i.receiver_arn {
        v["receiverArn"] = json!(arn);
    }
    v
}

pub(crate) fn find_invitation<'a>(ctx: &Ctx, s: &'a State, arn: &str) -> Result<&'a ShareInvitation, ApiError> {
    let id = ram_arn_id(arn, "resource-share-invitation")?;
    s.share_invitations
        .get(id)
        .filter(|i| i.arn == arn && ctx.here(*i) && i.receiver_account_id == ctx.account)
        .ok_or_else(|| {
            error(
                "ResourceShareInvitationArnNotFoundException",
                format!("Resource share invitation {arn} was not found"),
            )
        })
}

pub(crate) fn check_pending(i: &ShareInvitation) -> Result<(), ApiError> {
    match i.status.as_str() {
        "ACCEPTED" => Err(error(
            "ResourceShareInvitationAlreadyAcceptedException",
            format!("Invitation {} was already accepted", i.arn),
        )),
        "REJECTED" => Err(error(
            "ResourceShareInvitationAlreadyRejectedException",
            format!("Invitation {} was already rejected", i.arn),
        )),
        "EXPIRED" => Err(error("ResourceShareInvitationExpiredException", format!("Invitation {} has expired", i.arn))),
        _ => Ok(()),
    }
}

pub(crate) fn answer_invitation(ctx: &Ctx, s: &State, input: &Value, accept: bool) -> OpResult {
    let mut inv = find_invitation(ctx, s, str_of(input, "resourceShareInvitationArn").unwrap_or_default())?.clone();
    check_pending(&inv)?;
    let entity = inv.receiver_arn.clone().unwrap_or_else(|| inv.receiver_account_id.clone());
    let mut changes = Vec::new();
    if let Some(a) = s.share_associations.get(&association_id(&inv.share_id, PRINCIPAL, &entity)) {
        if accept {
            let mut a = a.clone();
            a.status = "ASSOCIATED".into();
            a.last_updated_time = now();
            changes.push(a.put());
        } else {
            changes.push(a.delete());
        }
    }
    inv.status = if accept { "ACCEPTED" } else { "REJECTED" }.into();
    changes.push(inv.put());
    let body = json!({ "resourceShareInvitation": invitation_wire(s, &inv), "clientToken": input.get("clientToken") });
    Outcome::write(changes, body)
}

pub(crate) fn get_resource_share_invitations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arns = string_list(input, "resourceShareInvitationArns");
    let shares = string_list(input, "resourceShareArns");
    for arn in &arns {
        let id = ram_arn_id(arn, "resource-share-invitation")?;
        let visible = s.share_invitations.get(id).is_some_and(|i| {
            i.arn == *arn && ctx.here(i) && (i.receiver_account_id == ctx.account || i.sender_account_id == ctx.account)
        });
        if !visible {
            return Err(error(
                "ResourceShareInvitationArnNotFoundException",
                format!("Resource share invitation {arn} was not found"),
            ));
        }
    }
    let items = s
        .share_invitations
        .values()
        .filter(|i| ctx.here(*i) && (i.receiver_account_id == ctx.account || i.sender_account_id == ctx.account))
        .filter(|i| arns.is_empty() || arns.contains(&i.arn))
        .filter(|i| {
            shares.is_empty()
                || s.resource_shares.get(&i.share_id).is_some_and(|sh| shares.contains(&sh.resource_share_arn))
        })
        .map(|i| invitation_wire(s, i))
        .collect();
    Outcome::read(page(items, input, "resourceShareInvitations")?)
}

pub(crate) fn resource_wire(s: &State, share: &ResourceShare, a: &ShareAssociation) -> Value {
    let rt = lattice_resource(s, &a.associated_entity).map_or("", |(rt, _, _)| rt);
    json!({
        "arn": a.associated_entity, "type": rt, "resourceShareArn": share.resource_share_arn,
        "status": "AVAILABLE", "creationTime": a.creation_time, "lastUpdatedTime": a.last_updated_time,
        "resourceRegionScope": "REGIONAL",
    })
}

pub(crate) fn list_pending_invitation_resources(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let inv = find_invitation(ctx, s, str_of(input, "resourceShareInvitationArn").unwrap_or_default())?;
    if inv.status != "PENDING" && inv.status != "ACCEPTED" {
        check_pending(inv)?;
    }
    let Some(share) = s.resource_shares.get(&inv.share_id) else {
        return Outcome::read(json!({ "resources": [] }));
    };
    let items = associations_of(s, &share.id, RESOURCE).map(|a| resource_wire(s, share, a)).collect();
    Outcome::read(page(items, input, "resources")?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;
    use crate::ram::share::create_resource_share;

    #[test]
    fn an_invitation_is_its_receivers_to_answer_once() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "orders" })).unwrap();
        run(&mut s, &a, create_resource_share, json!({ "name": "s", "resourceArns": [svc["arn"]], "principals": [B] }))
            .unwrap();
        let inv = run(&mut s, &b, get_resource_share_invitations, json!({})).unwrap();
        let arn = json!(inv["resourceShareInvitations"][0]["resourceShareInvitationArn"]);
        let pending =
            run(&mut s, &b, list_pending_invitation_resources, json!({ "resourceShareInvitationArn": arn })).unwrap();
        assert_eq!(pending["resources"][0]["arn"], svc["arn"]);
        run(&mut s, &b, |c, s, i| answer_invitation(c, s, i, false), json!({ "resourceShareInvitationArn": arn }))
            .unwrap();
        let again =
            run(&mut s, &b, |c, s, i| answer_invitation(c, s, i, true), json!({ "resourceShareInvitationArn": arn }));
        assert!(again.is_err(), "a rejected invitation cannot be accepted");
        let _ = code;
    }
}
