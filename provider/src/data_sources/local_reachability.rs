//! `data "lattice_local_reachability"`.

use async_trait::async_trait;
use serde_json::{json, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use crate::client::{Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::s;
use crate::schema::{Attr, Ty, TypeSchema};

/// `data "lattice_local_reachability"`: `lattice-local explain` for module tests.
pub(crate) struct ReachabilityData;

#[async_trait]
impl DataKind for ReachabilityData {
    fn label(&self) -> &'static str {
        "Lattice Local Reachability"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Whether a client in a VPC can reach a URL or a `host:port` through the local data plane, and which step decides (DNS view, association, listener, auth policies, rules, targets, resource gateway): the same decision real traffic gets. For `check` blocks and `terraform test` assertions.",
            attrs: vec![
                Attr::string("vpc_id").required().validate(crate::schema::vpc_id).doc("The client's VPC."),
                Attr::string("url").doc("An `http://` or `https://` URL (this or `address`)."),
                Attr::string("address").doc("A TCP `host:port` (this or `url`)."),
                Attr::string("method").doc("The request method (default `GET`)."),
                Attr::typed("headers", Ty::MapOfString).doc("Request headers."),
                Attr::string("principal")
                    .doc("Sign the request (SigV4, `vpc-lattice-svcs`) as this local principal: its ARN or access key id."),
                Attr::string("source_address").doc("The client's source address, for security groups (default: the VPC's namespace client, `.250` of its block)."),
                Attr::string("id").computed(),
                Attr::bool("reachable")
                    .computed()
                    .doc("The request reaches a target or resource, or gets a 2xx/3xx answer from the data plane."),
                Attr::string("outcome").computed().doc("`forwarded`, `answered`, `refused` or `outside`."),
                Attr::number("status").computed().doc("The HTTP status the data plane answers with itself, if it does."),
                Attr::string("decided_by").computed().doc("The step that decided."),
                Attr::string("summary").computed(),
                Attr::typed("steps", step_type()).computed().doc("Every step, in order."),
            ],
            blocks: vec![],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        // Unknown values (a module variable while validating) count as set for the "missing"
        // check, and as unset for the "both" check: only two known values conflict.
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        let known = |k: &str| set(k) && config.get(k).and_then(Json::as_str) != Some(crate::engine::UNKNOWN);
        if known("url") && known("address") {
            diags.error("Invalid target", "only one of url or address may be set", AttributePath::new("address"));
        }
        if !set("url") && !set("address") {
            diags.error("Missing target", "one of url or address must be set", AttributePath::new("url"));
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let mut body = json!({ "vpcId": config["vpc_id"], "method": s(config, "method").unwrap_or("GET") });
        let fields =
            [("url", "url"), ("address", "address"), ("principal", "principal"), ("source_address", "sourceAddress")];
        for (attr, key) in fields {
            if let Some(v) = s(config, attr) {
                body[key] = json!(v);
            }
        }
        if let Some(headers) = config.get("headers").filter(|h| h.is_object()) {
            body["headers"] = headers.clone();
        }
        let e = c.admin("POST", "/explain", Some(body)).await?;
        let steps: Vec<Json> = e["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|st| json!({ "step": st["step"], "ok": st["ok"], "detail": st["detail"] }))
            .collect();
        let target = s(config, "url").or_else(|| s(config, "address")).unwrap_or_default();
        Ok(json!({
            "vpc_id": config["vpc_id"], "url": config.get("url"), "address": config.get("address"),
            "method": config.get("method"), "headers": config.get("headers"), "principal": config.get("principal"),
            "source_address": config.get("source_address"),
            "id": format!("{}|{target}", s(config, "vpc_id").unwrap_or_default()),
            "reachable": e["reachable"], "outcome": e["outcome"], "status": e["status"],
            "decided_by": e["decidedBy"], "summary": e["summary"], "steps": steps,
        }))
    }
}

pub(crate) fn step_type() -> Ty {
    Ty::ListOfObject(vec![("step", Ty::String), ("ok", Ty::Bool), ("detail", Ty::String)])
}
