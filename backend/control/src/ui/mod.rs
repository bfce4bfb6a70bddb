//! The web UI (`/ui/`): a read-only view of the whole backend — topology, reachability matrix,
//! live traffic and the access-log tail — for the machine's operator. Every asset is built into
//! the binary (no CDN). It is protected as the admin API is: `origin.rs` has already refused a
//! foreign `Host` or `Origin`; the page is served only to a browser holding the operator's UI
//! token (derived from the data directory's operator key; `lattice-local ui` prints the address
//! that carries it, and the page trades it for a `SameSite=Strict`, `HttpOnly` cookie, as
//! Jupyter does); only `GET` is answered, so no page can make it write anything; and a strict
//! Content Security Policy keeps the page to its own scripts.

mod events;
mod view;

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::Response;
use lattice_api::sigv4;
use serde_json::Value;

pub(crate) use events::Events;

use crate::http::WireRequest;
use crate::Backend;

/// Where the UI lives.
pub(crate) const PREFIX: &str = "/ui";

const COOKIE: &str = "lattice_ui";

const INDEX: &str = include_str!("../../ui/index.html");
const SCRIPT: &str = include_str!("../../ui/app.js");
const STYLE: &str = include_str!("../../ui/app.css");

/// A response of the control port: whole, or the UI's event stream.
pub(crate) type Body = Either<Full<Bytes>, Events>;

/// The token that opens the UI, derived from the operator's secret.
pub fn token(operator_secret: &str) -> String {
    hex::encode(sigv4::hmac(operator_secret.as_bytes(), b"lattice-local web UI"))
}

/// Answers a request under [`PREFIX`].
pub(crate) fn handle(
    backend: &Arc<Backend>,
    req: &WireRequest,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Response<Body> {
    if req.method != "GET" {
        return whole(405, "text/plain", "The web UI only reads: GET\n".into());
    }
    let Some(expected) = backend.config().operator_secret.as_deref().map(token) else {
        return whole(404, "text/plain", "This backend has no data directory, so no operator and no web UI\n".into());
    };
    // The address `lattice-local ui` prints: the token becomes a cookie, and the address bar
    // loses it.
    if let Some(given) = query_param(&req.raw_query, "token") {
        if !same(given.as_bytes(), expected.as_bytes()) {
            return whole(403, "text/html; charset=utf-8", refused_page("That token does not open this backend's UI"));
        }
        let mut resp = whole(303, "text/plain", String::new());
        let headers = resp.headers_mut();
        headers.insert("location", hyper::header::HeaderValue::from_static("/ui/"));
        let cookie = format!("{COOKIE}={expected}; Path={PREFIX}; HttpOnly; SameSite=Strict");
        if let Ok(v) = hyper::header::HeaderValue::from_str(&cookie) {
            headers.insert("set-cookie", v);
        }
        return resp;
    }
    if !cookie(req).is_some_and(|c| same(c.as_bytes(), expected.as_bytes())) {
        return whole(401, "text/html; charset=utf-8", refused_page("Open the address `lattice-local ui` prints"));
    }
    let path = req.raw_path.strip_prefix(PREFIX).unwrap_or_default();
    match path {
        "" => {
            let mut resp = whole(308, "text/plain", String::new());
            resp.headers_mut().insert("location", hyper::header::HeaderValue::from_static("/ui/"));
            resp
        }
        "/" => whole(200, "text/html; charset=utf-8", INDEX.into()),
        "/app.js" => whole(200, "text/javascript; charset=utf-8", SCRIPT.into()),
        "/app.css" => whole(200, "text/css; charset=utf-8", STYLE.into()),
        "/api/topology" => json(&view::topology(backend)),
        "/api/matrix" => json(&view::matrix(backend)),
        "/api/explain" => {
            let (Some(vpc), Some(column)) = (query_param(&req.raw_query, "vpc"), query_param(&req.raw_query, "column"))
            else {
                return whole(400, "text/plain", "explain needs vpc and column\n".into());
            };
            match view::explain_cell(backend, &vpc, &column) {
                Some(answer) => json(&answer),
                None => whole(404, "text/plain", "No such VPC or column\n".into()),
            }
        }
        "/api/events" => events::stream(backend, stop),
        _ => whole(404, "text/plain", "Not Found\n".into()),
    }
}

/// What every UI answer carries: no caching, no framing by other sites, no sniffing, no
/// referrer (the token once sat in the address), and only the page's own scripts and styles.
fn secure<B>(mut resp: Response<B>) -> Response<B> {
    let headers = resp.headers_mut();
    for (name, value) in [
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    ] {
        headers.insert(name, hyper::header::HeaderValue::from_static(value));
    }
    resp
}

fn whole(status: u16, content_type: &'static str, body: String) -> Response<Body> {
    let mut resp = Response::new(Either::Left(Full::new(Bytes::from(body))));
    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static(content_type));
    secure(resp)
}

fn json(value: &Value) -> Response<Body> {
    whole(200, "application/json", value.to_string())
}

fn refused_page(why: &str) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>lattice-local</title><p>{}.</p>\n",
        why.replace('&', "&amp;").replace('<', "&lt;")
    )
}

fn cookie(req: &WireRequest) -> Option<&str> {
    req.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// A query parameter, percent-decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

/// Compares in time independent of where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The control port's other answers, as [`Body`].
pub(crate) fn whole_body(resp: crate::http::HttpResponse) -> Response<Body> {
    resp.map(Either::Left)
}

#[cfg(test)]
mod tests;
