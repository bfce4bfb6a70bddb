//! The control plane's HTTP vocabulary, below both APIs: a request as read off the wire, the
//! JSON answers and AWS error shapes, and SigV4 identity (who a request acts as).

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use lattice_api::{sigv4, ApiError, DEFAULT_ACCOUNT};
use serde_json::Value;

use crate::Backend;

pub(crate) type HttpResponse = Response<Full<Bytes>>;

pub(crate) fn json_response(status: u16, body: &Value) -> HttpResponse {
    let bytes = if body.is_null() { Bytes::new() } else { Bytes::from(body.to_string()) };
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", lattice_api::ids::new_id("req"))
        .body(Full::new(bytes))
        .unwrap_or_default()
}

pub(crate) fn error_response(err: &ApiError) -> HttpResponse {
    let mut resp = json_response(err.status, &err.body());
    if let Ok(v) = err.code.as_str().parse() {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}

/// A request as it came off the wire, body read whole.
pub(crate) struct WireRequest {
    pub method: String,
    pub raw_path: String,
    pub raw_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl WireRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        lattice_api::query::pairs(&self.raw_query).collect()
    }
}

/// The account a request acts as, from its SigV4 signature's access key (LocalStack rule: a
/// 12-digit key is that account's root; a local principal's key is that principal, its secret
/// verified; anything else is the default account). Every request must be signed, the admin
/// API's too: a web page cannot sign (it would need a CORS preflight this server never grants).
pub(crate) fn identify(backend: &Backend, req: &WireRequest, service: &str, global: bool) -> Result<String, ApiError> {
    identify_caller(backend, req, service, global).map(|(account, _)| account)
}

/// The account a request acts as, and the ARN of the local principal that signed it (if one did).
pub(crate) fn identify_caller(
    backend: &Backend,
    req: &WireRequest,
    service: &str,
    global: bool,
) -> Result<(String, Option<String>), ApiError> {
    let Some(header) = req.header("authorization") else {
        return Err(ApiError::signature("MissingAuthenticationTokenException", "Missing Authentication Token"));
    };
    let auth = sigv4::parse_authorization(header)?;
    // Global services (STS, Route 53) are signed for us-east-1 whatever region is served.
    let region = if global && auth.region == lattice_api::DEFAULT_REGION {
        lattice_api::DEFAULT_REGION
    } else {
        &backend.config().region
    };
    sigv4::check_scope(&auth, req.header("x-amz-date"), region, service, time::OffsetDateTime::now_utc())?;
    let key = auth.access_key;
    // A local principal's key: its secret must have signed the request.
    let principal = backend.read(|s| {
        s.local_principals
            .values()
            .find(|p| p.access_key_id == key)
            .map(|p| (p.account.clone(), p.secret_access_key.clone(), p.arn.clone()))
    });
    if let Some((account, secret, arn)) = principal {
        let signable = sigv4::SignableRequest {
            method: &req.method,
            raw_path: &req.raw_path,
            raw_query: &req.raw_query,
            headers: &req.headers,
            body: &req.body,
        };
        if !sigv4::verify(&signable, &auth, &secret, req.header("x-amz-date").unwrap_or_default()) {
            return Err(ApiError::signature(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
            ));
        }
        return Ok((account, Some(arn)));
    }
    let account = if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
        key.to_string()
    } else {
        DEFAULT_ACCOUNT.to_string()
    };
    Ok((account, None))
}
