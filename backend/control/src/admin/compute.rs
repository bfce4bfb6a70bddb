//! The local compute registry (admin API): instances (id → address) for `INSTANCE` targets and
//! functions (Lambda ARN → local URL or command) for `LAMBDA` targets.

use lattice_api::ids::new_id;
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::{LocalFunction, LocalInstance};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::admin::route::{items, read, write, Route};
use crate::kit::{find_owned, str_of, string_list, tags_of, Ctx, OpResult, Outcome};
use crate::vpcs::vpc_or_implicit;

const INSTANCE: &str = "INSTANCE";
const FUNCTION: &str = "FUNCTION";

fn is_instance_id(s: &str) -> bool {
    s.strip_prefix("i-").is_some_and(|rest| {
        (rest.len() == 8 || rest.len() == 17) && rest.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    })
}

pub(crate) fn instance_wire(i: &LocalInstance) -> Value {
    json!({
        "instanceId": i.id, "ipAddress": i.ip_address, "vpcId": i.vpc_id, "resourceArns": i.resource_arns,
        "createdAt": i.created_at, "tags": i.tags,
    })
}

fn check_ip(input: &Value) -> Result<String, ApiError> {
    let ip = str_of(input, "ipAddress").unwrap_or_default();
    ip.parse::<std::net::IpAddr>()
        .map(|_| ip.to_string())
        .map_err(|_| ApiError::invalid_field("ipAddress", format!("'{ip}' is not an IP address")))
}

/// The `resourceArns` of an instance: ARNs, each claimed by no other instance of the account
/// (another account's instances resolve only that account's ARNs).
fn resource_arns(ctx: &Ctx, s: &State, id: &str, input: &Value) -> Result<Vec<String>, ApiError> {
    let arns = string_list(input, "resourceArns");
    for arn in &arns {
        if arn.split(':').count() < 6 || !arn.starts_with("arn:") {
            return Err(ApiError::invalid_field("resourceArns", format!("'{arn}' is not an ARN")));
        }
        if let Some(other) =
            s.local_instances.values().find(|i| i.id != id && i.account == ctx.account && i.resource_arns.contains(arn))
        {
            return Err(ApiError::conflict(
                INSTANCE,
                &other.id,
                format!("{arn} already stands for instance {}", other.id),
            ));
        }
    }
    Ok(arns)
}

pub(crate) fn create_instance(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let id = match str_of(input, "instanceId") {
        Some(id) if is_instance_id(id) => id.to_string(),
        Some(id) => {
            return Err(ApiError::invalid_field(
                "instanceId",
                format!("'{id}' is not an instance id (i- and 8 or 17 lower-case alphanumerics)"),
            ))
        }
        None => new_id("i"),
    };
    if s.instance(&ctx.account, &id).is_some() {
        return Err(ApiError::conflict(INSTANCE, &id, format!("Instance {id} already exists")));
    }
    let mut changes = Vec::new();
    if let Some(vpc) = str_of(input, "vpcId") {
        changes.extend(vpc_or_implicit(ctx, s, vpc, "vpcId")?.1);
    }
    let instance = LocalInstance {
        resource_arns: resource_arns(ctx, s, &id, input)?,
        id,
        ip_address: check_ip(input)?,
        vpc_id: str_of(input, "vpcId").map(str::to_string),
        created_at: now_rfc3339(),
        tags: tags_of(input),
        region: ctx.region.clone(),
        account: ctx.account.clone(),
    };
    changes.push(instance.put());
    Outcome::write(changes, instance_wire(&instance))
}

pub(crate) fn update_instance(ctx: &Ctx, s: &State, id: &str, input: &Value) -> OpResult {
    let mut instance = owned_instance(ctx, s, id)?.clone();
    if input.get("ipAddress").is_some() {
        instance.ip_address = check_ip(input)?;
    }
    if input.get("resourceArns").is_some() {
        instance.resource_arns = resource_arns(ctx, s, &instance.id, input)?;
    }
    if input.get("tags").is_some() {
        instance.tags = tags_of(input);
    }
    Outcome::write(vec![instance.put()], instance_wire(&instance))
}

/// The caller's instance `id` (each account has instance ids of its own).
fn owned_instance<'a>(ctx: &Ctx, s: &'a State, id: &str) -> Result<&'a LocalInstance, ApiError> {
    s.instance(&ctx.account, id).filter(|i| ctx.owns(*i)).ok_or_else(|| ApiError::not_found(INSTANCE, id))
}

pub(crate) fn delete_instance(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let instance = owned_instance(ctx, s, id)?;
    if let Some(tg) = s.target_groups.values().find(|tg| {
        tg.kind == "INSTANCE" && tg.account == instance.account && tg.targets.iter().any(|t| t.id == instance.id)
    }) {
        return Err(ApiError::conflict(
            INSTANCE,
            &instance.id,
            format!("Instance {} is a target of {}", instance.id, tg.id),
        ));
    }
    Outcome::write(vec![instance.delete()], Value::Null)
}

pub(crate) fn function_wire(f: &LocalFunction) -> Value {
    json!({ "functionName": f.id, "functionArn": f.arn, "url": f.url, "command": f.command, "createdAt": f.created_at, "tags": f.tags })
}

/// A function runs either at a URL or as a command, not both.
fn target_of(input: &Value) -> Result<(Option<String>, Vec<String>), ApiError> {
    let url = str_of(input, "url").map(str::to_string);
    let command = string_list(input, "command");
    match (&url, command.is_empty()) {
        (Some(u), true) if u.starts_with("http://") || u.starts_with("https://") => Ok((url, command)),
        (Some(u), true) => Err(ApiError::invalid_field("url", format!("'{u}' is not an http(s) URL"))),
        (None, false) => Ok((None, command)),
        _ => Err(ApiError::invalid_field("url", "exactly one of url or command must be set")),
    }
}

pub(crate) fn create_function(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = str_of(input, "functionName").unwrap_or_default();
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(ApiError::invalid_field(
            "functionName",
            format!("'{name}' is not a function name (1–64 letters, digits, - and _)"),
        ));
    }
    // Function records are keyed by name across accounts: a name taken by any account is a
    // conflict (never an overwrite of another account's function).
    let arn = format!("arn:aws:lambda:{}:{}:function:{name}", ctx.region, ctx.account);
    // (The Lambda API keys its functions by ARN.)
    if let Some(f) = s.local_functions.get(name).or_else(|| s.local_functions.get(&arn)) {
        return Err(ApiError::conflict(FUNCTION, &f.id, format!("A local function named {name} already exists")));
    }
    let (url, command) = target_of(input)?;
    let f = LocalFunction {
        id: name.to_string(),
        arn,
        url,
        command,
        lambda: None,
        created_at: now_rfc3339(),
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    Outcome::write(vec![f.put()], function_wire(&f))
}

pub(crate) fn update_function(ctx: &Ctx, s: &State, name: &str, input: &Value) -> OpResult {
    let mut f = find_owned(&s.local_functions, ctx, name, FUNCTION)?.clone();
    if input.get("url").is_some() || input.get("command").is_some() {
        (f.url, f.command) = target_of(input)?;
    }
    if input.get("tags").is_some() {
        f.tags = tags_of(input);
    }
    Outcome::write(vec![f.put()], function_wire(&f))
}

pub(crate) fn delete_function(ctx: &Ctx, s: &State, name: &str) -> OpResult {
    let f = find_owned(&s.local_functions, ctx, name, FUNCTION)?;
    Outcome::write(vec![f.delete()], Value::Null)
}

/// `/_lattice-local/instances` and `/_lattice-local/functions`.
pub(crate) const ROUTES: &[Route] = &[
    write("POST", "instances", 201, |ctx, s, _, body| create_instance(ctx, s, body)),
    read("GET", "instances", |ctx, s, _| Ok(items(ctx, &s.local_instances, instance_wire))),
    read("GET", "instances/{}", |ctx, s, id| owned_instance(ctx, s, id).map(instance_wire)),
    write("PATCH", "instances/{}", 200, update_instance),
    write("DELETE", "instances/{}", 204, |ctx, s, id, _| delete_instance(ctx, s, id)),
    write("POST", "functions", 201, |ctx, s, _, body| create_function(ctx, s, body)),
    read("GET", "functions", |ctx, s, _| Ok(items(ctx, &s.local_functions, function_wire))),
    read("GET", "functions/{}", |ctx, s, id| find_owned(&s.local_functions, ctx, id, FUNCTION).map(function_wire)),
    write("PATCH", "functions/{}", 200, update_function),
    write("DELETE", "functions/{}", 204, |ctx, s, id, _| delete_function(ctx, s, id)),
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, A, B};

    #[test]
    fn instances_and_functions_are_their_owners() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let out = create_instance(&a, &s, &json!({ "ipAddress": "127.0.0.1" })).unwrap();
        for change in &out.changes {
            s.apply(change).unwrap();
        }
        let id = out.body["instanceId"].as_str().unwrap().to_string();
        assert_eq!(code(delete_instance(&b, &s, &id).map(|o| o.body)), "ResourceNotFoundException");
        assert_eq!(create_instance(&a, &s, &json!({ "ipAddress": "nope" })).unwrap_err().code, "ValidationException");
        let f = create_function(&a, &s, &json!({ "functionName": "orders", "url": "http://127.0.0.1:9/" })).unwrap();
        assert!(f.body["functionArn"].as_str().unwrap().contains(&format!(":{A}:function:orders")));
        let both = json!({ "functionName": "x", "url": "http://127.0.0.1:9/", "command": ["true"] });
        assert_eq!(create_function(&a, &s, &both).unwrap_err().code, "ValidationException");
    }
}
