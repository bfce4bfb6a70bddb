//! `explain`: why a request from a VPC would or would not get through, step by step.

use anyhow::{Context, Result};

use crate::client::admin_json;
use crate::ExplainArgs;

/// Asks the backend to explain a request and prints the trace; exits 2 when it does not get
/// through.
pub(crate) async fn explain(args: ExplainArgs) -> Result<()> {
    let mut body = serde_json::json!({ "vpcId": args.vpc, "method": args.method });
    if args.target.contains("://") {
        body["url"] = args.target.clone().into();
    } else {
        body["address"] = args.target.clone().into();
    }
    let mut headers = serde_json::Map::new();
    for h in &args.headers {
        let (name, value) = h.split_once(':').with_context(|| format!("header '{h}' is not 'Name: value'"))?;
        headers.insert(name.trim().to_string(), value.trim().into());
    }
    body["headers"] = headers.into();
    if let Some(p) = &args.principal {
        body["principal"] = p.clone().into();
    }
    if let Some(source) = args.source {
        body["sourceAddress"] = source.to_string().into();
    }
    if let (Some(k), Some(s)) = (&args.access_key, &args.secret_key) {
        body["accessKeyId"] = k.clone().into();
        body["secretAccessKey"] = s.clone().into();
    }
    let account = crate::vpc::owner_of(&args.owner, &args.vpc).await?;
    let endpoint = &args.owner.endpoint.endpoint;
    let answer = admin_json(endpoint, reqwest::Method::POST, "/explain", &account, Some(body)).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", explanation_text(&args, &answer));
    }
    if answer.get("reachable").and_then(serde_json::Value::as_bool) != Some(true) {
        std::process::exit(2);
    }
    Ok(())
}

/// The explanation for people: a verdict line, then one line per step (with the policy
/// statement and condition keys under the policy steps).
pub(crate) fn explanation_text(args: &ExplainArgs, answer: &serde_json::Value) -> String {
    use std::fmt::Write;
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    let verdict = match (answer.get("reachable").and_then(serde_json::Value::as_bool), answer.get("status")) {
        (Some(true), Some(serde_json::Value::Number(n))) => format!("REACHABLE: the data plane answers {n}"),
        (Some(true), _) => "REACHABLE".to_string(),
        (_, Some(serde_json::Value::Number(n))) => format!("NOT REACHABLE: {n}"),
        _ => format!("NOT REACHABLE ({})", text(answer, "outcome")),
    };
    let request =
        if args.target.contains("://") { format!("{} {}", args.method, args.target) } else { args.target.clone() };
    let mut out = format!("{request} from {}\n=> {verdict}, decided by {}\n", args.vpc, text(answer, "decidedBy"));
    for step in answer.get("steps").and_then(serde_json::Value::as_array).into_iter().flatten() {
        let ok = step.get("ok").and_then(serde_json::Value::as_bool) == Some(true);
        let _ = writeln!(
            out,
            "  {:<4} {:<16} {}",
            if ok { "ok" } else { "FAIL" },
            text(step, "step"),
            text(step, "detail")
        );
        let facts = step.get("facts").unwrap_or(&serde_json::Value::Null);
        if let Some(st) = facts.get("statement").filter(|s| !s.is_null()) {
            let _ = writeln!(out, "{:23}statement: {st}", "");
        }
        if let Some(keys) = facts.get("conditionKeys").and_then(serde_json::Value::as_object).filter(|k| !k.is_empty())
        {
            for (k, v) in keys {
                let _ = writeln!(out, "{:23}{k} = {v}", "");
            }
        }
    }
    let _ = writeln!(out, "{}", text(answer, "summary"));
    out
}
