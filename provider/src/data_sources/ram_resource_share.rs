//! `data "lattice_ram_resource_share"`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use crate::client::{Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::{s, tags_map};
use crate::schema::{Attr, BlockDef, TypeSchema};

/// `data "lattice_ram_resource_share"` (mirrors `aws_ram_resource_share`).
pub(crate) struct ResourceShareData;

#[async_trait]
impl DataKind for ResourceShareData {
    fn label(&self) -> &'static str {
        "RAM Resource Share"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Looks up one resource share you own (`SELF`) or that is shared with you (`OTHER-ACCOUNTS`), by name, status and tags.",
            attrs: vec![
                Attr::string("name").optional_computed().doc("The share name."),
                Attr::string("resource_owner").required().one_of(&["SELF", "OTHER-ACCOUNTS"]),
                Attr::string("resource_share_status")
                    .one_of(&["PENDING", "ACTIVE", "FAILED", "DELETING", "DELETED"]),
                Attr::string("id").computed().doc("The share ARN."),
                Attr::string("arn").computed(),
                Attr::string("status").computed(),
                Attr::string("owning_account_id").computed(),
                Attr::list_of_string("resource_arns").computed().doc("ARNs of the shared resources."),
                Attr::tags().optional_computed(),
            ],
            blocks: vec![BlockDef::new("filter", 0, 50).doc("Tag filters: shares with tag `name` set to one of `values`.").attrs(vec![
                Attr::string("name").required(),
                Attr::list_of_string("values").required(),
            ])],
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let owner = s(config, "resource_owner").unwrap_or("SELF");
        let mut query = json!({ "resourceOwner": owner });
        if let Some(name) = s(config, "name") {
            query["name"] = json!(name);
        }
        if let Some(status) = s(config, "resource_share_status") {
            query["resourceShareStatus"] = json!(status);
        }
        let filters: Vec<Json> = config
            .get("filter")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|f| json!({ "tagKey": f.get("name"), "tagValues": f.get("values") }))
            .collect();
        if !filters.is_empty() {
            query["tagFilters"] = json!(filters);
        }
        let r = c.ram("GetResourceShares", query).await?;
        let shares = r["resourceShares"].as_array().cloned().unwrap_or_default();
        let share = match shares.as_slice() {
            [one] => one,
            [] => {
                return Err(ClientError::Transport(format!(
                    "no resource share ({owner}) matches name {:?} and the filters",
                    s(config, "name")
                )))
            }
            many => {
                return Err(ClientError::Transport(format!(
                    "{} resource shares match; narrow the search with name or filter",
                    many.len()
                )))
            }
        };
        let arn = s(share, "resourceShareArn").unwrap_or_default();
        let res = c.ram("ListResources", json!({ "resourceOwner": owner, "resourceShareArns": [arn] })).await?;
        let resource_arns: Vec<&str> =
            res["resources"].as_array().into_iter().flatten().filter_map(|x| s(x, "arn")).collect();
        let tags = tags_map(share.get("tags"));
        Ok(json!({
            "name": share["name"], "resource_owner": owner, "resource_share_status": config.get("resource_share_status"),
            "id": arn, "arn": arn, "status": share["status"], "owning_account_id": share["owningAccountId"],
            "resource_arns": resource_arns, "tags": tags, "filter": config.get("filter"),
        }))
    }
}
