//! Tags of shares and permissions.

use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::{str_of, string_list, Ctx, OpResult, Outcome};
use crate::ram::common::*;

/// Applies `f` to the tags of the share or customer managed permission a tag call names.
pub(crate) fn with_ram_tags(ctx: &Ctx, s: &State, input: &Value, f: impl FnOnce(&mut Tags)) -> OpResult {
    let arn = str_of(input, "resourceShareArn")
        .or_else(|| str_of(input, "resourceArn"))
        .ok_or_else(|| error("MissingRequiredParameterException", "resourceShareArn or resourceArn is required"))?;
    check_arn(arn)?;
    let change = if arn.contains(":resource-share/") {
        let mut share = owned_share(ctx, s, arn)?.clone();
        f(&mut share.tags);
        if share.tags.len() > MAX_TAGS {
            return Err(error("TagLimitExceededException", format!("A resource share has at most {MAX_TAGS} tags")));
        }
        share.put()
    } else if arn.contains(":permission/") {
        let mut p = find_customer_permission(ctx, s, arn)?.clone();
        f(&mut p.tags);
        if p.tags.len() > MAX_TAGS {
            return Err(error("TagLimitExceededException", format!("A permission has at most {MAX_TAGS} tags")));
        }
        p.put()
    } else {
        return Err(error(
            "ResourceArnNotFoundException",
            format!("{arn} is neither a resource share nor a permission"),
        ));
    };
    Outcome::write(vec![change], json!({}))
}

pub(crate) fn tag_resource(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let tags = tags_input(input)?;
    with_ram_tags(ctx, s, input, |t| t.extend(tags))
}

pub(crate) fn untag_resource(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let keys = string_list(input, "tagKeys");
    with_ram_tags(ctx, s, input, |t| t.retain(|k, _| !keys.contains(k)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{run, A, B};
    use crate::lattice::service::create_service;
    use crate::ram::share::{create_resource_share, get_resource_shares};

    #[test]
    fn share_tags_are_the_owners_to_change() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "orders" })).unwrap();
        let share =
            run(&mut s, &a, create_resource_share, json!({ "name": "t", "resourceArns": [svc["arn"]] })).unwrap();
        let arn = json!(share["resourceShare"]["resourceShareArn"]);
        run(&mut s, &a, tag_resource, json!({ "resourceShareArn": arn, "tags": [{ "key": "team", "value": "a" }] }))
            .unwrap();
        let shares = run(&mut s, &a, get_resource_shares, json!({ "resourceOwner": "SELF" })).unwrap();
        assert_eq!(shares["resourceShares"][0]["tags"], json!([{ "key": "team", "value": "a" }]));
        assert!(run(
            &mut s,
            &b,
            tag_resource,
            json!({ "resourceShareArn": arn, "tags": [{ "key": "x", "value": "y" }] })
        )
        .is_err());
        run(&mut s, &a, untag_resource, json!({ "resourceShareArn": arn, "tagKeys": ["team"] })).unwrap();
        let shares = run(&mut s, &a, get_resource_shares, json!({ "resourceOwner": "SELF" })).unwrap();
        assert_eq!(shares["resourceShares"][0]["tags"], json!([]));
    }
}
