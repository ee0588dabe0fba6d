//! What a certificate request may ask for beyond its names — lacme's
//! `subject`, `keyUsage` and `tlsfeature` — as `--subject`, `--key-usage`
//! and `--tls-feature` and a domain's `subject`, `key usage` and `tls
//! feature` write it, checked the same way for both (docs/CONFIG.md,
//! README). Only the syntax and the values: the domain-key stage builds the
//! request (components/keys csr.rs), and the host checks what cert-parser
//! reads back from it (host/src/stages/domain_key.rs).

use std::fmt;
use std::str::FromStr;

/// A value of `--subject`, `--key-usage` or `--tls-feature` (or of their
/// directives) that cannot be used. Its `Display` is one line naming the
/// part that is wrong; text from the input is quoted with Rust's escaping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsrError {
    /// The subject does not start with `/` (lacme's and openssl's
    /// `/TYPE=VALUE/...`).
    NoLeadingSlash(String),
    /// A part between two `/` has no `=` (or nothing at all, as in `//` or
    /// a `/` at the end).
    NotAnAttribute(String),
    /// An attribute type that is not one of [`AttributeType::ALL`].
    UnknownType(String),
    /// An attribute type given twice.
    RepeatedType(AttributeType),
    /// An attribute with an empty value.
    EmptyValue(AttributeType),
    /// An unescaped `+`: a multi-valued RDN, which acmebox does not make.
    MultiValued(AttributeType),
    /// A `\` at the very end, escaping nothing.
    TrailingBackslash,
    /// A control character in a value.
    ControlCharacter(AttributeType),
    /// A value longer than its type's upper bound (RFC 5280 appendix A).
    TooLong {
        /// The attribute type.
        kind: AttributeType,
        /// Its upper bound, in characters.
        max: usize,
        /// The value's length, in characters.
        len: usize,
    },
    /// A value with a character its ASN.1 string type cannot hold: `C` and
    /// `serialNumber` are PrintableString, `emailAddress` IA5String (ASCII),
    /// `CN` a DNS name.
    BadCharacter {
        /// The attribute type.
        kind: AttributeType,
        /// The character.
        found: char,
    },
    /// `C` that is not two letters (an ISO 3166 code).
    Country(String),
    /// The subject's CN is not one of the certificate's names (a CA would
    /// refuse the request, RFC 8555 §7.4).
    CommonNameNotAName {
        /// The CN.
        cn: String,
        /// The certificate's names.
        names: Vec<String>,
    },
    /// A list (`--key-usage`, `--tls-feature`) with an empty item, or
    /// nothing at all; the list's name.
    EmptyItem(&'static str),
    /// A key usage that is not one of [`KeyUsage::ALL`]'s names.
    UnknownKeyUsage(String),
    /// A key usage given twice.
    RepeatedKeyUsage(KeyUsage),
    /// A TLS feature that is not one of [`TlsFeature::ALL`]'s names.
    UnknownTlsFeature(String),
    /// A TLS feature given twice.
    RepeatedTlsFeature(TlsFeature),
}

impl fmt::Display for CsrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsrError::NoLeadingSlash(text) => write!(
                f,
                "{:?} is not /TYPE=VALUE/...: it must start with '/'",
                text.escape_debug().to_string()
            ),
            CsrError::NotAnAttribute(part) => write!(
                f,
                "{:?} is not TYPE=VALUE (between two '/', or after the last)",
                part.escape_debug().to_string()
            ),
            CsrError::UnknownType(kind) => write!(
                f,
                "unknown attribute type {:?} (one of {})",
                kind.escape_debug().to_string(),
                AttributeType::ALL.map(AttributeType::name).join(", ")
            ),
            CsrError::RepeatedType(kind) => {
                write!(f, "{} is given twice (one of each type)", kind.name())
            }
            CsrError::EmptyValue(kind) => write!(f, "{} has an empty value", kind.name()),
            CsrError::MultiValued(kind) => write!(
                f,
                "{}'s value has a '+': multi-valued RDNs are not supported (write \\+ for a \
                 plus sign)",
                kind.name()
            ),
            CsrError::TrailingBackslash => write!(f, "a '\\' at the end escapes nothing"),
            CsrError::ControlCharacter(kind) => {
                write!(f, "{}'s value has a control character", kind.name())
            }
            CsrError::TooLong { kind, max, len } => write!(
                f,
                "{}'s value is {len} characters, more than the {max} RFC 5280 allows",
                kind.name()
            ),
            CsrError::BadCharacter { kind, found } => write!(
                f,
                "{}'s value has {:?}, which {}",
                kind.name(),
                found,
                match kind {
                    AttributeType::CommonName => "a DNS name cannot hold",
                    AttributeType::EmailAddress => "is not ASCII (IA5String)",
                    _ => "a PrintableString cannot hold",
                }
            ),
            CsrError::Country(value) => write!(
                f,
                "C={:?} is not a country: two letters (ISO 3166), such as DE",
                value.escape_debug().to_string()
            ),
            CsrError::CommonNameNotAName { cn, names } => write!(
                f,
                "CN={:?} is not one of the certificate's names ({}): a CA takes a CN only \
                 when it is one of them",
                cn.escape_debug().to_string(),
                names.join(", ")
            ),
            CsrError::EmptyItem(list) => write!(f, "an empty item in the {list} list"),
            CsrError::UnknownKeyUsage(name) => write!(
                f,
                "unknown key usage {:?} (one of {})",
                name.escape_debug().to_string(),
                KeyUsage::ALL.map(KeyUsage::name).join(", ")
            ),
            CsrError::RepeatedKeyUsage(usage) => write!(f, "{} is given twice", usage.name()),
            CsrError::UnknownTlsFeature(name) => write!(
                f,
                "unknown TLS feature {:?} (one of {})",
                name.escape_debug().to_string(),
                TlsFeature::ALL.map(TlsFeature::name).join(", ")
            ),
            CsrError::RepeatedTlsFeature(feature) => {
                write!(f, "{} is given twice", feature.name())
            }
        }
    }
}

impl std::error::Error for CsrError {}

/// A key usage (RFC 5280 §4.2.1.3), named as in x509v3_config(5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyUsage {
    /// digitalSignature (0).
    DigitalSignature,
    /// nonRepudiation, contentCommitment (1).
    NonRepudiation,
    /// keyEncipherment (2).
    KeyEncipherment,
    /// dataEncipherment (3).
    DataEncipherment,
    /// keyAgreement (4).
    KeyAgreement,
    /// keyCertSign (5).
    KeyCertSign,
    /// cRLSign (6).
    CrlSign,
    /// encipherOnly (7).
    EncipherOnly,
    /// decipherOnly (8).
    DecipherOnly,
}

impl KeyUsage {
    /// Every key usage, in the order of their bits.
    pub const ALL: [KeyUsage; 9] = [
        KeyUsage::DigitalSignature,
        KeyUsage::NonRepudiation,
        KeyUsage::KeyEncipherment,
        KeyUsage::DataEncipherment,
        KeyUsage::KeyAgreement,
        KeyUsage::KeyCertSign,
        KeyUsage::CrlSign,
        KeyUsage::EncipherOnly,
        KeyUsage::DecipherOnly,
    ];

    /// The name in x509v3_config(5).
    pub fn name(self) -> &'static str {
        match self {
            KeyUsage::DigitalSignature => "digitalSignature",
            KeyUsage::NonRepudiation => "nonRepudiation",
            KeyUsage::KeyEncipherment => "keyEncipherment",
            KeyUsage::DataEncipherment => "dataEncipherment",
            KeyUsage::KeyAgreement => "keyAgreement",
            KeyUsage::KeyCertSign => "keyCertSign",
            KeyUsage::CrlSign => "cRLSign",
            KeyUsage::EncipherOnly => "encipherOnly",
            KeyUsage::DecipherOnly => "decipherOnly",
        }
    }

    /// Its bit in the KeyUsage BIT STRING, 0 to 8 (RFC 5280 §4.2.1.3).
    pub fn bit(self) -> u8 {
        self as u8
    }
}

/// A TLS feature (RFC 7633) by its TLS extension's name (x509v3_config's
/// `tlsfeature`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsFeature {
    /// status_request (5, RFC 6066 §8): OCSP must-staple, what `-O` asks.
    StatusRequest,
    /// status_request_v2 (17, RFC 6961).
    StatusRequestV2,
}

impl TlsFeature {
    /// Every feature, by number.
    pub const ALL: [TlsFeature; 2] = [TlsFeature::StatusRequest, TlsFeature::StatusRequestV2];

    /// The TLS extension's name.
    pub fn name(self) -> &'static str {
        match self {
            TlsFeature::StatusRequest => "status_request",
            TlsFeature::StatusRequestV2 => "status_request_v2",
        }
    }

    /// The TLS extension's number, as the TLS Feature extension lists it.
    pub fn number(self) -> u16 {
        match self {
            TlsFeature::StatusRequest => 5,
            TlsFeature::StatusRequestV2 => 17,
        }
    }
}

/// A comma-separated list of names, each of `all` once (spaces around
/// items ignored), sorted as `all` is.
fn list<T: Copy + Ord>(
    text: &str,
    what: &'static str,
    all: &[T],
    name: fn(T) -> &'static str,
    unknown: fn(String) -> CsrError,
    repeated: fn(T) -> CsrError,
) -> Result<Vec<T>, CsrError> {
    let mut out: Vec<T> = Vec::new();
    for item in text.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(CsrError::EmptyItem(what));
        }
        let found = all
            .iter()
            .copied()
            .find(|&t| name(t) == item)
            .ok_or_else(|| unknown(item.to_string()))?;
        if out.contains(&found) {
            return Err(repeated(found));
        }
        out.push(found);
    }
    out.sort();
    Ok(out)
}

/// Key usages as `--key-usage digitalSignature,keyEncipherment` lists
/// them: each once, at least one; in bit order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUsages(Vec<KeyUsage>);

impl KeyUsages {
    /// The usages, in bit order.
    pub fn usages(&self) -> &[KeyUsage] {
        &self.0
    }
}

impl FromStr for KeyUsages {
    type Err = CsrError;

    fn from_str(text: &str) -> Result<KeyUsages, CsrError> {
        list(
            text,
            "key usage",
            &KeyUsage::ALL,
            KeyUsage::name,
            CsrError::UnknownKeyUsage,
            CsrError::RepeatedKeyUsage,
        )
        .map(KeyUsages)
    }
}

impl fmt::Display for KeyUsages {
    /// `digitalSignature,keyEncipherment`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|u| u.name()).collect();
        f.write_str(&names.join(","))
    }
}

/// TLS features as `--tls-feature status_request,status_request_v2` lists
/// them: each once; in number order. `-O` adds status_request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFeatures(Vec<TlsFeature>);

impl TlsFeatures {
    /// The features, by number.
    pub fn features(&self) -> &[TlsFeature] {
        &self.0
    }

    /// These and `feature`, which is not repeated when already there.
    pub fn with(mut self, feature: TlsFeature) -> TlsFeatures {
        if !self.0.contains(&feature) {
            self.0.push(feature);
            self.0.sort();
        }
        self
    }
}

impl FromStr for TlsFeatures {
    type Err = CsrError;

    fn from_str(text: &str) -> Result<TlsFeatures, CsrError> {
        list(
            text,
            "TLS feature",
            &TlsFeature::ALL,
            TlsFeature::name,
            CsrError::UnknownTlsFeature,
            CsrError::RepeatedTlsFeature,
        )
        .map(TlsFeatures)
    }
}

impl fmt::Display for TlsFeatures {
    /// `status_request,status_request_v2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|t| t.name()).collect();
        f.write_str(&names.join(","))
    }
}

mod subject;
pub use subject::{Attribute, AttributeType, Subject};

#[cfg(test)]
mod tests;
