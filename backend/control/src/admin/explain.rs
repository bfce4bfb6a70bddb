//! `POST /_lattice-local/explain`: parses what the client would send (a URL and its method,
//! headers and credentials, or a `host:port`), signs it as the caller would, and asks
//! [`lattice_model::explain`] about it on the snapshot the data plane serves now.

use lattice_api::{sigv4, ApiError};
use lattice_model::auth::SIGNING_NAME;
use lattice_model::explain::{self, Explanation, HttpRequest, Target};
use lattice_model::Object;
use serde_json::Value;

use crate::{Backend, Ctx};

/// The request's answer, or a `ValidationException` naming the bad field.
pub(crate) fn explain(backend: &Backend, ctx: &Ctx, body: &Value) -> Result<Explanation, ApiError> {
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    let vpc_id = text("vpcId").ok_or_else(|| ApiError::invalid_field("vpcId", "vpcId is required"))?;
    let (block, key) =
        backend.read(|s| crate::admin::vpc::find_vpc(ctx, s, vpc_id).map(|v| (v.block.clone(), v.key())))?;
    // Where the client connects from: by default, the VPC's namespace client (`lattice-local exec`).
    let source = match text("sourceAddress") {
        Some(a) => a.parse::<std::net::IpAddr>(),
        None => format!("{block}.{}", lattice_model::snapshot::CLIENT_OCTET).parse(),
    }
    .map_err(|_| ApiError::invalid_field("sourceAddress", "sourceAddress is not an IP address"))?;
    let snapshot = backend.snapshot();
    let now = time::OffsetDateTime::now_utc();
    if let Some(address) = text("address") {
        let (host, port) = address
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
            .filter(|(h, _)| !h.is_empty())
            .ok_or_else(|| ApiError::invalid_field("address", format!("'{address}' is not host:port")))?;
        return Ok(explain::explain(&snapshot, &key, source, &Target::Tcp { host, port }, now));
    }
    let url = text("url").ok_or_else(|| ApiError::invalid_field("url", "one of url or address is required"))?;
    let bad_url = || ApiError::invalid_field("url", format!("'{url}' is not an http:// or https:// URL"));
    let uri: hyper::Uri = url.parse().map_err(|_| bad_url())?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(bad_url()),
    };
    let authority = uri.authority().ok_or_else(bad_url)?;
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    let method = text("method").unwrap_or("GET").to_ascii_uppercase();
    let mut headers: Vec<(String, String)> = match body.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                let v = v
                    .as_str()
                    .ok_or_else(|| ApiError::invalid_field("headers", format!("header {k} is not a string")))?;
                Ok((k.to_ascii_lowercase(), v.to_string()))
            })
            .collect::<Result<_, ApiError>>()?,
        Some(_) => return Err(ApiError::invalid_field("headers", "headers must be an object of strings")),
    };
    if !headers.iter().any(|(k, _)| k == "host") {
        headers.push(("host".into(), authority.as_str().to_string()));
    }
    let (raw_path, raw_query) = (uri.path(), uri.query().unwrap_or_default());
    if let Some((key, secret)) = credentials(backend, ctx, body)? {
        let signable = sigv4::SignableRequest { method: &method, raw_path, raw_query, headers: &headers, body: b"" };
        // Signed as a client in that VPC signs: for the VPC's Region.
        let region = snapshot.vpcs.get(&key).map_or(backend.config().region.as_str(), |v| v.region.as_str());
        let signed =
            sigv4::sign_with_payload_hash(&signable, "UNSIGNED-PAYLOAD", (&key, &secret), region, SIGNING_NAME, now);
        headers.extend(signed);
    }
    let request =
        HttpRequest { https, host: authority.host(), port, method: &method, raw_path, raw_query, headers: &headers };
    let mut answer = explain::explain(&snapshot, &key, source, &Target::Http(request), now);
    advise(backend, ctx, &mut answer, authority.host());
    Ok(answer)
}

/// What only the caller's own state can tell: a name that resolves nowhere because the caller's
/// service is in no service network.
fn advise(backend: &Backend, ctx: &Ctx, answer: &mut Explanation, host: &str) {
    if answer.reachable || answer.decided_by != "dns" {
        return;
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let lonely = backend.read(|s| {
        let service = s.services.values().find(|v| {
            ctx.owns(*v)
                && (v.dns_entry.domain_name.eq_ignore_ascii_case(&host)
                    || v.custom_domain_name.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(&host)))
        })?;
        let associated = s.sn_service_associations.values().any(|a| a.service_id == service.id);
        (!associated).then(|| format!("service {} ({}) is in no service network", service.name, service.id))
    });
    if let Some(why) = lonely {
        let hint = format!("; {why}: associate it with one (lattice_service_network_service_association)");
        answer.summary.push_str(&hint);
        if let Some(step) = answer.steps.last_mut() {
            step.detail.push_str(&hint);
        }
    }
}

/// The keys to sign with: a local principal of the caller's account (by access key id or ARN),
/// or explicit `accessKeyId` + `secretAccessKey`; none for an unsigned request.
fn credentials(backend: &Backend, ctx: &Ctx, body: &Value) -> Result<Option<(String, String)>, ApiError> {
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    if let Some(principal) = text("principal") {
        let found = backend.read(|s| {
            s.local_principals
                .values()
                .find(|p| ctx.owns(*p) && (p.access_key_id == principal || p.arn == principal))
                .map(|p| (p.access_key_id.clone(), p.secret_access_key.clone()))
        });
        return found.map(Some).ok_or_else(|| {
            ApiError::invalid_field(
                "principal",
                format!("{principal} is not a local principal of account {}", ctx.account),
            )
        });
    }
    match (text("accessKeyId"), text("secretAccessKey")) {
        (Some(key), Some(secret)) => Ok(Some((key.to_string(), secret.to_string()))),
        (Some(_), None) => Err(ApiError::invalid_field("secretAccessKey", "accessKeyId needs secretAccessKey")),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::kit::testing::{admin_request, backend, A, B};

    #[tokio::test]
    async fn explain_answers_for_the_callers_vpcs_and_names_bad_input() {
        let backend = backend("explain");
        let vpc = json!({ "vpcId": "vpc-0a0a0a0a0a0a0a0a0" });
        crate::admin::handle(&backend, &admin_request("POST", "/vpcs", Some(vpc), Some(A))).await.unwrap();
        let ask = |url: &str| json!({ "vpcId": "vpc-0a0a0a0a0a0a0a0a0", "url": url });
        let answer = crate::admin::handle(
            &backend,
            &admin_request(
                "POST",
                "/explain",
                Some(ask("http://web-0123456789abcdef0.a1b2c3d.vpc-lattice-svcs.us-east-1.on.aws/")),
                Some(A),
            ),
        )
        .await
        .unwrap();
        assert_eq!(answer.status(), 200);
        let ctx = backend.ctx(A);
        let explanation = super::explain(
            &backend,
            &ctx,
            &ask("http://web-0123456789abcdef0.a1b2c3d.vpc-lattice-svcs.us-east-1.on.aws/"),
        )
        .unwrap();
        assert!(!explanation.reachable, "no service network is associated: {}", explanation.summary);
        let bad = super::explain(&backend, &ctx, &ask("ftp://x/")).unwrap_err();
        assert_eq!(bad.field_list[0].name, "url");
        let other = super::explain(&backend, &backend.ctx(B), &ask("http://x/")).unwrap_err();
        assert_eq!(other.code.to_string(), "ResourceNotFoundException", "B does not see A's VPC");
    }
}
