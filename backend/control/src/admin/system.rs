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

/// Whose backend this is and how it fares, for its operator (`lattice-local status`): process,
/// version, data directory, pool, Regions in use, object counts, failing targets and unbound
/// addresses. Not in the open health answer: counts span every account.
pub(crate) fn operator_status(backend: &Backend) -> Value {
    let config = backend.config();
    let block = |i: u32| format!("127.{}.{}", (i >> 8) & 0xff, i & 0xff);
    let (first, last) = config.vpc_pool;
    let (counts, regions) = backend.read(|s| {
        let accounts: std::collections::BTreeSet<&String> = s
            .vpcs
            .values()
            .map(|v| &v.account)
            .chain(s.services.values().map(|v| &v.account))
            .chain(s.service_networks.values().map(|v| &v.account))
            .collect();
        let counts = json!({
            "accounts": accounts.len(),
            "vpcs": s.vpcs.len(), "serviceNetworks": s.service_networks.len(), "services": s.services.len(),
            "listeners": s.listeners.len(), "targetGroups": s.target_groups.len(),
            "resourceGateways": s.resource_gateways.len(), "resourceConfigurations": s.resource_configurations.len(),
            "resourceShares": s.resource_shares.values().filter(|r| r.status != "DELETED").count(),
            "principals": s.local_principals.len(), "functions": s.local_functions.len(),
        });
        let mut regions: std::collections::BTreeSet<String> =
            s.vpcs.values().map(|v| v.region_or(&config.region).to_string()).collect();
        regions.insert(config.region.clone());
        (counts, regions)
    });
    let failing: Vec<Value> = backend
        .snapshot()
        .targets()
        .into_iter()
        .filter(|(_, _, slot)| slot.get() == lattice_runtime::health::Status::Unhealthy || slot.seen().failed())
        .map(|(tg, addr, slot)| {
            json!({ "targetGroupId": tg, "address": addr.to_string(), "status": slot.get().as_str(), "lastConnection": slot.seen().describe() })
        })
        .collect();
    json!({
        "pid": std::process::id(),
        "version": env!("CARGO_PKG_VERSION"),
        "dataDir": config.access_log_dir.as_ref().and_then(|d| d.parent()).map(|d| d.display().to_string()),
        "vpcPool": format!("{}.0 - {}.255", block(first), block(last)),
        "regions": regions,
        "objects": counts,
        "failingTargets": failing,
        "unbound": crate::admin::vpc::unbound(backend, None),
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
