//! `lattice_local_certificate`: an ACM stand-in. Give `domain_name` to have the backend's local
//! CA issue a certificate (trust it with `lattice-local ca`), or `certificate_body` and
//! `private_key` to import one. The ARN goes where AWS takes an ACM certificate ARN.

use async_trait::async_trait;
use serde_json::{json, Map, Value as Json};
use tf_provider::{AttributePath, Diagnostics};

use super::common::*;
use crate::client::{label, Client, ClientError};
use crate::engine::Kind;
use crate::schema::{domain_name, Attr, TypeSchema};

pub(crate) struct LocalCertificate;

fn cert_id(arn_or_id: &str) -> &str {
    arn_or_id.rsplit('/').next().unwrap_or(arn_or_id)
}

#[async_trait]
impl Kind for LocalCertificate {
    fn label(&self) -> &'static str {
        "local certificate"
    }

    fn schema(&self) -> TypeSchema {
        TypeSchema {
            description: "A certificate for HTTPS listeners and custom domain names: issued by the backend's local CA (`domain_name`) or imported (`certificate_body` + `private_key`).",
            attrs: vec![
                Attr::string("id").computed().doc("The certificate ARN."),
                Attr::string("arn").computed(),
                Attr::string("domain_name").optional_computed().force_new().validate(domain_name).doc("Issue a certificate for this name from the local CA."),
                Attr::set_of_string("subject_alternative_names").optional_computed().force_new(),
                Attr::string("certificate_body").force_new().doc("PEM certificate to import."),
                Attr::string("private_key").force_new().sensitive().doc("PEM private key of the imported certificate."),
                Attr::string("certificate_chain").force_new().doc("PEM chain of the imported certificate."),
                Attr::string("certificate_pem").computed().doc("The certificate (issued or imported), PEM."),
                Attr::string("status").computed(),
                Attr::string("type").computed().doc("`AMAZON_ISSUED` (local CA) or `IMPORTED`."),
                Attr::string("not_before").computed(),
                Attr::string("not_after").computed(),
                Attr::tags(),
            ],
            blocks: vec![],
        }
    }

    fn validate(&self, config: &Json, diags: &mut Diagnostics) {
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("domain_name") == set("certificate_body") {
            diags.error(
                "Invalid certificate",
                "give either domain_name (issue from the local CA) or certificate_body and private_key (import)",
                AttributePath::new("domain_name"),
            );
        }
        if set("certificate_body") && !set("private_key") {
            diags.error(
                "Missing private_key",
                "an imported certificate needs its private key",
                AttributePath::new("private_key"),
            );
        }
    }

    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError> {
        let mut body = Map::new();
        put(&mut body, "domainName", plan.get("domain_name").cloned());
        put(&mut body, "subjectAlternativeNames", plan.get("subject_alternative_names").cloned());
        put(&mut body, "certificate", plan.get("certificate_body").cloned());
        put(&mut body, "privateKey", plan.get("private_key").cloned());
        put(&mut body, "certificateChain", plan.get("certificate_chain").cloned());
        body.insert("tags".into(), tags_of(plan));
        let r = c.admin("POST", "/certificates", Some(Json::Object(body))).await?;
        Ok(s(&r, "certificateArn").unwrap_or_default().to_string())
    }

    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError> {
        let path = format!("/certificates/{}", label(cert_id(id)));
        let Some(r) = found(c.admin("GET", &path, None).await)? else { return Ok(None) };
        let tags = r.get("tags").cloned().unwrap_or(json!({}));
        let imported = s(&r, "type") == Some("IMPORTED");
        // What only the configuration knows (the key, the PEM as written) stays as given.
        let keep = |k: &str| prior.get(k).cloned().unwrap_or(Json::Null);
        Ok(Some(json!({
            "id": r["certificateArn"], "arn": r["certificateArn"], "domain_name": r["domainName"],
            "subject_alternative_names": r["subjectAlternativeNames"],
            "certificate_body": if imported && !keep("certificate_body").is_null() { keep("certificate_body") } else if imported { r["certificate"].clone() } else { Json::Null },
            "private_key": if imported { keep("private_key") } else { Json::Null },
            "certificate_chain": if imported { keep("certificate_chain") } else { Json::Null },
            "certificate_pem": r["certificate"], "status": r["status"], "type": r["type"],
            "not_before": r["notBefore"], "not_after": r["notAfter"], "tags": tags,
        })))
    }

    async fn update(&self, c: &Client, id: &str, _prior: &Json, plan: &Json) -> Result<(), ClientError> {
        let body = json!({ "tags": tags_of(plan) });
        c.admin("PATCH", &format!("/certificates/{}", label(cert_id(id))), Some(body)).await.map(drop)
    }

    async fn delete(&self, c: &Client, id: &str, _state: &Json) -> Result<(), ClientError> {
        c.admin("DELETE", &format!("/certificates/{}", label(cert_id(id))), None).await.map(drop)
    }
}
