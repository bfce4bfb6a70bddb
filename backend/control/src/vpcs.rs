//! VPCs as the control plane gives them out: implicit on first reference, each with a free
//! loopback /24 of the pool, at most `VPCS_PER_ACCOUNT` per account.

use lattice_api::ids::{self};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};

use crate::kit::*;

/// The VPC with this id, created (with a fresh address block) when it does not exist yet.
pub(crate) fn vpc_or_implicit(
    ctx: &Ctx,
    s: &State,
    vpc_id: &str,
    field: &str,
) -> Result<(Vpc, Option<ObjectChange>), ApiError> {
    if let Some(vpc) = s.vpc(&ctx.account, vpc_id) {
        if !ctx.owns(vpc) {
            return Err(ApiError::not_found("VPC", vpc_id));
        }
        return Ok((vpc.clone(), None));
    }
    if !ids::is_vpc_id(vpc_id) {
        return Err(ApiError::invalid_field(field, format!("'{vpc_id}' is not a valid VPC id")));
    }
    let vpc = new_vpc(ctx, s, vpc_id.to_string(), Tags::new())?;
    let change = vpc.put();
    Ok((vpc, Some(change)))
}

pub(crate) fn new_vpc(ctx: &Ctx, s: &State, id: String, tags: Tags) -> Result<Vpc, ApiError> {
    let owned = s.vpcs.values().filter(|v| ctx.owns(*v)).count();
    if owned >= VPCS_PER_ACCOUNT {
        return Err(ApiError {
            resource_id: Some(id),
            resource_type: Some("VPC".into()),
            ..ApiError::new(
                402,
                "ServiceQuotaExceededException",
                format!("An account may have at most {VPCS_PER_ACCOUNT} VPCs here"),
            )
        });
    }
    let used: std::collections::HashSet<&str> = s.vpcs.values().map(|v| v.block.as_str()).collect();
    // Blocks where another process (another backend on the same pool, say) has sockets are
    // skipped: this VPC's resolver and services could not bind there.
    let busy = crate::probe::busy_blocks();
    let block = (ctx.vpc_pool.0..=ctx.vpc_pool.1)
        .map(|i| format!("127.{}.{}", (i >> 8) & 0xff, i & 0xff))
        .find(|b| !used.contains(b.as_str()) && !busy.contains(b))
        .ok_or_else(|| ApiError {
            status: 402,
            code: "ServiceQuotaExceededException".into(),
            message: "No free loopback address block is left for another VPC (the pool is used up, or other processes hold its addresses); widen --vpc-pool or pick another".into(),
            reason: None,
            field_list: vec![],
            resource_id: Some(id.clone()),
            resource_type: Some("VPC".into()),
        })?;
    Ok(Vpc {
        id,
        account: ctx.account.clone(),
        block,
        tags,
        created_at: now_rfc3339(),
        ec2: Default::default(),
        region: ctx.region.clone(),
    })
}

/// The id of a VPC's default security group (EC2 creates it with the VPC).
pub(crate) fn default_group_id(vpc_id: &str) -> String {
    format!("sg-{}", ids::suffix(vpc_id))
}

/// What keeps `vpc` from being deleted, worded as "VPC … <this>" (its default security group
/// goes with it and does not count). What lives in a VPC is its account's.
pub(crate) fn dependent(s: &State, vpc: &Vpc) -> Option<String> {
    let default_group = default_group_id(&vpc.id);
    let inside = |account: &str, vpc_id: &str| account == vpc.account && vpc_id == vpc.id;
    s.sn_vpc_associations
        .values()
        .find(|a| inside(&a.account, &a.vpc_id))
        .map(|a| format!("is associated with service network {} ({})", a.service_network_id, a.id))
        .or_else(|| {
            let e = s.vpc_endpoints.values().find(|e| inside(&e.account, &e.vpc_id))?;
            Some(format!("has VPC endpoint {}", e.id))
        })
        .or_else(|| {
            let g = s.resource_gateways.values().find(|g| inside(&g.account, &g.vpc_id))?;
            Some(format!("has resource gateway {}", g.id))
        })
        .or_else(|| {
            let tg = s.target_groups.values().find(|t| t.vpc_identifier().is_some_and(|v| inside(&t.account, v)))?;
            Some(format!("is used by target group {}", tg.id))
        })
        .or_else(|| {
            let g = s.security_groups.values().find(|g| inside(&g.account, &g.vpc_id) && g.id != default_group)?;
            Some(format!("has security group {}", g.id))
        })
        .or_else(|| {
            let n = s.subnets.values().find(|n| inside(&n.account, &n.vpc_id))?;
            Some(format!("has subnet {}", n.id))
        })
}

/// Deleting `vpc`: the VPC, its default security group, and its private hosted zones'
/// associations with it (as Route 53 drops them).
pub(crate) fn delete_with_defaults(s: &State, vpc: &Vpc) -> Vec<ObjectChange> {
    let mut changes = vec![vpc.delete()];
    let default_group =
        s.security_groups.get(&default_group_id(&vpc.id)).filter(|g| g.account == vpc.account && g.vpc_id == vpc.id);
    changes.extend(default_group.map(Object::delete));
    for zone in s.dns_zones.values().filter(|z| z.account == vpc.account && z.vpc_ids.contains(&vpc.id)) {
        let mut zone = zone.clone();
        zone.vpc_ids.retain(|v| *v != vpc.id);
        changes.push(zone.put());
    }
    changes
}

/// VPCs one account may have (AWS's default is 5 per Region): it keeps one account from taking
/// the whole shared loopback pool with implicit VPCs.
pub(crate) const VPCS_PER_ACCOUNT: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{A, B};

    #[test]
    fn implicit_vpcs_get_distinct_blocks_and_each_account_its_own_ids() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let (first, change) = vpc_or_implicit(&a, &s, "vpc-0a0a0a0a0a0a0a0a0", "vpcId").unwrap();
        s.apply(&change.expect("created on first reference")).unwrap();
        let (again, none) = vpc_or_implicit(&a, &s, "vpc-0a0a0a0a0a0a0a0a0", "vpcId").unwrap();
        assert!(none.is_none() && again.block == first.block);
        // Another account naming the same id gets a VPC of its own: nothing says A has one.
        let (theirs, change) = vpc_or_implicit(&b, &s, "vpc-0a0a0a0a0a0a0a0a0", "vpcId").unwrap();
        s.apply(&change.expect("B's own VPC")).unwrap();
        assert_eq!((theirs.account.as_str(), theirs.id.as_str()), (B, "vpc-0a0a0a0a0a0a0a0a0"));
        assert_ne!(theirs.block, first.block);
        assert_eq!(s.vpc(A, "vpc-0a0a0a0a0a0a0a0a0").unwrap().block, first.block, "A's VPC is untouched");
        assert_eq!(vpc_or_implicit(&a, &s, "vpc-nope", "vpcId").unwrap_err().code, "ValidationException");
        let (second, _) = vpc_or_implicit(&a, &s, "vpc-0b0b0b0b0b0b0b0b0", "vpcId").unwrap();
        assert_ne!(second.block, first.block);
    }
}
