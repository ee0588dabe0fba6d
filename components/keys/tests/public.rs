//! Signatures, JWK, SubjectPublicKeyInfo and certificate requests, checked
//! with independent implementations (ring's verifiers, x509-parser).

use base64::Engine as _;
use keys::{Algorithm, CsrRequest, Key, KeyType};
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer as _;

const FIXTURES: [&str; 6] = [
    "rsa-pkcs1.pem",
    "rsa-pkcs8.pem",
    "p256-sec1.pem",
    "p256-pkcs8.pem",
    "p384-sec1.pem",
    "p384-pkcs8.pem",
];

fn all_keys() -> Vec<(String, Key)> {
    let mut keys: Vec<_> = FIXTURES
        .iter()
        .map(|name| {
            let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
            let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let key = Key::from_pem(&pem).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name.to_string(), key)
        })
        .collect();
    for kind in [KeyType::P256, KeyType::P384, KeyType::Rsa2048] {
        let key = Key::generate(kind).expect("generate");
        keys.push((format!("generated {kind:?}"), key));
    }
    keys
}

fn unb64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .expect("base64url without padding")
}

fn verifier(alg: Algorithm) -> &'static dyn VerificationAlgorithm {
    match alg {
        Algorithm::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
        Algorithm::Es384 => &signature::ECDSA_P384_SHA384_FIXED,
        Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
    }
}

#[test]
fn signatures_verify() {
    let input = b"eyJhbGciOiJFUzI1NiJ9.eyJ0ZXJtc09mU2VydmljZUFncmVlZCI6dHJ1ZX0";
    for (name, key) in all_keys() {
        let sig = unb64(&key.sign(input).expect("sign"));
        let expected_len = match key.algorithm() {
            Algorithm::Es256 => 64,
            Algorithm::Es384 => 96,
            Algorithm::Rs256 => 256,
        };
        assert_eq!(sig.len(), expected_len, "{name}");
        let public = UnparsedPublicKey::new(verifier(key.algorithm()), key.public_key_bytes());
        public
            .verify(input, &sig)
            .unwrap_or_else(|_| panic!("{name}: bad signature"));
        assert!(public.verify(b"other", &sig).is_err(), "{name}");
    }
}

#[test]
fn jwk_members_and_thumbprint() {
    for (name, key) in all_keys() {
        let jwk = key.jwk();
        let prefix = match key.algorithm() {
            Algorithm::Es256 => r#"{"crv":"P-256","kty":"EC","x":""#,
            Algorithm::Es384 => r#"{"crv":"P-384","kty":"EC","x":""#,
            Algorithm::Rs256 => r#"{"e":"AQAB","kty":"RSA","n":""#,
        };
        assert!(jwk.starts_with(prefix), "{name}: {jwk}");
        let digest = ring::digest::digest(&ring::digest::SHA256, jwk.as_bytes());
        assert_eq!(unb64(&key.thumbprint()), digest.as_ref(), "{name}");
    }
}

#[test]
fn spki_holds_the_public_key() {
    for (name, key) in all_keys() {
        let der = key.spki_der().expect("spki");
        let (rest, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&der).expect(&name);
        assert!(rest.is_empty(), "{name}");
        assert_eq!(
            &*spki.subject_public_key.data,
            key.public_key_bytes(),
            "{name}"
        );
        let oid = spki.algorithm.algorithm.to_id_string();
        let expected = match key.algorithm() {
            Algorithm::Rs256 => "1.2.840.113549.1.1.1",
            _ => "1.2.840.10045.2.1",
        };
        assert_eq!(oid, expected, "{name}");
    }
}

#[test]
fn csr_parses_and_verifies() {
    let names = vec!["example.com".to_string(), "www.example.com".to_string()];
    for (name, key) in all_keys() {
        let der = key.csr_der(&CsrRequest::for_names(&names)).expect("csr");
        let (rest, csr) =
            x509_parser::certification_request::X509CertificationRequest::from_der(&der)
                .expect(&name);
        assert!(rest.is_empty(), "{name}");
        csr.verify_signature()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let info = &csr.certification_request_info;
        let cn: Vec<_> = info
            .subject
            .iter_common_name()
            .map(|cn| cn.as_str().expect("utf8"))
            .collect();
        assert_eq!(cn, ["example.com"], "{name}");
        assert_eq!(
            info.subject_pki.raw,
            key.spki_der().expect("spki"),
            "{name}"
        );
        let sans: Vec<String> = csr
            .requested_extensions()
            .expect("extension request")
            .filter_map(|ext| match ext {
                ParsedExtension::SubjectAlternativeName(san) => Some(san),
                _ => None,
            })
            .flat_map(|san| san.general_names.iter())
            .map(|gn| match gn {
                GeneralName::DNSName(dns) => dns.to_string(),
                other => panic!("{name}: unexpected {other:?}"),
            })
            .collect();
        assert_eq!(sans, names, "{name}");
    }
}

#[test]
fn csr_edge_cases() {
    let key = Key::generate(KeyType::P256).expect("generate");
    assert!(key.csr_der(&CsrRequest::for_names(&[])).is_err());
    assert!(key
        .csr_der(&CsrRequest::for_names(&["bücher.example".into()]))
        .is_err());
    // A first name too long for a CN is left out of the subject.
    let long = format!("{}.example.com", "a".repeat(60));
    let der = key.csr_der(&CsrRequest::for_names(&[long])).expect("csr");
    let (_, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
        .expect("parse");
    assert_eq!(
        csr.certification_request_info
            .subject
            .iter_common_name()
            .count(),
        0
    );
    csr.verify_signature().expect("signature");
}
