//! Service network ↔ VPC associations: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{id_of, lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::kit::*;
use crate::vpcs::*;

pub(crate) fn snva_wire(s: &State, a: &ServiceNetworkVpcAssociation) -> Value {
    let mut v = wire(a, &[]);
    if let Some(sn) = s.service_networks.get(&a.service_network_id) {
        v["serviceNetworkName"] = json!(sn.name);
        v["serviceNetworkArn"] = json!(sn.arn);
    }
    v
}

pub(crate) fn create_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let sn = find_usable(&s.service_networks, s, ctx, req(input, "serviceNetworkIdentifier"), SN)?;
    let vpc_id = req(input, "vpcIdentifier");
    let (_, implicit) = vpc_or_implicit(ctx, s, vpc_id, "vpcIdentifier")?;
    conflict_if(
        &s.sn_vpc_associations,
        |a| a.account == ctx.account && a.vpc_id == vpc_id,
        SNVA,
        |a| format!("VPC {vpc_id} is already associated with service network {} ({})", a.service_network_id, a.id),
    )?;
    let id = new_id("snva");
    let now = now_rfc3339();
    let a = ServiceNetworkVpcAssociation {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("servicenetworkvpcassociation/{id}")),
        id,
        service_network_id: sn.id.clone(),
        vpc_id: vpc_id.to_string(),
        security_group_ids: crate::admin::security_group::check_ids(
            s,
            (&ctx.account, vpc_id),
            input,
            "securityGroupIds",
        )?,
        private_dns_enabled: input.get("privateDnsEnabled").and_then(Value::as_bool),
        dns_options: input.get("dnsOptions").cloned(),
        status: "ACTIVE".into(),
        created_by: ctx.account.clone(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let body = pick(
        &snva_wire(s, &a),
        &["id", "status", "arn", "createdBy", "securityGroupIds", "privateDnsEnabled", "dnsOptions"],
    );
    let mut changes: Vec<ObjectChange> = implicit.into_iter().collect();
    changes.push(a.put());
    Outcome::write(changes, body)
}

pub(crate) fn find_snva<'a>(
    ctx: &Ctx,
    s: &'a State,
    input: &Value,
) -> Result<&'a ServiceNetworkVpcAssociation, ApiError> {
    let ident = req(input, "serviceNetworkVpcAssociationIdentifier");
    find_association(&s.sn_vpc_associations, ctx, ident, SNVA, |a| [sn_owner(s, &a.service_network_id), None])
}

pub(crate) fn get_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snva(ctx, s, input)?;
    Outcome::read(snva_wire(s, a))
}

pub(crate) fn list_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &[
        "id",
        "arn",
        "status",
        "createdBy",
        "serviceNetworkId",
        "serviceNetworkName",
        "serviceNetworkArn",
        "vpcId",
        "createdAt",
        "lastUpdatedAt",
    ];
    let sn = str_of(input, "serviceNetworkIdentifier").map(id_of);
    let vpc = str_of(input, "vpcIdentifier");
    list_visible(
        &s.sn_vpc_associations,
        input,
        |a| {
            sn.is_none_or(|x| a.service_network_id == x)
                && vpc.is_none_or(|x| a.vpc_id == x)
                && seen_by(ctx, &a.account, [sn_owner(s, &a.service_network_id), None])
        },
        |a| pick(&snva_wire(s, a), FIELDS),
    )
}

pub(crate) fn update_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut a = find(&s.sn_vpc_associations, ctx, req(input, "serviceNetworkVpcAssociationIdentifier"), SNVA)?.clone();
    if input.get("securityGroupIds").is_some() {
        a.security_group_ids =
            crate::admin::security_group::check_ids(s, (&a.account, &a.vpc_id), input, "securityGroupIds")?;
    }
    if let Some(p) = input.get("privateDnsEnabled").and_then(Value::as_bool) {
        a.private_dns_enabled = Some(p);
    }
    if let Some(d) = input.get("dnsOptions") {
        a.dns_options = Some(d.clone());
    }
    a.last_updated_at = now_rfc3339();
    let body = pick(
        &snva_wire(s, &a),
        &["id", "arn", "status", "createdBy", "securityGroupIds", "privateDnsEnabled", "dnsOptions"],
    );
    Outcome::write(vec![a.put()], body)
}

pub(crate) fn delete_snva(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find_snva(ctx, s, input)?;
    delete_association(a)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service_network::create_service_network;

    #[test]
    fn a_vpc_is_associated_by_its_owner_and_seen_by_both_sides() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let sn = run(&mut s, &a, create_service_network, json!({ "name": "net" })).unwrap();
        let vpc = "vpc-0a0a0a0a0a0a0a0a0";
        let assoc = run(&mut s, &a, create_snva, json!({ "serviceNetworkIdentifier": sn["id"], "vpcIdentifier": vpc }))
            .unwrap();
        assert!(s.vpc(A, vpc).is_some(), "the VPC is the caller's, created on first reference");
        let b_try = run(&mut s, &b, create_snva, json!({ "serviceNetworkIdentifier": sn["id"], "vpcIdentifier": vpc }));
        assert_eq!(code(b_try), "ResourceNotFoundException", "B may not use A's network");
        assert!(s.vpc(B, vpc).is_none(), "nothing is stored on rejection");
        let id = json!({ "serviceNetworkVpcAssociationIdentifier": assoc["id"] });
        assert_eq!(run(&mut s, &a, get_snva, id.clone()).unwrap()["vpcId"], vpc);
        assert_eq!(code(run(&mut s, &b, get_snva, id.clone())), "ResourceNotFoundException");
        run(&mut s, &a, delete_snva, id).unwrap();
        assert!(s.sn_vpc_associations.is_empty());
    }

    #[test]
    fn each_region_sees_only_its_own_objects() {
        use crate::lattice::service_network::{get_service_network, list_service_networks};
        use crate::ram::share::{create_resource_share, get_resource_shares};
        let mut s = State::default();
        let east = Ctx::test(A);
        let west = east.in_other_region("us-west-2");
        let sn = run(&mut s, &east, create_service_network, json!({ "name": "net" })).unwrap();
        assert!(sn["arn"].as_str().unwrap().starts_with("arn:aws:vpc-lattice:us-east-1:"));
        let same_name = run(&mut s, &west, create_service_network, json!({ "name": "net" })).unwrap();
        assert!(
            same_name["arn"].as_str().unwrap().starts_with("arn:aws:vpc-lattice:us-west-2:"),
            "names are per Region"
        );
        let listed = |ctx: &Ctx, s: &mut State| {
            let page = run(s, ctx, list_service_networks, json!({})).unwrap();
            page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        };
        assert_eq!(listed(&east, &mut s), [sn["id"].as_str().unwrap()]);
        assert_eq!(listed(&west, &mut s), [same_name["id"].as_str().unwrap()]);
        let by_arn = json!({ "serviceNetworkIdentifier": sn["arn"] });
        assert_eq!(code(run(&mut s, &west, get_service_network, by_arn)), "ResourceNotFoundException");

        // A VPC lives in the Region it was created in and joins only that Region's networks.
        let vpc = "vpc-0b0b0b0b0b0b0b0b0";
        run(&mut s, &west, create_snva, json!({ "serviceNetworkIdentifier": same_name["id"], "vpcIdentifier": vpc }))
            .unwrap();
        assert_eq!(s.vpc(A, vpc).unwrap().region, "us-west-2");
        let across =
            run(&mut s, &east, create_snva, json!({ "serviceNetworkIdentifier": sn["id"], "vpcIdentifier": vpc }));
        assert_eq!(code(across), "ResourceNotFoundException");

        // A share holds only its own Region's resources, and is listed only there.
        let share = json!({ "name": "share", "resourceArns": [sn["arn"]] });
        assert_eq!(code(run(&mut s, &west, create_resource_share, share.clone())), "UnknownResourceException");
        run(&mut s, &east, create_resource_share, share).unwrap();
        let shares = |ctx: &Ctx, s: &mut State| {
            run(s, ctx, get_resource_shares, json!({ "resourceOwner": "SELF" })).unwrap()["resourceShares"]
                .as_array()
                .unwrap()
                .len()
        };
        assert_eq!((shares(&east, &mut s), shares(&west, &mut s)), (1, 0));
    }
}
