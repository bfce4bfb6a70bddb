//! The control plane's HTTP vocabulary, below both APIs: a request as read off the wire, the
//! JSON answers and AWS error shapes, and SigV4 identity (who a request acts as).

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use lattice_api::{sigv4, ApiError, DEFAULT_ACCOUNT};
use serde_json::Value;

use crate::kit::Ctx;
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

/// Who a request acts as and where, from its SigV4 signature: the account from the access key
/// (LocalStack rule: a 12-digit key is that account's root; a local principal's key is that
/// principal, its secret verified; anything else is the default account), the Region from the
/// credential scope (one backend serves every Region). Every request must be signed, the admin
/// API's too: a web page cannot sign (it would need a CORS preflight this server never grants).
pub(crate) fn identify(backend: &Backend, req: &WireRequest, service: &str) -> Result<Ctx, ApiError> {
    let Some(header) = req.header("authorization") else {
        return Err(ApiError::signature("MissingAuthenticationTokenException", "Missing Authentication Token"));
    };
    let auth = sigv4::parse_authorization(header)?;
    if !lattice_api::ids::is_region(auth.region) {
        return Err(ApiError::signature(
            "InvalidSignatureException",
            format!("Credential should be scoped to a valid region, not '{}'. ", lattice_api::model::echo(auth.region)),
        ));
    }
    sigv4::check_scope(&auth, req.header("x-amz-date"), auth.region, service, time::OffsetDateTime::now_utc())?;
    let (account, caller) = caller_of(backend, req, &auth)?;
    Ok(Ctx { caller, region: auth.region.to_string(), ..backend.ctx(&account) })
}

/// Whether `secret` made the request's signature.
fn signed_with(req: &WireRequest, auth: &sigv4::Authorization, secret: &str) -> bool {
    let signable = sigv4::SignableRequest {
        method: &req.method,
        raw_path: &req.raw_path,
        raw_query: &req.raw_query,
        headers: &req.headers,
        body: &req.body,
    };
    sigv4::verify(&signable, auth, secret, req.header("x-amz-date").unwrap_or_default())
}

/// The access key id the operator signs with (its secret is the data directory's `operator.key`).
pub const OPERATOR_KEY_ID: &str = "LATTICELOCALOPERATOR";

/// Checks that the operator signed `req`: its key id, a valid scope and the operator's secret.
pub(crate) fn operator(backend: &Backend, req: &WireRequest) -> Result<(), ApiError> {
    let refused = || {
        ApiError::new(
            403,
            "AccessDeniedException",
            "Only the operator (the data directory's operator.key) may ask this",
        )
    };
    let header = req.header("authorization").ok_or_else(refused)?;
    let auth = sigv4::parse_authorization(header)?;
    let secret = backend.config().operator_secret.as_deref().ok_or_else(refused)?;
    if auth.access_key != OPERATOR_KEY_ID {
        return Err(refused());
    }
    sigv4::check_scope(&auth, req.header("x-amz-date"), auth.region, "lattice-local", time::OffsetDateTime::now_utc())?;
    if signed_with(req, &auth, secret) {
        Ok(())
    } else {
        Err(refused())
    }
}

/// The account whose key signed the request, and the ARN of the local principal that signed
/// it (if one did).
fn caller_of(
    backend: &Backend,
    req: &WireRequest,
    auth: &sigv4::Authorization,
) -> Result<(String, Option<String>), ApiError> {
    let key = auth.access_key;
    // A local principal's key, or an IAM user's access key: its secret must have signed the
    // request. A deactivated access key signs nothing.
    let principal = backend.read(|s| {
        if let Some(p) = s.local_principals.values().find(|p| p.access_key_id == key) {
            return Ok(Some((p.account.clone(), p.secret_access_key.clone(), p.arn.clone())));
        }
        let Some(k) = s.access_keys.get(key) else { return Ok(None) };
        if k.status != "Active" {
            return Err(ApiError::signature(
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ));
        }
        let user =
            s.local_principals.values().find(|p| p.kind == "user" && p.account == k.account && p.name == k.user_name);
        Ok(user.map(|p| (p.account.clone(), k.secret_access_key.clone(), p.arn.clone())))
    })?;
    if let Some((account, secret, arn)) = principal {
        if !signed_with(req, auth, &secret) {
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
