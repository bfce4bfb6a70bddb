//! The backend's local CA: created once and kept in the database, so clients can trust it
//! across restarts. It issues `lattice_local_certificate`s and the certificates HTTPS
//! listeners present for generated service names.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use time::OffsetDateTime;

/// The local CA: its certificate and key, as PEM.
#[derive(Debug, Clone)]
pub struct LocalCa {
    pub cert_pem: String,
    key_pem: String,
}

impl LocalCa {
    pub fn generate() -> Result<Self, rcgen::Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, "lattice-local CA");
        params.distinguished_name.push(DnType::OrganizationName, "lattice-local");
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(3650);
        let cert = params.self_signed(&key)?;
        Ok(Self { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }

    pub fn from_pem(cert_pem: String, key_pem: String) -> Self {
        Self { cert_pem, key_pem }
    }

    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Issues a certificate for `names` (the first is the subject): certificate and key as
    /// PEM, and the validity.
    pub fn issue(&self, names: &[String]) -> Result<(String, String, OffsetDateTime, OffsetDateTime), rcgen::Error> {
        let ca_key = KeyPair::from_pem(&self.key_pem)?;
        let issuer = Issuer::from_ca_cert_pem(&self.cert_pem, ca_key)?;
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(names.to_vec())?;
        params.distinguished_name.push(DnType::CommonName, names[0].clone());
        let now = OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::hours(1);
        params.not_after = now + time::Duration::days(395);
        let cert = params.signed_by(&key, &issuer)?;
        Ok((cert.pem(), key.serialize_pem(), params.not_before, params.not_after))
    }
}
