use serde_json::{json, Value};

use super::*;
use crate::kit::testing::{backend, A};
use crate::lattice::{listener, service, service_network, sn_service_association, sn_vpc_association};

fn get(path: &str, query: &str, cookie: Option<&str>) -> WireRequest {
    let mut headers = vec![("host".to_string(), "127.0.0.1:4599".to_string())];
    if let Some(c) = cookie {
        headers.push(("cookie".into(), format!("theme=dark; {COOKIE}={c}")));
    }
    WireRequest {
        method: "GET".into(),
        raw_path: path.into(),
        raw_query: query.into(),
        headers,
        body: Default::default(),
    }
}

fn status(backend: &Arc<Backend>, req: &WireRequest) -> u16 {
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let resp = handle(backend, req, stop);
    drop(stop_tx);
    resp.status().as_u16()
}

async fn body(backend: &Arc<Backend>, path: &str) -> Value {
    use http_body_util::BodyExt;
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let resp = handle(backend, &get(path, query, Some(&token("operator-secret"))), stop);
    assert_eq!(resp.status(), 200, "{path}");
    let bytes = resp.into_body().collect().await.expect("a whole body").to_bytes();
    serde_json::from_slice(&bytes).expect("JSON")
}

#[tokio::test]
async fn only_the_operators_token_opens_the_ui_and_only_reads_are_answered() {
    let backend = backend("ui-auth");
    let good = token("operator-secret");
    assert_ne!(good, token("another secret"));
    assert_eq!(status(&backend, &get("/ui/", "", None)), 401, "no cookie");
    assert_eq!(status(&backend, &get("/ui/api/topology", "", Some("0123"))), 401, "a wrong cookie");
    assert_eq!(status(&backend, &get("/ui/", "token=nope", None)), 403);
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let traded = handle(&backend, &get("/ui/", &format!("token={good}"), None), stop.clone());
    assert_eq!(traded.status(), 303);
    let cookie = traded.headers()["set-cookie"].to_str().unwrap();
    assert_eq!(cookie, format!("{COOKIE}={good}; Path=/ui; HttpOnly; SameSite=Strict"));
    assert_eq!(status(&backend, &get("/ui/", "", Some(&good))), 200);
    assert_eq!(status(&backend, &get("/ui", "", Some(&good))), 308);
    assert_eq!(status(&backend, &get("/ui/app.js", "", Some(&good))), 200);
    assert_eq!(status(&backend, &get("/ui/nothing", "", Some(&good))), 404);
    let mut post = get("/ui/api/topology", "", Some(&good));
    post.method = "POST".into();
    assert_eq!(status(&backend, &post), 405, "the UI never writes");
    let page = handle(&backend, &get("/ui/", "", Some(&good)), stop);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["cache-control"], "no-store");
}

#[test]
fn query_parameters_and_cookies_are_read_exactly() {
    assert_eq!(query_param("a=1&token=x%2Fy&b=2", "token").as_deref(), Some("x/y"));
    assert_eq!(query_param("tokens=1", "token"), None);
    let req = get("/ui/", "", Some("abc"));
    assert_eq!(cookie(&req), Some("abc"));
    assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
    assert!(!INDEX.contains("<script>") && !INDEX.contains("style="), "CSP: no inline scripts or styles");
}

/// Account A's network with a VPC, and a service with a listener in it.
async fn layout(backend: &Arc<Backend>) -> (String, String) {
    let a = backend.ctx(A);
    let exec = |op: crate::kit::Handler, ctx: crate::Ctx, input: Value| {
        let backend = backend.clone();
        async move { backend.execute(move |ctx, s| op(ctx, s, &input), &ctx).await.expect("a write") }
    };
    let sn = exec(service_network::create_service_network, a.clone(), json!({ "name": "net" })).await;
    let svc = exec(service::create_service, a.clone(), json!({ "name": "orders" })).await;
    let fixed = json!({ "fixedResponse": { "statusCode": 204 } });
    let svc_id = svc["id"].as_str().unwrap().to_string();
    exec(
        listener::create_listener,
        a.clone(),
        json!({
            "serviceIdentifier": svc_id, "name": "http", "protocol": "HTTP", "port": 80, "defaultAction": fixed,
        }),
    )
    .await;
    let sn_id = sn["id"].as_str().unwrap().to_string();
    exec(
        sn_service_association::create_snsa,
        a.clone(),
        json!({
            "serviceIdentifier": svc_id, "serviceNetworkIdentifier": sn_id,
        }),
    )
    .await;
    let vpc = json!({ "serviceNetworkIdentifier": sn_id, "vpcIdentifier": "vpc-0a0a0a0a0a0a0a0a0" });
    exec(sn_vpc_association::create_snva, a, vpc).await;
    (sn_id, svc_id)
}

#[tokio::test]
async fn the_topology_shows_every_account_and_the_matrix_is_explains_verdict() {
    let backend = backend("ui-views");
    let (sn, svc) = layout(&backend).await;
    let topo = body(&backend, "/ui/api/topology").await;
    assert_eq!(topo["accounts"], json!([A]));
    assert_eq!(topo["services"][0]["id"], json!(svc));
    assert_eq!(topo["services"][0]["listeners"][0]["port"], json!(80));
    let edges: Vec<(&str, &str)> = topo["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert!(edges.contains(&("service-association", svc.as_str())), "{edges:?}");
    assert!(edges.contains(&("vpc-association", sn.as_str())), "{edges:?}");

    let matrix = body(&backend, "/ui/api/matrix").await;
    let (vpc, key) = (matrix["vpcs"][0]["id"].as_str().unwrap(), matrix["vpcs"][0]["key"].as_str().unwrap());
    assert_eq!(key, format!("{A}:{vpc}"));
    let cell = &matrix["cells"][0][0];
    assert_eq!(matrix["columns"][0]["key"], json!(svc));
    // The same question through the admin API's explain gives the same verdict.
    let url = cell["ask"].as_str().unwrap();
    let answer =
        crate::admin::explain::explain(&backend, &backend.ctx(A), &json!({ "vpcId": vpc, "url": url })).unwrap();
    assert_eq!(cell["reachable"], json!(answer.reachable));
    assert_eq!(cell["decidedBy"], json!(answer.decided_by));
    assert_eq!(cell["status"], json!(answer.status));
    let trace = body(&backend, &format!("/ui/api/explain?vpc={key}&column={svc}")).await;
    assert_eq!(trace["decidedBy"], json!(answer.decided_by));
    assert!(trace["steps"].as_array().is_some_and(|s| !s.is_empty()));
}
