//! What the backend's operator may ask (`/_lattice-local/operator/…`, signed with the data
//! directory's operator key — the machine's owner): every account's VPCs, whose one VPC is,
//! and the backend's status. Nothing else, and no account may ask it.

use lattice_api::ApiError;
use lattice_model::records::Vpc;
use serde_json::{json, Value};

use crate::http::json_response;
use crate::Backend;

/// `GET vpcs`, `GET vpcs/{id}` (what the CLI needs to act on a VPC without being told its
/// account) and `GET status`.
pub(crate) fn handle(backend: &Backend, method: &str, parts: &[&str]) -> crate::admin::route::Answer {
    let summary = |v: &Vpc| json!({ "vpcId": v.id, "ownerId": v.account, "region": v.region_or(&backend.config().region), "cidrBlock": v.cidr() });
    match (method, parts) {
        ("GET", ["vpcs"]) => {
            let items: Vec<Value> = backend.read(|s| s.vpcs.values().map(summary).collect());
            Ok(json_response(200, &json!({ "items": items })))
        }
        ("GET", ["vpcs", id]) => {
            // Each account has VPC ids of its own: an id may name VPCs of several.
            let found: Vec<Value> = backend.read(|s| s.vpcs.values().filter(|v| v.id == *id).map(summary).collect());
            match found.as_slice() {
                [] => Err(ApiError::not_found("VPC", id)),
                [one] => Ok(json_response(200, one)),
                several => {
                    let owners: Vec<&str> = several.iter().filter_map(|v| v["ownerId"].as_str()).collect();
                    Err(ApiError::conflict(
                        "VPC",
                        id,
                        format!("{id} is a VPC of several accounts ({}): name one with --account", owners.join(", ")),
                    ))
                }
            }
        }
        ("GET", ["status"]) => Ok(json_response(200, &crate::admin::system::operator_status(backend))),
        _ => Err(ApiError::new(
            403,
            "AccessDeniedException",
            "The operator may list VPCs, ask whose one is and read the status, nothing else",
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::kit::testing::{admin_request, backend, A};

    #[tokio::test]
    async fn only_the_operator_key_is_answered() {
        let backend = backend("operator");
        crate::admin::handle(
            &backend,
            &admin_request("POST", "/vpcs", Some(serde_json::json!({ "vpcId": "vpc-0a0a0a0a" })), Some(A)),
        )
        .await
        .unwrap();
        let as_account = crate::admin::handle(&backend, &admin_request("GET", "/operator/vpcs", None, Some(A))).await;
        assert_eq!(as_account.unwrap_err().code.to_string(), "AccessDeniedException");
        let found = super::handle(&backend, "GET", &["vpcs", "vpc-0a0a0a0a"]).unwrap();
        assert_eq!(found.status(), 200);
        assert_eq!(super::handle(&backend, "POST", &["vpcs"]).unwrap_err().code.to_string(), "AccessDeniedException");
    }
}
