//! The admin API for local-only constructs, under `/_lattice-local/`: one file per noun, each
//! listing its routes (`route.rs`), joined here into one table. Same error shapes as the
//! AWS-wire API, and the same authentication: requests are SigV4-signed for the service
//! `lattice-local` and act as the account the signing key names (the provider and the CLI
//! sign). Only `GET health` and `GET ca` (the CA's public certificate) are answered unsigned.
//! Request bodies must be `application/json`, so no HTML form can write one.

pub(crate) mod certificate;
pub(crate) mod compute;
pub(crate) mod dns;
pub(crate) mod explain;
pub(crate) mod identity;
pub(crate) mod operator;
pub(crate) mod route;
pub(crate) mod security_group;
pub(crate) mod system;
pub(crate) mod vpc;
pub(crate) mod vpc_endpoint;

use lattice_api::ApiError;
use serde_json::{json, Value};

use crate::admin::route::{Action, Answer, Route};
use crate::http::{identify, json_response, WireRequest};
use crate::kit::Ctx;
use crate::Backend;

pub(crate) const PREFIX: &str = "/_lattice-local";

/// Every signed route, by noun.
const TABLES: &[&[Route]] = &[
    system::ROUTES,
    vpc::ROUTES,
    vpc_endpoint::ROUTES,
    security_group::ROUTES,
    dns::ROUTES,
    compute::ROUTES,
    certificate::ROUTES,
    identity::ROUTES,
];

pub(crate) async fn handle(backend: &Backend, req: &WireRequest) -> Answer {
    let path = req.raw_path.trim_start_matches(PREFIX);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let method = req.method.as_str();
    if let Some((route, id)) = find(&[system::OPEN_ROUTES], method, &parts) {
        return answer(backend, &backend.ctx(lattice_api::DEFAULT_ACCOUNT), route, id, &Value::Null).await;
    }
    if parts.first() == Some(&"operator") {
        crate::http::operator(backend, req)?;
        return operator::handle(backend, method, &parts[1..]);
    }
    let ctx = identify(backend, req, "lattice-local")?;
    let body = body_of(req)?;
    let (route, id) =
        find(TABLES, method, &parts).ok_or_else(|| ApiError::unknown_operation(&req.method, &req.raw_path))?;
    answer(backend, &ctx, route, id, &body).await
}

fn find<'r, 'p>(tables: &[&'r [Route]], method: &str, parts: &[&'p str]) -> Option<(&'r Route, &'p str)> {
    tables.iter().flat_map(|t| t.iter()).find_map(|r| r.matches(method, parts).map(|id| (r, id)))
}

/// The request's JSON body (`{}` when empty); only `application/json` is taken.
fn body_of(req: &WireRequest) -> Result<Value, ApiError> {
    if req.body.is_empty() {
        return Ok(json!({}));
    }
    let json_type = req.header("content-type").is_some_and(|t| {
        t.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json_type {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaTypeException",
            "The admin API takes request bodies of Content-Type application/json only",
        ));
    }
    serde_json::from_slice(&req.body)
        .map_err(|_| ApiError::validation_reason("cannotParse", "The request body is not valid JSON", vec![]))
}

async fn answer(backend: &Backend, ctx: &Ctx, route: &Route, id: &str, body: &Value) -> Answer {
    match route.action {
        Action::Read(f) => Ok(json_response(200, &backend.read(|s| f(ctx, s, id))?)),
        Action::Write(status, f) => {
            let answer = backend.execute(|ctx, s| f(ctx, s, id, body), ctx).await?;
            Ok(json_response(status, if status == 204 { &Value::Null } else { &answer }))
        }
        Action::Custom(f) => f(backend, ctx, id, body).await,
    }
}
