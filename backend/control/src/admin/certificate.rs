//! `lattice_local_certificate`: certificates imported as PEM or issued by the backend's local
//! CA (created once and kept in the database, so clients can trust it across restarts).

use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::LocalCertificate;
use lattice_model::{Object, State};
use lattice_runtime::ca::LocalCa;
use rcgen::KeyPair;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::admin::route::{custom, items, read, write, Route};
use crate::http::json_response;
use crate::kit::{find_owned, str_of, string_list, tags_of, Ctx, OpResult, Outcome};

const CERT: &str = "CERTIFICATE";

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

pub(crate) fn certificate_wire(c: &LocalCertificate) -> Value {
    json!({
        "certificateArn": c.arn, "domainName": c.domain_name, "subjectAlternativeNames": c.subject_alternative_names,
        "type": c.kind, "status": "ISSUED", "certificate": c.certificate_pem, "certificateChain": c.certificate_chain_pem,
        "notBefore": c.not_before, "notAfter": c.not_after, "createdAt": c.created_at, "tags": c.tags,
    })
}

/// Names and validity of an imported certificate.
fn inspect(pem: &str) -> Result<(Vec<String>, String, String), ApiError> {
    let bad = |what: &str| {
        ApiError::invalid_field("certificate", format!("the certificate is not a valid PEM X.509 certificate: {what}"))
    };
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|_| bad("no PEM block"))?;
    let cert = block.parse_x509().map_err(|_| bad("unreadable"))?;
    let mut names: Vec<String> =
        cert.subject().iter_common_name().filter_map(|cn| cn.as_str().ok().map(str::to_string)).collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::DNSName(d) = n {
                if !names.iter().any(|x| x == d) {
                    names.push(d.to_string());
                }
            }
        }
    }
    if names.is_empty() {
        return Err(bad("it names no domain"));
    }
    let at = |t: i64| OffsetDateTime::from_unix_timestamp(t).map(rfc3339).unwrap_or_default();
    Ok((names, at(cert.validity().not_before.timestamp()), at(cert.validity().not_after.timestamp())))
}

pub(crate) fn create_certificate(ctx: &Ctx, _s: &State, input: &Value, ca: &LocalCa) -> OpResult {
    let id = lattice_api::ids::new_id("cert").trim_start_matches("cert-").to_string();
    let now = now_rfc3339();
    let cert = match (str_of(input, "certificate"), str_of(input, "domainName")) {
        (Some(pem), None) => {
            let key = str_of(input, "privateKey").ok_or_else(|| {
                ApiError::invalid_field("privateKey", "an imported certificate needs its private key")
            })?;
            KeyPair::from_pem(key)
                .map_err(|e| ApiError::invalid_field("privateKey", format!("the private key is not valid PEM: {e}")))?;
            let (names, not_before, not_after) = inspect(pem)?;
            LocalCertificate {
                arn: format!("arn:aws:acm:{}:{}:certificate/{id}", ctx.region, ctx.account),
                id,
                domain_name: names[0].clone(),
                subject_alternative_names: names,
                kind: "IMPORTED".into(),
                certificate_pem: pem.to_string(),
                certificate_chain_pem: str_of(input, "certificateChain").unwrap_or_default().to_string(),
                private_key_pem: key.to_string(),
                not_before,
                not_after,
                created_at: now,
                tags: tags_of(input),
                account: ctx.account.clone(),
            }
        }
        (None, Some(domain)) => {
            let mut names = vec![domain.to_ascii_lowercase()];
            for n in string_list(input, "subjectAlternativeNames") {
                if !names.contains(&n.to_ascii_lowercase()) {
                    names.push(n.to_ascii_lowercase());
                }
            }
            let (pem, key, not_before, not_after) = ca
                .issue(&names)
                .map_err(|e| ApiError::internal(format!("the local CA could not issue the certificate: {e}")))?;
            LocalCertificate {
                arn: format!("arn:aws:acm:{}:{}:certificate/{id}", ctx.region, ctx.account),
                id,
                domain_name: names[0].clone(),
                subject_alternative_names: names,
                kind: "AMAZON_ISSUED".into(),
                certificate_pem: pem,
                certificate_chain_pem: ca.cert_pem.clone(),
                private_key_pem: key,
                not_before: rfc3339(not_before),
                not_after: rfc3339(not_after),
                created_at: now,
                tags: tags_of(input),
                account: ctx.account.clone(),
            }
        }
        _ => {
            return Err(ApiError::invalid_field(
                "domainName",
                "give either domainName (issue from the local CA) or certificate and privateKey (import)",
            ))
        }
    };
    Outcome::write(vec![cert.put()], certificate_wire(&cert))
}

pub(crate) fn update_certificate(ctx: &Ctx, s: &State, id: &str, input: &Value) -> OpResult {
    let mut cert = find_owned(&s.local_certificates, ctx, id, CERT)?.clone();
    if input.get("tags").is_some() {
        cert.tags = tags_of(input);
    }
    Outcome::write(vec![cert.put()], certificate_wire(&cert))
}

pub(crate) fn delete_certificate(ctx: &Ctx, s: &State, id: &str) -> OpResult {
    let cert = find_owned(&s.local_certificates, ctx, id, CERT)?;
    if let Some(svc) = s.services.values().find(|svc| svc.certificate_arn.as_deref() == Some(cert.arn.as_str())) {
        return Err(ApiError::conflict(
            CERT,
            &cert.id,
            format!("Certificate {} is in use by service {}", cert.arn, svc.id),
        ));
    }
    Outcome::write(vec![cert.delete()], Value::Null)
}

/// A certificate's id in a path: its id, or its ARN's last segment.
fn certificate_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// `/_lattice-local/certificates` (creating one needs the backend's CA).
pub(crate) const ROUTES: &[Route] = &[
    custom("POST", "certificates", |backend, ctx, _, body| {
        Box::pin(async move {
            let ca = backend.ca.clone();
            let created = backend.execute(|ctx, s| create_certificate(ctx, s, body, &ca), ctx).await?;
            Ok(json_response(201, &created))
        })
    }),
    read("GET", "certificates", |ctx, s, _| Ok(items(ctx, &s.local_certificates, certificate_wire))),
    read("GET", "certificates/{}", |ctx, s, id| {
        find_owned(&s.local_certificates, ctx, certificate_id(id), "CERTIFICATE").map(certificate_wire)
    }),
    write("PATCH", "certificates/{}", 200, |ctx, s, id, body| update_certificate(ctx, s, certificate_id(id), body)),
    write("DELETE", "certificates/{}", 204, |ctx, s, id, _| delete_certificate(ctx, s, certificate_id(id))),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_certificates_chain_to_the_local_ca_and_can_be_imported_back() {
        let ca = LocalCa::generate().unwrap();
        let (pem, key, _, not_after) = ca.issue(&["app.example.com".into(), "www.example.com".into()]).unwrap();
        let (names, _, after) = inspect(&pem).unwrap();
        assert_eq!(names, ["app.example.com", "www.example.com"]);
        assert_eq!(after, rfc3339(not_after.replace_nanosecond(0).unwrap()));
        assert!(KeyPair::from_pem(&key).is_ok());
        assert!(inspect("not a certificate").is_err());
    }
}

#[cfg(test)]
mod handler_tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, A, B};

    #[test]
    fn issued_certificates_cover_their_names_and_are_their_owners() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let ca = lattice_runtime::ca::LocalCa::generate().unwrap();
        let out = create_certificate(&a, &s, &json!({ "domainName": "shop.example.com" }), &ca).unwrap();
        for change in &out.changes {
            s.apply(change).unwrap();
        }
        let id = out.body["certificateArn"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        assert_eq!(code(delete_certificate(&b, &s, &id).map(|o| o.body)), "ResourceNotFoundException");
        assert!(delete_certificate(&a, &s, &id).is_ok());
    }
}
