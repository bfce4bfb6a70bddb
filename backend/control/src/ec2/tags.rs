//! EC2 tags on the resources EC2 serves here: VPCs, subnets, security groups and VPC endpoints, by id.

use lattice_model::records::Tags;
use lattice_model::{Object, ObjectChange, State};
use serde_json::{json, Value};

use super::filter::{one, Filters};
use super::{done, error};
use crate::kit::{string_list, Ctx, OpResult, Outcome};

/// EC2 allows 50 tags per resource.
const MAX_TAGS: usize = 50;

/// Applies `edit` to the tags of the caller's resource `id`; the change, or EC2's not-found.
fn edit_tags(ctx: &Ctx, s: &State, id: &str, edit: impl Fn(&mut Tags)) -> Result<ObjectChange, lattice_api::ApiError> {
    fn apply<T: Object>(
        mut obj: T,
        tags: impl Fn(&mut T) -> &mut Tags,
        edit: &dyn Fn(&mut Tags),
    ) -> Result<ObjectChange, lattice_api::ApiError> {
        edit(tags(&mut obj));
        if tags(&mut obj).len() > MAX_TAGS {
            return Err(error("TagLimitExceeded", format!("The maximum number of tags per resource is {MAX_TAGS}")));
        }
        Ok(obj.put())
    }
    if let Some(v) = s.vpc(&ctx.account, id).filter(|v| ctx.owns(*v)) {
        return apply(v.clone(), |v| &mut v.tags, &edit);
    }
    if let Some(n) = s.subnets.get(id).filter(|n| ctx.owns(*n)) {
        return apply(n.clone(), |n| &mut n.tags, &edit);
    }
    if let Some(g) = s.security_groups.get(id).filter(|g| ctx.owns(*g)) {
        return apply(g.clone(), |g| &mut g.tags, &edit);
    }
    if let Some(e) = s.vpc_endpoints.get(id).filter(|e| ctx.owns(*e)) {
        return apply(e.clone(), |e| &mut e.tags, &edit);
    }
    let echoed = lattice_api::model::echo(id);
    Err(match id.split_once('-').map(|(p, _)| p) {
        Some("vpc") => error("InvalidVpcID.NotFound", format!("The vpc ID '{echoed}' does not exist")),
        Some("subnet") => error("InvalidSubnetID.NotFound", format!("The subnet ID '{echoed}' does not exist")),
        Some("sg") => error("InvalidGroup.NotFound", format!("The security group '{echoed}' does not exist")),
        Some("vpce") => {
            error("InvalidVpcEndpointId.NotFound", format!("The Vpc Endpoint Id '{echoed}' does not exist"))
        }
        _ => error("InvalidID", format!("The ID '{echoed}' is not valid")),
    })
}

fn tag_pairs(input: &Value) -> Vec<(String, Option<String>)> {
    let list = input.get("Tags").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    list.iter()
        .filter_map(|t| {
            Some((t.get("Key")?.as_str()?.to_string(), t.get("Value").and_then(Value::as_str).map(str::to_string)))
        })
        .collect()
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let pairs = tag_pairs(input);
    if let Some((key, _)) = pairs.iter().find(|(k, _)| k.starts_with("aws:")) {
        return Err(error(
            "InvalidParameterValue",
            format!("Tag keys starting with 'aws:' are reserved for internal use ({key})"),
        ));
    }
    let changes = string_list(input, "Resources")
        .iter()
        .map(|id| {
            edit_tags(ctx, s, id, |tags| {
                for (k, v) in &pairs {
                    tags.insert(k.clone(), v.clone().unwrap_or_default());
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Outcome::write(changes, done())
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let pairs = tag_pairs(input);
    let changes = string_list(input, "Resources")
        .iter()
        .map(|id| {
            edit_tags(ctx, s, id, |tags| {
                if pairs.is_empty() {
                    tags.clear();
                }
                for (k, v) in &pairs {
                    if v.as_ref().is_none_or(|v| tags.get(k) == Some(v)) {
                        tags.remove(k);
                    }
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Outcome::write(changes, done())
}

pub(crate) fn describe(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let filters = Filters::of(input);
    let resources = s
        .vpcs
        .values()
        .filter(|v| ctx.owns(*v))
        .map(|v| (v.id.as_str(), "vpc", &v.tags))
        .chain(s.subnets.values().filter(|n| ctx.owns(*n)).map(|n| (n.id.as_str(), "subnet", &n.tags)))
        .chain(s.security_groups.values().filter(|g| ctx.owns(*g)).map(|g| (g.id.as_str(), "security-group", &g.tags)));
    let mut out = vec![];
    for (id, kind, tags) in resources {
        for (key, value) in tags {
            let fits = filters.matches(&Tags::new(), |name| match name {
                "resource-id" => one(id),
                "resource-type" => one(kind),
                "key" => one(key),
                "value" => one(value),
                _ => None,
            })?;
            if fits {
                out.push(json!({ "ResourceId": id, "ResourceType": kind, "Key": key, "Value": value }));
            }
        }
    }
    Outcome::read(json!({ "Tags": out }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    #[test]
    fn tags_are_set_listed_and_removed_on_the_callers_resources_only() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let vpc = run(&mut s, &a, super::super::vpc::create, json!({ "CidrBlock": "10.0.0.0/16" })).unwrap();
        let id = vpc["Vpc"]["VpcId"].as_str().unwrap().to_string();
        run(&mut s, &a, create, json!({ "Resources": [id], "Tags": [{ "Key": "env", "Value": "dev" }] })).unwrap();
        assert_eq!(s.vpc(A, &id).unwrap().tags["env"], "dev");
        assert_eq!(
            code(run(&mut s, &b, create, json!({ "Resources": [id], "Tags": [{ "Key": "x", "Value": "y" }] }))),
            "InvalidVpcID.NotFound"
        );
        let listed =
            run(&mut s, &a, describe, json!({ "Filters": [{ "Name": "resource-id", "Values": [id] }] })).unwrap();
        assert_eq!(listed["Tags"][0]["Key"], "env");
        run(&mut s, &a, delete, json!({ "Resources": [id], "Tags": [{ "Key": "env", "Value": "other" }] })).unwrap();
        assert_eq!(s.vpc(A, &id).unwrap().tags.len(), 1, "a value that does not match keeps the tag");
        run(&mut s, &a, delete, json!({ "Resources": [id], "Tags": [{ "Key": "env" }] })).unwrap();
        assert!(s.vpc(A, &id).unwrap().tags.is_empty());
    }
}
