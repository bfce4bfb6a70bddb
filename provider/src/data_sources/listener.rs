//! `data "lattice_listener"`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use crate::client::{Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::{s, visible_tags};
use crate::schema::{Attr, Ty, TypeSchema};

/// `data "lattice_listener"` (mirrors `aws_vpclattice_listener`).
pub(crate) struct ListenerData;

#[async_trait]
impl DataKind for ListenerData {
    fn label(&self) -> &'static str {
        "VPC Lattice Listener"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Looks up a listener of a service.",
            attrs: vec![
                Attr::string("id").computed().doc("The listener id."),
                Attr::string("service_identifier").required().doc("Service id or ARN."),
                Attr::string("listener_identifier").required().doc("Listener id or ARN."),
                Attr::string("arn").computed(),
                Attr::string("created_at").computed(),
                Attr::string("last_updated_at").computed(),
                Attr::string("listener_id").computed(),
                Attr::string("name").computed(),
                Attr::number("port").computed(),
                Attr::string("protocol").computed(),
                Attr::string("service_arn").computed(),
                Attr::string("service_id").computed(),
                Attr::typed("default_action", default_action_type()).computed(),
                Attr::tags().computed(),
            ],
            blocks: vec![],
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let svc = s(config, "service_identifier").unwrap_or_default();
        let listener = s(config, "listener_identifier").unwrap_or_default();
        let r = c.op("GetListener", json!({ "serviceIdentifier": svc, "listenerIdentifier": listener })).await?;
        let tags = visible_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(json!({
            "id": r["id"], "service_identifier": svc, "listener_identifier": listener,
            "arn": r["arn"], "created_at": r["createdAt"], "last_updated_at": r["lastUpdatedAt"],
            "listener_id": r["id"], "name": r["name"], "port": r["port"], "protocol": r["protocol"],
            "service_arn": r["serviceArn"], "service_id": r["serviceId"],
            "default_action": crate::resources::listener::action_state(&r["defaultAction"], None),
            "tags": tags,
        }))
    }
}

pub(crate) fn default_action_type() -> Ty {
    Ty::ListOfObject(vec![
        ("fixed_response", Ty::ListOfObject(vec![("status_code", Ty::Number)])),
        (
            "forward",
            Ty::ListOfObject(vec![(
                "target_groups",
                Ty::ListOfObject(vec![("target_group_identifier", Ty::String), ("weight", Ty::Number)]),
            )]),
        ),
    ])
}
