//! The backend itself: health and the CA's certificate (answered unsigned), shutdown, and
//! `explain`.

use serde_json::{json, Value};

use crate::admin::route::{custom, BoxAnswer, Route};
use crate::http::json_response;
use crate::kit::Ctx;
use crate::Backend;

fn health<'a>(backend: &'a Backend, _: &'a Ctx, _: &'a str, _: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        let unbound = crate::admin::vpc::unbound(backend, None);
        Ok(json_response(
            200,
            &json!({
                // Degraded: an address the data plane needs is held by another process (it
                // keeps trying); `unbound` says which.
                "status": if unbound.is_empty() { "ok" } else { "degraded" },
                "unbound": unbound,
                "region": backend.config().region,
                "servedGeneration": backend.served_generation(),
                "lastSnapshotCompileMicros": backend.last_compile_micros(),
            }),
        ))
    })
}

fn ca<'a>(backend: &'a Backend, _: &'a Ctx, _: &'a str, _: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        let mut resp = json_response(200, &Value::Null);
        *resp.body_mut() = http_body_util::Full::new(bytes::Bytes::from(backend.ca.cert_pem.clone()));
        resp.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/x-pem-file"));
        Ok(resp)
    })
}

fn shutdown<'a>(backend: &'a Backend, ctx: &'a Ctx, _: &'a str, _: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        tracing::info!(account = %ctx.account, "shutdown requested through the admin API");
        backend.request_shutdown();
        Ok(json_response(200, &json!({ "status": "stopping" })))
    })
}

fn explain<'a>(backend: &'a Backend, ctx: &'a Ctx, _: &'a str, body: &'a Value) -> BoxAnswer<'a> {
    Box::pin(async move {
        let explanation = crate::admin::explain::explain(backend, ctx, body)?;
        Ok(json_response(200, &serde_json::to_value(explanation).unwrap_or_default()))
    })
}

/// Answered without a signature: they change nothing and tell nothing secret.
pub(crate) const OPEN_ROUTES: &[Route] = &[custom("GET", "health", health), custom("GET", "ca", ca)];

pub(crate) const ROUTES: &[Route] = &[custom("POST", "shutdown", shutdown), custom("POST", "explain", explain)];

#[cfg(test)]
mod tests {
    use crate::kit::testing::{admin_request, backend, A};

    #[tokio::test]
    async fn health_and_the_ca_are_open_and_shutdown_takes_a_signature() {
        let backend = backend("system");
        let health = crate::admin::handle(&backend, &admin_request("GET", "/health", None, None)).await.unwrap();
        assert_eq!(health.status(), 200);
        let ca = crate::admin::handle(&backend, &admin_request("GET", "/ca", None, None)).await.unwrap();
        assert_eq!(ca.headers()["content-type"], "application/x-pem-file");
        let unsigned = crate::admin::handle(&backend, &admin_request("POST", "/shutdown", None, None)).await;
        assert_eq!(unsigned.unwrap_err().code.to_string(), "MissingAuthenticationTokenException");
        let stop = tokio::spawn({
            let backend = backend.clone();
            async move { backend.shutdown_requested().await }
        });
        let signed = crate::admin::handle(&backend, &admin_request("POST", "/shutdown", None, Some(A))).await.unwrap();
        assert_eq!(signed.status(), 200);
        tokio::time::timeout(std::time::Duration::from_secs(5), stop).await.expect("shutdown was requested").unwrap();
    }
}
