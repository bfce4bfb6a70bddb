//! What shares give: resources, principals, resource types, sources.

use lattice_model::records::*;
use lattice_model::State;
use serde_json::{json, Value};

use crate::kit::{str_of, string_list, Ctx, OpResult, Outcome};
use crate::ram::common::*;
use crate::ram::invitation::resource_wire;
use crate::ram::permission::check_resource_type;
use crate::sharing::{associations_of, organization_of, PRINCIPAL, RESOURCE, SOURCE};

pub(crate) fn list_resources(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let own = str_of(input, "resourceOwner") == Some("SELF");
    let resource_type = str_of(input, "resourceType");
    if let Some(rt) = resource_type {
        if !RESOURCE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(rt)) {
            check_resource_type(rt)?;
        }
    }
    let arns = string_list(input, "resourceArns");
    let share_arns = string_list(input, "resourceShareArns");
    let principal = str_of(input, "principal");
    let mut items = Vec::new();
    for share in shares_for(ctx, s, own) {
        if !share_arns.is_empty() && !share_arns.contains(&share.resource_share_arn) {
            continue;
        }
        if let Some(p) = principal {
            let covered = if own {
                associations_of(s, &share.id, PRINCIPAL).any(|a| a.associated_entity == p)
            } else {
                share.account == p
            };
            if !covered {
                continue;
            }
        }
        for a in associations_of(s, &share.id, RESOURCE).filter(|a| a.status == "ASSOCIATED") {
            let v = resource_wire(s, share, a);
            if (arns.is_empty() || arns.contains(&a.associated_entity))
                && resource_type.is_none_or(|rt| v["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(rt)))
            {
                items.push(v);
            }
        }
    }
    Outcome::read(page(items, input, "resources")?)
}

pub(crate) fn list_principals(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let own = str_of(input, "resourceOwner") == Some("SELF");
    let resource = str_of(input, "resourceArn");
    let resource_type = str_of(input, "resourceType");
    let wanted = string_list(input, "principals");
    let share_arns = string_list(input, "resourceShareArns");
    let mut items = Vec::new();
    for share in shares_for(ctx, s, own) {
        if !share_arns.is_empty() && !share_arns.contains(&share.resource_share_arn) {
            continue;
        }
        let holds = |pred: &dyn Fn(&ShareAssociation) -> bool| associations_of(s, &share.id, RESOURCE).any(pred);
        if resource.is_some_and(|r| !holds(&|a| a.associated_entity == r)) {
            continue;
        }
        if resource_type.is_some_and(|rt| {
            !holds(&|a| lattice_resource(s, &a.associated_entity).is_some_and(|(t, _, _)| t.eq_ignore_ascii_case(rt)))
        }) {
            continue;
        }
        if own {
            for p in associations_of(s, &share.id, PRINCIPAL) {
                if wanted.is_empty() || wanted.contains(&p.associated_entity) {
                    items.push(json!({
                        "id": p.associated_entity, "resourceShareArn": share.resource_share_arn,
                        "creationTime": p.creation_time, "lastUpdatedTime": p.last_updated_time, "external": p.external,
                    }));
                }
            }
        } else if wanted.is_empty() || wanted.contains(&share.account) {
            items.push(json!({
                "id": share.account, "resourceShareArn": share.resource_share_arn,
                "creationTime": share.creation_time, "lastUpdatedTime": share.last_updated_time,
                "external": organization_of(s, &share.account).is_none_or(|o| !o.accounts.contains_key(&ctx.account)),
            }));
        }
    }
    Outcome::read(page(items, input, "principals")?)
}

pub(crate) fn list_resource_types(input: &Value) -> OpResult {
    let scope = str_of(input, "resourceRegionScope").unwrap_or("ALL");
    let items = if scope == "GLOBAL" {
        vec![]
    } else {
        RESOURCE_TYPES
            .iter()
            .map(|rt| json!({ "resourceType": rt, "serviceName": "vpc-lattice", "resourceRegionScope": "REGIONAL" }))
            .collect()
    };
    Outcome::read(page(items, input, "resourceTypes")?)
}

pub(crate) fn list_source_associations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let share_arns = string_list(input, "resourceShareArns");
    let source = str_of(input, "sourceId");
    let status = str_of(input, "associationStatus");
    let source_type = str_of(input, "sourceType");
    let items = s
        .resource_shares
        .values()
        .filter(|sh| ctx.owns(*sh))
        .filter(|sh| share_arns.is_empty() || share_arns.contains(&sh.resource_share_arn))
        .flat_map(|sh| associations_of(s, &sh.id, SOURCE).map(move |a| (sh, a)))
        .filter(|(_, a)| source.is_none_or(|x| x == a.associated_entity) && status.is_none_or(|x| x == a.status))
        .filter(|_| source_type.is_none_or(|t| t.eq_ignore_ascii_case("ACCOUNT")))
        .map(|(sh, a)| {
            json!({
                "resourceShareArn": sh.resource_share_arn, "sourceId": a.associated_entity, "sourceType": "ACCOUNT",
                "status": a.status, "creationTime": a.creation_time, "lastUpdatedTime": a.last_updated_time,
            })
        })
        .collect();
    Outcome::read(page(items, input, "sourceAssociations")?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;
    use crate::ram::share::create_resource_share;

    #[test]
    fn the_owner_lists_what_it_shares_and_with_whom() {
        let (mut s, a, _b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "orders" })).unwrap();
        run(&mut s, &a, create_resource_share, json!({ "name": "s", "resourceArns": [svc["arn"]], "principals": [B] }))
            .unwrap();
        let resources = run(&mut s, &a, list_resources, json!({ "resourceOwner": "SELF" })).unwrap();
        assert_eq!(resources["resources"][0]["arn"], svc["arn"]);
        let principals = run(&mut s, &a, list_principals, json!({ "resourceOwner": "SELF" })).unwrap();
        assert_eq!(principals["principals"][0]["id"], B);
        assert_eq!(
            code(run(&mut s, &a, list_resources, json!({ "resourceOwner": "SELF", "nextToken": "nope" }))),
            "InvalidNextTokenException"
        );
        let types = list_resource_types(&json!({})).unwrap().body;
        assert!(types["resourceTypes"].as_array().unwrap().iter().any(|t| t["resourceType"] == "vpc-lattice:Service"));
    }
}
