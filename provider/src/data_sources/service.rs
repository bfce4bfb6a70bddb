//! `data "lattice_service"`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use crate::client::{Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::{s, visible_tags};
use crate::resources::service::service_state;
use crate::schema::{Attr, TypeSchema};

/// `data "lattice_service"` (mirrors `aws_vpclattice_service`).
pub(crate) struct ServiceData;

#[async_trait]
impl DataKind for ServiceData {
    fn label(&self) -> &'static str {
        "VPC Lattice Service"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Looks up a service by name or by id/ARN.",
            attrs: vec![
                Attr::string("name").optional_computed().doc("The service name (this or `service_identifier`)."),
                Attr::string("service_identifier").optional_computed().doc("Service id or ARN (this or `name`)."),
                Attr::string("id").computed(),
                Attr::string("arn").computed(),
                Attr::string("auth_type").computed(),
                Attr::string("certificate_arn").computed(),
                Attr::string("custom_domain_name").computed(),
                Attr::number("idle_timeout_seconds").computed(),
                Attr::string("status").computed(),
                Attr::dns_entry(),
                Attr::tags().computed(),
                Attr::tags_all(),
            ],
            blocks: vec![],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("name") == set("service_identifier")
            && !(config.get("name").is_none() && config.get("service_identifier").is_none())
        {
            diags.error(
                "Invalid lookup",
                "exactly one of name or service_identifier must be set",
                AttributePath::new("name"),
            );
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let ident = match (s(config, "service_identifier"), s(config, "name")) {
            (Some(id), _) => id.to_string(),
            (None, Some(name)) => find_service_by_name(c, name).await?,
            (None, None) => return Err(ClientError::Transport("one of name or service_identifier must be set".into())),
        };
        let r = c.op("GetService", json!({ "serviceIdentifier": ident })).await?;
        let tags = visible_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        let mut state = service_state(&r, &tags, &json!({ "tags": {} }));
        state["service_identifier"] = json!(ident);
        Ok(state)
    }
}

pub(crate) async fn find_service_by_name(c: &Client, name: &str) -> Result<String, ClientError> {
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({ "maxResults": 100 });
        if let Some(t) = &token {
            input["nextToken"] = json!(t);
        }
        let page = c.op("ListServices", input).await?;
        if let Some(found) = page["items"].as_array().into_iter().flatten().find(|i| s(i, "name") == Some(name)) {
            return Ok(s(found, "id").unwrap_or_default().to_string());
        }
        match s(&page, "nextToken") {
            Some(t) => token = Some(t.to_string()),
            None => return Err(ClientError::Transport(format!("no service named \"{name}\" was found"))),
        }
    }
}
