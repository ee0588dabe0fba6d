//! The account and domain-key stages' reading of a key file (components/
//! keys, `Key::from_pem`) in every accepted format. The first byte chooses
//! the input: 0, 1, 2: the rest is DER in "PRIVATE KEY" (PKCS#8, RFC 5958),
//! "RSA PRIVATE KEY" (PKCS#1, RFC 8017) or "EC PRIVATE KEY" (SEC1, RFC 5915)
//! armour; otherwise the rest is the file. Properties: errors are one
//! printable line; a key read is written back (PKCS#8, as `-n`/`-N` write)
//! and read again as the same key; its JWS signature (RFC 7518 §3) verifies
//! with its public key; and the request it makes (RFC 2986) is read by
//! cert-parser with the names asked and its key, as the host checks it.

#![no_main]

use acmebox_fuzz::{assert_one_line, pem};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use keys::{Algorithm, Key};
use libfuzzer_sys::fuzz_target;
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};

const LABELS: [&str; 3] = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file = match LABELS.get(usize::from(mode)) {
        Some(label) => pem(label, rest).into_bytes(),
        None => rest.to_vec(),
    };
    let key = match Key::from_pem(&file) {
        Ok(key) => key,
        Err(e) => return assert_one_line("the key error", &e.to_string()),
    };
    let written = key.to_pkcs8_pem();
    let again = Key::from_pem(written.as_bytes()).expect("the key as written reads again");
    assert_eq!(again.algorithm(), key.algorithm());
    assert_eq!(again.public_key_bytes(), key.public_key_bytes());
    assert_eq!(again.jwk(), key.jwk());
    assert_eq!(*again.to_pkcs8_pem(), *written);

    let input = b"eyJhbGciOiJFUzI1NiJ9.e30";
    let sig = key.sign(input).expect("a key read signs");
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .expect("the signature is base64url");
    let alg: &'static dyn VerificationAlgorithm = match key.algorithm() {
        Algorithm::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
        Algorithm::Es384 => &signature::ECDSA_P384_SHA384_FIXED,
        Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
    };
    UnparsedPublicKey::new(alg, key.public_key_bytes())
        .verify(input, &sig)
        .expect("the signature verifies with the key's public key");

    let names = vec!["b.example".to_string(), "a.example".to_string()];
    let csr = key
        .csr_der(&keys::CsrRequest::for_names(&names))
        .expect("a key read makes a CSR");
    let info = cert_parser::inspect_csr(&csr).expect("cert-parser reads the CSR");
    assert_eq!(info.names, ["a.example", "b.example"]);
    assert_eq!(Some(info.spki), key.spki_der().ok());
});
