//! The `lattice` provider: its configuration block, the shared client, and the registry of
//! resource and data source types.

use std::collections::HashMap;

use async_trait::async_trait;
use lattice_api::{DEFAULT_ENDPOINT, DEFAULT_REGION};
use tf_provider::schema::Schema;
use tf_provider::value::ValueAny;
use tf_provider::{AttributePath, Diagnostics, DynamicDataSource, DynamicResource, Provider};

use crate::client::{start_bundled_backend, Client, SharedClient};
use crate::engine::{to_json, GenericDataSource, GenericResource};
use crate::schema::{Attr, BlockDef, Ty, TypeSchema};
use crate::{data_sources, resources};

#[derive(Default)]
pub(crate) struct LatticeProvider {
    client: SharedClient,
}

fn provider_schema() -> TypeSchema {
    TypeSchema {
        description: "Manages VPC Lattice objects on a local lattice-local backend, which also runs their data plane (DNS and proxies).",
        attrs: vec![
            Attr::string("endpoint").doc("URL of the lattice-local API. Defaults to `$LATTICE_ENDPOINT`, else `http://127.0.0.1:4599`; with neither set and no backend answering, the provider starts the bundled backend."),
            Attr::string("region").doc("The Region the provider acts in (one backend serves every Region): where what it creates lives and what it sees. Defaults to `$LATTICE_REGION`, else `us-east-1`."),
            Attr::string("access_key").doc("Access key. A 12-digit key acts as that account; a `lattice_local_principal`'s key as that role or user (with its secret); anything else (default `test`) as account 000000000000."),
            Attr::string("secret_key").doc("Secret key. Defaults to `test`."),
        ],
        blocks: vec![BlockDef::new("default_tags", 0, 1)
            .doc("Tags every taggable resource of this provider gets, as in the AWS provider; a resource's own `tags` win.")
            .attrs(vec![Attr::typed("tags", Ty::MapOfString).doc("The default tags.")])],
    }
}

/// tf-provider prefixes type names with the provider name (`lattice_`), so types are
/// registered without it.
fn bare(name: &str) -> String {
    name.strip_prefix("lattice_").unwrap_or(name).to_string()
}

#[async_trait]
impl Provider for LatticeProvider {
    type Config<'a> = ValueAny;
    type MetaState<'a> = ValueAny;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let mut schema = provider_schema().to_terraform();
        if let Some(secret) = schema.block.attributes.get_mut("secret_key") {
            secret.sensitive = true;
        }
        Some(schema)
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        let config = to_json(&config);
        if let Some(endpoint) = config.get("endpoint").and_then(|e| e.as_str()) {
            if !endpoint.starts_with("http://") {
                diags.error(
                    "Invalid endpoint",
                    format!("\"{endpoint}\" must be an http:// URL of a lattice-local backend"),
                    AttributePath::new("endpoint"),
                );
            }
        }
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let config = to_json(&config);
        let get = |k: &str| config.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let explicit_endpoint = get("endpoint").or_else(|| env("LATTICE_ENDPOINT"));
        // LATTICE_LOCAL_DEFAULT_ENDPOINT moves the default (auto-start) endpoint, for tests
        // that must not use a fixed port; it is not an explicit endpoint.
        let default_endpoint = env("LATTICE_LOCAL_DEFAULT_ENDPOINT").unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        let mut client = Client::new(
            explicit_endpoint.clone().unwrap_or(default_endpoint),
            get("region").or_else(|| env("LATTICE_REGION")).unwrap_or_else(|| DEFAULT_REGION.to_string()),
            get("access_key").unwrap_or_else(|| "test".into()),
            get("secret_key").unwrap_or_else(|| "test".into()),
        );
        let defaults = config.get("default_tags").and_then(|b| b.get(0)).and_then(|b| b.get("tags"));
        client.default_tags = defaults.and_then(|t| t.as_object()).cloned().unwrap_or_default();
        if let Some(endpoint) = &explicit_endpoint {
            if !client.healthy().await {
                let source =
                    if get("endpoint").is_some() { "the provider's endpoint argument" } else { "LATTICE_ENDPOINT" };
                diags.root_error(
                    "No lattice-local backend",
                    format!(
                        "nothing answers at {endpoint} (set by {source}); the provider starts a backend itself only when no endpoint is given. Start one there: `LATTICE_ENDPOINT={endpoint} lattice-local serve` (it listens where the variable points), or unset the endpoint to use the bundled one"
                    ),
                );
                return None;
            }
        } else if !client.healthy().await {
            match start_bundled_backend(&client).await {
                Ok(message) => diags.root_warning("Started the lattice-local backend", message),
                Err(e) => {
                    diags.root_error("No lattice-local backend", e);
                    return None;
                }
            }
        }
        self.client.set(client);
        Some(())
    }

    fn get_resources(&self, _diags: &mut Diagnostics) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(
            resources::all()
                .into_iter()
                .map(|(name, kind)| {
                    let r: Box<dyn DynamicResource> = Box::new(GenericResource { kind, client: self.client.clone() });
                    (bare(name), r)
                })
                .collect(),
        )
    }

    fn get_data_sources(&self, _diags: &mut Diagnostics) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(
            data_sources::all()
                .into_iter()
                .map(|(name, kind)| {
                    let d: Box<dyn DynamicDataSource> =
                        Box::new(GenericDataSource { kind, client: self.client.clone() });
                    (bare(name), d)
                })
                .collect(),
        )
    }
}
