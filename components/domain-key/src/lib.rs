//! The domain-key stage (acme-client's keyproc): holds the certificate's
//! private key and makes the PKCS#10 request (RFC 2986) that finalizes an
//! ACME order (RFC 8555 §7.4). It also signs JWS signing inputs with that
//! key (the `signer` interface, as the account stage does), for revocation
//! with the certificate's own key (RFC 8555 §7.6). The private key never
//! leaves this component.
#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Mutex;

use bindings::exports::acmebox::stages::csr::{
    AttributeType, CsrRequest, Guest, KeyType, KeyUsage, LoadedKey, TlsFeatures,
};
use bindings::exports::acmebox::stages::signer::{AccountKey, Guest as Signer};
use keys::Key;

#[allow(unsafe_code)]
mod bindings {
    //! Generated from `wit/domain-key.wit`.
    wit_bindgen::generate!({ world: "domain-key", path: "../../wit" });

    use super::DomainKey;
    export!(DomainKey with_types_in self);
}

/// Where the host preopens the key directory.
const KEY_DIR: &str = "/key";

/// The loaded certificate key; `None` until `load` succeeds.
static KEY: Mutex<Option<Key>> = Mutex::new(None);

struct DomainKey;

/// The WIT key type as the keys crate names it.
fn key_type(kind: KeyType) -> keys::KeyType {
    match kind {
        KeyType::P256 => keys::KeyType::P256,
        KeyType::P384 => keys::KeyType::P384,
        KeyType::Rsa2048 => keys::KeyType::Rsa2048,
        KeyType::Rsa3072 => keys::KeyType::Rsa3072,
        KeyType::Rsa4096 => keys::KeyType::Rsa4096,
    }
}

/// The WIT request as the keys crate takes it.
fn csr_request(request: CsrRequest) -> keys::CsrRequest {
    let subject = request.subject.map(|attributes| {
        attributes
            .into_iter()
            .map(|a| keys::SubjectAttribute {
                kind: match a.kind {
                    AttributeType::CommonName => keys::AttributeType::CommonName,
                    AttributeType::Organization => keys::AttributeType::Organization,
                    AttributeType::OrganizationalUnit => keys::AttributeType::OrganizationalUnit,
                    AttributeType::Country => keys::AttributeType::Country,
                    AttributeType::StateOrProvince => keys::AttributeType::StateOrProvince,
                    AttributeType::Locality => keys::AttributeType::Locality,
                    AttributeType::EmailAddress => keys::AttributeType::EmailAddress,
                    AttributeType::SerialNumber => keys::AttributeType::SerialNumber,
                },
                value: a.value,
            })
            .collect()
    });
    let usages = [
        (
            KeyUsage::DIGITAL_SIGNATURE,
            keys::KeyUsage::DigitalSignature,
        ),
        (KeyUsage::NON_REPUDIATION, keys::KeyUsage::NonRepudiation),
        (KeyUsage::KEY_ENCIPHERMENT, keys::KeyUsage::KeyEncipherment),
        (
            KeyUsage::DATA_ENCIPHERMENT,
            keys::KeyUsage::DataEncipherment,
        ),
        (KeyUsage::KEY_AGREEMENT, keys::KeyUsage::KeyAgreement),
        (KeyUsage::KEY_CERT_SIGN, keys::KeyUsage::KeyCertSign),
        (KeyUsage::CRL_SIGN, keys::KeyUsage::CrlSign),
        (KeyUsage::ENCIPHER_ONLY, keys::KeyUsage::EncipherOnly),
        (KeyUsage::DECIPHER_ONLY, keys::KeyUsage::DecipherOnly),
    ];
    let features = [
        (TlsFeatures::STATUS_REQUEST, keys::TlsFeature::StatusRequest),
        (
            TlsFeatures::STATUS_REQUEST_V2,
            keys::TlsFeature::StatusRequestV2,
        ),
    ];
    keys::CsrRequest {
        names: request.names,
        subject,
        key_usage: usages
            .into_iter()
            .filter(|(flag, _)| request.key_usage.contains(*flag))
            .map(|(_, usage)| usage)
            .collect(),
        tls_features: features
            .into_iter()
            .filter(|(flag, _)| request.tls_features.contains(*flag))
            .map(|(_, feature)| feature)
            .collect(),
    }
}

/// Minimal checks; the host validates names properly before they get here.
fn check_names(names: &[String]) -> Result<(), String> {
    if names.is_empty() {
        return Err("no names for the certificate request".to_owned());
    }
    match names.iter().find(|n| n.is_empty() || !n.is_ascii()) {
        Some(bad) => Err(format!("invalid name {bad:?}: must be non-empty ASCII")),
        None => Ok(()),
    }
}

/// Run `f` on the loaded key, or fail if none is loaded.
fn with_key<T>(f: impl FnOnce(&Key) -> Result<T, String>) -> Result<T, String> {
    let guard = KEY
        .lock()
        .map_err(|_| "domain key lock poisoned".to_owned())?;
    guard
        .as_ref()
        .map_or_else(|| Err("no domain key loaded".to_owned()), f)
}

impl Guest for DomainKey {
    fn load(name: String, create: bool, kind: KeyType) -> Result<LoadedKey, String> {
        let create = create.then(|| key_type(kind));
        let loaded =
            keys::load_or_create(Path::new(KEY_DIR), &name, create).map_err(|e| e.to_string())?;
        let spki = loaded.key.spki_der().map_err(|e| e.to_string())?;
        let mut guard = KEY
            .lock()
            .map_err(|_| "domain key lock poisoned".to_owned())?;
        *guard = Some(loaded.key);
        Ok(LoadedKey {
            spki,
            created: loaded.created,
        })
    }

    fn make_csr(request: CsrRequest) -> Result<Vec<u8>, String> {
        check_names(&request.names)?;
        let request = csr_request(request);
        with_key(|key| key.csr_der(&request).map_err(|e| e.to_string()))
    }
}

/// The domain key's public half and JWS signatures, as the account stage
/// gives the account key's: the network stage signs a revocation request
/// (`jwk` in its header) through the host with them.
impl Signer for DomainKey {
    fn public_key() -> Result<AccountKey, String> {
        with_key(|key| {
            Ok(AccountKey {
                alg: key.algorithm().jws_name().to_owned(),
                jwk: key.jwk(),
                thumbprint: key.thumbprint(),
            })
        })
    }

    fn sign(signing_input: String) -> Result<String, String> {
        with_key(|key| {
            key.sign(signing_input.as_bytes())
                .map_err(|e| e.to_string())
        })
    }
}
