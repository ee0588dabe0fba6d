//! Private keys for the acmebox stages that hold them: the account stage
//! (ACME account key, RFC 8555 §6.2) and the domain-key stage (certificate
//! key and its PKCS#10 request, RFC 8555 §7.4).
//!
//! A [`Key`] is read from a PEM file (RFC 7468) in one of the formats
//! `openssl` writes — PKCS#8 (RFC 5958), PKCS#1 (RFC 8017) for RSA, SEC1
//! (RFC 5915) for EC — or generated as a [`KeyType`]: ECDSA P-256 or P-384,
//! RSA 2048, 3072 or 4096. It then signs JWS
//! signing inputs (RFC 7515 §5.1, algorithms of RFC 7518 §3.1), gives its
//! public JWK (RFC 7517) and thumbprint (RFC 7638), its DER
//! SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and certificate requests
//! (RFC 2986).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod csr;
mod error;
mod file;
mod generate;
mod jwk;
mod key;
mod mac;
mod normalize;
mod pem_file;
mod prime;

pub use csr::{
    AttributeType, CsrRequest, KeyUsage, SubjectAttribute, TlsFeature, MUST_STAPLE_VALUE,
    TLS_FEATURE_OID,
};
pub use error::KeyError;
pub use file::{load_or_create, Loaded};
pub use generate::KeyType;
pub use key::{Algorithm, Key};
pub use mac::{MacKey, MAX_MAC_KEY_BYTES, MIN_MAC_KEY_BYTES};

/// base64url without padding (RFC 7515 §2), the JOSE encoding.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
