//! `vpc info / list / create / proxy-url` and `exec` (a command in a VPC's network namespace).

use anyhow::{bail, Context, Result};

use crate::client::{admin, admin_json};
use crate::VpcCommand;

/// Runs `command` in the network namespace of `vpc` (created by the backend on demand).
pub(crate) async fn exec(vpc: &str, endpoint: &str, account: &str, command: &[String]) -> Result<()> {
    let path = format!("/vpcs/{vpc}/namespace");
    let ns = admin_json(endpoint, reqwest::Method::POST, &path, account, None).await?;
    let name = ns.get("namespace").and_then(serde_json::Value::as_str).context("the backend named no namespace")?;
    let status = tokio::process::Command::new("ip")
        .args(["netns", "exec", name])
        .args(command)
        .status()
        .await
        .context("cannot run `ip netns exec` (iproute2)")?;
    std::process::exit(status.code().unwrap_or(1));
}

/// The `vpc` verbs.
pub(crate) async fn run(command: VpcCommand) -> Result<()> {
    match command {
        VpcCommand::Info { vpc_id, endpoint, account } => {
            admin(&endpoint.endpoint, reqwest::Method::GET, &format!("/vpcs/{vpc_id}"), &account, None).await
        }
        VpcCommand::ProxyUrl { vpc_id, endpoint, account } => {
            let path = format!("/vpcs/{vpc_id}");
            let info = admin_json(&endpoint.endpoint, reqwest::Method::GET, &path, &account, None).await?;
            match info.get("proxyUrl").and_then(serde_json::Value::as_str) {
                Some(url) => println!("{url}"),
                None => bail!("the forward proxy of {vpc_id} is not listening (see the backend's log)"),
            }
            Ok(())
        }
        VpcCommand::List { endpoint, account } => {
            admin(&endpoint.endpoint, reqwest::Method::GET, "/vpcs", &account, None).await
        }
        VpcCommand::Create { vpc_id, endpoint, account } => {
            let body = serde_json::json!({ "vpcId": vpc_id });
            admin(&endpoint.endpoint, reqwest::Method::POST, "/vpcs", &account, Some(body)).await
        }
    }
}
