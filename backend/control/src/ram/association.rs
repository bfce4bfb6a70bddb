//! A share's principals, resources and sources: associating and disassociating.

use lattice_api::ApiError;
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::kit::{str_of, string_list, Ctx, OpResult, Outcome};
use crate::ram::common::*;
use crate::sharing::{self, associations_of, organization_of, PRINCIPAL, RESOURCE, SOURCE};

/// Adds principals, resources and sources to a share (its own copy is updated in `share`):
/// returns the changes and the associations to answer with.
pub(crate) fn associate(
    ctx: &Ctx,
    s: &State,
    share: &mut ResourceShare,
    principals: &[String],
    resources: &[String],
    sources: &[String],
) -> Result<(Vec<ObjectChange>, Vec<Value>), ApiError> {
    let t = now();
    let mut changes = Vec::new();
    let mut answer = Vec::new();
    let has_lattice_resources = !resources.is_empty()
        || associations_of(s, &share.id, RESOURCE).next().is_some()
        || !share.permissions.is_empty();
    let principal_kinds: Vec<PrincipalKind> = associations_of(s, &share.id, PRINCIPAL)
        .map(|p| p.associated_entity.as_str())
        .chain(principals.iter().map(String::as_str))
        .map(principal_kind)
        .collect::<Result<_, _>>()?;
    if has_lattice_resources {
        if let Some(k) =
            principal_kinds.iter().find(|k| matches!(k, PrincipalKind::Iam { .. } | PrincipalKind::Service))
        {
            return Err(invalid(format!(
                "VPC Lattice resources are shared with accounts, organizations and OUs, not {}",
                if matches!(k, PrincipalKind::Service) { "service principals" } else { "IAM roles or users" }
            )));
        }
    }
    if !sources.is_empty() && !principal_kinds.contains(&PrincipalKind::Service) {
        return Err(invalid("Sources can be added only to a resource share with a service principal"));
    }
    let owner_org = organization_of(s, &ctx.account);
    for arn in resources {
        check_arn(arn)?;
        if arn.split(':').nth(2) != Some("vpc-lattice") {
            return Err(error(
                "MalformedArnException",
                "You cannot share the selected resource type. (lattice-local shares VPC Lattice service networks, services and resource configurations.)",
            ));
        }
        let (rt, owner, child) = lattice_resource(s, arn).ok_or_else(|| unknown("Resource", arn))?;
        // A share holds only its own Region's resources.
        if owner != ctx.account || !ctx.in_region(lattice_model::records::arn_region(arn)) {
            return Err(unknown("Resource", arn));
        }
        if child {
            return Err(invalid(format!("{arn} is a CHILD resource configuration; share its GROUP")));
        }
        let id = association_id(&share.id, RESOURCE, arn);
        if s.share_associations.contains_key(&id) {
            continue;
        }
        if !share.permissions.contains_key(rt) {
            let (name, _, _) = MANAGED.iter().find(|(_, r, _)| *r == rt).copied().unwrap_or(MANAGED[0]);
            share
                .permissions
                .insert(rt.to_string(), SharePermission { arn: managed_arn(name), version: 1, last_updated_time: t });
        }
        let a = new_association(&share.id, RESOURCE, arn, "ASSOCIATED", false, t, &ctx.account);
        answer.push(answer_with(share, &a, "ASSOCIATING"));
        changes.push(a.put());
    }
    for entity in principals {
        let id = association_id(&share.id, PRINCIPAL, entity);
        if s.share_associations.contains_key(&id) {
            continue;
        }
        let in_org =
            |account: &str| owner_org.is_some_and(|o| o.ram_sharing_enabled && o.accounts.contains_key(account));
        let receiver = match principal_kind(entity)? {
            PrincipalKind::Account(account) | PrincipalKind::Iam { account } => {
                if account == ctx.account && entity.len() == 12 {
                    return Err(invalid("A resource share cannot name its owner as a principal"));
                }
                (!in_org(account)).then_some(account)
            }
            PrincipalKind::Organization(org) => {
                let o = owner_org.filter(|o| o.id == org).ok_or_else(|| unknown("Organization", entity))?;
                if !o.ram_sharing_enabled {
                    return Err(not_permitted(
                        "Sharing with your organization is not enabled; call EnableSharingWithAwsOrganization from the management account",
                    ));
                }
                None
            }
            PrincipalKind::OrganizationalUnit { org, ou } => {
                let o = owner_org
                    .filter(|o| o.id == org && o.organizational_units.values().any(|id| id == ou))
                    .ok_or_else(|| unknown("Organizational unit", entity))?;
                if !o.ram_sharing_enabled {
                    return Err(not_permitted(
                        "Sharing with your organization is not enabled; call EnableSharingWithAwsOrganization from the management account",
                    ));
                }
                None
            }
            PrincipalKind::Service => None,
        };
        if receiver.is_some() && !share.allow_external_principals {
            return Err(not_permitted(format!(
                "{entity} is outside your organization and resource share {} does not allow external principals",
                share.name
            )));
        }
        let a = new_association(
            &share.id,
            PRINCIPAL,
            entity,
            if receiver.is_some() { "ASSOCIATING" } else { "ASSOCIATED" },
            receiver.is_some(),
            t,
            &ctx.account,
        );
        answer.push(answer_with(share, &a, "ASSOCIATING"));
        changes.push(a.put());
        if let Some(receiver) = receiver {
            let pending = s
                .share_invitations
                .values()
                .any(|i| i.share_id == share.id && i.receiver_account_id == receiver && i.status == "PENDING");
            if !pending {
                let id = uuid();
                let inv = ShareInvitation {
                    arn: ram_arn(ctx, &ctx.account, &format!("resource-share-invitation/{id}")),
                    id,
                    share_id: share.id.clone(),
                    sender_account_id: ctx.account.clone(),
                    receiver_account_id: receiver.to_string(),
                    receiver_arn: (entity.len() != 12).then(|| entity.clone()),
                    status: "PENDING".into(),
                    invitation_timestamp: t,
                    account: ctx.account.clone(),
                };
                changes.push(inv.put());
            }
        }
    }
    for source in sources {
        if !(source.len() == 12 && source.bytes().all(|b| b.is_ascii_digit())) {
            return Err(invalid(format!("{source} is not an account id")));
        }
        let id = association_id(&share.id, SOURCE, source);
        if s.share_associations.contains_key(&id) {
            continue;
        }
        let a = new_association(&share.id, SOURCE, source, "ASSOCIATED", false, t, &ctx.account);
        answer.push(answer_with(share, &a, "ASSOCIATING"));
        changes.push(a.put());
    }
    Ok((changes, answer))
}

pub(crate) fn new_association(
    share_id: &str,
    association_type: &str,
    entity: &str,
    status: &str,
    external: bool,
    t: f64,
    owner: &str,
) -> ShareAssociation {
    ShareAssociation {
        id: association_id(share_id, association_type, entity),
        share_id: share_id.to_string(),
        association_type: association_type.into(),
        associated_entity: entity.to_string(),
        status: status.into(),
        status_message: None,
        external,
        creation_time: t,
        last_updated_time: t,
        account: owner.to_string(),
    }
}

/// An association as an associate or disassociate call answers it (`ASSOCIATING`,
/// `DISASSOCIATING`); the share may not be in the state yet.
pub(crate) fn answer_with(share: &ResourceShare, a: &ShareAssociation, status: &str) -> Value {
    json!({
        "resourceShareArn": share.resource_share_arn, "resourceShareName": share.name,
        "associatedEntity": a.associated_entity, "associationType": a.association_type, "status": status,
        "creationTime": a.creation_time, "lastUpdatedTime": a.last_updated_time, "external": a.external,
    })
}

pub(crate) fn associate_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut share = standard_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?.clone();
    if share.status != "ACTIVE" {
        return Err(error("InvalidStateTransitionException", format!("The resource share is {}", share.status)));
    }
    let (mut changes, answer) = associate(
        ctx,
        s,
        &mut share,
        &string_list(input, "principals"),
        &string_list(input, "resourceArns"),
        &string_list(input, "sources"),
    )?;
    share.last_updated_time = now();
    changes.push(share.put());
    Outcome::write(changes, json!({ "resourceShareAssociations": answer, "clientToken": input.get("clientToken") }))
}

pub(crate) fn disassociate_resource_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = str_of(input, "resourceShareArn").unwrap_or_default();
    let principals = string_list(input, "principals");
    let resources = string_list(input, "resourceArns");
    let sources = string_list(input, "sources");
    let share = match owned_share(ctx, s, arn) {
        Ok(share) => share,
        // A receiver may leave a share it accepted: its own account, nothing else.
        Err(e) => {
            let share = visible_share(ctx, s, arn).map_err(|_| e)?;
            if principals != [ctx.account.clone()] || !resources.is_empty() || !sources.is_empty() {
                return Err(not_permitted(
                    "Only the owner of a resource share can change it; a receiver can only remove its own account",
                ));
            }
            share
        }
    };
    let mut changes = Vec::new();
    let mut answer = Vec::new();
    let entities = [(PRINCIPAL, &principals), (RESOURCE, &resources), (SOURCE, &sources)];
    for (kind, list) in entities {
        for entity in list {
            if kind == RESOURCE {
                check_arn(entity)?;
            }
            let a = s
                .share_associations
                .get(&association_id(&share.id, kind, entity))
                .ok_or_else(|| unknown(&format!("{} association", kind.to_lowercase()), entity))?;
            answer.push(answer_with(share, a, "DISASSOCIATING"));
            changes.push(a.delete());
            if kind == PRINCIPAL {
                changes.extend(
                    s.share_invitations
                        .values()
                        .filter(|i| i.share_id == share.id && i.status == "PENDING")
                        .filter(|i| i.receiver_arn.as_deref().unwrap_or(&i.receiver_account_id) == entity)
                        .map(Object::delete),
                );
            }
        }
    }
    // Permissions stay with the share; a resource type with no resources left keeps its
    // permission until it is disassociated.
    changes.extend(sharing::revocations(s, &changes));
    Outcome::write(changes, json!({ "resourceShareAssociations": answer, "clientToken": input.get("clientToken") }))
}

pub(crate) fn get_resource_share_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let kind = str_of(input, "associationType").unwrap_or(PRINCIPAL);
    let resource = str_of(input, "resourceArn");
    let principal = str_of(input, "principal");
    if (kind == PRINCIPAL && resource.is_some()) || (kind == RESOURCE && principal.is_some()) {
        return Err(invalid("resourceArn goes with associationType RESOURCE, principal with PRINCIPAL"));
    }
    let arns = string_list(input, "resourceShareArns");
    let mut shares = Vec::new();
    if arns.is_empty() {
        shares.extend(s.resource_shares.values().filter(|sh| ctx.owns(*sh) && sh.status != "DELETED"));
    } else {
        for arn in &arns {
            shares.push(owned_share(ctx, s, arn)?);
        }
    }
    let status = str_of(input, "associationStatus");
    let items = shares
        .into_iter()
        .flat_map(|sh| associations_of(s, &sh.id, kind))
        .filter(|a| resource.is_none_or(|r| r == a.associated_entity))
        .filter(|a| principal.is_none_or(|p| p == a.associated_entity))
        .filter(|a| status.is_none_or(|st| st == a.status))
        .map(|a| association_wire(s, a))
        .collect();
    Outcome::read(page(items, input, "resourceShareAssociations")?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;
    use crate::ram::share::create_resource_share;

    #[test]
    fn principals_and_resources_are_associated_and_disassociated_by_the_owner() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "orders" })).unwrap();
        let share = run(&mut s, &a, create_resource_share, json!({ "name": "s" })).unwrap();
        let arn = json!(share["resourceShare"]["resourceShareArn"]);
        run(
            &mut s,
            &a,
            associate_resource_share,
            json!({ "resourceShareArn": arn, "resourceArns": [svc["arn"]], "principals": [B] }),
        )
        .unwrap();
        let principals = run(
            &mut s,
            &a,
            get_resource_share_associations,
            json!({ "associationType": "PRINCIPAL", "resourceShareArns": [arn] }),
        )
        .unwrap();
        assert_eq!(principals["resourceShareAssociations"][0]["associatedEntity"], B);
        assert_eq!(
            code(run(
                &mut s,
                &a,
                associate_resource_share,
                json!({ "resourceShareArn": arn, "principals": ["12345"] })
            )),
            "InvalidParameterException"
        );
        let b_removes_a_resource = json!({ "resourceShareArn": arn, "resourceArns": [svc["arn"]] });
        assert_eq!(
            code(run(&mut s, &b, disassociate_resource_share, b_removes_a_resource)),
            "OperationNotPermittedException"
        );
        // A receiver may only leave: remove its own account.
        run(&mut s, &b, disassociate_resource_share, json!({ "resourceShareArn": arn, "principals": [B] })).unwrap();
        let after = run(
            &mut s,
            &a,
            get_resource_share_associations,
            json!({ "associationType": "PRINCIPAL", "resourceShareArns": [arn] }),
        )
        .unwrap();
        assert!(after["resourceShareAssociations"].as_array().unwrap().iter().all(|x| x["status"] != "ASSOCIATED"));
    }
}
