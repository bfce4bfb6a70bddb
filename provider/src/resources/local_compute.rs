//! `lattice_local_instance` and `lattice_local_function`: the local compute registry behind
//! `INSTANCE` and `LAMBDA` targets.

use async_trait::async_trait;
use serde_json::{json, Map, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use crate::client::{label, Client, ClientError};
use crate::engine::Kind;
use crate::schema::{vpc_id, Attr, TypeSchema};

pub(crate) struct LocalInstance;

fn instance_id(s: &str) -> Result<(), String> {
    let ok = s.strip_prefix("i-").is_some_and(|rest| {
        (rest.len() == 8 || rest.len() == 17) && rest.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    });
    if ok {
        Ok(())
    } else {
        Err("must be i- followed by 8 or 17 lower-case letters or digits".into())
    }
}

fn ip_address(s: &str) -> Result<(), String> {
    s.parse::<std::net::IpAddr>().map(drop).map_err(|_| "must be an IPv4 or IPv6 address".into())
}

#[async_trait]
impl Kind for LocalInstance {
    fn label(&self) -> &'static str {
        "local instance"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A local stand-in for an EC2 instance (or, with `resource_arns`, for other AWS resources such as an RDS database or an ALB): `INSTANCE` target groups reach targets with this id at `ip_address`.",
            attrs: vec![
                Attr::string("id").computed().doc("The instance id."),
                Attr::string("instance_id").optional_computed().force_new().validate(instance_id).doc("The id to give the instance; generated when omitted."),
                Attr::string("ip_address").required().validate(ip_address).doc("Where the instance's targets listen (updatable)."),
                Attr::string("vpc_id").force_new().validate(vpc_id),
                Attr::set_of_string("resource_arns").optional_computed().doc("ARNs of AWS resources this address stands in for, e.g. an RDS database or an ALB: `ARN` resource configurations and `ALB` targets naming one reach `ip_address` (updatable)."),
                Attr::tags(),
            ],
            blocks: vec![],
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = Map::new();
        put(&mut body, "instanceId", plan.get("instance_id").cloned());
        put(&mut body, "ipAddress", plan.get("ip_address").cloned());
        put(&mut body, "vpcId", plan.get("vpc_id").cloned());
        put(&mut body, "resourceArns", plan.get("resource_arns").filter(|v| v.is_array()).cloned());
        body.insert("tags".into(), tags_of(plan));
        let r = c.admin("POST", "/instances", Some(Json::Object(body))).await?;
        Ok(s(&r, "instanceId").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/instances/{}", label(id)), None).await)? else { return Ok(None) };
        let tags = r.get("tags").cloned().unwrap_or(json!({}));
        Ok(Some(json!({
            "id": r["instanceId"], "instance_id": r["instanceId"], "ip_address": r["ipAddress"], "vpc_id": r["vpcId"],
            "resource_arns": r.get("resourceArns").cloned().unwrap_or(json!([])), "tags": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let mut body = json!({ "ipAddress": plan.get("ip_address"), "tags": tags_of(plan) });
        if let Some(arns) = plan.get("resource_arns").filter(|v| v.is_array()) {
            body["resourceArns"] = arns.clone();
        }
        c.admin("PATCH", &format!("/instances/{}", label(id)), Some(body)).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/instances/{}", label(id)), None).await.map(drop)
    }
}

pub(crate) struct LocalFunction;

#[async_trait]
impl Kind for LocalFunction {
    fn label(&self) -> &'static str {
        "local function"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A local stand-in for a Lambda function: `LAMBDA` targets with its `arn` are served by an HTTP endpoint (`url`) or a command that receives the Lattice event.",
            attrs: vec![
                Attr::string("id").computed().doc("The function name."),
                Attr::string("function_name").required().force_new(),
                Attr::string("arn").computed().doc("The function ARN to register as a `LAMBDA` target."),
                Attr::string("url").doc("An http(s) URL that receives the event as a POST (this or `command`; updatable)."),
                Attr::list_of_string("command").doc("A command that reads the event on stdin and prints the response (this or `url`; updatable)."),
                Attr::tags(),
            ],
            blocks: vec![],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("url") == set("command") {
            diags.error("Invalid function", "exactly one of url or command must be set", AttributePath::new("url"));
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = Map::new();
        put(&mut body, "functionName", plan.get("function_name").cloned());
        put(&mut body, "url", plan.get("url").cloned());
        put(&mut body, "command", plan.get("command").cloned());
        body.insert("tags".into(), tags_of(plan));
        let r = c.admin("POST", "/functions", Some(Json::Object(body))).await?;
        Ok(s(&r, "functionName").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, _prior: &Json) -> Result<Option<Json>, ClientError> {
        let Some(r) = found(c.admin("GET", &format!("/functions/{}", label(id)), None).await)? else { return Ok(None) };
        let tags = r.get("tags").cloned().unwrap_or(json!({}));
        let command =
            r.get("command").filter(|c| c.as_array().is_some_and(|a| !a.is_empty())).cloned().unwrap_or(Json::Null);
        Ok(Some(json!({
            "id": r["functionName"], "function_name": r["functionName"], "arn": r["functionArn"],
            "url": r.get("url"), "command": command, "tags": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let mut body = Map::new();
        put(&mut body, "url", plan.get("url").cloned());
        put(&mut body, "command", plan.get("command").cloned());
        body.insert("tags".into(), tags_of(plan));
        c.admin("PATCH", &format!("/functions/{}", label(id)), Some(Json::Object(body))).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/functions/{}", label(id)), None).await.map(drop)
    }
}
