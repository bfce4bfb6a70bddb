//! LAMBDA targets: the request becomes a Lattice event (V1 or V2), the function gets it (a
//! Lambda API function's handler in its worker; a local stand-in's URL or command) and its
//! answer becomes the HTTP response. A handler that raises answers 502, one that runs past
//! its timeout 504, and a function whose resource policy does not let VPC Lattice invoke it
//! 502 as well (with the reason in the data plane's log).

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use hyper::http::request::Parts;
use lattice_model::snapshot::FunctionTarget;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Largest request body passed to a function, as in Lattice.
pub(crate) const MAX_BODY: usize = 6 << 20;
const TIMEOUT: Duration = Duration::from_secs(30);

/// Where the event comes from: ARNs for the request context.
pub(crate) struct EventContext<'a> {
    pub service_network_arn: &'a str,
    pub service_arn: &'a str,
    pub target_group_arn: &'a str,
    pub source_vpc_arn: &'a str,
    pub region: &'a str,
    /// The authenticated caller, if the request was signed to an `AWS_IAM` service.
    pub caller: Option<&'a lattice_model::auth::Identity>,
}

fn body_field(body: &Bytes) -> (Value, bool) {
    if body.is_empty() {
        return (Value::Null, false);
    }
    match std::str::from_utf8(body) {
        Ok(text) => (json!(text), false),
        Err(_) => (json!(base64::engine::general_purpose::STANDARD.encode(body)), true),
    }
}

/// The Lattice event for a request.
pub(crate) fn event(version: &str, parts: &Parts, body: &Bytes, ctx: &EventContext<'_>) -> Value {
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        headers.entry(name.as_str().to_string()).or_default().push(value.to_str().unwrap_or_default().to_string());
    }
    let query: BTreeMap<String, String> = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| percent_decode(s);
            (dec(k), dec(v))
        })
        .collect();
    let (body, encoded) = body_field(body);
    if version == "V2" {
        let micros =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0);
        json!({
            "version": "2.0",
            "path": parts.uri.path(),
            "method": parts.method.as_str(),
            "headers": headers,
            "queryStringParameters": query,
            "body": body,
            "isBase64Encoded": encoded,
            "requestContext": {
                "serviceNetworkArn": ctx.service_network_arn,
                "serviceArn": ctx.service_arn,
                "targetGroupArn": ctx.target_group_arn,
                "identity": identity(ctx),
                "region": ctx.region,
                "timeEpoch": micros.to_string(),
            },
        })
    } else {
        let joined: BTreeMap<String, String> = headers.into_iter().map(|(k, v)| (k, v.join(","))).collect();
        json!({
            "raw_path": parts.uri.path_and_query().map_or("/", |p| p.as_str()),
            "method": parts.method.as_str(),
            "headers": joined,
            "query_string_parameters": query,
            "body": body,
            "is_base64_encoded": encoded,
        })
    }
}

/// `requestContext.identity` of a V2 event: only the source VPC for anonymous callers.
fn identity(ctx: &EventContext<'_>) -> Value {
    let mut identity = json!({ "sourceVpcArn": ctx.source_vpc_arn });
    if let Some(c) = ctx.caller {
        identity["type"] = json!("AWS_IAM");
        identity["principal"] = json!(c.arn);
        identity["principalOrgID"] = json!(c.org_id);
        identity["sessionName"] = json!(c.session_name);
    }
    identity
}

/// A query-string component, decoded (`+` is a space).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// How functions are reached.
#[derive(Clone)]
pub(crate) struct Functions {
    /// For stand-ins served at a URL.
    pub http: reqwest::Client,
    /// Workers running Lambda API functions.
    pub workers: std::sync::Arc<lattice_runtime::functions::Workers>,
}

/// Why a function gave no usable answer, and the status the client gets.
#[derive(Debug)]
pub(crate) struct Failed {
    pub status: u16,
    pub reason: String,
}

impl From<String> for Failed {
    fn from(reason: String) -> Self {
        Failed { status: 502, reason }
    }
}

/// Calls the function with the event; its JSON answer.
pub(crate) async fn invoke(f: &FunctionTarget, event: &Value, functions: &Functions) -> Result<Value, Failed> {
    if !f.permitted {
        let reason = format!("the resource policy of {} does not allow vpc-lattice.amazonaws.com to invoke it", f.arn);
        return Err(Failed { status: 502, reason });
    }
    if let Some(spec) = &f.runtime {
        use lattice_runtime::functions::Failure;
        return match functions.workers.invoke(spec, &f.arn, event).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => Err(Failed { status: 502, reason: format!("the function raised {error}") }),
            Err(Failure::Timeout) => Err(Failed { status: 504, reason: format!("{} timed out", f.arn) }),
            Err(Failure::Crashed(why)) => Err(Failed { status: 502, reason: why }),
        };
    }
    Ok(invoke_stand_in(f, event, &functions.http).await?)
}

/// A local stand-in: its URL gets the event POSTed, or its command gets it on stdin.
async fn invoke_stand_in(f: &FunctionTarget, event: &Value, http: &reqwest::Client) -> Result<Value, String> {
    let payload = event.to_string();
    let raw = if let Some(url) = &f.url {
        let resp =
            http.post(url).header("content-type", "application/json").body(payload).timeout(TIMEOUT).send().await;
        let resp = resp.map_err(|e| format!("function {} did not answer at {url}: {e}", f.arn))?;
        resp.bytes().await.map_err(|e| e.to_string())?.to_vec()
    } else {
        let (program, args) = f.command.split_first().ok_or("the function has neither url nor command")?;
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = child.stdout.take().ok_or("no stdout")?;
        let run = async {
            stdin.write_all(payload.as_bytes()).await.map_err(|e| e.to_string())?;
            drop(stdin);
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
            child.wait().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(out)
        };
        tokio::time::timeout(TIMEOUT, run).await.map_err(|_| format!("function {} timed out", f.arn))??
    };
    serde_json::from_slice(&raw).map_err(|e| format!("function {} answered invalid JSON: {e}", f.arn))
}

/// A function's answer, ready to become an HTTP response.
pub(crate) struct FunctionResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// The function's answer as an HTTP response: status, headers and body (base64-decoded when
/// `isBase64Encoded`).
pub(crate) fn response(answer: &Value) -> Result<FunctionResponse, String> {
    let status = answer.get("statusCode").and_then(Value::as_u64).unwrap_or(200);
    let status = u16::try_from(status).ok().filter(|s| (100..=599).contains(s)).ok_or("invalid statusCode")?;
    let headers: Vec<(String, String)> = answer
        .get("headers")
        .and_then(Value::as_object)
        .map(|h: &Map<String, Value>| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let text = answer.get("body").and_then(Value::as_str).unwrap_or_default();
    let body = if answer.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false) {
        base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| format!("body is not base64: {e}"))?
    } else {
        text.as_bytes().to_vec()
    };
    Ok(FunctionResponse { status, headers, body: Bytes::from(body) })
}
