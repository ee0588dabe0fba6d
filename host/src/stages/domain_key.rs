//! The domain-key stage (wit/domain-key.wit): the certificate key and the
//! CSR, and (to revoke with the certificate's own key) JWS signatures with
//! it, checked as the account stage's are.

use super::account::{self, AccountKey};
use super::cert_parser::{same_names, CertParser};
use super::{embedded, load_plain, refuse};
use crate::error::Error;
use crate::grant::Grant;
use crate::key_type::KeyType;
use crate::sandbox::{Runtime, Sandboxed};
use crate::stage::Stage;
use wasmtime::component::Component;

mod bindings {
    wasmtime::component::bindgen!({ world: "domain-key", path: "../wit" });
}

use acmebox_config::csr::{AttributeType, KeyUsage, KeyUsages, Subject, TlsFeature, TlsFeatures};
pub use bindings::exports::acmebox::stages::csr::LoadedKey;
use bindings::exports::acmebox::stages::csr::{
    AttributeType as WitAttributeType, CsrRequest, KeyType as WitKeyType, KeyUsage as WitKeyUsage,
    SubjectAttribute, TlsFeatures as WitTlsFeatures,
};

/// Upper bound of an X.520 CommonName (RFC 5280 appendix A.1): a first name
/// longer than this is not the default subject's CN (the stage's rule, in
/// wit/domain-key.wit, which the host checks).
pub const MAX_CN_LEN: usize = 64;

/// What the CSR of step 6 must ask for: the names, and the options'
/// subject, key usage and TLS features.
#[derive(Clone, Copy, Debug)]
pub struct CsrAsk<'a> {
    /// The names, each a subjectAltName dNSName, or iPAddress for an IP
    /// address (RFC 8738 §3).
    pub names: &'a [String],
    /// `--subject`; `None`: the first name that is not an IP address as CN
    /// (at most [`MAX_CN_LEN`] characters; none when every name is one).
    pub subject: Option<&'a Subject>,
    /// `--key-usage`.
    pub key_usage: Option<&'a KeyUsages>,
    /// `--tls-feature` and `-O`.
    pub tls_features: &'a TlsFeatures,
}

impl<'a> CsrAsk<'a> {
    /// What `opts` ask for.
    pub fn of(opts: &'a crate::options::Options) -> CsrAsk<'a> {
        CsrAsk {
            names: &opts.names,
            subject: opts.subject.as_ref(),
            key_usage: opts.key_usage.as_ref(),
            tls_features: &opts.tls_features,
        }
    }

    /// The subject the CSR must have: (type OID, value) in order.
    fn subject(&self) -> Vec<(String, String)> {
        match self.subject {
            Some(subject) => subject
                .attributes()
                .iter()
                .map(|a| (a.kind.oid().to_string(), a.value.clone()))
                .collect(),
            None => (self.names.iter())
                .find(|n| !crate::validate::is_ip(n))
                .filter(|n| n.len() <= MAX_CN_LEN)
                .map(|n| (AttributeType::CommonName.oid().to_string(), n.clone()))
                .into_iter()
                .collect(),
        }
    }

    /// The keyUsage bits the CSR must ask for; `None`: no extension.
    fn key_usage_bits(&self) -> Option<u16> {
        self.key_usage
            .map(|u| u.usages().iter().fold(0, |bits, u| bits | (1 << u.bit())))
    }

    /// The TLS features the CSR must list, by number; `None`: no extension.
    fn tls_numbers(&self) -> Option<Vec<u16>> {
        let numbers: Vec<u16> = self
            .tls_features
            .features()
            .iter()
            .map(|t| t.number())
            .collect();
        (!numbers.is_empty()).then_some(numbers)
    }

    /// The WIT request.
    fn request(&self) -> CsrRequest {
        let subject = self.subject.map(|subject| {
            subject
                .attributes()
                .iter()
                .map(|a| SubjectAttribute {
                    kind: match a.kind {
                        AttributeType::CommonName => WitAttributeType::CommonName,
                        AttributeType::Organization => WitAttributeType::Organization,
                        AttributeType::OrganizationalUnit => WitAttributeType::OrganizationalUnit,
                        AttributeType::Country => WitAttributeType::Country,
                        AttributeType::StateOrProvince => WitAttributeType::StateOrProvince,
                        AttributeType::Locality => WitAttributeType::Locality,
                        AttributeType::EmailAddress => WitAttributeType::EmailAddress,
                        AttributeType::SerialNumber => WitAttributeType::SerialNumber,
                    },
                    value: a.value.clone(),
                })
                .collect()
        });
        let mut key_usage = WitKeyUsage::empty();
        for usage in self.key_usage.map(KeyUsages::usages).unwrap_or_default() {
            key_usage |= match usage {
                KeyUsage::DigitalSignature => WitKeyUsage::DIGITAL_SIGNATURE,
                KeyUsage::NonRepudiation => WitKeyUsage::NON_REPUDIATION,
                KeyUsage::KeyEncipherment => WitKeyUsage::KEY_ENCIPHERMENT,
                KeyUsage::DataEncipherment => WitKeyUsage::DATA_ENCIPHERMENT,
                KeyUsage::KeyAgreement => WitKeyUsage::KEY_AGREEMENT,
                KeyUsage::KeyCertSign => WitKeyUsage::KEY_CERT_SIGN,
                KeyUsage::CrlSign => WitKeyUsage::CRL_SIGN,
                KeyUsage::EncipherOnly => WitKeyUsage::ENCIPHER_ONLY,
                KeyUsage::DecipherOnly => WitKeyUsage::DECIPHER_ONLY,
            };
        }
        let mut tls_features = WitTlsFeatures::empty();
        for feature in self.tls_features.features() {
            tls_features |= match feature {
                TlsFeature::StatusRequest => WitTlsFeatures::STATUS_REQUEST,
                TlsFeature::StatusRequestV2 => WitTlsFeatures::STATUS_REQUEST_V2,
            };
        }
        CsrRequest {
            names: self.names.to_vec(),
            subject,
            key_usage,
            tls_features,
        }
    }
}

/// A subject as `/NAME=value/...`, types by their short name (the OID
/// when acmebox has none), values escaped: for errors.
fn subject_text(attributes: &[(String, String)]) -> String {
    if attributes.is_empty() {
        return "empty".to_string();
    }
    attributes
        .iter()
        .map(|(oid, value)| {
            let name = AttributeType::ALL
                .iter()
                .find(|t| t.oid() == oid)
                .map_or(oid.as_str(), |t| t.name());
            format!("/{}={}", name.escape_debug(), value.escape_debug())
        })
        .collect()
}

/// Key usage bits by their names, for errors.
fn key_usage_text(bits: Option<u16>) -> String {
    match bits {
        None => "none".to_string(),
        Some(bits) => {
            let mut parts: Vec<String> = KeyUsage::ALL
                .iter()
                .filter(|u| bits & (1 << u.bit()) != 0)
                .map(|u| u.name().to_string())
                .collect();
            let unknown = bits & !0x1ff;
            if unknown != 0 {
                parts.push(format!("unknown bits {unknown:#x}"));
            }
            if parts.is_empty() {
                "an empty keyUsage".to_string()
            } else {
                parts.join(",")
            }
        }
    }
}

/// TLS features by their names (their numbers when unknown), for errors.
fn tls_text(numbers: &Option<Vec<u16>>) -> String {
    match numbers {
        None => "none".to_string(),
        Some(numbers) if numbers.is_empty() => "an empty TLS Feature list".to_string(),
        Some(numbers) => numbers
            .iter()
            .map(|n| {
                TlsFeature::ALL
                    .iter()
                    .find(|t| t.number() == *n)
                    .map_or(n.to_string(), |t| t.name().to_string())
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The domain-key stage in its sandbox.
pub type DomainKey = Sandboxed<(), bindings::DomainKey>;

/// Load the domain-key stage with its grant.
pub fn load(rt: &Runtime, grant: &Grant) -> Result<DomainKey, Error> {
    load_component(rt, grant, &embedded(rt, grant.name)?)
}

/// Load `component` as the domain-key stage, with its grant: the way
/// [`load`] loads the embedded one (see [`Source`](super::Source)).
pub fn load_component(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
) -> Result<DomainKey, Error> {
    load_plain(rt, grant, component, |s, c, l| {
        bindings::DomainKey::instantiate(s, c, l)
    })
}

impl DomainKey {
    /// Read the key file `name` in `/key` (or, with `create`, make a key of
    /// that type there if there is none): its DER SubjectPublicKeyInfo, and
    /// whether it was created.
    pub fn load_key(&mut self, name: &str, create: Option<KeyType>) -> Result<LoadedKey, Error> {
        let kind = wit_key_type(create.unwrap_or_default());
        let loaded = self.call("read domain key", |b, s| {
            b.acmebox_stages_csr()
                .call_load(s, name, create.is_some(), kind)
        })?;
        super::check_created(
            Stage::DomainKey,
            "read domain key",
            loaded.created,
            create.is_some(),
        )?;
        Ok(loaded)
    }

    /// A DER CSR for what `ask` asks (check it with [`check_csr`]).
    pub fn make_csr(&mut self, ask: &CsrAsk<'_>) -> Result<Vec<u8>, Error> {
        let request = ask.request();
        self.call("make CSR", |b, s| {
            b.acmebox_stages_csr().call_make_csr(s, &request)
        })
    }

    /// The stage as a signer for the network stage (revocation with the
    /// certificate's own key), its answers checked ([`DomainSigner`]).
    pub fn into_signer(self) -> DomainSigner {
        DomainSigner {
            stage: self,
            key: None,
        }
    }
}

/// The domain-key stage signing JWS for the network stage, checked as the
/// account stage is (stages/account.rs): the first public key must be an
/// RFC 7638 JWK of a known `alg` with its thumbprint, every later one the
/// same, and each signature base64url of the length that `alg` makes.
/// Whether the JWK is the certificate's key the server checks: a stage
/// answering another key only makes the revocation fail.
pub struct DomainSigner {
    stage: DomainKey,
    key: Option<AccountKey>,
}

impl DomainSigner {
    /// The domain key's public half, as a JWK.
    pub fn public_key(&mut self) -> Result<AccountKey, Error> {
        let step = "public key";
        let got = self
            .stage
            .call(step, |b, s| b.acmebox_stages_signer().call_public_key(s))?;
        let key = AccountKey {
            alg: got.alg,
            jwk: got.jwk,
            thumbprint: got.thumbprint,
        };
        match &self.key {
            None => {
                account::check_key(&key).map_err(|m| refuse(Stage::DomainKey, step, m))?;
                self.key = Some(key.clone());
            }
            Some(first) if (&first.alg, &first.jwk) == (&key.alg, &key.jwk) => {}
            Some(first) => {
                return Err(refuse(
                    Stage::DomainKey,
                    step,
                    format!(
                        "returned another key ({} {}) than before ({} {})",
                        key.alg, key.thumbprint, first.alg, first.thumbprint
                    ),
                ))
            }
        }
        Ok(key)
    }

    /// Sign a JWS signing input; the signature must be base64url of the
    /// length the key's `alg` makes.
    pub fn sign(&mut self, input: &str) -> Result<String, Error> {
        let step = "sign";
        let signature = self
            .stage
            .call(step, |b, s| b.acmebox_stages_signer().call_sign(s, input))?;
        let key = self.key.as_ref().ok_or_else(|| Error::Stage {
            stage: Stage::DomainKey,
            step,
            message: "asked to sign before its public key was read".into(),
        })?;
        account::check_signature(key, &signature).map_err(|m| refuse(Stage::DomainKey, step, m))?;
        Ok(signature)
    }
}

/// The WIT key type for `kind`.
fn wit_key_type(kind: KeyType) -> WitKeyType {
    match kind {
        KeyType::P256 => WitKeyType::P256,
        KeyType::P384 => WitKeyType::P384,
        KeyType::Rsa2048 => WitKeyType::Rsa2048,
        KeyType::Rsa3072 => WitKeyType::Rsa3072,
        KeyType::Rsa4096 => WitKeyType::Rsa4096,
    }
}

/// Check the CSR domain-key made (step 6) before it goes to the CA, without
/// the host parsing DER: `parser` (an instance of cert-parser of its own)
/// reads it and verifies its self-signature; its names must be exactly
/// `ask`'s, its key `spki` (what domain-key returned when it read the key,
/// step 5, which the new certificate is then checked against), and its
/// subject, key usage and TLS features exactly those `ask` asks for (no
/// extension of either kind when none is asked).
pub fn check_csr(
    parser: &mut CertParser,
    csr: &[u8],
    ask: &CsrAsk<'_>,
    spki: &[u8],
) -> Result<(), Error> {
    let step = "make CSR";
    let info = parser.inspect_csr(csr).map_err(|e| match e {
        // What cert-parser could not accept is domain-key's doing.
        Error::Stage { message, .. } => refuse(
            Stage::DomainKey,
            step,
            format!("the CSR does not check: {message}"),
        ),
        other => other,
    })?;
    let wrong = |message: String| Err(refuse(Stage::DomainKey, step, message));
    if !same_names(&info.names, ask.names) {
        return wrong(format!(
            "the CSR is for {:?}, not the requested {:?}",
            info.names, ask.names
        ));
    }
    if info.spki != spki {
        return wrong("the CSR's public key is not the domain key the stage read (step 5)".into());
    }
    let subject: Vec<(String, String)> =
        info.subject.into_iter().map(|a| (a.oid, a.value)).collect();
    let want = ask.subject();
    if subject != want {
        return wrong(format!(
            "the CSR's subject is {}, not the requested {} (--subject)",
            subject_text(&subject),
            subject_text(&want)
        ));
    }
    if info.key_usage != ask.key_usage_bits() {
        return wrong(format!(
            "the CSR asks for key usage {}, not the requested {} (--key-usage)",
            key_usage_text(info.key_usage),
            key_usage_text(ask.key_usage_bits())
        ));
    }
    if info.tls_features != ask.tls_numbers() {
        return wrong(format!(
            "the CSR asks for TLS features {} (RFC 7633), not the requested {} (-O, \
             --tls-feature)",
            tls_text(&info.tls_features),
            tls_text(&ask.tls_numbers())
        ));
    }
    Ok(())
}
