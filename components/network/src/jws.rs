//! JWS request bodies (RFC 8555 §6.2, RFC 7515 §7.2.2 flattened JSON).
//! The signature itself comes from the account stage through a callback.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::value::RawValue;

/// How the request names the account key (§6.2): the JWK itself for
/// newAccount, the account URL (`kid`) for everything else.
#[derive(Debug, Clone, Copy)]
pub enum KeyRef<'a> {
    /// The public JWK as JSON text (embedded as an object).
    Jwk(&'a str),
    /// The account URL.
    Kid(&'a str),
}

/// The protected header (§6.2): `alg`, `jwk` xor `kid`, `nonce`, `url`.
#[derive(Serialize)]
struct Protected<'a> {
    alg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    jwk: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
    nonce: &'a str,
    url: &'a str,
}

/// The flattened JSON serialization (RFC 7515 §7.2.2).
#[derive(Serialize)]
struct Flattened {
    protected: String,
    payload: String,
    signature: String,
}

/// base64url without padding (RFC 7515 §2).
pub fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Whether `s` is non-empty base64url text (nonces §6.5.1, signatures).
pub fn is_b64url(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Build the JWS for `payload` ("" for POST-as-GET, §6.3) sent to `url`.
/// `sign` receives `BASE64URL(protected).BASE64URL(payload)` and returns
/// the base64url signature.
pub fn build(
    alg: &str,
    key: KeyRef<'_>,
    nonce: &str,
    url: &str,
    payload: &str,
    sign: impl FnOnce(&str) -> Result<String, String>,
) -> Result<String, String> {
    let jwk = match key {
        KeyRef::Jwk(text) => Some(parse_jwk(text)?),
        KeyRef::Kid(_) => None,
    };
    let header = Protected {
        alg,
        jwk: jwk.as_deref(),
        kid: match key {
            KeyRef::Kid(kid) => Some(kid),
            KeyRef::Jwk(_) => None,
        },
        nonce,
        url,
    };
    flattened(&header, payload.as_bytes(), sign)
}

/// The flattened JWS (RFC 7515 §7.2.2) of `header`, the protected header,
/// and `payload`: `sign` receives `BASE64URL(protected).BASE64URL(payload)`
/// and returns the signature, which must be base64url. Every JWS this stage
/// makes: requests ([`build`]), an external account binding (eab.rs) and a
/// key change's inner JWS (keychange.rs).
pub fn flattened<H: Serialize>(
    header: &H,
    payload: &[u8],
    sign: impl FnOnce(&str) -> Result<String, String>,
) -> Result<String, String> {
    let header = serde_json::to_string(header).map_err(|e| format!("JWS header: {e}"))?;
    let protected = b64(header.as_bytes());
    let payload = b64(payload);
    let signature = sign(&format!("{protected}.{payload}"))?;
    if !is_b64url(&signature) {
        return Err("the signer returned a signature that is not base64url".into());
    }
    let jws = Flattened {
        protected,
        payload,
        signature,
    };
    serde_json::to_string(&jws).map_err(|e| format!("JWS: {e}"))
}

/// The signer's JWK, which must be a JSON object.
fn parse_jwk(text: &str) -> Result<Box<RawValue>, String> {
    match RawValue::from_string(text.to_string()) {
        Ok(raw) if raw.get().starts_with('{') => Ok(raw),
        _ => Err("the signer's public JWK is not a JSON object".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use serde_json::Value;

    fn decode(jws: &str) -> (Value, Value, String, String) {
        let v: Value = serde_json::from_str(jws).unwrap();
        let p = B64.decode(v["protected"].as_str().unwrap()).unwrap();
        let q = B64.decode(v["payload"].as_str().unwrap()).unwrap();
        let payload = String::from_utf8(q).unwrap();
        let sig = v["signature"].as_str().unwrap().to_string();
        (v.clone(), serde_json::from_slice(&p).unwrap(), payload, sig)
    }

    #[test]
    fn new_account_uses_jwk() {
        let jwk = r#"{"crv":"P-256","kty":"EC","x":"AA","y":"BB"}"#;
        let mut seen = String::new();
        let jws = build(
            "ES256",
            KeyRef::Jwk(jwk),
            "n0nce",
            "https://l/acct",
            "{}",
            |i| {
                seen = i.to_string();
                Ok("c2ln".into())
            },
        )
        .unwrap();
        let (v, header, payload, sig) = decode(&jws);
        assert_eq!(
            seen,
            format!(
                "{}.{}",
                v["protected"].as_str().unwrap(),
                v["payload"].as_str().unwrap()
            )
        );
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["nonce"], "n0nce");
        assert_eq!(header["url"], "https://l/acct");
        assert_eq!(header["jwk"]["crv"], "P-256");
        assert!(header.get("kid").is_none());
        assert_eq!((payload.as_str(), sig.as_str()), ("{}", "c2ln"));
    }

    #[test]
    fn kid_and_post_as_get() {
        let jws = build(
            "RS256",
            KeyRef::Kid("https://l/acct/1"),
            "n",
            "https://l/o/1",
            "",
            |_| Ok("s".into()),
        )
        .unwrap();
        let (v, header, payload, _) = decode(&jws);
        assert_eq!(header["kid"], "https://l/acct/1");
        assert!(header.get("jwk").is_none());
        assert_eq!(v["payload"], "");
        assert_eq!(payload, "");
    }

    #[test]
    fn signer_errors_and_bad_input() {
        let key = KeyRef::Kid("k");
        let err = build("ES256", key, "n", "u", "", |_| Err("no key".into()));
        assert_eq!(err.unwrap_err(), "no key");
        assert!(build("ES256", key, "n", "u", "", |_| Ok("a.b".into())).is_err());
        let bad = KeyRef::Jwk("[1]");
        assert!(build("ES256", bad, "n", "u", "", |_| Ok("s".into())).is_err());
        assert!(is_b64url("abc-_09") && !is_b64url("") && !is_b64url("a=b"));
    }
}
