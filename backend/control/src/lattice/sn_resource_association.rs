//! Service network ↔ resource configuration associations: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{self, id_of, lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::*;

pub(crate) fn snra_wire(s: &State, a: &ServiceNetworkResourceAssociation) -> Value {
    let mut v = wire(a, &[]);
    if let Some(c) = s.resource_configurations.get(&a.resource_configuration_id) {
        v["resourceConfigurationArn"] = json!(c.arn);
        v["resourceConfigurationName"] = json!(c.name);
    }
    if let Some(sn) = s.service_networks.get(&a.service_network_id) {
        v["serviceNetworkArn"] = json!(sn.arn);
        v["serviceNetworkName"] = json!(sn.name);
    }
    v["isManagedAssociation"] = json!(false);
    v
}

pub(crate) fn create_snra(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let c = find_usable(&s.resource_configurations, s, ctx, req(input, "resourceConfigurationIdentifier"), RCFG)?;
    let sn = find_usable(&s.service_networks, s, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    if c.kind == "CHILD" {
        return Err(ApiError::invalid_field(
            "resourceConfigurationIdentifier",
            "associate the GROUP resource configuration; its children come with it",
        ));
    }
    conflict_if(
        &s.sn_resource_associations,
        |a| a.resource_configuration_id == c.id && a.service_network_id == sn.id,
        SNRA,
        |a| format!("Resource configuration {} is already associated with service network {} ({})", c.id, sn.id, a.id),
    )?;
    let id = new_id("snra");
    let a = ServiceNetworkResourceAssociation {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("servicenetworkresourceassociation/{id}")),
        dns_entry: DnsEntry {
            domain_name: ids::resource_association_domain_name(&id, &c.id, &ctx.account, &ctx.region),
            hosted_zone_id: ids::hosted_zone_id(&ctx.region),
        },
        id,
        service_network_id: sn.id.clone(),
        resource_configuration_id: c.id.clone(),
        private_dns_enabled: input.get("privateDnsEnabled").and_then(Value::as_bool).unwrap_or(false),
        status: "ACTIVE".into(),
        created_by: ctx.account.clone(),
        created_at: now_rfc3339(),
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(&snra_wire(s, &a), &["id", "arn", "status", "createdBy", "privateDnsEnabled"]);
    Outcome::write(vec![a.put()], body)
}

pub(crate) fn find_snra<'a>(
    ctx: &Ctx,
    s: &'a State,
    input: &Value,
) -> Result<&'a ServiceNetworkResourceAssociation, ApiError> {
    let ident = req(input, "serviceNetworkResourceAssociationIdentifier");
    find_association(&s.sn_resource_associations, ctx, ident, SNRA, |a| snra_owners(s, a))
}

pub(crate) fn snra_owners<'a>(s: &'a State, a: &ServiceNetworkResourceAssociation) -> [Option<&'a str>; 2] {
    [
        sn_owner(s, &a.service_network_id),
        s.resource_configurations.get(&a.resource_configuration_id).map(|o| o.account.as_str()),
    ]
}

pub(crate) fn get_snra(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snra(ctx, s, input)?;
    Outcome::read(snra_wire(s, a))
}

pub(crate) fn list_snra(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = str_of(input, "serviceNetworkIdentifier").map(id_of);
    let rcfg = str_of(input, "resourceConfigurationIdentifier").map(id_of);
    list_visible(
        &s.sn_resource_associations,
        input,
        |a| {
            sn.is_none_or(|x| a.service_network_id == x)
                && rcfg.is_none_or(|x| a.resource_configuration_id == x)
                && seen_by(ctx, &a.account, snra_owners(s, a))
        },
        |a| snra_wire(s, a),
    )
}

pub(crate) fn delete_snra(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snra(ctx, s, input)?;
    delete_association(a)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::resource_configuration::create_resource_configuration;
    use crate::lattice::resource_gateway::create_resource_gateway;
    use crate::lattice::service_network::create_service_network;

    #[test]
    fn a_configuration_joins_a_network_of_its_owner() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let sn = run(&mut s, &a, create_service_network, json!({ "name": "net" })).unwrap();
        let gw = run(&mut s, &a, create_resource_gateway, json!({ "name": "gw", "vpcIdentifier": "vpc-0a0a0a0a0a0a0a0a0", "subnetIds": ["subnet-0123456789abcdef0"] })).unwrap();
        let c = run(&mut s, &a, create_resource_configuration, json!({ "name": "db", "type": "SINGLE", "resourceGatewayIdentifier": gw["id"], "portRanges": ["5432"], "resourceConfigurationDefinition": { "ipResource": { "ipAddress": "127.0.0.1" } } })).unwrap();
        let join = json!({ "resourceConfigurationIdentifier": c["id"], "serviceNetworkIdentifier": sn["id"] });
        assert_eq!(code(run(&mut s, &b, create_snra, join.clone())), "ResourceNotFoundException");
        let assoc = run(&mut s, &a, create_snra, join).unwrap();
        let id = json!({ "serviceNetworkResourceAssociationIdentifier": assoc["id"] });
        assert!(run(&mut s, &a, get_snra, id.clone()).unwrap()["dnsEntry"]["domainName"]
            .as_str()
            .unwrap()
            .starts_with("snra-"));
        assert_eq!(code(run(&mut s, &b, get_snra, id.clone())), "ResourceNotFoundException");
        run(&mut s, &a, delete_snra, id).unwrap();
        assert!(s.sn_resource_associations.is_empty());
    }
}
