//! `vpc info / list / create / proxy-url` and `exec` (a command in a VPC's network namespace).

use anyhow::{bail, Context, Result};

use crate::client::{admin, admin_json, operator_json};
use crate::{VpcCommand, VpcOwner};

/// The account a command acts as on `vpc`: the one given, else the VPC's owner as the backend's
/// operator finds it (refused when several accounts have a VPC of that id), else the default account.
pub(crate) async fn owner_of(owner: &VpcOwner, vpc: &str) -> Result<String> {
    if let Some(account) = &owner.account {
        return Ok(account.clone());
    }
    let dir = owner.data_dir.clone().unwrap_or_else(crate::serve::default_data_dir);
    match operator_json(&owner.endpoint.endpoint, &dir, &format!("/vpcs/{vpc}")).await {
        Some(Ok(found)) => Ok(found["ownerId"].as_str().unwrap_or(lattice_api::DEFAULT_ACCOUNT).to_string()),
        Some(Err(e)) if e.to_string().contains("not found") || e.to_string().contains("--account") => Err(e),
        // Not this backend's operator (another data directory): act as the default account.
        _ => Ok(lattice_api::DEFAULT_ACCOUNT.to_string()),
    }
}

/// Runs `command` in the network namespace of `vpc` (created by the backend on demand).
pub(crate) async fn exec(vpc: &str, owner: &VpcOwner, command: &[String]) -> Result<()> {
    let account = owner_of(owner, vpc).await?;
    let path = format!("/vpcs/{vpc}/namespace");
    let ns = admin_json(&owner.endpoint.endpoint, reqwest::Method::POST, &path, &account, None).await?;
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
        VpcCommand::Info { vpc_id, owner } => {
            let account = owner_of(&owner, &vpc_id).await?;
            admin(&owner.endpoint.endpoint, reqwest::Method::GET, &format!("/vpcs/{vpc_id}"), &account, None).await
        }
        VpcCommand::ProxyUrl { vpc_id, owner } => {
            let account = owner_of(&owner, &vpc_id).await?;
            let path = format!("/vpcs/{vpc_id}");
            let info = admin_json(&owner.endpoint.endpoint, reqwest::Method::GET, &path, &account, None).await?;
            match info.get("proxyUrl").and_then(serde_json::Value::as_str) {
                Some(url) => println!("{url}"),
                None => bail!("the forward proxy of {vpc_id} is not listening (see the backend's log)"),
            }
            Ok(())
        }
        VpcCommand::List { endpoint, all_accounts: true, data_dir, .. } => {
            let dir = data_dir.unwrap_or_else(crate::serve::default_data_dir);
            let Some(answer) = operator_json(&endpoint.endpoint, &dir, "/vpcs").await else {
                bail!(
                    "--all-accounts needs the backend's operator key, {}: pass the backend's --data-dir (as the user it runs as)",
                    dir.join("operator.key").display()
                );
            };
            println!("{}", serde_json::to_string_pretty(&answer?)?);
            Ok(())
        }
        VpcCommand::List { endpoint, account, .. } => {
            admin(&endpoint.endpoint, reqwest::Method::GET, "/vpcs", &account, None).await
        }
        VpcCommand::Create { vpc_id, endpoint, account } => {
            let body = serde_json::json!({ "vpcId": vpc_id });
            admin(&endpoint.endpoint, reqwest::Method::POST, "/vpcs", &account, Some(body)).await
        }
    }
}
