//! A function's resource policy (`AddPermission`), aliases, tags, reserved concurrency, and the
//! settings the provider reads that have one answer here.

use lattice_api::ApiError;
use lattice_model::records::{LambdaAlias, LambdaFunction, LocalFunction};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::config::page;
use super::{error, find, revision};
use crate::kit::{req, str_of, string_list, tags_of, Ctx, OpResult, Outcome};

/// Writes the function with changed Lambda details; answers `body`.
fn write(f: &LocalFunction, l: LambdaFunction, body: Value) -> OpResult {
    let f = LocalFunction { lambda: Some(Box::new(l)), ..f.clone() };
    Outcome::write(vec![f.put()], body)
}

pub(crate) fn add_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, qualifier) = find(ctx, s, input)?;
    let sid = req(input, "StatementId");
    if l.policy.iter().any(|st| st.get("Sid").and_then(Value::as_str) == Some(sid)) {
        return Err(error(409, "ResourceConflictException", format!("The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement.")));
    }
    let action = req(input, "Action");
    if !action.starts_with("lambda:") {
        return Err(error(
            400,
            "InvalidParameterValueException",
            format!("{} is not a Lambda action", lattice_api::model::echo(action)),
        ));
    }
    let principal = req(input, "Principal");
    let principal = if principal.ends_with(".amazonaws.com") {
        json!({ "Service": principal })
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    } else {
        json!({ "AWS": principal })
    };
    let resource = qualifier.as_ref().map_or_else(|| f.arn.clone(), |q| format!("{}:{q}", f.arn));
    let mut statement =
        json!({ "Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource });
    let mut condition = serde_json::Map::new();
    if let Some(source) = str_of(input, "SourceArn") {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": source }));
    }
    if let Some(account) = str_of(input, "SourceAccount") {
        condition.insert("StringEquals".into(), json!({ "AWS:SourceAccount": account }));
    }
    if !condition.is_empty() {
        statement["Condition"] = Value::Object(condition);
    }
    let mut l = l.clone();
    l.policy.push(statement.clone());
    l.revision = revision();
    write(f, l, json!({ "Statement": statement.to_string() }))
}

pub(crate) fn remove_permission(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    let sid = req(input, "StatementId");
    let mut l = l.clone();
    let before = l.policy.len();
    l.policy.retain(|st| st.get("Sid").and_then(Value::as_str) != Some(sid));
    if l.policy.len() == before {
        return Err(error(
            404,
            "ResourceNotFoundException",
            format!("Statement {} is not found in resource policy.", lattice_api::model::echo(sid)),
        ));
    }
    l.revision = revision();
    write(f, l, Value::Null)
}

pub(crate) fn get_policy(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, qualifier) = find(ctx, s, input)?;
    let resource = qualifier.as_ref().map_or_else(|| f.arn.clone(), |q| format!("{}:{q}", f.arn));
    let statements: Vec<&Value> =
        l.policy.iter().filter(|st| st.get("Resource").and_then(Value::as_str) == Some(resource.as_str())).collect();
    if statements.is_empty() {
        return Err(error(404, "ResourceNotFoundException", "The resource you requested does not exist."));
    }
    let policy = json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements });
    Outcome::read(json!({ "Policy": policy.to_string(), "RevisionId": l.revision }))
}

fn alias_wire(f: &LocalFunction, name: &str, a: &LambdaAlias) -> Value {
    json!({
        "AliasArn": format!("{}:{name}", f.arn), "Name": name, "FunctionVersion": a.version,
        "Description": a.description, "RevisionId": a.revision,
    })
}

fn check_version(l: &LambdaFunction, version: &str) -> Result<(), ApiError> {
    if version == "$LATEST" || version.parse::<u32>().is_ok_and(|n| l.versions.contains_key(&n)) {
        Ok(())
    } else {
        Err(error(
            404,
            "ResourceNotFoundException",
            format!("Function not found: version {}", lattice_api::model::echo(version)),
        ))
    }
}

pub(crate) fn create_alias(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    let name = req(input, "Name");
    if l.aliases.contains_key(name) {
        return Err(error(409, "ResourceConflictException", format!("Alias already exists: {}:{name}", f.arn)));
    }
    if name.parse::<u32>().is_ok() || name == "$LATEST" {
        return Err(error(400, "InvalidParameterValueException", "An alias name cannot be a version"));
    }
    let version = req(input, "FunctionVersion");
    check_version(l, version)?;
    let alias = LambdaAlias {
        version: version.to_string(),
        description: str_of(input, "Description").unwrap_or_default().to_string(),
        revision: revision(),
    };
    let body = alias_wire(f, name, &alias);
    let mut l = l.clone();
    l.aliases.insert(name.to_string(), alias);
    write(f, l, body)
}

fn alias<'a>(f: &LocalFunction, l: &'a LambdaFunction, name: &str) -> Result<&'a LambdaAlias, ApiError> {
    l.aliases.get(name).ok_or_else(|| {
        error(
            404,
            "ResourceNotFoundException",
            format!("Alias not found: {}:{}", f.arn, lattice_api::model::echo(name)),
        )
    })
}

pub(crate) fn get_alias(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    let name = req(input, "Name");
    Outcome::read(alias_wire(f, name, alias(f, l, name)?))
}

pub(crate) fn update_alias(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    let name = req(input, "Name");
    let mut updated = alias(f, l, name)?.clone();
    if let Some(v) = str_of(input, "FunctionVersion") {
        check_version(l, v)?;
        updated.version = v.to_string();
    }
    if let Some(d) = str_of(input, "Description") {
        updated.description = d.to_string();
    }
    updated.revision = revision();
    let body = alias_wire(f, name, &updated);
    let mut l = l.clone();
    l.aliases.insert(name.to_string(), updated);
    write(f, l, body)
}

pub(crate) fn delete_alias(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    let name = req(input, "Name");
    alias(f, l, name)?;
    let mut l = l.clone();
    l.aliases.remove(name);
    write(f, l, Value::Null)
}

pub(crate) fn list_aliases(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    let wanted = str_of(input, "FunctionVersion");
    let items = l
        .aliases
        .iter()
        .filter(|(_, a)| wanted.is_none_or(|v| v == a.version))
        .map(|(name, a)| alias_wire(f, name, a))
        .collect();
    Outcome::read(page(items, input, "Aliases"))
}

pub(crate) fn tag(ctx: &Ctx, s: &State, input: &Value, add: bool) -> OpResult {
    let (f, _, _) = find(ctx, s, input)?;
    let mut f = f.clone();
    if add {
        f.tags.extend(tags_of(&json!({ "tags": input.get("Tags") })));
    } else {
        for key in string_list(input, "TagKeys") {
            f.tags.remove(&key);
        }
    }
    Outcome::write(vec![f.put()], Value::Null)
}

pub(crate) fn list_tags(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, _, _) = find(ctx, s, input)?;
    Outcome::read(json!({ "Tags": f.tags }))
}

pub(crate) fn code_signing(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, _, _) = find(ctx, s, input)?;
    Outcome::read(json!({ "FunctionName": f.arn.rsplit(':').next().unwrap_or_default(), "CodeSigningConfigArn": "" }))
}

pub(crate) fn concurrency(ctx: &Ctx, s: &State, input: &Value, put: bool) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    let mut l = l.clone();
    l.reserved_concurrency = if put { input.get("ReservedConcurrentExecutions").and_then(Value::as_i64) } else { None };
    let body = if put { json!({ "ReservedConcurrentExecutions": l.reserved_concurrency }) } else { Value::Null };
    write(f, l, body)
}

pub(crate) fn get_concurrency(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (_, l, _) = find(ctx, s, input)?;
    Outcome::read(json!({ "ReservedConcurrentExecutions": l.reserved_concurrency }))
}

pub(crate) fn recursion(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    find(ctx, s, input)?;
    Outcome::read(json!({ "RecursiveLoop": "Terminate" }))
}

pub(crate) fn runtime_management(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, _, _) = find(ctx, s, input)?;
    Outcome::read(json!({ "UpdateRuntimeOn": "Auto", "FunctionArn": f.arn }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::config::{
        self,
        tests::{function, setup},
    };
    use crate::kit::testing::{code, run};

    #[test]
    fn permissions_and_aliases_are_kept_per_function() {
        let (mut s, a, role) = setup("policy");
        run(&mut s, &a, config::create, function("orders", &role, "v1")).unwrap();
        assert_eq!(code(run(&mut s, &a, get_policy, json!({ "FunctionName": "orders" }))), "ResourceNotFoundException");
        let grant = json!({ "FunctionName": "orders", "StatementId": "lattice", "Action": "lambda:InvokeFunction",
                            "Principal": "vpc-lattice.amazonaws.com", "SourceArn": "arn:aws:vpc-lattice:us-east-1:111111111111:targetgroup/tg-0123456789abcdef0" });
        run(&mut s, &a, add_permission, grant.clone()).unwrap();
        assert_eq!(code(run(&mut s, &a, add_permission, grant)), "ResourceConflictException");
        let bad = json!({ "FunctionName": "orders", "StatementId": "x", "Action": "s3:GetObject", "Principal": "s3.amazonaws.com" });
        assert_eq!(code(run(&mut s, &a, add_permission, bad)), "InvalidParameterValueException");
        let policy = run(&mut s, &a, get_policy, json!({ "FunctionName": "orders" })).unwrap();
        let policy: Value = serde_json::from_str(policy["Policy"].as_str().unwrap()).unwrap();
        assert_eq!(policy["Statement"][0]["Principal"]["Service"], "vpc-lattice.amazonaws.com");
        assert!(policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"].is_string());
        run(&mut s, &a, config::publish, json!({ "FunctionName": "orders" })).unwrap();
        let alias = json!({ "FunctionName": "orders", "Name": "live", "FunctionVersion": "1" });
        run(&mut s, &a, create_alias, alias.clone()).unwrap();
        assert_eq!(code(run(&mut s, &a, create_alias, alias)), "ResourceConflictException");
        let missing = json!({ "FunctionName": "orders", "Name": "next", "FunctionVersion": "7" });
        assert_eq!(code(run(&mut s, &a, create_alias, missing)), "ResourceNotFoundException");
        assert_eq!(
            run(&mut s, &a, get_alias, json!({ "FunctionName": "orders", "Name": "live" })).unwrap()["FunctionVersion"],
            "1"
        );
        run(&mut s, &a, delete_alias, json!({ "FunctionName": "orders", "Name": "live" })).unwrap();
        run(&mut s, &a, remove_permission, json!({ "FunctionName": "orders", "StatementId": "lattice" })).unwrap();
        let gone = run(&mut s, &a, remove_permission, json!({ "FunctionName": "orders", "StatementId": "lattice" }));
        assert_eq!(code(gone), "ResourceNotFoundException");
    }
}
