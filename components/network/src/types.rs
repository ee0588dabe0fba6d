//! ACME objects (RFC 8555 §7.1) as serde structs with the RFC's field names.
//! Unknown fields are ignored (§7.1: clients ignore unrecognised fields);
//! strings are kept exactly as the server sent them.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The directory (§7.1.1). Only the resources and metadata this stage uses
/// are read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    pub new_nonce: String,
    pub new_account: String,
    pub new_order: String,
    #[serde(default)]
    pub meta: Meta,
    /// Only needed to revoke (§7.6); a directory without it can still issue.
    #[serde(default)]
    pub revoke_cert: Option<String>,
    /// Account key rollover (§7.3.5); only whether it is there is reported.
    #[serde(default)]
    pub key_change: Option<String>,
    /// ACME renewal information (RFC 9773 §4); only whether it is there is
    /// reported.
    #[serde(default)]
    pub renewal_info: Option<String>,
}

/// The directory's `meta` object (§7.1.1): only what the host asks about.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The current terms of service; the host compares it with `-a`.
    pub terms_of_service: Option<String>,
    /// The profiles the server offers, each name with its description
    /// (draft-ietf-acme-profiles §3); `--profile` must be one of them.
    pub profiles: Option<std::collections::BTreeMap<String, String>>,
    /// A web page about the CA.
    pub website: Option<String>,
    /// The names CAA records (RFC 8659) use for this CA.
    pub caa_identities: Option<Vec<String>>,
    /// A new account needs an external account binding (§7.3.4).
    #[serde(default)]
    pub external_account_required: bool,
}

/// An identifier (§9.7.7): type "dns", or "ip" for an IP address (RFC
/// 8738 §3).
#[derive(Debug, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

impl Identifier {
    /// The identifier of a requested name: `ip` when it is an IPv4 or IPv6
    /// address (the host sends it in canonical form), else `dns`.
    pub fn of(name: &str) -> Identifier {
        let kind = match name.parse::<std::net::IpAddr>() {
            Ok(_) => "ip",
            Err(_) => "dns",
        };
        Identifier {
            kind: kind.into(),
            value: name.to_string(),
        }
    }

    /// A type this client requests, with a value of that type: a `dns`
    /// name that is not an address, or an `ip` value that is one.
    pub fn is_known(&self) -> bool {
        let ip = self.value.parse::<std::net::IpAddr>().is_ok();
        matches!((self.kind.as_str(), ip), ("dns", false) | ("ip", true))
    }
}

/// An order object (§7.1.3). `error` is the problem document (§6.7) of a
/// failed order.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub status: String,
    pub authorizations: Vec<String>,
    pub finalize: String,
    pub certificate: Option<String>,
    #[serde(default, deserialize_with = "lenient_problem")]
    pub error: Option<Problem>,
}

/// An authorization object (§7.1.4).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorization {
    pub identifier: Identifier,
    /// For a wildcard name, whose identifier lacks the `*.` (§7.1.4).
    #[serde(default)]
    pub wildcard: bool,
    pub status: String,
    pub challenges: Vec<Challenge>,
}

/// A challenge object (§7.1.5, §8). `token` is absent for challenge types
/// without one; it is then empty. `error` is the problem of a failed
/// validation (§7.1.5).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    #[serde(default)]
    pub token: String,
    pub status: String,
    #[serde(default, deserialize_with = "lenient_problem")]
    pub error: Option<Problem>,
}

/// An `error` member that is not a problem document (an unexpected shape
/// from a buggy server) is kept as a placeholder problem rather than failing
/// the whole object: the status already says the object failed.
fn lenient_problem<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Problem>, D::Error> {
    let raw = Option::<Box<RawValue>>::deserialize(d)?;
    Ok(raw.map(|raw| {
        serde_json::from_str::<Problem>(raw.get()).unwrap_or_else(|_| Problem {
            kind: String::new(),
            detail: "the server's error is not a problem document".into(),
            subproblems: Vec::new(),
        })
    }))
}

/// A problem document (RFC 7807, RFC 8555 §6.7).
#[derive(Debug, Default, Deserialize)]
pub struct Problem {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub subproblems: Vec<Subproblem>,
}

/// A subproblem (§6.7.1).
#[derive(Debug, Deserialize)]
pub struct Subproblem {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub detail: String,
    pub identifier: Option<Identifier>,
}

/// The newAccount payload (§7.3): to register (agreeing to the terms,
/// with the contact), or with `onlyReturnExisting` only to find the key's
/// account (§7.3.1). Members that are false or empty are left out.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAccount {
    #[serde(skip_serializing_if = "is_false")]
    pub terms_of_service_agreed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub only_return_existing: bool,
    /// The external account binding (§7.3.4), a JWS (eab.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_account_binding: Option<Box<RawValue>>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// An account object (§7.1.2). `contact` absent or null is none; `orders`
/// is required by the RFC, but Let's Encrypt leaves it out.
#[derive(Debug, Deserialize)]
pub struct Account {
    pub status: String,
    #[serde(default)]
    pub contact: Option<Vec<String>>,
    #[serde(default)]
    pub orders: Option<String>,
}

/// The payload of an account update (§7.3.2: the new `contact`) or
/// deactivation (§7.3.6: `status` "deactivated"), posted to the account URL.
#[derive(Serialize)]
pub struct AccountUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

/// The newOrder payload (§7.4).
#[derive(Serialize)]
pub struct NewOrder {
    pub identifiers: Vec<Identifier>,
    /// The profile asked for (draft-ietf-acme-profiles §4), omitted when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The renewal information identifier of the certificate this order
    /// replaces (RFC 9773 §5), omitted when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// The finalize payload (§7.4): the base64url DER CSR.
#[derive(Serialize)]
pub struct Finalize {
    pub csr: String,
}

/// The revokeCert payload (§7.6): the base64url DER certificate and the
/// RFC 5280 reason code, omitted when not given.
#[derive(Serialize)]
pub struct Revoke {
    pub certificate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<u8>,
}

/// The problem type for a rejected nonce (§6.5, §6.7).
pub const BAD_NONCE: &str = "urn:ietf:params:acme:error:badNonce";
/// The problem type for a newAccount with `onlyReturnExisting` when the key
/// has no account (§7.3.1, §6.7).
pub const ACCOUNT_DOES_NOT_EXIST: &str = "urn:ietf:params:acme:error:accountDoesNotExist";

impl Problem {
    /// Parse a problem document; `None` when the body is not one.
    pub fn parse(body: &[u8]) -> Option<Problem> {
        serde_json::from_slice::<Problem>(body)
            .ok()
            .filter(|p| !p.kind.is_empty() || !p.detail.is_empty())
    }
}

impl std::fmt::Display for Problem {
    /// `type: detail`, then each subproblem in parentheses. Control
    /// characters from the server are replaced so the text is safe to print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (clean(&self.kind), clean(&self.detail)) {
            (kind, detail) if kind.is_empty() => write!(f, "{detail}")?,
            (kind, detail) => write!(f, "{kind}: {detail}")?,
        }
        for sub in &self.subproblems {
            let who = sub.identifier.as_ref().map_or("", |i| i.value.as_str());
            write!(
                f,
                " ({}: {}: {})",
                clean(who),
                clean(&sub.kind),
                clean(&sub.detail)
            )?;
        }
        Ok(())
    }
}

/// Replace control characters so that server text cannot steer a terminal,
/// and trim surrounding whitespace (a trailing newline in `detail`).
pub fn clean(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory() {
        let d: Directory = serde_json::from_str(
            r#"{"keyChange":"https://l:14000/rollover","meta":{"termsOfService":"data:text/plain,Do%20what%20thou%20wilt"},
                "newAccount":"https://l:14000/sign-me-up","newNonce":"https://l:14000/nonce-plz",
                "newOrder":"https://l:14000/order-plz","revokeCert":"https://l:14000/revoke-cert","Xy1z":"https://x.test/"}"#,
        )
        .unwrap();
        assert_eq!(d.new_nonce, "https://l:14000/nonce-plz");
        assert_eq!(d.new_account, "https://l:14000/sign-me-up");
        assert_eq!(d.new_order, "https://l:14000/order-plz");
        assert_eq!(
            d.revoke_cert.as_deref(),
            Some("https://l:14000/revoke-cert")
        );
        assert!(serde_json::from_str::<Directory>(r#"{"newNonce":"x","newAccount":"y"}"#).is_err());
    }

    #[test]
    fn order() {
        let o: Order = serde_json::from_str(
            r#"{"status":"invalid","expires":"2030-01-01T00:00:00Z","identifiers":[{"type":"dns","value":"a.test"}],
                "finalize":"https://l/f/1","authorizations":["https://l/a/1","https://l/a/2"],
                "error":{"type":"urn:ietf:params:acme:error:unauthorized", "detail":"no"}}"#,
        )
        .unwrap();
        assert_eq!(o.status, "invalid");
        assert_eq!(o.authorizations, ["https://l/a/1", "https://l/a/2"]);
        assert_eq!(o.finalize, "https://l/f/1");
        assert!(o.certificate.is_none());
        assert_eq!(
            o.error.map(|p| p.to_string()).as_deref(),
            Some("urn:ietf:params:acme:error:unauthorized: no")
        );
        assert!(serde_json::from_str::<Order>(r#"{"status":"valid"}"#).is_err());
    }

    #[test]
    fn authorization() {
        let a: Authorization = serde_json::from_str(
            r#"{"status":"pending","identifier":{"type":"dns","value":"a.test"},"wildcard":false,
                "challenges":[{"type":"http-01","url":"https://l/c/1","token":"tok_en-1","status":"pending"},
                              {"type":"odd-01","url":"https://l/c/2","status":"invalid","error":{"type":"t"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            (a.identifier.kind.as_str(), a.identifier.value.as_str()),
            ("dns", "a.test")
        );
        assert!(!a.wildcard);
        assert_eq!(a.challenges[0].token, "tok_en-1");
        assert_eq!(a.challenges[1].token, "");
        assert_eq!(
            a.challenges[1].error.as_ref().map(|p| p.to_string()),
            Some("t: ".to_string())
        );
    }

    #[test]
    fn wildcard_authorization_keeps_the_flag_and_a_missing_one_is_false() {
        let a: Authorization = serde_json::from_str(
            r#"{"status":"pending","identifier":{"type":"dns","value":"example.com"},"wildcard":true,
                "challenges":[{"type":"dns-01","url":"https://l/c/1","token":"t","status":"pending"}]}"#,
        )
        .unwrap();
        assert!(a.wildcard);
        assert_eq!(a.identifier.value, "example.com");
        let a: Authorization = serde_json::from_str(
            r#"{"status":"valid","identifier":{"type":"dns","value":"a.test"},"challenges":[]}"#,
        )
        .unwrap();
        assert!(!a.wildcard);
    }

    #[test]
    fn account_object() {
        let a: Account = serde_json::from_str(
            r#"{"status":"valid","contact":["mailto:a@example.com","mailto:b@example.com"],
                "orders":"https://l/list-orderz/1","key":{"kty":"EC"},"termsOfServiceAgreed":true}"#,
        )
        .unwrap();
        assert_eq!(a.status, "valid");
        assert_eq!(
            a.contact.unwrap_or_default(),
            ["mailto:a@example.com", "mailto:b@example.com"]
        );
        assert_eq!(a.orders.as_deref(), Some("https://l/list-orderz/1"));
        // Let's Encrypt's: no orders, and no contact once it is removed.
        let a: Account =
            serde_json::from_str(r#"{"status":"deactivated","contact":null}"#).unwrap();
        assert_eq!(
            (a.status.as_str(), a.contact, a.orders),
            ("deactivated", None, None)
        );
        assert!(serde_json::from_str::<Account>(r#"{"contact":[]}"#).is_err());
        assert!(serde_json::from_str::<Account>(r#"{"status":"valid","contact":"x"}"#).is_err());
    }

    #[test]
    fn problem() {
        let p = Problem::parse(
            br#"{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"bad\u001b[31m",
                 "status":400,"subproblems":[{"type":"urn:ietf:params:acme:error:malformed",
                 "detail":"x","identifier":{"type":"dns","value":"b.test"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            p.to_string(),
            "urn:ietf:params:acme:error:rejectedIdentifier: bad\u{fffd}[31m \
             (b.test: urn:ietf:params:acme:error:malformed: x)"
        );
        assert!(Problem::parse(b"<html>").is_none());
        assert!(Problem::parse(b"{}").is_none());
    }

    #[test]
    fn problem_with_line_breaks_renders_as_one_line() {
        let p = Problem::parse(
            br#"{"type":"urn:x\r\nforged: line","detail":"a\nb\u0085c\u009bd\u0007\n"}"#,
        )
        .unwrap();
        let text = p.to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert_eq!(
            text,
            "urn:x\u{fffd}\u{fffd}forged: line: a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}"
        );
    }

    #[test]
    fn error_member_that_is_not_a_problem_is_kept_as_a_placeholder() {
        let o: Order = serde_json::from_str(
            r#"{"status":"invalid","authorizations":[],"finalize":"f","error":"oops\n"}"#,
        )
        .unwrap();
        let text = o.error.map(|p| p.to_string()).unwrap_or_default();
        assert_eq!(text, "the server's error is not a problem document");
    }

    #[test]
    fn payloads() {
        let acct = serde_json::to_string(&NewAccount {
            terms_of_service_agreed: true,
            contact: Vec::new(),
            only_return_existing: false,
            external_account_binding: None,
        });
        assert_eq!(acct.unwrap(), r#"{"termsOfServiceAgreed":true}"#);
        let acct = serde_json::to_string(&NewAccount {
            terms_of_service_agreed: true,
            contact: vec!["mailto:ops@example.com".into()],
            only_return_existing: false,
            external_account_binding: None,
        });
        assert_eq!(
            acct.unwrap(),
            r#"{"termsOfServiceAgreed":true,"contact":["mailto:ops@example.com"]}"#
        );
        let find = serde_json::to_string(&NewAccount {
            terms_of_service_agreed: false,
            contact: Vec::new(),
            only_return_existing: true,
            external_account_binding: None,
        });
        assert_eq!(find.unwrap(), r#"{"onlyReturnExisting":true}"#);
        let update = serde_json::to_string(&AccountUpdate {
            contact: Some(vec!["mailto:a@example.com".into()]),
            status: None,
        });
        assert_eq!(update.unwrap(), r#"{"contact":["mailto:a@example.com"]}"#);
        let deactivate = serde_json::to_string(&AccountUpdate {
            contact: None,
            status: Some("deactivated"),
        });
        assert_eq!(deactivate.unwrap(), r#"{"status":"deactivated"}"#);
        let ids = vec![Identifier {
            kind: "dns".into(),
            value: "a.test".into(),
        }];
        let order = NewOrder {
            identifiers: ids,
            profile: None,
            replaces: None,
        };
        assert_eq!(
            serde_json::to_string(&order).unwrap(),
            r#"{"identifiers":[{"type":"dns","value":"a.test"}]}"#
        );
        let order = NewOrder {
            profile: Some("shortlived".into()),
            ..order
        };
        assert_eq!(
            serde_json::to_string(&order).unwrap(),
            r#"{"identifiers":[{"type":"dns","value":"a.test"}],"profile":"shortlived"}"#
        );
    }
}
