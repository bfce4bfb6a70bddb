//! Service network ↔ service associations: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{id_of, lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::*;

pub(crate) fn snsa_wire(s: &State, a: &ServiceNetworkServiceAssociation) -> Value {
    let mut v = wire(a, &[]);
    if let Some(svc) = s.services.get(&a.service_id) {
        v["serviceName"] = json!(svc.name);
        v["serviceArn"] = json!(svc.arn);
        v["dnsEntry"] = json!(svc.dns_entry);
        if let Some(c) = &svc.custom_domain_name {
            v["customDomainName"] = json!(c);
        }
    }
    if let Some(sn) = s.service_networks.get(&a.service_network_id) {
        v["serviceNetworkName"] = json!(sn.name);
        v["serviceNetworkArn"] = json!(sn.arn);
    }
    v
}

pub(crate) fn create_snsa(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let svc = find_usable(&s.services, s, ctx, req(input, "serviceIdentifier"), SVC)?;
    let sn = find_usable(&s.service_networks, s, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    conflict_if(
        &s.sn_service_associations,
        |a| a.service_id == svc.id && a.service_network_id == sn.id,
        SNSA,
        |a| format!("Service {} is already associated with service network {} ({})", svc.id, sn.id, a.id),
    )?;
    let id = new_id("snsa");
    let a = ServiceNetworkServiceAssociation {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("servicenetworkserviceassociation/{id}")),
        id,
        service_network_id: sn.id.clone(),
        service_id: svc.id.clone(),
        status: "ACTIVE".into(),
        created_by: ctx.account.clone(),
        created_at: now_rfc3339(),
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&snsa_wire(s, &a), &["id", "status", "arn", "createdBy", "customDomainName", "dnsEntry"]);
    Outcome::write(vec![a.put()], body)
}

pub(crate) fn find_snsa<'a>(
    ctx: &Ctx,
    s: &'a State,
    input: &Value,
) -> Result<&'a ServiceNetworkServiceAssociation, ApiError> {
    let ident = req(input, "serviceNetworkServiceAssociationIdentifier");
    find_association(&s.sn_service_associations, ctx, ident, SNSA, |a| snsa_owners(s, a))
}

/// The owners of what a service association joins (they see it besides its creator).
pub(crate) fn snsa_owners<'a>(s: &'a State, a: &ServiceNetworkServiceAssociation) -> [Option<&'a str>; 2] {
    [
        s.service_networks.get(&a.service_network_id).map(|o| o.account.as_str()),
        s.services.get(&a.service_id).map(|o| o.account.as_str()),
    ]
}

pub(crate) fn get_snsa(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snsa(ctx, s, input)?;
    Outcome::read(snsa_wire(s, a))
}

pub(crate) fn list_snsa(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = str_of(input, "serviceNetworkIdentifier").map(id_of);
    let svc = str_of(input, "serviceIdentifier").map(id_of);
    list_visible(
        &s.sn_service_associations,
        input,
        |a| {
            sn.is_none_or(|x| a.service_network_id == x)
                && svc.is_none_or(|x| a.service_id == x)
                && seen_by(ctx, &a.account, snsa_owners(s, a))
        },
        |a| snsa_wire(s, a),
    )
}

pub(crate) fn delete_snsa(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snsa(ctx, s, input)?;
    delete_association(a)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;
    use crate::lattice::service_network::{create_service_network, delete_service_network};

    #[test]
    fn a_service_joins_a_network_once_and_the_network_cannot_go_while_it_is_in() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let sn = run(&mut s, &a, create_service_network, json!({ "name": "net" })).unwrap();
        let svc = run(&mut s, &a, create_service, json!({ "name": "web" })).unwrap();
        let join = json!({ "serviceIdentifier": svc["id"], "serviceNetworkIdentifier": sn["id"] });
        let assoc = run(&mut s, &a, create_snsa, join.clone()).unwrap();
        assert_eq!(code(run(&mut s, &a, create_snsa, join.clone())), "ConflictException");
        assert_eq!(code(run(&mut s, &b, create_snsa, join)), "ResourceNotFoundException", "neither is shared with B");
        assert_eq!(
            code(run(&mut s, &a, delete_service_network, json!({ "serviceNetworkIdentifier": sn["id"] }))),
            "ConflictException"
        );
        let id = json!({ "serviceNetworkServiceAssociationIdentifier": assoc["id"] });
        assert_eq!(code(run(&mut s, &b, get_snsa, id.clone())), "ResourceNotFoundException");
        run(&mut s, &a, delete_snsa, id).unwrap();
        run(&mut s, &a, delete_service_network, json!({ "serviceNetworkIdentifier": sn["id"] })).unwrap();
    }
}
