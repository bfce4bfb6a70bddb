//! Shares created from Lattice resource policies (`CREATED_FROM_POLICY`), their promotion, and `GetResourcePolicies`.

use std::collections::{BTreeMap, BTreeSet};

use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::kit::{str_of, string_list, Ctx, OpResult, Outcome};
use crate::ram::association::new_association;
use crate::ram::common::*;
use crate::ram::permission::new_permission;
use crate::ram::permission_association::promoted_from;
use crate::sharing::{associations_of, PRINCIPAL, RESOURCE};

/// The accounts an IAM policy's Allow statements name as `AWS` principals, and their actions.
pub(crate) fn policy_grants(policy: &str, owner: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let doc: Value = serde_json::from_str(policy).unwrap_or(Value::Null);
    let statements = match &doc["Statement"] {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![doc["Statement"].clone()],
        _ => vec![],
    };
    let as_list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            _ => vec![],
        }
    };
    let (mut accounts, mut actions) = (BTreeSet::new(), BTreeSet::new());
    for st in statements.iter().filter(|st| str_of(st, "Effect") == Some("Allow")) {
        for p in as_list(&st["Principal"]["AWS"]) {
            let account = p.strip_prefix("arn:aws:iam::").and_then(|r| r.strip_suffix(":root")).unwrap_or(&p);
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && account != owner {
                accounts.insert(account.to_string());
            }
        }
        actions.extend(as_list(&st["Action"]));
    }
    (accounts, actions)
}

/// What RAM does when a Lattice resource policy is put (`Some`) or deleted (`None`): the
/// resource's share `CREATED_FROM_POLICY`, and the permission made from the policy, are
/// replaced so that they grant exactly the accounts the policy allows.
pub(crate) fn policy_share_changes(
    ctx: &Ctx,
    s: &State,
    resource_arn: &str,
    policy: Option<&str>,
) -> Vec<ObjectChange> {
    let mut changes = Vec::new();
    let mut replaced = None;
    for share in s.resource_shares.values().filter(|sh| ctx.owns(*sh) && sh.feature_set == "CREATED_FROM_POLICY") {
        if s.share_associations.contains_key(&association_id(&share.id, RESOURCE, resource_arn)) {
            changes.extend(s.share_associations.values().filter(|a| a.share_id == share.id).map(Object::delete));
            for sp in share.permissions.values() {
                if let Ok(p) = find_customer_permission(ctx, s, &sp.arn) {
                    if p.feature_set == "CREATED_FROM_POLICY" {
                        changes.push(p.delete());
                    }
                }
            }
            changes.push(share.delete());
            replaced = Some(share.id.clone());
        }
    }
    let Some(policy) = policy else { return changes };
    let (accounts, actions) = policy_grants(policy, &ctx.account);
    let Some((rt, _, _)) = lattice_resource(s, resource_arn) else { return changes };
    if accounts.is_empty() {
        return changes;
    }
    let t = now();
    let short = lattice_api::ids::id_of(resource_arn);
    let name = format!("rp-{short}");
    let template = json!({ "Effect": "Allow", "Action": actions }).to_string();
    let permission = new_permission(ctx, &name, rt, template, "CREATED_FROM_POLICY", Tags::new());
    let id = replaced.unwrap_or_else(uuid);
    let share = ResourceShare {
        resource_share_arn: ram_arn(ctx, &ctx.account, &format!("resource-share/{id}")),
        id,
        name,
        owning_account_id: ctx.account.clone(),
        allow_external_principals: true,
        status: "ACTIVE".into(),
        feature_set: "CREATED_FROM_POLICY".into(),
        resource_share_configuration: None,
        creation_time: t,
        last_updated_time: t,
        permissions: BTreeMap::from([(
            rt.to_string(),
            SharePermission { arn: permission.arn.clone(), version: 1, last_updated_time: t },
        )]),
        tags: Tags::new(),
        account: ctx.account.clone(),
    };
    let entities = accounts.iter().map(|a| (PRINCIPAL, a.as_str())).chain([(RESOURCE, resource_arn)]);
    for (kind, entity) in entities {
        let a = new_association(&share.id, kind, entity, "ASSOCIATED", false, t, &ctx.account);
        changes.push(a.put());
    }
    // Changes apply in order: what was deleted above and is put again here stays.
    changes.push(permission.put());
    changes.push(share.put());
    changes
}

/// A deleted service network, service or resource configuration leaves every share.
pub(crate) fn forget_resource(s: &State, resource_arn: &str) -> Vec<ObjectChange> {
    s.share_associations
        .values()
        .filter(|a| a.association_type == RESOURCE && a.associated_entity == resource_arn)
        .map(Object::delete)
        .collect()
}

pub(crate) fn get_resource_policies(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let principal = str_of(input, "principal");
    let mut items = Vec::new();
    for arn in string_list(input, "resourceArns") {
        check_arn(&arn)?;
        let owned = lattice_resource(s, &arn).is_some_and(|(_, owner, _)| owner == ctx.account);
        if !owned {
            return Err(error("ResourceArnNotFoundException", format!("{arn} could not be found")));
        }
        // The policy RAM keeps on the resource: one statement per share holding it.
        let mut statements = Vec::new();
        for a in s.share_associations.values().filter(|a| a.association_type == RESOURCE && a.associated_entity == arn)
        {
            let Some(share) = s.resource_shares.get(&a.share_id) else { continue };
            let principals: Vec<String> = associations_of(s, &share.id, PRINCIPAL)
                .filter(|p| p.status == "ASSOCIATED")
                .map(|p| p.associated_entity.clone())
                .filter(|p| principal.is_none_or(|w| w == p))
                .map(|p| if p.len() == 12 { format!("arn:aws:iam::{p}:root") } else { p })
                .collect();
            if principals.is_empty() {
                continue;
            }
            let rt = lattice_resource(s, &arn).map_or("", |(rt, _, _)| rt);
            let actions: Value = share
                .permissions
                .get(rt)
                .and_then(|sp| find_permission(ctx, s, &sp.arn).ok().map(|p| p.template(sp.version)))
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|t| t.get("Action").cloned())
                .unwrap_or(json!([]));
            statements.push(json!({
                "Sid": format!("RAMShare-{}", share.id), "Effect": "Allow",
                "Principal": { "AWS": principals }, "Action": actions, "Resource": arn,
            }));
        }
        if !statements.is_empty() {
            items.push(json!(json!({ "Version": "2012-10-17", "Statement": statements }).to_string()));
        }
    }
    Outcome::read(page(items, input, "policies")?)
}

pub(crate) fn promote_share(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut share = owned_share(ctx, s, str_of(input, "resourceShareArn").unwrap_or_default())?.clone();
    if share.feature_set != "CREATED_FROM_POLICY" {
        return Err(not_permitted(format!(
            "{} has feature set {}; only shares CREATED_FROM_POLICY can be promoted",
            share.resource_share_arn, share.feature_set
        )));
    }
    let t = now();
    for sp in share.permissions.values_mut() {
        let from = find_customer_permission(ctx, s, &sp.arn)?;
        let to = promoted_from(ctx, s, from).ok_or_else(|| {
            error(
                "UnmatchedPolicyPermissionException",
                format!("Promote {} with PromotePermissionCreatedFromPolicy first", from.arn),
            )
        })?;
        *sp = SharePermission { arn: to.arn.clone(), version: to.default_version, last_updated_time: t };
    }
    share.feature_set = "STANDARD".into();
    share.last_updated_time = t;
    Outcome::write(vec![share.put()], json!({ "returnValue": true }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::policies::put_resource_policy;
    use crate::lattice::service::create_service;

    #[test]
    fn a_resource_policy_naming_an_account_becomes_a_share_created_from_policy() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "orders" })).unwrap();
        let policy = json!({ "Statement": [{ "Effect": "Allow", "Principal": { "AWS": B }, "Action": "vpc-lattice:GetService", "Resource": svc["arn"] }] }).to_string();
        run(&mut s, &a, put_resource_policy, json!({ "resourceArn": svc["arn"], "policy": policy })).unwrap();
        let share = s.resource_shares.values().next().expect("a share");
        assert_eq!(share.feature_set, "CREATED_FROM_POLICY");
        let policies = run(&mut s, &a, get_resource_policies, json!({ "resourceArns": [svc["arn"]] })).unwrap();
        assert_eq!(policies["policies"].as_array().unwrap().len(), 1);
        assert_eq!(
            code(run(&mut s, &b, get_resource_policies, json!({ "resourceArns": [svc["arn"]] }))),
            "ResourceArnNotFoundException"
        );
    }
}
