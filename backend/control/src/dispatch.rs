//! One request to one AWS service, whatever its wire protocol: the service named by the SigV4
//! credential scope, the caller's identity, the operation and its input read by the model
//! (`rest-json` paths and bodies, `query`/`ec2` forms, `rest-xml` bodies), the handler run as
//! one write (at most once per client token), and the answer or error written as that
//! protocol writes it. A service this backend does not emulate gets an error that says so.

use lattice_api::model::Protocol;
use lattice_api::{ids, query, sigv4, xml, ApiError, ErrorCode};
use serde_json::Value;

use crate::http::{error_response, identify, json_response, HttpResponse, WireRequest};
use crate::kit::AwsService;
use crate::Backend;

/// The services this endpoint answers, told apart by the SigV4 credential scope's service.
pub(crate) const SERVICES: &[&AwsService] = &[
    &crate::lattice::SERVICE,
    &crate::ram::SERVICE,
    &crate::sts::SERVICE,
    &crate::ec2::SERVICE,
    &crate::route53::SERVICE,
    &crate::iam::SERVICE,
    &crate::organizations::SERVICE,
    &crate::logs::SERVICE,
    &crate::functions::SERVICE,
];

/// Answers a request to the AWS-wire API.
pub(crate) async fn handle(backend: &Backend, req: &WireRequest) -> HttpResponse {
    // Unsigned or unreadable requests are refused as AWS refuses them.
    let auth = match req.header("authorization").map(sigv4::parse_authorization) {
        None => {
            let err = ApiError::signature("MissingAuthenticationTokenException", "Missing Authentication Token");
            return error_response(&err);
        }
        Some(Err(err)) => return error_response(&err),
        Some(Ok(auth)) => auth,
    };
    let Some(service) = SERVICES.iter().find(|s| s.signing_name == auth.service) else {
        return not_emulated(auth.service, req);
    };
    let request_id = ids::uuid();
    match call(backend, service, req).await {
        Ok((op, body)) => answer(service, op, &body, &request_id),
        Err(err) => {
            if err.status >= 500 {
                tracing::error!(service = service.signing_name, error = %err, "request failed");
            } else {
                tracing::debug!(service = service.signing_name, error = %err, "request rejected");
            }
            error_answer((service.model)().protocol, &(service.model)().xml_namespace, &err, &request_id)
        }
    }
}

/// Runs the request; returns the operation and its output.
async fn call(
    backend: &Backend,
    service: &AwsService,
    req: &WireRequest,
) -> Result<(&'static lattice_api::model::Operation, Value), ApiError> {
    let ctx = identify(backend, req, service.signing_name)?;
    let model = (service.model)();
    let (op, input) = match model.protocol {
        Protocol::Query | Protocol::Ec2 => {
            let mut form = query::Form::new();
            query::parse_form(&mut form, &req.raw_query);
            if req.method == "POST" {
                query::parse_form(&mut form, &String::from_utf8_lossy(&req.body));
            }
            let op = query::operation(model, &form).map_err(service.validation_error)?;
            (op, query::bind_and_validate(model, op, &form).map_err(service.validation_error)?)
        }
        Protocol::RestXml => {
            let (op, labels) = model.match_request(&req.method, &req.raw_path).ok_or_else(|| {
                let what = lattice_api::model::echo(&req.raw_path);
                let message = format!(
                    "lattice-local does not emulate this {} operation ({} {what})",
                    service.signing_name, req.method
                );
                ApiError::new(501, "NotImplemented", message)
            })?;
            let input = xml::bind_and_validate(model, op, &labels, &req.query_pairs(), &req.body)
                .map_err(service.validation_error)?;
            (op, input)
        }
        Protocol::Json => {
            // `X-Amz-Target: <prefix>.<Operation>`, the input the JSON body.
            let target = req.header("x-amz-target").unwrap_or_default();
            let Some(name) = target.strip_prefix(model.target_prefix.as_str()).and_then(|rest| rest.strip_prefix('.'))
            else {
                let what = lattice_api::model::echo(target);
                return Err(ApiError::new(400, "UnknownOperationException", format!("Unknown operation {what}")));
            };
            let op = model.operation(name).ok_or_else(|| {
                let message = format!(
                    "lattice-local does not emulate the {} operation {}",
                    service.signing_name,
                    lattice_api::model::echo(name)
                );
                ApiError::new(501, "NotImplemented", message)
            })?;
            let input =
                model.bind_and_validate(op, &Default::default(), &[], &req.body).map_err(service.validation_error)?;
            (op, input)
        }
        Protocol::RestJson => {
            let (op, labels) = model
                .match_request(&req.method, &req.raw_path)
                .ok_or_else(|| ApiError::unknown_operation(&req.method, &req.raw_path))?;
            let input = model
                .bind_request(op, &labels, &req.query_pairs(), &req.headers, &req.body)
                .map_err(service.validation_error)?;
            (op, input)
        }
    };
    let name = op.name.as_str();
    if let Some(run) = service.async_handler(name) {
        return Ok((op, run(backend, &ctx, input).await?));
    }
    let handler = service.handler(name).ok_or_else(|| {
        ApiError::new(501, "NotImplemented", format!("{name} is not implemented by lattice-local yet"))
    })?;
    let token = service.client_token.and_then(|key| crate::ClientToken::of(&ctx.account, name, key, &input));
    let mut body = backend.execute_once(|ctx, state| handler(ctx, state, &input), &ctx, token).await.map_err(|e| {
        if e.code == ErrorCode::Conflict && e.resource_type.as_deref() == Some("CLIENT_TOKEN") {
            (service.token_mismatch)(e)
        } else {
            e
        }
    })?;
    if let Some(output) = body.as_object_mut().filter(|_| from_terraform_aws(req)) {
        for (_, member) in service.left_out_for_terraform_aws.iter().filter(|(op, _)| *op == name) {
            output.remove(*member);
        }
    }
    Ok((op, body))
}

/// Whether hashicorp/aws sent the request: its `User-Agent` names it
/// (`… terraform-provider-aws/5.100.0 (+https://registry.terraform.io/providers/hashicorp/aws) …`).
fn from_terraform_aws(req: &WireRequest) -> bool {
    req.header("user-agent").is_some_and(|ua| ua.contains("terraform-provider-aws/"))
}

fn answer(service: &AwsService, op: &lattice_api::model::Operation, body: &Value, request_id: &str) -> HttpResponse {
    let model = (service.model)();
    match model.protocol {
        Protocol::RestJson => rest_json_answer(model, op, body),
        Protocol::Json => json_response(op.success_code, body),
        _ => {
            let written = xml::write_output(model, op, body, request_id);
            let mut resp = xml_response(op.success_code, written.body, request_id);
            for (name, value) in written.headers {
                if let (Ok(name), Ok(value)) =
                    (hyper::header::HeaderName::try_from(name), hyper::header::HeaderValue::try_from(value))
                {
                    resp.headers_mut().insert(name, value);
                }
            }
            resp
        }
    }
}

/// A `rest-json` answer: members bound to headers and the status code go there, a payload
/// member is the whole body (raw for a blob or string: Lambda's `Invoke`), the rest is JSON.
fn rest_json_answer(
    model: &lattice_api::model::ServiceModel,
    op: &lattice_api::model::Operation,
    body: &Value,
) -> HttpResponse {
    let Some(shape) = op.output.as_ref().map(|o| &model.shapes[&o.shape]) else {
        return json_response(op.success_code, if op.success_code == 204 { &Value::Null } else { body });
    };
    let mut status = op.success_code;
    let mut headers = vec![];
    let mut rest = body.as_object().cloned().unwrap_or_default();
    for (member, sref) in &shape.members {
        let name = sref.location_name.as_deref().unwrap_or(member);
        match sref.location.as_deref() {
            Some("header") => {
                if let Some(v) = rest.remove(member).filter(|v| !v.is_null()) {
                    headers.push((name.to_string(), v.as_str().map_or_else(|| v.to_string(), str::to_string)));
                }
            }
            Some("statusCode") => {
                if let Some(code) = rest.remove(member).and_then(|v| v.as_u64()).and_then(|c| u16::try_from(c).ok()) {
                    status = code;
                }
            }
            _ => {}
        }
    }
    let mut resp = match model.raw_payload(op.output.as_ref().map(|o| o.shape.as_str())) {
        Some(member) => {
            let text = rest.get(member).and_then(Value::as_str).unwrap_or_default().to_string();
            hyper::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(http_body_util::Full::new(bytes::Bytes::from(text)))
                .unwrap_or_default()
        }
        None if status == 204 => json_response(status, &Value::Null),
        None => json_response(status, &Value::Object(rest)),
    };
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) =
            (hyper::header::HeaderName::try_from(name), hyper::header::HeaderValue::try_from(value))
        {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

fn error_answer(protocol: Protocol, namespace: &str, err: &ApiError, request_id: &str) -> HttpResponse {
    match protocol {
        Protocol::RestJson | Protocol::Json => error_response(err),
        _ => xml_response(err.status, xml::write_error(protocol, namespace, err, request_id), request_id),
    }
}

fn xml_response(status: u16, body: String, request_id: &str) -> HttpResponse {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "text/xml")
        .header("x-amzn-requestid", request_id)
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap_or_default()
}

/// The answer to a service this backend does not emulate, in the protocol the request was
/// written in (a form → XML, `X-Amz-Target` → JSON, otherwise REST JSON), naming the service
/// and the operation.
fn not_emulated(service: &str, req: &WireRequest) -> HttpResponse {
    let mut form = query::Form::new();
    query::parse_form(&mut form, &req.raw_query);
    let is_form = req.header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        query::parse_form(&mut form, &String::from_utf8_lossy(&req.body));
    }
    let target = req.header("x-amz-target").map(|t| t.rsplit('.').next().unwrap_or(t).to_string());
    let operation =
        form.get("Action").cloned().or(target.clone()).unwrap_or_else(|| format!("{} {}", req.method, req.raw_path));
    let err = ApiError::new(
        501,
        "NotImplemented",
        format!(
            "lattice-local does not emulate the AWS service '{}' (operation {}); it serves vpc-lattice, ram, sts, ec2 and route53 on this endpoint",
            lattice_api::model::echo(service),
            lattice_api::model::echo(&operation)
        ),
    );
    let request_id = ids::uuid();
    if form.contains_key("Action") {
        error_answer(Protocol::Query, "", &err, &request_id)
    } else {
        error_response(&err)
    }
}

/// The table of `docs/aws-api.md`: every service on the endpoint and the operations it serves.
#[cfg(test)]
fn served_operations_markdown() -> String {
    let mut out = String::from(
        "# The AWS APIs on the backend's endpoint\n\n\
         Generated from the backend's operation tables (`UPDATE_DOCS=1 cargo test -p lattice-control docs` \
         rewrites it; the test fails when it is stale). One endpoint serves them all: the SigV4 \
         credential scope's service picks the API and its Region the Region acted in (every Region is \
         served; objects are regional as in AWS: ARNs and generated names carry the Region, each \
         Region lists its own, a VPC joins only its Region's service networks, a RAM share holds only \
         its Region's resources; IAM principals, organizations and Route 53 hosted zones are global), \
         and each speaks its own wire protocol from its botocore model. Any other service, or an operation of these that is not listed, is answered \
         with an AWS-shaped error naming it (`NotImplemented`, `InvalidAction`), never a silent success.\n\n\
         Two answers differ by client. hashicorp/aws (known by its `User-Agent`) waits a fixed time \
         before it asks whether some changes are done, unless the answer leaves out what it would ask \
         about (hashicorp/terraform-provider-aws#28523). Changes are done here when they are answered, \
         so its answers leave out Route 53's `ChangeInfo` (15 seconds before `GetChange`) and \
         `DeleteServiceLinkedRole`'s `DeletionTaskId` (10 seconds before \
         `GetServiceLinkedRoleDeletionStatus`). Every other client gets them as the model has them.\n\n\
         | service (signing name) | protocol | operations |\n|---|---|---|\n",
    );
    for service in SERVICES {
        let model = (service.model)();
        let mut ops: Vec<&str> = service.operations.iter().map(|(name, _)| *name).collect();
        ops.extend(service.async_operations.iter().map(|(name, _)| *name));
        ops.sort_unstable();
        let protocol = match model.protocol {
            Protocol::RestJson => "rest-json",
            Protocol::RestXml => "rest-xml",
            Protocol::Query => "query",
            Protocol::Ec2 => "ec2",
            Protocol::Json => "json",
        };
        out += &format!("| `{}` | {protocol} | {} ({}) |\n", service.signing_name, ops.join(", "), ops.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_left_out_for_terraform_aws_are_members_of_their_operations_output() {
        for service in SERVICES {
            let model = (service.model)();
            for (op, member) in service.left_out_for_terraform_aws {
                let output = model.operation(op).and_then(|o| o.output.as_ref()).map(|r| &model.shapes[&r.shape]);
                assert!(
                    output.is_some_and(|shape| shape.members.contains_key(*member)),
                    "{}: {op} answers no {member}",
                    service.signing_name
                );
            }
        }
    }

    #[test]
    fn docs_list_the_served_operations_as_the_code_does() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/aws-api.md");
        let want = served_operations_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).expect("docs/aws-api.md is writable");
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "docs/aws-api.md is stale: run UPDATE_DOCS=1 cargo test -p lattice-control docs");
    }
}
