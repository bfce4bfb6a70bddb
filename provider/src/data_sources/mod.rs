//! Data source types.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use crate::client::{label, Client, ClientError};
use crate::engine::DataKind;
use crate::resources::common::{read_tags, s, tags_map};
use crate::resources::service::service_state;
use crate::schema::{Attr, BlockDef, Ty, TypeSchema};

/// `data "lattice_service_network"` (mirrors `aws_vpclattice_service_network`).
pub(crate) struct ServiceNetworkData;

#[async_trait]
impl DataKind for ServiceNetworkData {
    fn label(&self) -> &'static str {
        "VPC Lattice Service Network"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Looks up a service network by id or ARN.",
            attrs: vec![
                Attr::string("service_network_identifier").required().doc("Service network id or ARN."),
                Attr::string("id").computed(),
                Attr::string("arn").computed(),
                Attr::string("name").computed(),
                Attr::string("auth_type").computed(),
                Attr::string("created_at").computed(),
                Attr::string("last_updated_at").computed(),
                Attr::number("number_of_associated_services").computed(),
                Attr::number("number_of_associated_vpcs").computed(),
                Attr::tags().computed(),
            ],
            blocks: vec![],
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let ident = s(config, "service_network_identifier").unwrap_or_default();
        let r = c.lattice("GET", &format!("/servicenetworks/{}", label(ident)), &[], None).await?;
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(json!({
            "service_network_identifier": ident, "id": r["id"], "arn": r["arn"], "name": r["name"],
            "auth_type": r["authType"], "created_at": r["createdAt"], "last_updated_at": r["lastUpdatedAt"],
            "number_of_associated_services": r["numberOfAssociatedServices"], "number_of_associated_vpcs": r["numberOfAssociatedVPCs"],
            "tags": tags,
        }))
    }
}

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
        let r = c.lattice("GET", &format!("/services/{}", label(&ident)), &[], None).await?;
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        let mut state = service_state(&r, &tags, &json!({ "tags": {} }));
        state["service_identifier"] = json!(ident);
        Ok(state)
    }
}

async fn find_service_by_name(c: &Client, name: &str) -> Result<String, ClientError> {
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![("maxResults", "100".to_string())];
        if let Some(t) = &token {
            query.push(("nextToken", t.clone()));
        }
        let page = c.lattice("GET", "/services", &query, None).await?;
        if let Some(found) = page["items"].as_array().into_iter().flatten().find(|i| s(i, "name") == Some(name)) {
            return Ok(s(found, "id").unwrap_or_default().to_string());
        }
        match s(&page, "nextToken") {
            Some(t) => token = Some(t.to_string()),
            None => return Err(ClientError::Transport(format!("no service named \"{name}\" was found"))),
        }
    }
}

/// `data "lattice_auth_policy"` (mirrors `aws_vpclattice_auth_policy`).
pub(crate) struct AuthPolicyData;

#[async_trait]
impl DataKind for AuthPolicyData {
    fn label(&self) -> &'static str {
        "VPC Lattice Auth Policy"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Reads the auth policy of a service network or service.",
            attrs: vec![
                Attr::string("resource_identifier").required().doc("Id or ARN of the service network or service."),
                Attr::string("policy").computed(),
                Attr::string("state").computed(),
            ],
            blocks: vec![],
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let ident = s(config, "resource_identifier").unwrap_or_default();
        let r = c.lattice("GET", &format!("/authpolicy/{}", label(ident)), &[], None).await?;
        Ok(json!({ "resource_identifier": ident, "policy": r["policy"], "state": r["state"] }))
    }
}

/// `data "lattice_resource_policy"` (mirrors `aws_vpclattice_resource_policy`).
pub(crate) struct ResourcePolicyData;

#[async_trait]
impl DataKind for ResourcePolicyData {
    fn label(&self) -> &'static str {
        "VPC Lattice Resource Policy"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Reads the resource-based policy of a service network or service.",
            attrs: vec![
                Attr::string("resource_arn").required().doc("ARN of the service network or service."),
                Attr::string("policy").computed(),
            ],
            blocks: vec![],
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let arn = s(config, "resource_arn").unwrap_or_default();
        let r = c.lattice("GET", &format!("/resourcepolicy/{}", label(arn)), &[], None).await?;
        Ok(json!({ "resource_arn": arn, "policy": r["policy"] }))
    }
}

/// `data "lattice_listener"` (mirrors `aws_vpclattice_listener`).
pub(crate) struct ListenerData;

fn default_action_type() -> Ty {
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

#[async_trait]
impl DataKind for ListenerData {
    fn label(&self) -> &'static str {
        "VPC Lattice Listener"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "Looks up a listener of a service.",
            attrs: vec![
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
        let path = format!("/services/{}/listeners/{}", label(svc), label(listener));
        let r = c.lattice("GET", &path, &[], None).await?;
        let tags = read_tags(c, s(&r, "arn").unwrap_or_default()).await?;
        Ok(json!({
            "service_identifier": svc, "listener_identifier": listener,
            "arn": r["arn"], "created_at": r["createdAt"], "last_updated_at": r["lastUpdatedAt"],
            "listener_id": r["id"], "name": r["name"], "port": r["port"], "protocol": r["protocol"],
            "service_arn": r["serviceArn"], "service_id": r["serviceId"],
            "default_action": crate::resources::listener::action_state(&r["defaultAction"], None),
            "tags": tags,
        }))
    }
}

/// `data "lattice_service_network_service_associations"` (mirrors the AWS data source).
pub(crate) struct ServiceNetworkServiceAssociationsData;

fn association_type() -> Ty {
    let dns = Ty::ListOfObject(vec![("domain_name", Ty::String), ("hosted_zone_id", Ty::String)]);
    Ty::ListOfObject(vec![
        ("arn", Ty::String),
        ("created_by", Ty::String),
        ("custom_domain_name", Ty::String),
        ("dns_entry", dns),
        ("id", Ty::String),
        ("service_arn", Ty::String),
        ("service_id", Ty::String),
        ("service_name", Ty::String),
        ("service_network_arn", Ty::String),
        ("service_network_id", Ty::String),
        ("service_network_name", Ty::String),
        ("status", Ty::String),
    ])
}

#[async_trait]
impl DataKind for ServiceNetworkServiceAssociationsData {
    fn label(&self) -> &'static str {
        "VPC Lattice Service Network Service Associations"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description:
                "Lists the service associations of a service network, or the service network associations of a service.",
            attrs: vec![
                Attr::string("service_network_identifier")
                    .doc("Service network id or ARN (this or `service_identifier`)."),
                Attr::string("service_identifier").doc("Service id or ARN (this or `service_network_identifier`)."),
                Attr::string("id").computed(),
                Attr::typed("associations", association_type()).computed(),
            ],
            blocks: vec![],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("service_network_identifier") == set("service_identifier") {
            diags.error(
                "Invalid lookup",
                "exactly one of service_network_identifier or service_identifier must be set",
                AttributePath::new("service_network_identifier"),
            );
        }
    }

    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError> {
        let (key, value) = match (s(config, "service_network_identifier"), s(config, "service_identifier")) {
            (Some(sn), _) => ("serviceNetworkIdentifier", sn),
            (None, Some(svc)) => ("serviceIdentifier", svc),
            (None, None) => return Err(ClientError::Transport("one identifier must be set".into())),
        };
        let mut associations = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![(key, value.to_string()), ("maxResults", "100".to_string())];
            if let Some(t) = &token {
                query.push(("nextToken", t.clone()));
            }
            let page = c.lattice("GET", "/servicenetworkserviceassociations", &query, None).await?;
            for a in page["items"].as_array().into_iter().flatten() {
                associations.push(json!({
                    "arn": a["arn"], "created_by": a["createdBy"], "custom_domain_name": a.get("customDomainName"),
                    "dns_entry": crate::resources::common::dns_entry_state(a.get("dnsEntry")),
                    "id": a["id"], "service_arn": a["serviceArn"], "service_id": a["serviceId"], "service_name": a["serviceName"],
                    "service_network_arn": a["serviceNetworkArn"], "service_network_id": a["serviceNetworkId"],
                    "service_network_name": a["serviceNetworkName"], "status": a["status"],
                }));
            }
            match s(&page, "nextToken") {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        Ok(json!({
            "service_network_identifier": config.get("service_network_identifier"),
            "service_identifier": config.get("service_identifier"),
            "id": value, "associations": associations,
        }))
    }
}

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

/// `data "lattice_local_reachability"`: `lattice-local explain` for module tests.
pub(crate) struct ReachabilityData;

fn step_type() -> Ty {
    Ty::ListOfObject(vec![("step", Ty::String), ("ok", Ty::Bool), ("detail", Ty::String)])
}

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
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("url") && set("address") {
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

pub(crate) fn all() -> Vec<(&'static str, Arc<dyn DataKind>)> {
    vec![
        ("lattice_service_network", Arc::new(ServiceNetworkData)),
        ("lattice_service", Arc::new(ServiceData)),
        ("lattice_auth_policy", Arc::new(AuthPolicyData)),
        ("lattice_resource_policy", Arc::new(ResourcePolicyData)),
        ("lattice_listener", Arc::new(ListenerData)),
        ("lattice_service_network_service_associations", Arc::new(ServiceNetworkServiceAssociationsData)),
        ("lattice_ram_resource_share", Arc::new(ResourceShareData)),
        ("lattice_local_reachability", Arc::new(ReachabilityData)),
    ]
}
