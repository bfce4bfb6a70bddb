//! Service networks: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::cascade::dependents_of;
use crate::kit::*;

/// Associations of a service network: (VPCs, services, resource configurations).
pub(crate) fn sn_counts(s: &State, sn_id: &str) -> (usize, usize, usize) {
    let vpcs = s.sn_vpc_associations.values().filter(|a| a.service_network_id == sn_id).count();
    let services = s.sn_service_associations.values().filter(|a| a.service_network_id == sn_id).count();
    let resources = s.sn_resource_associations.values().filter(|a| a.service_network_id == sn_id).count();
    (vpcs, services, resources)
}

pub(crate) fn sn_wire(s: &State, sn: &ServiceNetwork) -> Value {
    let (vpcs, services, resources) = sn_counts(s, &sn.id);
    let mut v = wire(sn, &[]);
    v["numberOfAssociatedResourceConfigurations"] = json!(resources); // list summaries carry it
    v["numberOfAssociatedVPCs"] = json!(vpcs);
    v["numberOfAssociatedServices"] = json!(services);
    v
}

pub(crate) fn create_service_network(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    check_count_quota(&s.service_networks, ctx, SERVICE_NETWORKS_PER_ACCOUNT, SN, "service networks")?;
    let name = req(input, "name");
    conflict_if(
        &s.service_networks,
        |o| ctx.owns(o) && o.name == name,
        SN,
        |o| format!("A service network named '{name}' already exists ({})", o.id),
    )?;
    let id = new_id("sn");
    let now = now_rfc3339();
    let sn = ServiceNetwork {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("servicenetwork/{id}")),
        id,
        name: name.to_string(),
        auth_type: str_of(input, "authType").unwrap_or("NONE").to_string(),
        sharing_config: input.get("sharingConfig").cloned(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&wire(&sn, &[]), &["id", "name", "arn", "authType", "sharingConfig"]);
    Outcome::write(vec![sn.put()], body)
}

pub(crate) fn get_service_network(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = find_usable(&s.service_networks, s, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    Outcome::read(sn_wire(s, sn))
}

pub(crate) fn list_service_networks(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &[
        "id",
        "name",
        "arn",
        "createdAt",
        "lastUpdatedAt",
        "numberOfAssociatedVPCs",
        "numberOfAssociatedServices",
        "numberOfAssociatedResourceConfigurations",
    ];
    list_usable(&s.service_networks, s, ctx, input, |_| true, |sn| pick(&sn_wire(s, sn), FIELDS))
}

pub(crate) fn update_service_network(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut sn = find(&s.service_networks, ctx, req(input, "serviceNetworkIdentifier"), SN)?.clone();
    sn.auth_type = req(input, "authType").to_string();
    sn.last_updated_at = now_rfc3339();
    let body = pick(&wire(&sn, &[]), &["id", "name", "arn", "authType"]);
    Outcome::write(vec![sn.put()], body)
}

pub(crate) fn delete_service_network(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = find(&s.service_networks, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    if let Some(e) = s.vpc_endpoints.values().find(|e| e.service_network_id.as_deref() == Some(sn.id.as_str())) {
        return Err(ApiError::conflict(
            SN,
            &sn.id,
            format!("Service network {} is reached by VPC endpoint {}; delete the endpoint first", sn.id, e.id),
        ));
    }
    // Worded as VPC Lattice words it.
    let (vpcs, services, resources) = sn_counts(s, &sn.id);
    let associated = [(vpcs, "VPC(s)"), (services, "service(s)"), (resources, "resource configuration(s)")];
    if let Some((_, what)) = associated.iter().find(|(n, _)| *n > 0) {
        return Err(ApiError::conflict(SN, &sn.id, format!("ServiceNetwork {} has {what} associated", sn.id)));
    }
    let mut changes = dependents_of(ctx, s, &sn.id, &sn.arn);
    changes.push(sn.delete());
    Outcome::write(changes, Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn a_network_is_its_owners_to_read_change_and_delete() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let sn = run(&mut s, &a, create_service_network, json!({ "name": "net" })).unwrap();
        let id = json!(sn["id"]);
        assert_eq!(sn["authType"], "NONE");
        assert_eq!(code(run(&mut s, &a, create_service_network, json!({ "name": "net" }))), "ConflictException");
        assert_eq!(
            run(&mut s, &a, get_service_network, json!({ "serviceNetworkIdentifier": id })).unwrap()["name"],
            "net"
        );
        assert_eq!(
            run(&mut s, &a, get_service_network, json!({ "serviceNetworkIdentifier": sn["arn"] })).unwrap()["id"],
            id
        );
        for (handler, input) in [
            (get_service_network as Handler, json!({ "serviceNetworkIdentifier": id })),
            (update_service_network, json!({ "serviceNetworkIdentifier": id, "authType": "AWS_IAM" })),
            (delete_service_network, json!({ "serviceNetworkIdentifier": id })),
        ] {
            assert_eq!(code(run(&mut s, &b, handler, input)), "ResourceNotFoundException");
        }
        assert_eq!(run(&mut s, &b, list_service_networks, json!({})).unwrap()["items"], json!([]));
        run(&mut s, &a, update_service_network, json!({ "serviceNetworkIdentifier": id, "authType": "AWS_IAM" }))
            .unwrap();
        assert_eq!(s.service_networks.values().next().unwrap().auth_type, "AWS_IAM");
        assert_eq!(run(&mut s, &a, list_service_networks, json!({})).unwrap()["items"].as_array().unwrap().len(), 1);
        run(&mut s, &a, delete_service_network, json!({ "serviceNetworkIdentifier": id })).unwrap();
        assert!(s.service_networks.is_empty());
    }
}
