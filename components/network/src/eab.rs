//! External account binding (RFC 8555 §7.3.4): the `externalAccountBinding`
//! member of a newAccount payload, binding the account key to an account
//! the CA already knows by a key identifier (`kid`) and a MAC key. The MAC
//! key stays in the account stage, which computes the MAC
//! (`external-account.mac`); this stage only frames it.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::jws;

/// The binding's protected header (§7.3.4): `HS256`, the CA's key
/// identifier and the newAccount URL; no nonce.
#[derive(Serialize)]
struct Protected<'a> {
    alg: &'static str,
    kid: &'a str,
    url: &'a str,
}

/// Length of a base64url HMAC-SHA256 (32 bytes, no padding).
const MAC_CHARS: usize = 43;

/// The binding of the account key `jwk` (its RFC 7638 JSON text) to the key
/// identifier `kid`, for a newAccount request to `url`: a JWS whose payload
/// is the JWK, signed by `mac` (HS256 over the signing input).
pub fn binding(
    kid: &str,
    url: &str,
    jwk: &str,
    mac: impl FnOnce(&str) -> Result<String, String>,
) -> Result<Box<RawValue>, String> {
    let header = Protected {
        alg: "HS256",
        kid,
        url,
    };
    let jws = jws::flattened(&header, jwk.as_bytes(), |input| {
        let mac = mac(input)?;
        match mac.len() == MAC_CHARS {
            true => Ok(mac),
            false => Err("the account stage's MAC is not base64url of 32 bytes".into()),
        }
    })
    .map_err(|e| format!("external account binding: {e}"))?;
    RawValue::from_string(jws).map_err(|e| format!("external account binding: {e}"))
}

/// The error when the directory requires a binding (`meta.
/// externalAccountRequired`) and none was given, for a key without an
/// account: said before newAccount asks for one.
pub fn required() -> String {
    "newAccount: the server requires external account binding \
     (meta.externalAccountRequired): give --eab-kid and --eab-hmac-key-file, \
     the key identifier and MAC key your CA issued for this account"
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine as _;
    use serde_json::Value;

    const JWK: &str = r#"{"crv":"P-256","kty":"EC","x":"x","y":"y"}"#;
    const MAC: &str = "jLgU1Cf17AFz6Wd_36KgExBI8Y69ylONrFK02Pl3cIs";

    #[test]
    fn binding_is_hs256_over_the_jwk_with_kid_and_url_and_no_nonce() {
        let mut input = String::new();
        let b = binding("kid-1", "https://ca.test/acct", JWK, |i| {
            input = i.to_string();
            Ok(MAC.into())
        })
        .unwrap();
        let v: Value = serde_json::from_str(b.get()).unwrap();
        let (p, q) = (
            v["protected"].as_str().unwrap(),
            v["payload"].as_str().unwrap(),
        );
        assert_eq!(input, format!("{p}.{q}"));
        let header: Value = serde_json::from_slice(&B64.decode(p).unwrap()).unwrap();
        assert_eq!(header["alg"], "HS256");
        assert_eq!(header["kid"], "kid-1");
        assert_eq!(header["url"], "https://ca.test/acct");
        assert!(header.get("nonce").is_none() && header.get("jwk").is_none());
        assert_eq!(B64.decode(q).unwrap(), JWK.as_bytes());
        assert_eq!(v["signature"], MAC);
    }

    #[test]
    fn a_mac_error_or_a_mac_of_the_wrong_shape_is_refused() {
        let err = binding("k", "u", JWK, |_| Err("no MAC key loaded".into())).unwrap_err();
        assert!(err.contains("no MAC key loaded"), "{err}");
        assert!(binding("k", "u", JWK, |_| Ok("c2ln".into())).is_err());
        assert!(binding("k", "u", JWK, |_| Ok(MAC.replace('j', "+"))).is_err());
    }
}
