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
