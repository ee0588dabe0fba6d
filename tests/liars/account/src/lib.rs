//! An account stage that lies (tests/liars.rs). Which lie is the key file
//! name the host passes to `load`; the key is never read: every key here is
//! made up, well formed unless the lie is about its form.
//!
//! - `honest-es256`, `honest-es384`, `honest-rs256`: a consistent key,
//!   signatures of the right length (controls);
//! - `thumbprint`: a thumbprint that is not the JWK's;
//! - `alg`: the unknown alg `HS256`;
//! - `alg-mismatch`: alg `ES384` with a P-256 JWK;
//! - `sign-es256`, `sign-es384`, `sign-rs256`: signatures one ECDSA
//!   coordinate short, or of an RSA-1024 key;
//! - `sign-not-base64url`: a signature of the right length in standard base64;
//! - `public-key`: `public-key` answers another key than `load`.

use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

wit_bindgen::generate!({ world: "account", path: "../../../wit" });

use exports::acmebox::stages::account_key_file::{Guest as KeyFile, KeyType, LoadedKey};
use exports::acmebox::stages::external_account::Guest as ExternalAccount;
use exports::acmebox::stages::signer::{AccountKey, Guest as Signer};

/// The lie chosen by `load`.
static LIE: Mutex<String> = Mutex::new(String::new());

fn lie() -> String {
    LIE.lock().map(|l| l.clone()).unwrap_or_default()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A made-up key of `alg`, its JWK in RFC 7638 form and its thumbprint.
fn key(alg: &str, fill: u8) -> AccountKey {
    let jwk = match alg {
        "ES384" => format!(
            r#"{{"crv":"P-384","kty":"EC","x":"{}","y":"{}"}}"#,
            b64(&[fill; 48]),
            b64(&[fill + 1; 48])
        ),
        "RS256" => format!(
            r#"{{"e":"AQAB","kty":"RSA","n":"{}"}}"#,
            b64(&[0xc0 | fill; 256])
        ),
        _ => format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            b64(&[fill; 32]),
            b64(&[fill + 1; 32])
        ),
    };
    let thumbprint = b64(ring::digest::digest(&ring::digest::SHA256, jwk.as_bytes()).as_ref());
    AccountKey {
        alg: alg.to_string(),
        jwk,
        thumbprint,
    }
}

/// The key `load` returns for the lie.
fn loaded(lie: &str) -> AccountKey {
    match lie {
        "thumbprint" => AccountKey {
            thumbprint: key("ES256", 2).thumbprint,
            ..key("ES256", 1)
        },
        "alg" => AccountKey {
            alg: "HS256".into(),
            ..key("ES256", 1)
        },
        "alg-mismatch" => AccountKey {
            alg: "ES384".into(),
            ..key("ES256", 1)
        },
        "honest-es384" | "sign-es384" => key("ES384", 1),
        "honest-rs256" | "sign-rs256" => key("RS256", 1),
        _ => key("ES256", 1),
    }
}

struct Liar;

impl KeyFile for Liar {
    fn load(name: String, _create: bool, _kind: KeyType) -> Result<LoadedKey, String> {
        if let Ok(mut lie) = LIE.lock() {
            lie.clone_from(&name);
        }
        Ok(LoadedKey {
            key: loaded(&name),
            created: false,
        })
    }
}

impl Signer for Liar {
    fn public_key() -> Result<AccountKey, String> {
        match lie().as_str() {
            "public-key" => Ok(key("ES256", 7)),
            lie => Ok(loaded(lie)),
        }
    }

    fn sign(_signing_input: String) -> Result<String, String> {
        Ok(match lie().as_str() {
            "sign-es256" => b64(&[1; 63]),
            "sign-es384" => b64(&[1; 64]),
            "sign-rs256" => b64(&[1; 128]),
            "sign-not-base64url" => "+/".repeat(43),
            "honest-es384" => b64(&[1; 96]),
            "honest-rs256" => b64(&[1; 256]),
            _ => b64(&[1; 64]),
        })
    }
}

/// No liar holds a MAC key: external account binding is the real stage's
/// (tests/eab.rs).
impl ExternalAccount for Liar {
    fn load(_name: String) -> Result<(), String> {
        Err("the liar holds no MAC key".into())
    }

    fn mac(_signing_input: String) -> Result<String, String> {
        Err("the liar holds no MAC key".into())
    }
}

export!(Liar);
