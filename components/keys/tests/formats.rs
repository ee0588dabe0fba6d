//! Reading each supported PEM format, and refusing the others clearly.

use keys::{Algorithm, Key, KeyError, KeyType};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(name: &str) -> Result<Key, KeyError> {
    Key::from_pem(&fixture(name))
}

#[test]
fn reads_the_six_formats() {
    let cases = [
        ("rsa-pkcs1.pem", Algorithm::Rs256),
        ("rsa-pkcs8.pem", Algorithm::Rs256),
        ("p256-sec1.pem", Algorithm::Es256), // with an EC PARAMETERS block first
        ("p256-pkcs8.pem", Algorithm::Es256),
        ("p384-sec1.pem", Algorithm::Es384),
        ("p384-pkcs8.pem", Algorithm::Es384),
    ];
    for (name, alg) in cases {
        let key = load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.algorithm(), alg, "{name}");
    }
}

#[test]
fn reads_ec_keys_without_public_key() {
    let sec1 = load("p256-sec1-nopub.pem").expect("SEC1 without public key");
    let pkcs8 = load("p256-pkcs8-nopub.pem").expect("PKCS#8 without public key");
    let full = load("p256-sec1.pem").expect("SEC1");
    assert_eq!(sec1.jwk(), full.jwk());
    assert_eq!(pkcs8.jwk(), full.jwk());
}

#[test]
fn same_key_in_both_encodings_has_same_jwk() {
    let pkcs1 = load("rsa-pkcs1.pem").expect("PKCS#1");
    let pem = pkcs1.to_pkcs8_pem();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let again = Key::from_pem(pem.as_bytes()).expect("re-read PKCS#8");
    assert_eq!(again.jwk(), pkcs1.jwk());
}

#[test]
fn generated_key_is_p256_and_round_trips() {
    let key = Key::generate(KeyType::P256).expect("generate");
    assert_eq!(key.algorithm(), Algorithm::Es256);
    let again = Key::from_pem(key.to_pkcs8_pem().as_bytes()).expect("re-read");
    assert_eq!(again.jwk(), key.jwk());
    assert_ne!(
        Key::generate(KeyType::P256).expect("generate").jwk(),
        key.jwk()
    );
}

fn message(result: Result<Key, KeyError>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unsupported_inputs_are_named() {
    let encrypted = message(load("p256-encrypted.pem"));
    assert!(
        encrypted.starts_with(r#"unsupported key type "ENCRYPTED PRIVATE KEY""#),
        "{encrypted}"
    );

    let traditional = message(load("rsa-pkcs1-encrypted.pem"));
    assert!(
        traditional.starts_with("encrypted private keys are not supported"),
        "{traditional}"
    );

    let ed25519 = message(load("ed25519-pkcs8.pem"));
    assert!(ed25519.contains("Ed25519"), "{ed25519}");

    let p521 = message(load("p521-sec1.pem"));
    assert!(p521.starts_with("unsupported EC curve P-521"), "{p521}");

    let small = message(load("rsa-1024-pkcs1.pem"));
    assert!(small.contains("at least 2048 bits"), "{small}");

    assert_eq!(message(Key::from_pem(b"hello\n")), "not a PEM private key");
    assert_eq!(message(Key::from_pem(b"")), "not a PEM private key");

    let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let cert = message(Key::from_pem(cert.as_bytes()));
    assert!(
        cert.starts_with(r#"unsupported key type "CERTIFICATE""#),
        "{cert}"
    );

    let junk = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    let junk = message(Key::from_pem(junk.as_bytes()));
    assert!(junk.starts_with("malformed PKCS#8 private key"), "{junk}");

    let bad64 = "-----BEGIN EC PRIVATE KEY-----\n!!!!\n-----END EC PRIVATE KEY-----\n";
    let bad64 = message(Key::from_pem(bad64.as_bytes()));
    assert!(bad64.starts_with("malformed PEM"), "{bad64}");
}

#[test]
fn debug_shows_no_private_key() {
    let key = load("p256-pkcs8.pem").expect("key");
    let debug = format!("{key:?}");
    assert!(
        debug.starts_with(r#"Key { alg: "ES256", jwk: "{\"crv\":\"P-256\""#),
        "{debug}"
    );
    let pem = String::from_utf8(fixture("p256-pkcs8.pem")).expect("ascii");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!debug.contains(&body[..40]), "{debug}");
}

/// Found by fuzz/fuzz_targets/key_file.rs: ring reads an RSA key whose CRT
/// exponent dQ is wrong without complaint, and only its signatures fail, so
/// the key was reported read (step 2-3) and the run failed later at its
/// first signature with "signing failed". It is refused where it is read.
#[test]
fn rsa_key_with_a_wrong_crt_exponent_is_refused_when_read() {
    let bad = message(load("rsa-pkcs1-bad-dq.pem"));
    assert_eq!(
        bad,
        "key rejected: its private parts do not agree (a test signature does not verify)"
    );
}

/// Found by fuzz/fuzz_targets/key_file.rs: the PEM parser's error for a
/// BEGIN and END that differ quotes both labels as read, and an END label
/// can run over several lines, so the error was several lines (and could
/// carry any control character in the file). Control characters are
/// escaped: every error is one line.
#[test]
fn a_pem_error_is_one_line() {
    let input = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC\n\u{1b}[2J-----\n";
    let e = message(Key::from_pem(input.as_bytes()));
    assert!(e.starts_with("malformed PEM: "), "{e}");
    assert!(!e.chars().any(char::is_control), "{e:?}");
    assert!(e.contains(r"EC\n\u{1b}[2J"), "{e:?}");
}
