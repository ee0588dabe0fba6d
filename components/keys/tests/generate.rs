//! `Key::generate` for every `--key-type`, checked with independent code
//! (ring's verifiers, x509-parser), and the must-staple request.

use base64::Engine as _;
use keys::{Algorithm, CsrRequest, Key, KeyType, TlsFeature, MUST_STAPLE_VALUE};
use ring::signature::{self, UnparsedPublicKey};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer as _;

fn unb64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .expect("base64url without padding")
}

/// The modulus of an RSA JWK `{"e":…,"kty":"RSA","n":"…"}`, in bits.
fn jwk_modulus_bits(jwk: &str) -> usize {
    let n = jwk
        .split(r#""n":""#)
        .nth(1)
        .and_then(|rest| rest.strip_suffix("\"}"))
        .expect("n member");
    unb64(n).len() * 8
}

/// Generate `kind` and check what the stages rely on: the algorithm, the
/// size, a signature ring verifies, a PEM round trip, a verifying CSR.
fn check_generated(kind: KeyType) {
    let key = Key::generate(kind).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    let input = b"eyJhbGciOiJSUzI1NiJ9.e30";
    let sig = unb64(&key.sign(input).expect("sign"));
    let (alg, verifier, len): (_, &dyn signature::VerificationAlgorithm, _) = match kind {
        KeyType::P256 => (Algorithm::Es256, &signature::ECDSA_P256_SHA256_FIXED, 64),
        KeyType::P384 => (Algorithm::Es384, &signature::ECDSA_P384_SHA384_FIXED, 96),
        KeyType::Rsa2048 => (
            Algorithm::Rs256,
            &signature::RSA_PKCS1_2048_8192_SHA256,
            256,
        ),
        KeyType::Rsa3072 => (
            Algorithm::Rs256,
            &signature::RSA_PKCS1_2048_8192_SHA256,
            384,
        ),
        KeyType::Rsa4096 => (
            Algorithm::Rs256,
            &signature::RSA_PKCS1_2048_8192_SHA256,
            512,
        ),
    };
    assert_eq!(key.algorithm(), alg, "{kind:?}");
    assert_eq!(kind.algorithm(), alg, "{kind:?}");
    assert_eq!(sig.len(), len, "{kind:?}: signature length");
    if let Some(bits) = kind.rsa_bits() {
        assert_eq!(jwk_modulus_bits(&key.jwk()), bits, "{kind:?}: modulus");
        assert!(
            key.jwk().starts_with(r#"{"e":"AQAB","#),
            "{kind:?}: e = 65537"
        );
    }
    UnparsedPublicKey::new(verifier, key.public_key_bytes())
        .verify(input, &sig)
        .unwrap_or_else(|_| panic!("{kind:?}: signature does not verify"));
    let again = Key::from_pem(key.to_pkcs8_pem().as_bytes()).expect("re-read");
    assert_eq!(again.jwk(), key.jwk(), "{kind:?}: PEM round trip");
    let der = key
        .csr_der(&CsrRequest::for_names(&["example.com".into()]))
        .expect("csr");
    let (_, csr) = X509CertificationRequest::from_der(&der).expect("parse csr");
    csr.verify_signature()
        .unwrap_or_else(|e| panic!("{kind:?}: csr signature: {e}"));
    assert_ne!(
        Key::generate(kind).expect("second").jwk(),
        key.jwk(),
        "{kind:?}: two keys differ"
    );
}

#[test]
fn generates_p256() {
    check_generated(KeyType::P256);
}

#[test]
fn generates_p384() {
    check_generated(KeyType::P384);
}

#[test]
fn generates_rsa2048() {
    check_generated(KeyType::Rsa2048);
}

#[test]
fn generates_rsa3072() {
    check_generated(KeyType::Rsa3072);
}

#[test]
fn generates_rsa4096() {
    check_generated(KeyType::Rsa4096);
}

#[test]
fn default_key_type_is_p256() {
    assert_eq!(KeyType::default(), KeyType::P256);
}

/// The TLS Feature extensions (RFC 7633) a DER CSR requests: (critical, value).
fn tls_features(der: &[u8]) -> Vec<(bool, Vec<u8>)> {
    let (_, csr) = X509CertificationRequest::from_der(der).expect("parse csr");
    csr.verify_signature().expect("csr signature");
    csr.requested_extensions()
        .expect("extension request")
        .count(); // the request parses
    let attrs = csr.certification_request_info.iter_attributes();
    let mut found = Vec::new();
    for attr in attrs {
        if let x509_parser::cri_attributes::ParsedCriAttribute::ExtensionRequest(req) =
            attr.parsed_attribute()
        {
            for ext in &req.extensions {
                if ext.oid.to_id_string() == "1.3.6.1.5.5.7.1.24" {
                    found.push((ext.critical, ext.value.to_vec()));
                }
            }
        }
    }
    found
}

#[test]
fn must_staple_csr_carries_the_tls_feature() {
    let names = ["example.com".to_string(), "www.example.com".to_string()];
    for kind in [KeyType::P256, KeyType::P384, KeyType::Rsa2048] {
        let key = Key::generate(kind).expect("generate");
        let with = key
            .csr_der(&CsrRequest {
                tls_features: vec![TlsFeature::StatusRequest],
                ..CsrRequest::for_names(&names)
            })
            .expect("csr -O");
        assert_eq!(
            tls_features(&with),
            [(false, MUST_STAPLE_VALUE.to_vec())],
            "{kind:?}"
        );
        assert_eq!(MUST_STAPLE_VALUE, [0x30, 0x03, 0x02, 0x01, 0x05]);
        let without = key.csr_der(&CsrRequest::for_names(&names)).expect("csr");
        assert!(tls_features(&without).is_empty(), "{kind:?}");
    }
}
