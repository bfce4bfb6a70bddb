//! Tags of any taggable object: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use std::collections::BTreeMap;

use lattice_api::ids::id_of;
use lattice_api::ApiError;
use lattice_model::records::*;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use crate::kit::*;

/// Finds the caller's taggable object with this ARN, runs `f` on a copy of its tags, and
/// returns the new tags and the change.
pub(crate) fn with_tags(
    ctx: &Ctx,
    s: &State,
    arn: &str,
    f: impl FnOnce(&mut Tags),
) -> Result<(Tags, ObjectChange), ApiError> {
    fn edit<T: Object + Tagged>(
        map: &BTreeMap<String, T>,
        ctx: &Ctx,
        arn: &str,
        f: &mut Option<impl FnOnce(&mut Tags)>,
    ) -> Option<(Tags, ObjectChange)> {
        let obj = map.get(id_of(arn)).filter(|o| ctx.owns(*o) && o.arn() == arn)?;
        let mut obj = obj.clone();
        (f.take()?)(obj.tags_mut());
        Some((obj.tags_mut().clone(), obj.put()))
    }
    let mut f = Some(f);
    let f = &mut f;
    edit(&s.service_networks, ctx, arn, f)
        .or_else(|| edit(&s.services, ctx, arn, f))
        .or_else(|| edit(&s.target_groups, ctx, arn, f))
        .or_else(|| edit(&s.listeners, ctx, arn, f))
        .or_else(|| edit(&s.rules, ctx, arn, f))
        .or_else(|| edit(&s.sn_service_associations, ctx, arn, f))
        .or_else(|| edit(&s.sn_vpc_associations, ctx, arn, f))
        .or_else(|| edit(&s.sn_resource_associations, ctx, arn, f))
        .or_else(|| edit(&s.access_log_subscriptions, ctx, arn, f))
        .or_else(|| edit(&s.resource_gateways, ctx, arn, f))
        .or_else(|| edit(&s.resource_configurations, ctx, arn, f))
        .or_else(|| edit(&s.domain_verifications, ctx, arn, f))
        .ok_or_else(|| ApiError::not_found("RESOURCE", arn))
}

pub(crate) fn tag_resource(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let new = tags_of(input);
    let (_, change) = with_tags(ctx, s, req(input, "resourceArn"), |t| t.extend(new))?;
    Outcome::write(vec![change], json!({}))
}

pub(crate) fn untag_resource(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let keys = string_list(input, "tagKeys");
    let (_, change) = with_tags(ctx, s, req(input, "resourceArn"), |t| t.retain(|k, _| !keys.contains(k)))?;
    Outcome::write(vec![change], json!({}))
}

pub(crate) fn list_tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let arn = req(input, "resourceArn");
    match with_tags(ctx, s, arn, |_| {}) {
        Ok((tags, _)) => Outcome::read(json!({ "tags": tags })),
        // A consumer sees a shared object but not its tags: Lattice denies it (and the AWS
        // provider does not ask).
        Err(e) if e.is_not_found() && crate::sharing::is_shared_with(s, arn, &ctx.account) => {
            Err(ApiError::new(
                403,
                "AccessDeniedException",
                format!(
                    "User: arn:aws:iam::{}:root is not authorized to perform: vpc-lattice:ListTagsForResource on resource: {} because the resource is owned by another account",
                    ctx.account,
                    lattice_api::model::echo(arn)
                ),
            ))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;

    #[test]
    fn tags_are_set_listed_and_removed_by_the_owner_only() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "web", "tags": { "team": "a" } })).unwrap();
        let arn = json!(svc["arn"]);
        run(&mut s, &a, tag_resource, json!({ "resourceArn": arn, "tags": { "env": "dev" } })).unwrap();
        assert_eq!(
            run(&mut s, &a, list_tags, json!({ "resourceArn": arn })).unwrap()["tags"],
            json!({ "team": "a", "env": "dev" })
        );
        assert_eq!(
            code(run(&mut s, &b, tag_resource, json!({ "resourceArn": arn, "tags": { "x": "y" } }))),
            "ResourceNotFoundException"
        );
        run(&mut s, &a, untag_resource, json!({ "resourceArn": arn, "tagKeys": ["team"] })).unwrap();
        assert_eq!(run(&mut s, &a, list_tags, json!({ "resourceArn": arn })).unwrap()["tags"], json!({ "env": "dev" }));
    }
}
