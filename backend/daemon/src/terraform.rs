//! `lattice-local terraform …`: runs Terraform with the `hashicorp/aws` provider pointed at the
//! backend, as `tflocal` does for LocalStack. Before Terraform runs, the working directory gets
//! `lattice_local_override.tf`, which sets every `provider "aws"` block's (aliases included)
//! endpoints — all of them, so nothing reaches real AWS — credentials and `skip_*` flags; and
//! Terraform runs with `AWS_ENDPOINT_URL`, keys and Region in its environment, which configure
//! the providers no block configures (a module without one, `terraform test` runs of other
//! modules). A CLI configuration that installs `hashicorp/aws` from a filesystem mirror is used when a mirror
//! is given (or found) and `TF_CLI_CONFIG_FILE` names no file that exists. The files are removed afterwards.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::UsageError;

const ENDPOINTS: &str = include_str!("aws_endpoints.txt");
const OVERRIDE: &str = "lattice_local_override.tf";

/// Where this machine kind keeps a mirror of `hashicorp/aws` (used when `--plugin-mirror` is
/// not given and it exists).
const KNOWN_MIRRORS: &[&str] = &["/opt/tf-plugins"];

pub(crate) struct Options {
    pub endpoint: String,
    pub region: String,
    /// The default provider's account, and `alias=account` pairs.
    pub accounts: Vec<String>,
    pub plugin_mirror: Option<PathBuf>,
    pub terraform: String,
    pub keep: bool,
    pub args: Vec<String>,
}

/// A `provider "aws"` block of the configuration.
#[derive(Debug, PartialEq)]
struct ProviderBlock {
    /// `None` for the default provider.
    alias: Option<String>,
    /// Whether the block sets its own `region` (kept: one backend serves every Region).
    region: bool,
}

/// The `provider "aws"` blocks of the `.tf` files in `dir`.
fn aws_providers(dir: &Path) -> Result<Vec<ProviderBlock>> {
    let mut found = vec![];
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !name.ends_with(".tf") || name == OVERRIDE {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        found.extend(provider_blocks(&text));
    }
    Ok(found)
}

/// The `provider "aws" { … }` blocks in an HCL text.
fn provider_blocks(text: &str) -> Vec<ProviderBlock> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(at) = rest.find("provider") {
        let after = &rest[at + "provider".len()..];
        rest = after;
        let header = after.trim_start();
        let Some(header) = header.strip_prefix("\"aws\"") else { continue };
        let Some(body_start) = header.trim_start().strip_prefix('{') else { continue };
        // The block's body, up to its matching brace.
        let mut depth = 1;
        let mut end = body_start.len();
        for (i, c) in body_start.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let body = &body_start[..end];
        // Attributes of the block itself (depth 0 of its body), as `name = value`.
        let attribute = |name: &str| {
            let mut depth = 0;
            body.lines().find_map(|line| {
                let at_top = depth == 0;
                depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
                let value = line.trim().strip_prefix(name)?.trim_start().strip_prefix('=')?.trim();
                at_top.then(|| value.trim_matches('"').to_string())
            })
        };
        out.push(ProviderBlock { alias: attribute("alias"), region: attribute("region").is_some() });
    }
    out
}

fn account_for(options: &Options, alias: Option<&str>) -> Result<String> {
    let mut default = lattice_api::DEFAULT_ACCOUNT.to_string();
    for given in &options.accounts {
        match given.split_once('=') {
            Some((a, account)) if Some(a) == alias => return Ok(account.to_string()),
            Some(_) => {}
            None => default = given.clone(),
        }
    }
    if !(default.len() == 12 && default.bytes().all(|b| b.is_ascii_digit())) {
        return Err(UsageError(format!("--account {default}: an account is 12 digits")).into());
    }
    Ok(default)
}

fn block(options: &Options, provider: &ProviderBlock) -> Result<String> {
    let alias = provider.alias.as_deref();
    let mut hcl = String::from("provider \"aws\" {\n");
    if let Some(alias) = alias {
        hcl += &format!("  alias = \"{alias}\"\n");
    }
    hcl += &format!("  access_key = \"{}\"\n  secret_key = \"lattice-local\"\n", account_for(options, alias)?);
    if !provider.region {
        hcl += &format!("  region = \"{}\"\n", options.region);
    }
    for flag in
        ["skip_credentials_validation", "skip_metadata_api_check", "skip_region_validation", "s3_use_path_style"]
    {
        hcl += &format!("  {flag} = true\n");
    }
    hcl += "  endpoints {\n";
    for service in ENDPOINTS.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        hcl += &format!("    {service} = \"{}\"\n", options.endpoint);
    }
    hcl += "  }\n}\n";
    Ok(hcl)
}

fn working_dir(args: &[String]) -> PathBuf {
    args.iter().find_map(|a| a.strip_prefix("-chdir=")).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

/// Writes the provider files; returns the paths written.
pub(crate) fn write_files(options: &Options, dir: &Path) -> Result<Vec<PathBuf>> {
    let blocks = aws_providers(dir)?;
    let mut written = vec![];
    let overrides: Vec<String> = blocks.iter().map(|provider| block(options, provider)).collect::<Result<_>>()?;
    if !overrides.is_empty() {
        let path = dir.join(OVERRIDE);
        std::fs::write(
            &path,
            format!("# Written by `lattice-local terraform`; removed when it ends.\n{}", overrides.join("\n")),
        )?;
        written.push(path);
    }
    Ok(written)
}

/// Terraform's name for this platform (`linux_amd64`).
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// A filesystem mirror holding the `lattice` provider built beside this binary (for modules
/// whose tests use `lattice_local_reachability`), at a stable place so `.terraform` links stay
/// valid: `$XDG_CACHE_HOME/lattice-local/providers` (or `~/.cache/…`).
fn lattice_mirror() -> Option<PathBuf> {
    let provider = std::env::current_exe().ok()?.with_file_name("terraform-provider-lattice");
    if !provider.is_file() {
        return None;
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let root = cache.join("lattice-local").join("providers");
    let dir = root.join("registry.terraform.io/lattice-local/lattice").join(env!("CARGO_PKG_VERSION")).join(platform());
    std::fs::create_dir_all(&dir).ok()?;
    let link = dir.join("terraform-provider-lattice");
    if std::fs::read_link(&link).ok().as_deref() != Some(provider.as_path()) {
        // Replaced whole (a link made aside, then renamed over), so a concurrent run never sees none.
        let aside = dir.join(format!(".link-{}", std::process::id()));
        let _ = std::fs::remove_file(&aside);
        std::os::unix::fs::symlink(&provider, &aside).ok()?;
        std::fs::rename(&aside, &link).ok()?;
    }
    Some(root)
}

/// The user's CLI configuration split for merging: everything but its `provider_installation`
/// block, and that block's `dev_overrides` (kept, so a provider built locally still wins).
fn user_config(text: &str) -> (String, Option<String>) {
    let Some(start) = text.find("provider_installation") else { return (text.to_string(), None) };
    let Some(open) = text[start..].find('{').map(|i| start + i) else { return (text.to_string(), None) };
    let mut depth = 0;
    let mut end = None;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = Some(open + i + 1);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(end) = end else { return (text.to_string(), None) };
    let block = &text[open + 1..end - 1];
    let overrides = block.find("dev_overrides").and_then(|d| {
        let from = d + block[d..].find('{')?;
        let to = from + block[from..].find('}')?;
        Some(format!("  dev_overrides {}\n", &block[from..=to]))
    });
    (format!("{}{}", &text[..start], &text[end..]), overrides)
}

fn cli_config(options: &Options) -> Option<(Vec<PathBuf>, tempfile_path::TempPath)> {
    // A CLI configuration the user has is kept, its provider installation merged with the
    // mirrors (its dev_overrides stay first), so `init` works offline either way.
    let user = std::env::var_os("TF_CLI_CONFIG_FILE")
        .filter(|f| Path::new(f).is_file())
        .and_then(|f| std::fs::read_to_string(f).ok())
        .map(|text| user_config(&text));
    let aws = options.plugin_mirror.clone().or_else(|| {
        KNOWN_MIRRORS.iter().map(PathBuf::from).find(|p| p.join("registry.terraform.io/hashicorp/aws").is_dir())
    });
    let mirrors: Vec<(PathBuf, &str)> = aws
        .map(|m| (m, "registry.terraform.io/hashicorp/aws"))
        .into_iter()
        .chain(lattice_mirror().map(|m| (m, "registry.terraform.io/lattice-local/lattice")))
        .collect();
    if mirrors.is_empty() {
        return None;
    }
    let (rest, overrides) = user.unwrap_or_default();
    let mut text = format!("{rest}\nprovider_installation {{\n{}", overrides.unwrap_or_default());
    for (path, provider) in &mirrors {
        text += &format!(
            "  filesystem_mirror {{\n    path = \"{}\"\n    include = [\"{provider}\"]\n  }}\n",
            path.display()
        );
    }
    let excluded: Vec<String> = mirrors.iter().map(|(_, p)| format!("\"{p}\"")).collect();
    text += &format!("  direct {{\n    exclude = [{}]\n  }}\n}}\n", excluded.join(", "));
    let temp = tempfile_path::TempPath::write("lattice-local-terraform-", ".tfrc", &text).ok()?;
    Some((mirrors.into_iter().map(|(p, _)| p).collect(), temp))
}

/// A file removed when dropped.
mod tempfile_path {
    use std::path::{Path, PathBuf};

    pub(crate) struct TempPath(PathBuf);

    impl TempPath {
        pub(crate) fn write(prefix: &str, suffix: &str, text: &str) -> std::io::Result<TempPath> {
            let path = std::env::temp_dir().join(format!("{prefix}{}{suffix}", std::process::id()));
            std::fs::write(&path, text)?;
            Ok(TempPath(path))
        }
        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// Runs Terraform as described in the module comment; its exit status becomes ours.
pub(crate) fn run(options: Options) -> Result<std::process::ExitCode> {
    let dir = working_dir(&options.args);
    let written = write_files(&options, &dir)?;
    let config = cli_config(&options);
    let mut command = std::process::Command::new(&options.terraform);
    command.args(&options.args);
    // Providers that no block configures take these; no per-service endpoint may lead elsewhere.
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| n.starts_with("AWS_ENDPOINT_URL_")) {
            command.env_remove(name);
        }
    }
    command
        .env("AWS_ENDPOINT_URL", &options.endpoint)
        .env("AWS_ACCESS_KEY_ID", account_for(&options, None)?)
        .env("AWS_SECRET_ACCESS_KEY", "lattice-local")
        .env("AWS_REGION", &options.region)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    if let Some((mirrors, file)) = &config {
        let shown: Vec<String> = mirrors.iter().map(|m| m.display().to_string()).collect();
        eprintln!("lattice-local: providers from the filesystem mirrors {}", shown.join(", "));
        command.env("TF_CLI_CONFIG_FILE", file.path());
    }
    let status = command.status().with_context(|| format!("running {}", options.terraform));
    if !options.keep {
        for path in &written {
            let _ = std::fs::remove_file(path);
        }
    }
    let status = status?;
    Ok(std::process::ExitCode::from(status.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_blocks_and_their_aliases_are_found() {
        let hcl = r#"
provider "aws" {
  region = "us-east-1"
  assume_role { role_arn = "x" }
}
provider "aws" {
  alias  = "consumer"
  assume_role {
    role_arn = "x"
    region   = "eu-west-1"
  }
}
provider "lattice" {}
resource "aws_vpc" "v" { provider = aws.consumer }
"#;
        assert_eq!(
            provider_blocks(hcl),
            vec![
                ProviderBlock { alias: None, region: true },
                ProviderBlock { alias: Some("consumer".to_string()), region: false }
            ]
        );
    }

    #[test]
    fn every_endpoint_points_at_the_backend_with_the_aliases_account() {
        let options = Options {
            endpoint: "http://127.0.0.1:1".into(),
            region: "us-east-1".into(),
            accounts: vec!["111111111111".into(), "consumer=222222222222".into()],
            plugin_mirror: None,
            terraform: "terraform".into(),
            keep: false,
            args: vec![],
        };
        let consumer = ProviderBlock { alias: Some("consumer".into()), region: false };
        let hcl = block(&options, &consumer).unwrap();
        assert!(hcl.contains("access_key = \"222222222222\"") && hcl.contains("alias = \"consumer\""), "{hcl}");
        assert!(hcl.contains("    vpclattice = \"http://127.0.0.1:1\"") && hcl.contains("    sts = "), "{hcl}");
        assert!(hcl.contains("  region = \"us-east-1\""), "a block without a Region gets the default: {hcl}");
        let default = ProviderBlock { alias: None, region: true };
        let hcl = block(&options, &default).unwrap();
        assert!(
            hcl.contains("access_key = \"111111111111\"") && !hcl.contains("  region ="),
            "its own Region is kept: {hcl}"
        );
        let bad = Options { accounts: vec!["12".into()], ..options };
        assert!(block(&bad, &default).is_err());
    }
}

#[cfg(test)]
mod config_tests {
    use super::user_config;

    #[test]
    fn a_users_dev_overrides_survive_the_merge() {
        let text = "plugin_cache_dir = \"/tmp/cache\"\nprovider_installation {\n  dev_overrides { \"registry.terraform.io/lattice-local/lattice\" = \"/x\" }\n  direct {}\n}\n";
        let (rest, overrides) = user_config(text);
        assert!(rest.contains("plugin_cache_dir") && !rest.contains("provider_installation"), "{rest}");
        assert_eq!(
            overrides.as_deref(),
            Some("  dev_overrides { \"registry.terraform.io/lattice-local/lattice\" = \"/x\" }\n")
        );
        assert_eq!(user_config("credentials {}\n"), ("credentials {}\n".to_string(), None));
    }
}
