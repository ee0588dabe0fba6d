//! Account key rollover (RFC 8555 §7.3.5): the keyChange request's inner
//! JWS, signed by the new key (from the imported `rollover-signer`, a second
//! account stage holding it), which the session then posts signed by the
//! old key. The inner JWS has no nonce and names the new key by its `jwk`;
//! its payload names the account and the old key.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::jws;

/// The inner JWS's protected header (§7.3.5): the new key's `alg` and
/// `jwk`, the keyChange URL; no nonce, no kid.
#[derive(Serialize)]
struct Protected<'a> {
    alg: &'a str,
    jwk: &'a RawValue,
    url: &'a str,
}

/// The inner payload: the account URL and the old key's JWK.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyChange<'a> {
    account: &'a str,
    old_key: &'a RawValue,
}

/// A JWK text as a JSON object.
fn object(jwk: &str, whose: &str) -> Result<Box<RawValue>, String> {
    match RawValue::from_string(jwk.to_string()) {
        Ok(raw) if raw.get().starts_with('{') => Ok(raw),
        _ => Err(format!(
            "keyChange: the {whose} key's JWK is not a JSON object"
        )),
    }
}

/// The inner JWS of a key change of `account` at `url` from `old_jwk` to
/// the new key (`new_alg`, `new_jwk`), signed by `sign` (the new key).
pub fn inner(
    url: &str,
    account: &str,
    old_jwk: &str,
    new_alg: &str,
    new_jwk: &str,
    sign: impl FnOnce(&str) -> Result<String, String>,
) -> Result<String, String> {
    let (old, new) = (object(old_jwk, "old")?, object(new_jwk, "new")?);
    if old.get() == new.get() {
        return Err("keyChange: the new key is the account's key already".into());
    }
    let header = Protected {
        alg: new_alg,
        jwk: &new,
        url,
    };
    let payload = serde_json::to_string(&KeyChange {
        account,
        old_key: &old,
    })
    .map_err(|e| format!("keyChange: {e}"))?;
    jws::flattened(&header, payload.as_bytes(), |input| {
        sign(input).map_err(|e| format!("the new key's signer: {e}"))
    })
    .map_err(|e| format!("keyChange: {e}"))
}
