//! A domain-key stage that lies (tests/liars.rs), with the stages' own key
//! code: the key is real (read or created in `/key` as the real stage does),
//! and so are the CSRs. Which lie is the key file's name, without `.pem`:
//!
//! - `honest`: the CSR the real stage makes (the control);
//! - `other-names`: a CSR for the requested names and `evil.example`;
//! - `other-key`: a CSR for the requested names, made and signed with a
//!   fresh key that is not the one `load` returned;
//! - `bad-signature`: the honest CSR with its signature's last byte changed;
//! - `must-staple-flipped`: the honest CSR, but asking for OCSP must-staple
//!   (status_request) exactly when the host did not (`-O`);
//! - `names-only`: a CSR for the names alone, with the default subject and
//!   no key usage or TLS feature, whatever the host asked for.

use std::path::Path;
use std::sync::Mutex;

use keys::Key;

wit_bindgen::generate!({ world: "domain-key", path: "../../../wit" });

use exports::acmebox::stages::csr::{
    AttributeType, CsrRequest, Guest, KeyType, KeyUsage, LoadedKey, TlsFeatures,
};
use exports::acmebox::stages::signer::{AccountKey, Guest as Signer};

/// The key read by `load`, and the lie.
static STATE: Mutex<Option<(Key, String)>> = Mutex::new(None);

struct Liar;

impl Guest for Liar {
    fn load(name: String, create: bool, _kind: KeyType) -> Result<LoadedKey, String> {
        let create = create.then_some(keys::KeyType::P256);
        let loaded =
            keys::load_or_create(Path::new("/key"), &name, create).map_err(|e| e.to_string())?;
        let spki = loaded.key.spki_der().map_err(|e| e.to_string())?;
        let lie = name.trim_end_matches(".pem").to_string();
        *STATE.lock().map_err(|_| "poisoned")? = Some((loaded.key, lie));
        Ok(LoadedKey {
            spki,
            created: loaded.created,
        })
    }

    fn make_csr(request: CsrRequest) -> Result<Vec<u8>, String> {
        let state = STATE.lock().map_err(|_| "poisoned")?;
        let (key, lie) = state.as_ref().ok_or("no key loaded")?;
        let names = request.names.clone();
        let honest = keys_request(&request);
        let csr =
            |key: &Key, request: &keys::CsrRequest| key.csr_der(request).map_err(|e| e.to_string());
        match lie.as_str() {
            "other-names" => {
                let mut more = honest.clone();
                more.names.push("evil.example".into());
                csr(key, &more)
            }
            "other-key" => csr(
                &Key::generate(keys::KeyType::P256).map_err(|e| e.to_string())?,
                &honest,
            ),
            "must-staple-flipped" => {
                let mut flipped = honest.clone();
                let staple = keys::TlsFeature::StatusRequest;
                match flipped.tls_features.contains(&staple) {
                    true => flipped.tls_features.retain(|t| *t != staple),
                    false => flipped.tls_features.push(staple),
                }
                csr(key, &flipped)
            }
            "names-only" => csr(key, &keys::CsrRequest::for_names(&names)),
            "bad-signature" => {
                let mut der = csr(key, &honest)?;
                if let Some(last) = der.last_mut() {
                    *last ^= 1;
                }
                Ok(der)
            }
            _ => csr(key, &honest),
        }
    }
}

/// The WIT request as the keys crate takes it (as the real stage converts).
fn keys_request(request: &CsrRequest) -> keys::CsrRequest {
    let subject = request.subject.as_ref().map(|attributes| {
        attributes
            .iter()
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
                value: a.value.clone(),
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
        names: request.names.clone(),
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

/// The signer, honest: the domain key's public half and signatures.
impl Signer for Liar {
    fn public_key() -> Result<AccountKey, String> {
        let state = STATE.lock().map_err(|_| "poisoned")?;
        let (key, _) = state.as_ref().ok_or("no key loaded")?;
        Ok(AccountKey {
            alg: key.algorithm().jws_name().into(),
            jwk: key.jwk(),
            thumbprint: key.thumbprint(),
        })
    }

    fn sign(signing_input: String) -> Result<String, String> {
        let state = STATE.lock().map_err(|_| "poisoned")?;
        let (key, _) = state.as_ref().ok_or("no key loaded")?;
        key.sign(signing_input.as_bytes())
            .map_err(|e| e.to_string())
    }
}

export!(Liar);
