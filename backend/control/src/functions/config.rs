//! Functions, their code and configuration, and published versions.

use std::collections::BTreeMap;

use base64::Engine;
use lattice_api::ApiError;
use lattice_model::records::{LambdaConfig, LambdaFunction, LocalFunction};
use lattice_model::{Object, State};
use serde_json::{json, Value};

use super::{error, find, not_found, revision};
use crate::kit::{page_at, req, str_of, tags_of, Ctx, OpResult, Outcome, Paging};

/// Lambda's timestamp format (`2024-01-01T00:00:00.000+0000`).
fn last_modified() -> String {
    lattice_api::now_rfc3339().trim_end_matches('Z').to_string() + "+0000"
}

/// A version's configuration as Lambda answers it.
pub(crate) fn wire(f: &LocalFunction, l: &LambdaFunction, version: &str, c: &LambdaConfig) -> Value {
    let name = f.arn.rsplit(':').next().unwrap_or_default();
    let arn = if version == "$LATEST" { f.arn.clone() } else { format!("{}:{version}", f.arn) };
    let mut out = json!({
        "FunctionName": name, "FunctionArn": arn, "Runtime": c.runtime, "Role": c.role, "Handler": c.handler,
        "CodeSize": c.code_size, "Description": c.description, "Timeout": c.timeout, "MemorySize": c.memory_size,
        "LastModified": c.last_modified, "CodeSha256": c.code_sha256, "Version": version,
        "TracingConfig": { "Mode": "PassThrough" },
        "RevisionId": l.revision, "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
        "Architectures": if c.architectures.is_empty() { vec!["x86_64".to_string()] } else { c.architectures.clone() },
        "EphemeralStorage": { "Size": 512 }, "SnapStart": { "ApplyOn": "None", "OptimizationStatus": "Off" },
        "LoggingConfig": { "LogFormat": "Text", "LogGroup": format!("/aws/lambda/{name}") },
    });
    // As Lambda: no `Environment` for a function without variables.
    if !c.environment.is_empty() {
        out["Environment"] = json!({ "Variables": c.environment });
    }
    out
}

/// Stores a base64 zip under the functions directory (content-addressed: writing it twice is
/// harmless, and a write that is then refused leaves only an unused file). Returns
/// (base64 SHA-256, size, path).
fn store_code(ctx: &Ctx, input: &Value) -> Result<(String, i64, String), ApiError> {
    if ["S3Bucket", "S3Key", "ImageUri"].iter().any(|k| input.get(*k).is_some()) {
        return Err(error(
            400,
            "InvalidParameterValueException",
            "lattice-local takes function code as ZipFile only (S3 and container images are not emulated)",
        ));
    }
    let encoded = str_of(input, "ZipFile")
        .ok_or_else(|| error(400, "InvalidParameterValueException", "The function code must be given as ZipFile"))?;
    let zip = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| error(400, "InvalidParameterValueException", "ZipFile is not base64"))?;
    if !zip.starts_with(b"PK\x03\x04") {
        return Err(error(
            400,
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ));
    }
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&zip);
    let dir =
        ctx.code_dir.as_deref().ok_or_else(|| error(503, "ServiceException", "This backend keeps no function code"))?;
    let path = dir.join(format!("{}.zip", hex::encode(digest)));
    if !path.exists() {
        let written = std::fs::create_dir_all(dir).and_then(|()| {
            let partial = path.with_extension(format!("partial-{}", std::process::id()));
            std::fs::write(&partial, &zip)?;
            std::fs::rename(&partial, &path)
        });
        written.map_err(|e| error(500, "ServiceException", format!("cannot store the function's code: {e}")))?;
    }
    let sha = base64::engine::general_purpose::STANDARD.encode(digest);
    Ok((sha, zip.len() as i64, path.to_string_lossy().into_owned()))
}

/// The execution role must be a role of the caller that Lambda may assume.
fn check_role(ctx: &Ctx, s: &State, role: &str) -> Result<String, ApiError> {
    let found = s.local_principals.values().find(|p| p.kind == "role" && p.arn == role && p.account == ctx.account);
    let assumable =
        found.is_some_and(|p| p.iam.as_ref().is_none_or(|i| i.trust_policy.contains("lambda.amazonaws.com")));
    if !assumable {
        return Err(error(
            400,
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        ));
    }
    Ok(role.to_string())
}

fn environment(input: &Value) -> Option<BTreeMap<String, String>> {
    let vars = input.get("Environment")?.get("Variables")?.as_object()?;
    Some(vars.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
}

/// Applies the configuration members present in `input`.
fn configure(ctx: &Ctx, s: &State, c: &mut LambdaConfig, input: &Value) -> Result<(), ApiError> {
    if let Some(r) = str_of(input, "Runtime") {
        c.runtime = r.to_string();
    }
    if let Some(h) = str_of(input, "Handler") {
        c.handler = h.to_string();
    }
    if let Some(role) = str_of(input, "Role") {
        c.role = check_role(ctx, s, role)?;
    }
    if let Some(d) = str_of(input, "Description") {
        c.description = d.to_string();
    }
    if let Some(t) = input.get("Timeout").and_then(Value::as_i64) {
        c.timeout = t;
    }
    if let Some(m) = input.get("MemorySize").and_then(Value::as_i64) {
        c.memory_size = m;
    }
    if let Some(env) = environment(input) {
        c.environment = env;
    }
    if let Some(a) = input.get("Architectures").and_then(Value::as_array) {
        c.architectures = a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
    }
    c.last_modified = last_modified();
    Ok(())
}

/// Publishes `$LATEST` as a new version, unless the latest version already has its code and
/// configuration (then that version is the answer, as in Lambda).
fn publish_latest(l: &mut LambdaFunction, description: Option<&str>) -> String {
    let comparable =
        |c: &LambdaConfig| LambdaConfig { description: String::new(), last_modified: String::new(), ..c.clone() };
    if let Some((n, _)) = l.versions.iter().next_back().filter(|(_, c)| comparable(c) == comparable(&l.latest)) {
        return n.to_string();
    }
    let n = l.next_version.max(1);
    let mut version = l.latest.clone();
    if let Some(d) = description {
        version.description = d.to_string();
    }
    l.versions.insert(n, version);
    l.next_version = n + 1;
    n.to_string()
}

pub(crate) fn create(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "FunctionName");
    let ok = (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
    if !ok {
        return Err(error(400, "InvalidParameterValueException", "A function name is 1-64 letters, digits, - or _"));
    }
    let arn = format!("arn:aws:lambda:{}:{}:function:{name}", ctx.region, ctx.account);
    if s.local_functions.contains_key(&arn) || s.local_functions.values().any(|f| f.arn == arn) {
        return Err(error(409, "ResourceConflictException", format!("Function already exist: {name}")));
    }
    if str_of(input, "PackageType").is_some_and(|p| p != "Zip") {
        return Err(error(400, "InvalidParameterValueException", "lattice-local runs Zip functions only"));
    }
    let (code_sha256, code_size, code_path) = store_code(ctx, input.get("Code").unwrap_or(&Value::Null))?;
    let mut latest =
        LambdaConfig { timeout: 3, memory_size: 128, code_sha256, code_size, code_path, ..LambdaConfig::default() };
    configure(ctx, s, &mut latest, input)?;
    let mut lambda = LambdaFunction { latest, next_version: 1, revision: revision(), ..LambdaFunction::default() };
    let version = if input.get("Publish").and_then(Value::as_bool).unwrap_or(false) {
        publish_latest(&mut lambda, None)
    } else {
        "$LATEST".to_string()
    };
    let f = LocalFunction {
        id: arn.clone(),
        arn,
        url: None,
        command: vec![],
        lambda: Some(Box::new(lambda)),
        created_at: lattice_api::now_rfc3339(),
        tags: tags_of(&json!({ "tags": input.get("Tags") })),
        account: ctx.account.clone(),
    };
    written(f, &version)
}

/// Writes the function; answers with the configuration of `version`.
fn written(f: LocalFunction, version: &str) -> OpResult {
    let body = match f.lambda.as_deref() {
        Some(l) => {
            let (version, config) = l.resolve(Some(version)).unwrap_or(("$LATEST".into(), &l.latest));
            wire(&f, l, &version, config)
        }
        None => Value::Null,
    };
    Outcome::write(vec![f.put()], body)
}

pub(crate) fn get_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, qualifier) = find(ctx, s, input)?;
    let (version, config) = l.resolve(qualifier.as_deref()).ok_or_else(|| not_found(&f.arn))?;
    Outcome::read(wire(f, l, &version, config))
}

pub(crate) fn get(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, qualifier) = find(ctx, s, input)?;
    let (version, config) = l.resolve(qualifier.as_deref()).ok_or_else(|| not_found(&f.arn))?;
    let mut body = json!({
        "Configuration": wire(f, l, &version, config),
        "Code": { "RepositoryType": "S3", "Location": format!("file://{}", config.code_path) },
        "Tags": f.tags,
    });
    if let Some(n) = l.reserved_concurrency {
        body["Concurrency"] = json!({ "ReservedConcurrentExecutions": n });
    }
    Outcome::read(body)
}

pub(crate) fn delete(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, qualifier) = find(ctx, s, input)?;
    match qualifier.as_deref() {
        None | Some("$LATEST") => Outcome::write(vec![f.delete()], Value::Null),
        Some(q) => {
            let n: u32 = q.parse().map_err(|_| {
                error(400, "InvalidParameterValueException", "Deletion of aliases is done with DeleteAlias")
            })?;
            let mut l = l.clone();
            l.versions.remove(&n).ok_or_else(|| not_found(&format!("{}:{n}", f.arn)))?;
            let f = LocalFunction { lambda: Some(Box::new(l)), ..f.clone() };
            Outcome::write(vec![f.put()], Value::Null)
        }
    }
}

/// Writes a changed function; answers with its `$LATEST` (or the version published).
fn changed(f: &LocalFunction, mut l: LambdaFunction, publish: bool) -> OpResult {
    l.revision = revision();
    let version = if publish { publish_latest(&mut l, None) } else { "$LATEST".to_string() };
    written(LocalFunction { lambda: Some(Box::new(l)), ..f.clone() }, &version)
}

fn check_revision(l: &LambdaFunction, input: &Value) -> Result<(), ApiError> {
    match str_of(input, "RevisionId") {
        Some(r) if r != l.revision => Err(error(412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")),
        _ => Ok(()),
    }
}

pub(crate) fn update_code(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    check_revision(l, input)?;
    let (sha, size, path) = store_code(ctx, input)?;
    let mut l = l.clone();
    (l.latest.code_sha256, l.latest.code_size, l.latest.code_path) = (sha, size, path);
    l.latest.last_modified = last_modified();
    changed(f, l, input.get("Publish").and_then(Value::as_bool).unwrap_or(false))
}

pub(crate) fn update_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    check_revision(l, input)?;
    let mut l = l.clone();
    configure(ctx, s, &mut l.latest, input)?;
    changed(f, l, false)
}

pub(crate) fn publish(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    check_revision(l, input)?;
    if str_of(input, "CodeSha256").is_some_and(|sha| sha != l.latest.code_sha256) {
        return Err(error(412, "PreconditionFailedException", "CodeSHA256 does not match the function's $LATEST code"));
    }
    let mut l = l.clone();
    l.revision = revision();
    let version = publish_latest(&mut l, str_of(input, "Description"));
    written(LocalFunction { lambda: Some(Box::new(l)), ..f.clone() }, &version)
}

pub(crate) fn list(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let items: Vec<Value> = s
        .local_functions
        .values()
        .filter(|f| ctx.owns(*f))
        .filter_map(|f| f.lambda.as_deref().map(|l| wire(f, l, "$LATEST", &l.latest)))
        .collect();
    Outcome::read(page(items, input, "Functions"))
}

pub(crate) fn versions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (f, l, _) = find(ctx, s, input)?;
    let mut items = vec![wire(f, l, "$LATEST", &l.latest)];
    items.extend(l.versions.iter().map(|(n, c)| wire(f, l, &n.to_string(), c)));
    Outcome::read(page(items, input, "Versions"))
}

/// One page after `Marker`, at most `MaxItems` (50 by default), as Lambda's `List*` answer.
pub(crate) fn page(items: Vec<Value>, input: &Value, key: &str) -> Value {
    const PAGING: Paging = Paging { size: "MaxItems", token: "Marker", default: 50, max: 10_000, next: "NextMarker" };
    page_at(items, input, key, &PAGING)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::kit::testing::{code, run, A, B};

    /// An account with a role Lambda may assume and a directory for code; the role's ARN.
    pub(crate) fn setup(name: &str) -> (State, Ctx, String) {
        let dir = std::env::temp_dir().join(format!("lattice-functions-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut ctx = Ctx::test(A);
        ctx.code_dir = Some(std::sync::Arc::new(dir));
        let mut s = State::default();
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let role =
            run(&mut s, &ctx, crate::iam::role::create, json!({ "RoleName": "fn", "AssumeRolePolicyDocument": trust }))
                .unwrap();
        (s, ctx, role["Role"]["Arn"].as_str().unwrap().to_string())
    }

    /// A `CreateFunction` input whose code is a (minimal) zip with `content`.
    pub(crate) fn function(name: &str, role: &str, content: &str) -> Value {
        let zip = base64::engine::general_purpose::STANDARD.encode(format!("PK\x03\x04{content}"));
        json!({ "FunctionName": name, "Role": role, "Runtime": "python3.12", "Handler": "app.handler",
                "Code": { "ZipFile": zip } })
    }

    #[test]
    fn functions_store_their_code_and_publish_only_what_changed() {
        let (mut s, a, role) = setup("config");
        let made = run(&mut s, &a, create, function("orders", &role, "v1")).unwrap();
        assert_eq!(made["FunctionArn"], format!("arn:aws:lambda:us-east-1:{A}:function:orders"));
        assert_eq!((made["Timeout"].clone(), made["MemorySize"].clone()), (json!(3), json!(128)));
        assert_eq!(code(run(&mut s, &a, create, function("orders", &role, "v1"))), "ResourceConflictException");
        let not_zip = json!({ "FunctionName": "x", "Role": role, "Code": { "ZipFile": "aGVsbG8=" } });
        assert_eq!(code(run(&mut s, &a, create, not_zip)), "InvalidParameterValueException");
        let foreign_role = function("y", &format!("arn:aws:iam::{B}:role/fn"), "v1");
        assert_eq!(code(run(&mut s, &a, create, foreign_role)), "InvalidParameterValueException");
        assert_eq!(s.local_functions.len(), 1, "nothing is stored on rejection");
        let first = run(&mut s, &a, publish, json!({ "FunctionName": "orders" })).unwrap();
        let again = run(&mut s, &a, publish, json!({ "FunctionName": "orders" })).unwrap();
        assert_eq!((first["Version"].clone(), again["Version"].clone()), (json!("1"), json!("1")), "nothing changed");
        let mut update = function("orders", &role, "v2");
        update["ZipFile"] = update["Code"]["ZipFile"].take();
        run(&mut s, &a, update_code, update).unwrap();
        assert_eq!(run(&mut s, &a, publish, json!({ "FunctionName": "orders" })).unwrap()["Version"], "2");
        let stale = json!({ "FunctionName": "orders", "Timeout": 9, "RevisionId": "stale" });
        assert_eq!(code(run(&mut s, &a, update_configuration, stale)), "PreconditionFailedException");
        run(&mut s, &a, update_configuration, json!({ "FunctionName": "orders", "Timeout": 9 })).unwrap();
        let one = run(&mut s, &a, get_configuration, json!({ "FunctionName": "orders", "Qualifier": "1" })).unwrap();
        assert_eq!(one["Timeout"], 3, "a published version keeps its configuration");
        assert_eq!(
            run(&mut s, &a, versions, json!({ "FunctionName": "orders" })).unwrap()["Versions"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            code(run(&mut s, &Ctx::test(B), get, json!({ "FunctionName": made["FunctionArn"] }))),
            "ResourceNotFoundException"
        );
        run(&mut s, &a, delete, json!({ "FunctionName": "orders", "Qualifier": "1" })).unwrap();
        run(&mut s, &a, delete, json!({ "FunctionName": "orders" })).unwrap();
        assert!(s.local_functions.is_empty());
    }
}
