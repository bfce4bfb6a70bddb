//! TLS for HTTPS listeners: the certificate comes from the client's SNI — the service's
//! generated name gets one issued by the local CA (as Lattice presents its managed
//! certificate), a custom domain name gets the service's `certificate_arn`, and anything else
//! fails the handshake (Lattice has no default certificate). ALPN offers h2 and HTTP/1.1.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use lattice_model::snapshot::CertMaterial;
use lattice_runtime::ca::LocalCa;
use rustls::crypto::ring::{default_provider, sign::any_supported_type};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use tokio::sync::watch;

use crate::Served;

/// Certificates presented so far, shared by every listener: issuing or parsing one costs a
/// key generation or a PEM parse, so each is made once.
#[derive(Debug)]
pub(crate) struct Certs {
    ca: LocalCa,
    /// Generated names → certificates from the local CA.
    issued: Mutex<HashMap<String, Arc<CertifiedKey>>>,
    /// Certificate ARN → parsed `lattice_local_certificate`.
    custom: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

fn certified_key(chain_pem: &str, key_pem: &str) -> Option<Arc<CertifiedKey>> {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(chain_pem.as_bytes()).collect::<Result<_, _>>().ok()?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).ok()?;
    let signing = any_supported_type(&key).ok()?;
    (!chain.is_empty()).then(|| Arc::new(CertifiedKey::new(chain, signing)))
}

impl Certs {
    pub(crate) fn new(ca: LocalCa) -> Self {
        Self { ca, issued: Mutex::default(), custom: Mutex::default() }
    }

    fn generated(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let mut issued = self.issued.lock().ok()?;
        if let Some(key) = issued.get(name) {
            return Some(key.clone());
        }
        let (cert, key, _, _) = self
            .ca
            .issue(&[name.to_string()])
            .map_err(|e| tracing::error!(%name, error = %e, "the local CA could not issue a listener certificate"))
            .ok()?;
        let chain = format!("{}\n{}", cert.trim_end(), self.ca.cert_pem.trim());
        let certified = certified_key(&chain, &key)?;
        issued.insert(name.to_string(), certified.clone());
        Some(certified)
    }

    fn custom(&self, material: &CertMaterial) -> Option<Arc<CertifiedKey>> {
        let mut custom = self.custom.lock().ok()?;
        if let Some(key) = custom.get(&material.arn) {
            return Some(key.clone());
        }
        let Some(certified) = certified_key(&material.chain_pem, &material.key_pem) else {
            tracing::warn!(arn = %material.arn, "the service's certificate or key cannot be used for TLS");
            return None;
        };
        custom.insert(material.arn.clone(), certified.clone());
        Some(certified)
    }
}

/// Picks the certificate for a handshake on one VPC's service-network address.
#[derive(Debug)]
struct Resolver {
    /// The VPC's key in the snapshot (`account:id`).
    vpc: String,
    /// The block address the socket serves (the association's or an endpoint's).
    ip: Ipv4Addr,
    /// The listener port clients address.
    port: u16,
    served: watch::Receiver<Served>,
    certs: Arc<Certs>,
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let sni = hello.server_name()?.to_ascii_lowercase();
        let (generated, material) = {
            let served = self.served.borrow();
            let route = served.snapshot.vpcs.get(&self.vpc)?.door(self.ip)?.route(&sni)?;
            // Only a service with an HTTPS listener on this port completes a handshake.
            route.listeners.get(&self.port).filter(|l| l.protocol == "HTTPS")?;
            (route.generated_name() == sni, route.certificate.clone())
        };
        if generated {
            self.certs.generated(&sni)
        } else {
            self.certs.custom(material.as_deref()?)
        }
    }
}

/// The TLS settings of one VPC's listening port.
pub(crate) fn server_config(
    (vpc, ip, port): (&str, Ipv4Addr, u16),
    served: watch::Receiver<Served>,
    certs: Arc<Certs>,
) -> Result<Arc<ServerConfig>, rustls::Error> {
    let resolver = Resolver { vpc: vpc.to_string(), ip, port, served, certs };
    let mut config = ServerConfig::builder_with_provider(Arc::new(default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What a TLS connection negotiated, for routing checks and access logs.
#[derive(Debug, Clone)]
pub(crate) struct TlsInfo {
    pub sni: String,
    pub cipher: String,
    pub version: String,
}

impl TlsInfo {
    pub(crate) fn of(conn: &rustls::ServerConnection) -> Self {
        let cipher = conn.negotiated_cipher_suite().map(|c| format!("{:?}", c.suite())).unwrap_or_default();
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
            other => format!("{other:?}"),
        };
        Self { sni: conn.server_name().unwrap_or_default().to_ascii_lowercase(), cipher, version }
    }
}
