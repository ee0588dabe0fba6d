//! What a signing input asks accountd to sign: the daemon decodes
//! `BASE64URL(protected) '.' BASE64URL(payload)` (RFC 7515 §5.1) to log the
//! request's kind and URL, and, with `--keyid-only`, to refuse what would
//! create, update, deactivate or re-key the account (docs/ACCOUNTD.md).
//!
//! This is the one place acmebox's host parses JSON a peer sent, so it is
//! narrow: the input is at most one frame (64 KiB), the protected header
//! must have exactly the members of an ACME request (RFC 8555 §6.2: `alg`,
//! `jwk` or `kid`, `nonce`, `url`) with this key's `alg` and, if `jwk`,
//! this key's JWK; the payload is empty (POST-as-GET, §6.3) or one JSON
//! object without duplicate members. Anything else is refused with an
//! error naming what was wrong; nothing of it is ever signed.

use super::protocol::one_line;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::fmt;

/// Why a signing input is refused before it is signed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadInput {
    /// Not two parts separated by one `.`.
    #[error("not BASE64URL(protected).BASE64URL(payload)")]
    Shape,
    /// A part is not unpadded base64url.
    #[error("the {0} is not base64url")]
    Base64(&'static str),
    /// The protected header is not what an ACME request carries.
    #[error("protected header: {0}")]
    Header(String),
    /// The payload is neither empty nor one JSON object.
    #[error("payload: {0}")]
    Payload(String),
}

/// What kind of ACME request a signing input is, as far as its header and
/// payload tell (RFC 8555 §7). The daemon cannot see the directory, so the
/// kind comes from the payload's members, and "the account URL" is the
/// request's own `kid`: a request whose `url` equals its `kid` is to the
/// account itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// With `jwk`: registration (or any other request carrying the key
    /// itself, §7.3).
    NewAccount,
    /// With `jwk`, payload exactly `{"onlyReturnExisting": true}`: finding
    /// the account without ever creating one (§7.3.1).
    FindAccount,
    /// With `kid`, a non-empty payload to the account URL, or account
    /// members (`contact`, `termsOfServiceAgreed`, ...) anywhere (§7.3.2).
    AccountUpdate,
    /// With `kid`, `{"status": "deactivated"}` to the account URL (§7.3.6).
    Deactivate,
    /// A payload that is itself a JWS (`protected`, `payload`,
    /// `signature`), or with `jwk` an `account` and `oldKey`: account key
    /// rollover, outer or inner JWS (§7.3.5).
    KeyChange,
    /// `identifiers` (§7.4).
    NewOrder,
    /// `identifier` (pre-authorization, §7.4.1).
    NewAuthz,
    /// `csr` (§7.4).
    Finalize,
    /// `{}`: a challenge is ready (§7.5.1).
    Challenge,
    /// `certificate` (§7.6).
    RevokeCert,
    /// `{"status": "deactivated"}` to a URL other than the account's: an
    /// authorization's deactivation (§7.5.2).
    DeactivateAuthz,
    /// Empty payload (§6.3).
    PostAsGet,
    /// Any other payload.
    Other,
}

impl Kind {
    /// The kind's name in the daemon's log and errors.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NewAccount => "newAccount",
            Kind::FindAccount => "newAccount (onlyReturnExisting)",
            Kind::AccountUpdate => "account update",
            Kind::Deactivate => "account deactivation",
            Kind::KeyChange => "keyChange",
            Kind::NewOrder => "newOrder",
            Kind::NewAuthz => "newAuthz",
            Kind::Finalize => "finalize",
            Kind::Challenge => "challenge",
            Kind::RevokeCert => "revokeCert",
            Kind::DeactivateAuthz => "authorization deactivation",
            Kind::PostAsGet => "POST-as-GET",
            Kind::Other => "unknown request",
        }
    }

    /// Whether `--keyid-only` signs it: what an issuance or a revocation
    /// with an existing account needs, and nothing that creates, changes,
    /// deactivates or re-keys an account. An allow-list, so a kind the
    /// daemon cannot name is refused too.
    pub fn keyid_only_signs(self) -> bool {
        matches!(
            self,
            Kind::FindAccount
                | Kind::NewOrder
                | Kind::NewAuthz
                | Kind::Finalize
                | Kind::Challenge
                | Kind::RevokeCert
                | Kind::PostAsGet
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A signing input, decoded and classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspected {
    /// What it asks for.
    pub kind: Kind,
    /// The protected header's `url`: where the client will send it.
    pub url: String,
    /// The `kid` (account URL), or `None` with `jwk`.
    pub kid: Option<String>,
}

impl Inspected {
    /// Whether `--keyid-only` signs it: a kind it allows
    /// ([`Kind::keyid_only_signs`]), with the account's `kid`; the one
    /// request with `jwk` it signs is the lookup that creates nothing
    /// ([`Kind::FindAccount`]).
    pub fn keyid_only_signs(&self) -> bool {
        self.kind.keyid_only_signs() && (self.kid.is_some() || self.kind == Kind::FindAccount)
    }
}

/// The protected header of an ACME request (RFC 8555 §6.2): these members
/// and no others.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Protected {
    alg: String,
    jwk: Option<Value>,
    kid: Option<String>,
    nonce: String,
    url: String,
}

/// Decode and classify `input`, signed with the key whose `alg` and JWK
/// (RFC 7638 text) are given.
pub fn inspect(input: &str, alg: &str, jwk: &str) -> Result<Inspected, BadInput> {
    let (protected, payload) = input.split_once('.').ok_or(BadInput::Shape)?;
    if payload.contains('.') || protected.is_empty() {
        return Err(BadInput::Shape);
    }
    let protected = base64url_decode(protected).ok_or(BadInput::Base64("protected header"))?;
    let payload = base64url_decode(payload).ok_or(BadInput::Base64("payload"))?;
    let header: Protected = serde_json::from_slice(&protected)
        .map_err(|e| BadInput::Header(one_line(&e.to_string())))?;
    if header.alg != alg {
        return Err(BadInput::Header(format!(
            "alg {:?}, but this key signs {alg}",
            excerpt(&header.alg)
        )));
    }
    https_url("url", &header.url)?;
    if header.nonce.is_empty() || base64url_decode(&header.nonce).is_none() {
        return Err(BadInput::Header("nonce is not base64url".into()));
    }
    let members = match payload.as_slice() {
        [] => None,
        bytes => Some(
            serde_json::from_slice::<Members>(bytes)
                .map_err(|e| BadInput::Payload(one_line(&e.to_string())))?
                .0,
        ),
    };
    let kind = match (&header.jwk, &header.kid) {
        (Some(given), None) => {
            let own: Value = serde_json::from_str(jwk)
                .map_err(|e| BadInput::Header(one_line(&format!("this key's JWK: {e}"))))?;
            if *given != own {
                return Err(BadInput::Header("jwk is not this key's".into()));
            }
            with_jwk(members.as_deref())
        }
        (None, Some(kid)) => {
            https_url("kid", kid)?;
            with_kid(&header.url, kid, members.as_deref())
        }
        _ => {
            return Err(BadInput::Header(
                "needs exactly one of jwk and kid (RFC 8555 §6.2)".into(),
            ))
        }
    };
    Ok(Inspected {
        kind,
        url: header.url,
        kid: header.kid,
    })
}

/// Members of an account object (§7.1.2, §7.3): a request carrying any of
/// them changes or creates an account, wherever it is sent.
const ACCOUNT_MEMBERS: &[&str] = &[
    "contact",
    "termsOfServiceAgreed",
    "onlyReturnExisting",
    "externalAccountBinding",
    "orders",
];

fn has(members: &[(String, Value)], name: &str) -> bool {
    members.iter().any(|(n, _)| n == name)
}

fn is_deactivation(members: &[(String, Value)]) -> bool {
    matches!(members, [(n, Value::String(s))] if n == "status" && s == "deactivated")
}

fn is_jws(members: &[(String, Value)]) -> bool {
    ["protected", "payload", "signature"]
        .iter()
        .all(|m| has(members, m))
}

/// A request carrying the key itself.
fn with_jwk(members: Option<&[(String, Value)]>) -> Kind {
    match members {
        Some([(n, Value::Bool(true))]) if n == "onlyReturnExisting" => Kind::FindAccount,
        Some(m) if has(m, "account") && has(m, "oldKey") => Kind::KeyChange,
        Some(m) if is_jws(m) => Kind::KeyChange,
        Some(m) if has(m, "certificate") && !ACCOUNT_MEMBERS.iter().any(|a| has(m, a)) => {
            Kind::RevokeCert
        }
        _ => Kind::NewAccount,
    }
}

/// A request of the account `kid` to `url`.
fn with_kid(url: &str, kid: &str, members: Option<&[(String, Value)]>) -> Kind {
    let Some(m) = members else {
        return Kind::PostAsGet;
    };
    if is_jws(m) || (has(m, "account") && has(m, "oldKey")) {
        Kind::KeyChange
    } else if url == kid {
        if is_deactivation(m) {
            Kind::Deactivate
        } else {
            Kind::AccountUpdate
        }
    } else if ACCOUNT_MEMBERS.iter().any(|a| has(m, a)) {
        Kind::AccountUpdate
    } else if is_deactivation(m) {
        Kind::DeactivateAuthz
    } else if has(m, "identifiers") {
        Kind::NewOrder
    } else if has(m, "identifier") {
        Kind::NewAuthz
    } else if has(m, "csr") {
        Kind::Finalize
    } else if has(m, "certificate") {
        Kind::RevokeCert
    } else if m.is_empty() {
        Kind::Challenge
    } else {
        Kind::Other
    }
}

/// `value` must be an absolute https URL, spelled `https://...`, without
/// control characters (the url crate would drop a tab or line break, and
/// trim spaces, silently).
fn https_url(what: &str, value: &str) -> Result<(), BadInput> {
    if value.chars().any(char::is_control) {
        return Err(BadInput::Header(format!("{what} has a control character")));
    }
    match url::Url::parse(value) {
        Ok(u) if value.starts_with("https://") && u.host_str().is_some() => Ok(()),
        _ => Err(BadInput::Header(format!(
            "{what} {:?} is not an https URL",
            excerpt(value)
        ))),
    }
}

/// A JSON object's members in order; a member given twice is an error
/// (servers differ on which one counts, so the daemon would not know what
/// it signs).
struct Members(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Members, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members: Vec<(String, Value)> = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    if has(&members, &name) {
                        return Err(serde::de::Error::custom(format!(
                            "member {:?} given twice",
                            excerpt(&name)
                        )));
                    }
                    members.push((name, value));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Object)
    }
}

/// Unpadded base64url (RFC 4648 §5, as JWS uses it, RFC 7515 §2); `None`
/// for any other character, padding, or a length no bytes encode to.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        }))
    }
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= sextet(c)? << (18 - 6 * i);
        }
        let full = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let len = chunk.len() - 1;
        // The bits past the last byte must be zero (canonical encoding).
        if full[len..].iter().any(|&b| b != 0) && len < 3 {
            return None;
        }
        out.extend_from_slice(&full[..len]);
    }
    Some(out)
}

/// At most 60 characters of a peer's value, for an error message.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    out
}

// A path, not `mod tests;` alone: fuzz/accountd includes this file with
// `#[path]`, which would look for the tests beside it.
#[cfg(test)]
#[path = "inspect/tests.rs"]
mod tests;
