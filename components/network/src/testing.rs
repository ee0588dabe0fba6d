//! Test helpers shared by the transport's tests: a throwaway TLS identity
//! for `localhost` and a minimal HTTP/1.1 request reader.

use std::io::{self, Read};
use std::sync::Arc;

/// A throwaway CA and a `localhost` certificate it signed, made once per
/// test run (no key material is kept in the repository).
pub struct Identity {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

pub fn identity() -> &'static Identity {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    static IDENTITY: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.is_ca = IsCa::ExplicitNoCa;
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        Identity {
            ca_pem: ca.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    })
}

pub fn tls_server_config() -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let cert = CertificateDer::from_pem_slice(identity().cert_pem.as_bytes());
    let key = PrivateKeyDer::from_pem_slice(identity().key_pem.as_bytes());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.unwrap()], key.unwrap())
        .unwrap();
    Arc::new(config)
}

/// Read one request (head, then a body of content-length bytes).
pub fn read_request(stream: &mut impl Read) -> io::Result<()> {
    let mut data = Vec::new();
    let mut chunk = [0; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_lowercase();
    let length = (head.lines())
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0; head_end + length - data.len()];
    stream.read_exact(&mut body)
}
