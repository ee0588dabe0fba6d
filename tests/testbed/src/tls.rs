//! The throwaway TLS identity pebble serves with, and an HTTPS client that trusts only it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Files written by [`write_identity`].
pub(crate) struct Identity {
    /// PEM of the CA that signed the server certificate.
    pub ca_file: PathBuf,
    /// PEM of the server certificate (for `localhost`, `127.0.0.1`, `::1` unless other names
    /// were asked for).
    pub cert_file: PathBuf,
    /// PEM (PKCS#8) of the server certificate's private key.
    pub key_file: PathBuf,
}

/// The names of the server certificate [`write_identity`] makes by default.
pub(crate) const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Generates a fresh CA and a server certificate signed by it into `dir`.
pub(crate) fn write_identity(dir: &Path) -> Result<Identity> {
    write_identity_for(dir, &DEFAULT_NAMES.map(String::from))
}

/// Like [`write_identity`], with a server certificate for `names` (DNS names or IP addresses).
pub(crate) fn write_identity_for(dir: &Path, names: &[String]) -> Result<Identity> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "acmebox testbed CA (throwaway)");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let ca_cert = ca_params.self_signed(&ca_key).context("signing the CA")?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut params = CertificateParams::new(names.to_vec())?;
    let common_name = names.first().map_or("localhost", String::as_str);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().context("generating the server key")?;
    let cert = params
        .signed_by(&key, &issuer)
        .context("signing the server certificate")?;

    let identity = Identity {
        ca_file: dir.join("ca.pem"),
        cert_file: dir.join("server-cert.pem"),
        key_file: dir.join("server-key.pem"),
    };
    write(&identity.ca_file, &ca_cert.pem())?;
    write(&identity.cert_file, &cert.pem())?;
    write(&identity.key_file, &key.serialize_pem())?;
    Ok(identity)
}

fn write(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

/// A blocking HTTPS client whose only trusted root is the CA in `ca_file`, ignoring any proxy
/// settings of the environment, with a per-request time limit.
pub(crate) fn agent(ca_file: &Path, timeout: Duration) -> Result<ureq::Agent> {
    let pem = std::fs::read(ca_file).with_context(|| format!("reading {}", ca_file.display()))?;
    let ca = ureq::tls::Certificate::from_pem(&pem)
        .with_context(|| format!("parsing {}", ca_file.display()))?;
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![ca])))
        .build();
    let config = ureq::Agent::config_builder()
        .tls_config(tls)
        .proxy(None)
        .timeout_global(Some(timeout))
        .build();
    Ok(config.into())
}

/// GETs `url` with `agent` and returns the body, failing on any status but 200.
pub(crate) fn get_text(agent: &ureq::Agent, url: &str) -> Result<String> {
    let mut response = agent
        .get(url)
        .call()
        .with_context(|| format!("GET {url}"))?;
    response
        .body_mut()
        .read_to_string()
        .with_context(|| format!("reading the body of {url}"))
}
