//! What AWS RAM sharing grants. An account may use another account's service network,
//! service or resource configuration when an active share holds the object (association
//! `ASSOCIATED`) and a principal of that share covers the account: the account itself, its
//! organization, or an OU above it. Revoking a share takes away what it granted, including
//! the associations and endpoints consumers made with it (and so their DNS names and traffic).

use std::collections::HashSet;

use lattice_model::records::{Organization, ShareAssociation};
use lattice_model::{Object, ObjectChange, State};

pub(crate) const RT_SERVICE_NETWORK: &str = "vpc-lattice:ServiceNetwork";
pub(crate) const RT_SERVICE: &str = "vpc-lattice:Service";
pub(crate) const RT_RESOURCE_CONFIGURATION: &str = "vpc-lattice:ResourceConfiguration";

pub(crate) const PRINCIPAL: &str = "PRINCIPAL";
pub(crate) const RESOURCE: &str = "RESOURCE";
pub(crate) const SOURCE: &str = "SOURCE";

/// The organization `account` belongs to.
pub(crate) fn organization_of<'a>(s: &'a State, account: &str) -> Option<&'a Organization> {
    s.organizations.values().find(|o| o.accounts.contains_key(account))
}

/// The associations of one type of a share (the map is ordered by `<share>|<TYPE>|…`).
pub(crate) fn associations_of<'a>(
    s: &'a State,
    share_id: &str,
    association_type: &str,
) -> impl Iterator<Item = &'a ShareAssociation> {
    let prefix = format!("{share_id}|{association_type}|");
    s.share_associations.range(prefix.clone()..).take_while(move |(k, _)| k.starts_with(&prefix)).map(|(_, a)| a)
}

/// True when a principal entity (account id, organization ARN or OU ARN) covers `account`.
pub(crate) fn entity_covers(s: &State, entity: &str, account: &str) -> bool {
    if entity == account {
        return true;
    }
    let Some(rest) = entity.strip_prefix("arn:aws:organizations::") else {
        return false;
    };
    let Some(org) = organization_of(s, account) else {
        return false;
    };
    let resource = rest.split_once(':').map_or("", |(_, r)| r);
    if let Some(org_id) = resource.strip_prefix("organization/") {
        return org_id == org.id;
    }
    if let Some(ou) = resource.strip_prefix("ou/") {
        let Some((org_id, ou_id)) = ou.split_once('/') else {
            return false;
        };
        return org_id == org.id && org.org_path(account).is_some_and(|p| p.contains(&format!("/{ou_id}/")));
    }
    false
}

/// True when some active share holds `arn` and one of its principals covers `account`.
pub(crate) fn is_shared_with(s: &State, arn: &str, account: &str) -> bool {
    s.share_associations.values().filter(|a| a.association_type == RESOURCE && a.associated_entity == arn).any(|r| {
        r.status == "ASSOCIATED"
            && s.resource_shares.get(&r.share_id).is_some_and(|share| share.status == "ACTIVE")
            && associations_of(s, &r.share_id, PRINCIPAL)
                .any(|p| p.status == "ASSOCIATED" && entity_covers(s, &p.associated_entity, account))
    })
}

/// The ARNs of everything shared with `account` (for `List*` calls).
pub(crate) fn shared_with(s: &State, account: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for share in s.resource_shares.values().filter(|sh| sh.status == "ACTIVE" && sh.account != account) {
        let covered = associations_of(s, &share.id, PRINCIPAL)
            .any(|p| p.status == "ASSOCIATED" && entity_covers(s, &p.associated_entity, account));
        if covered {
            out.extend(
                associations_of(s, &share.id, RESOURCE)
                    .filter(|r| r.status == "ASSOCIATED")
                    .map(|r| r.associated_entity.clone()),
            );
        }
    }
    out
}

/// True when `account` owns the object or it is shared with it.
pub(crate) fn can_use(s: &State, owner: &str, arn: &str, account: &str) -> bool {
    owner == account || is_shared_with(s, arn, account)
}

/// The deletions that follow from `changes`: consumers' associations and endpoints that rest
/// on a grant the changes take away.
pub(crate) fn revocations(s: &State, changes: &[ObjectChange]) -> Vec<ObjectChange> {
    let mut after = s.clone();
    for change in changes {
        if after.apply(change).is_err() {
            return vec![];
        }
    }
    let usable_sn = |id: &str, account: &str| {
        after.service_networks.get(id).is_none_or(|o| can_use(&after, &o.account, &o.arn, account))
    };
    let usable_svc =
        |id: &str, account: &str| after.services.get(id).is_none_or(|o| can_use(&after, &o.account, &o.arn, account));
    let usable_rcfg = |id: &str, account: &str| {
        after.resource_configurations.get(id).is_none_or(|o| can_use(&after, &o.account, &o.arn, account))
    };
    let mut out: Vec<ObjectChange> = Vec::new();
    out.extend(
        after
            .sn_vpc_associations
            .values()
            .filter(|a| !usable_sn(&a.service_network_id, &a.account))
            .map(Object::delete),
    );
    out.extend(
        after
            .sn_service_associations
            .values()
            .filter(|a| !usable_sn(&a.service_network_id, &a.account) || !usable_svc(&a.service_id, &a.account))
            .map(Object::delete),
    );
    out.extend(
        after
            .sn_resource_associations
            .values()
            .filter(|a| {
                !usable_sn(&a.service_network_id, &a.account) || !usable_rcfg(&a.resource_configuration_id, &a.account)
            })
            .map(Object::delete),
    );
    for e in after.vpc_endpoints.values() {
        let lost = e.service_network_id.as_deref().is_some_and(|sn| !usable_sn(sn, &e.account))
            || e.resource_configuration_id.as_deref().is_some_and(|c| !usable_rcfg(c, &e.account));
        if lost {
            out.extend(
                after.resource_endpoint_associations.values().filter(|a| a.vpc_endpoint_id == e.id).map(Object::delete),
            );
            out.push(e.delete());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::kit::Ctx;
    use crate::lattice::service_network::{create_service_network, get_service_network};
    use crate::lattice::sn_vpc_association::create_snva;
    use crate::ram::invitation::{answer_invitation, get_resource_share_invitations};
    use crate::ram::share::{create_resource_share, delete_resource_share};

    #[test]
    fn a_share_grants_use_and_its_deletion_revokes_what_was_built_on_it() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let sn = run(&mut s, &a, create_service_network, json!({ "name": "net" })).unwrap();
        let read = json!({ "serviceNetworkIdentifier": sn["arn"] });
        assert_eq!(code(run(&mut s, &b, get_service_network, read.clone())), "ResourceNotFoundException");
        let share = run(
            &mut s,
            &a,
            create_resource_share,
            json!({ "name": "s", "resourceArns": [sn["arn"]], "principals": [B] }),
        )
        .unwrap();
        let inv = run(&mut s, &b, get_resource_share_invitations, json!({})).unwrap();
        let arn = json!(inv["resourceShareInvitations"][0]["resourceShareInvitationArn"]);
        run(&mut s, &b, |c, s, i| answer_invitation(c, s, i, true), json!({ "resourceShareInvitationArn": arn }))
            .unwrap();
        assert!(is_shared_with(&s, sn["arn"].as_str().unwrap(), B));
        assert_eq!(run(&mut s, &b, get_service_network, read.clone()).unwrap()["name"], "net");
        run(
            &mut s,
            &b,
            create_snva,
            json!({ "serviceNetworkIdentifier": sn["arn"], "vpcIdentifier": "vpc-0b0b0b0b0b0b0b0b0" }),
        )
        .unwrap();
        assert_eq!(s.sn_vpc_associations.len(), 1);
        run(
            &mut s,
            &a,
            delete_resource_share,
            json!({ "resourceShareArn": share["resourceShare"]["resourceShareArn"] }),
        )
        .unwrap();
        assert!(s.sn_vpc_associations.is_empty(), "B's association rested on the share");
        assert_eq!(code(run(&mut s, &b, get_service_network, read)), "ResourceNotFoundException");
    }
}
