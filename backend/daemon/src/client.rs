//! The CLI's side of the admin API: signed calls (a 12-digit access key acts as that account),
//! and the verbs that only ask the backend: `stop`, `status`, `ca`.

use anyhow::{bail, Context, Result};
use lattice_api::{sigv4, DEFAULT_REGION};

/// Prints the backend's health; fails when it is degraded (an address it needs is held by
/// another process), naming what.
pub(crate) async fn status(endpoint: &str, data_dir: &std::path::Path) -> Result<()> {
    let url = format!("{}/_lattice-local/health", endpoint.trim_end_matches('/'));
    let health: serde_json::Value = reqwest::get(&url)
        .await
        .with_context(|| format!("no lattice-local backend answers at {endpoint}"))?
        .json()
        .await?;
    let text =
        |v: &serde_json::Value, k: &str| v.get(k).map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string));
    let state = text(&health, "status").unwrap_or_default();
    match operator_json(endpoint, data_dir, "/status").await {
        Some(Ok(s)) => {
            println!(
                "lattice-local {} (pid {}) at {endpoint}: {state}",
                text(&s, "version").unwrap_or_default(),
                text(&s, "pid").unwrap_or_default()
            );
            println!("data directory: {}", text(&s, "dataDir").unwrap_or_default());
            println!("VPC pool: {}", text(&s, "vpcPool").unwrap_or_default());
            let regions: Vec<&str> = s["regions"].as_array().into_iter().flatten().filter_map(|r| r.as_str()).collect();
            println!("Regions: {}", regions.join(", "));
            let objects: Vec<String> =
                s["objects"].as_object().into_iter().flatten().map(|(k, v)| format!("{k} {v}")).collect();
            println!("objects: {}", objects.join(", "));
            for t in s["failingTargets"].as_array().into_iter().flatten() {
                println!(
                    "failing target: {} {} ({}, {})",
                    text(t, "targetGroupId").unwrap_or_default(),
                    text(t, "address").unwrap_or_default(),
                    text(t, "status").unwrap_or_default(),
                    text(t, "lastConnection").unwrap_or_default()
                );
            }
        }
        // Not this backend's operator: what anyone may see.
        _ => println!(
            "lattice-local at {endpoint}: {state} (Region {}; details need its operator key, {})",
            text(&health, "region").unwrap_or_default(),
            data_dir.join("operator.key").display()
        ),
    }
    match health.get("unbound").and_then(serde_json::Value::as_array) {
        Some(unbound) if !unbound.is_empty() => {
            let list: Vec<String> = unbound
                .iter()
                .map(|u| format!("{} ({})", u["address"].as_str().unwrap_or("?"), u["error"].as_str().unwrap_or("?")))
                .collect();
            bail!(
                "degraded: another process holds {}; the backend keeps trying (another lattice-local on the same --vpc-pool?)",
                list.join(", ")
            )
        }
        _ => Ok(()),
    }
}

/// Calls the admin API and prints the JSON answer; a non-2xx answer is an error.
pub(crate) async fn admin(
    endpoint: &str,
    method: reqwest::Method,
    path: &str,
    account: &str,
    body: Option<serde_json::Value>,
) -> Result<()> {
    let answer = admin_json(endpoint, method, path, account, body).await?;
    if !answer.is_null() {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    }
    Ok(())
}

/// Calls the admin API as `account` (a 12-digit key acts as that account's root) and returns
/// its JSON answer; a non-2xx answer is an error.
pub(crate) async fn admin_json(
    endpoint: &str,
    method: reqwest::Method,
    path: &str,
    account: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value> {
    signed_json(endpoint, method, path, (account, "test"), body).await
}

/// Asks the backend, as its operator (the key in `data_dir`'s `operator.key`, readable by the
/// machine's owner only), what no account may: `GET /operator/…`. `None` when the key cannot be
/// read (another user's backend, or another data directory).
pub(crate) async fn operator_json(
    endpoint: &str,
    data_dir: &std::path::Path,
    path: &str,
) -> Option<Result<serde_json::Value>> {
    let secret = std::fs::read_to_string(data_dir.join("operator.key")).ok()?;
    let key = lattice_control::OPERATOR_KEY_ID;
    Some(signed_json(endpoint, reqwest::Method::GET, &format!("/operator{path}"), (key, secret.trim()), None).await)
}

/// Prints the web UI's address with its token, once the backend at `endpoint` answers and
/// the token opens it (another backend's data directory would give a token that does not).
pub(crate) async fn ui(endpoint: &str, data_dir: &std::path::Path) -> Result<()> {
    let secret = std::fs::read_to_string(data_dir.join("operator.key")).with_context(|| {
        format!("no operator key in {} (the data directory of the backend to show)", data_dir.display())
    })?;
    let url = format!("{}/ui/?token={}", endpoint.trim_end_matches('/'), lattice_control::ui::token(secret.trim()));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let resp =
        client.get(&url).send().await.with_context(|| format!("no lattice-local backend answers at {endpoint}"))?;
    if resp.status() != reqwest::StatusCode::SEE_OTHER {
        bail!(
            "the backend at {endpoint} does not take this token ({}): is {} its data directory?",
            resp.status(),
            data_dir.display()
        );
    }
    println!("{url}");
    Ok(())
}

/// The message of an AWS-shaped error answer, or the answer itself.
fn error_message(status: reqwest::StatusCode, text: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let message = parsed.as_ref().and_then(|v| v.get("message").or_else(|| v.get("Message"))).and_then(|m| m.as_str());
    match message {
        Some(m) => {
            let fields: Vec<String> = parsed
                .as_ref()
                .and_then(|v| v.get("fieldList"))
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
                .filter_map(|f| Some(format!("{}: {}", f.get("name")?.as_str()?, f.get("message")?.as_str()?)))
                .collect();
            if fields.is_empty() {
                m.to_string()
            } else {
                format!("{m} ({})", fields.join("; "))
            }
        }
        None => format!("{status}: {}", text.trim()),
    }
}

async fn signed_json(
    endpoint: &str,
    method: reqwest::Method,
    path: &str,
    (key, secret): (&str, &str),
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value> {
    let endpoint = endpoint.trim_end_matches('/');
    let url = format!("{endpoint}/_lattice-local{path}");
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    // Signed as the account's root (a 12-digit access key acts as that account).
    let host = endpoint.split("://").nth(1).unwrap_or(endpoint).to_string();
    let mut headers = vec![("host".to_string(), host)];
    if !body.is_empty() {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    let (raw_path, raw_query) = path.split_once('?').unwrap_or((path, ""));
    let raw_path = format!("/_lattice-local{raw_path}");
    let signable = sigv4::SignableRequest {
        method: method.as_str(),
        raw_path: &raw_path,
        raw_query,
        headers: &headers,
        body: &body,
    };
    let client = reqwest::Client::new();
    let region = backend_region(&client, endpoint).await?;
    let added = sigv4::sign(&signable, key, secret, &region, "lattice-local", time::OffsetDateTime::now_utc());
    let mut req = client.request(method, &url);
    for (k, v) in headers.iter().chain(&added).filter(|(k, _)| k != "host") {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req.body(body);
    let resp = req.send().await.with_context(|| format!("no lattice-local backend answers at {endpoint}"))?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("{}", error_message(status, &text));
    }
    if text.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(&text).with_context(|| format!("the backend answered something that is not JSON: {text}"))
}

/// The region a backend serves (its signatures are scoped to it), from its health answer.
pub(crate) async fn backend_region(client: &reqwest::Client, endpoint: &str) -> Result<String> {
    let health: serde_json::Value = client
        .get(format!("{endpoint}/_lattice-local/health"))
        .send()
        .await
        .with_context(|| format!("no lattice-local backend answers at {endpoint}"))?
        .json()
        .await
        .with_context(|| format!("the backend at {endpoint} answered its health check with something else"))?;
    Ok(health.get("region").and_then(serde_json::Value::as_str).unwrap_or(DEFAULT_REGION).to_string())
}

/// `stop`: asks the backend to stop (signed, as any admin call).
pub(crate) async fn stop(endpoint: &str) -> Result<()> {
    admin(endpoint, reqwest::Method::POST, "/shutdown", lattice_api::DEFAULT_ACCOUNT, None).await
}

/// `ca`: prints the local CA's certificate (public: answered unsigned).
pub(crate) async fn ca(endpoint: &str) -> Result<()> {
    let url = format!("{}/_lattice-local/ca", endpoint.trim_end_matches('/'));
    let pem = reqwest::get(&url).await.with_context(|| format!("no lattice-local backend answers at {endpoint}"))?;
    print!("{}", pem.error_for_status()?.text().await?);
    Ok(())
}
