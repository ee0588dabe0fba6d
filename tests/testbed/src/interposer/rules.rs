//! What the interposer does to a request: which [`Rule`] applies, and the [`Action`]s that
//! change pebble's answer (JSON edits included).

use std::ops::RangeInclusive;
use std::time::Duration;

use serde_json::{json, Value};

/// What the interposer answers instead of relaying pebble's answer unchanged.
///
/// Actions marked *canned* answer without forwarding the request (pebble never sees it); the
/// others forward it and change pebble's answer before relaying it.
#[derive(Clone, Debug)]
pub enum Action {
    /// Canned: this status, these headers (Content-Length is added) and body.
    Respond {
        /// The HTTP status.
        status: u16,
        /// Header lines (name, value), written as given.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Pebble's status and headers with this body instead of its own.
    ReplaceBody(Vec<u8>),
    /// Pebble's answer with its body cut to its first `n` bytes (Content-Length says `n`).
    Truncate(usize),
    /// Pebble's answer with this header set (any header of that name replaced).
    SetHeader(String, String),
    /// Pebble's answer with every JSON member named `key`, at any depth, set to `value`
    /// (members that are absent stay absent; a body that is not JSON is relayed unchanged).
    SetJson {
        /// The member name, e.g. `status`.
        key: String,
        /// Its new value.
        value: Value,
    },
    /// Pebble's answer with every URL in a JSON member named `key`, at any depth (a string or
    /// an array of strings), moved to `origin` (`https://host:port`), the path kept: e.g. an
    /// order's `finalize` pointing at a [`crate::Tripwire`].
    Rehost {
        /// The member name, e.g. `finalize`, `certificate`, `url`.
        key: String,
        /// The new scheme and authority.
        origin: String,
    },
    /// Canned: `200` declaring a Content-Length of this many bytes, and sending them (spaces),
    /// for as long as the client reads.
    Flood(u64),
    /// Canned: `200`, chunked, one byte (a space) every interval, never ending: until the
    /// client goes or the interposer is dropped.
    Trickle(Duration),
    /// Canned: `302 Found` with this Location.
    Redirect(String),
}

impl Action {
    /// Canned: a problem document (RFC 8555 §6.7) of `kind` (the part after
    /// `urn:ietf:params:acme:error:`, e.g. `rateLimited`) with `detail`, and `headers`
    /// (e.g. `Retry-After`, RFC 8555 §6.6; `Replay-Nonce`, §6.5).
    pub fn problem(status: u16, kind: &str, detail: &str, headers: &[(&str, &str)]) -> Action {
        let mut all = vec![("Content-Type".to_owned(), PROBLEM.to_owned())];
        all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        let body = json!({
            "type": format!("urn:ietf:params:acme:error:{kind}"),
            "detail": detail,
            "status": status,
        });
        Action::Respond {
            status,
            headers: all,
            body: body.to_string().into_bytes(),
        }
    }
}

/// The Content-Type of a problem document (RFC 7807 §3).
const PROBLEM: &str = "application/problem+json";

/// When to act: a method, a path prefix and which of the matching requests.
#[derive(Clone, Debug)]
pub struct Rule {
    method: String,
    path: String,
    occurrences: RangeInclusive<usize>,
    /// What to do.
    pub(crate) action: Action,
}

impl Rule {
    /// Acts on every request with `method` (`""`: any) and a path starting with `path`
    /// (pebble's: `/dir`, `/nonce-plz`, `/sign-me-up`, `/order-plz`, `/authZ/`, `/chalZ/`,
    /// `/finalize-order/`, `/my-order/`, `/certZ/`).
    pub fn new(method: &str, path: &str, action: Action) -> Rule {
        Rule {
            method: method.to_owned(),
            path: path.to_owned(),
            occurrences: 1..=usize::MAX,
            action,
        }
    }

    /// Acts only on the matching requests numbered in `range` (the first is 1); the others
    /// are relayed unchanged.
    pub fn occurrences(mut self, range: RangeInclusive<usize>) -> Rule {
        self.occurrences = range;
        self
    }

    /// Acts only on the first `n` matching requests.
    pub fn first(self, n: usize) -> Rule {
        self.occurrences(1..=n)
    }

    /// Whether the request is one this rule counts.
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        (self.method.is_empty() || self.method == method) && path.starts_with(&self.path)
    }

    /// Whether the `nth` matching request (1-based) is acted on.
    pub(crate) fn acts_on(&self, nth: usize) -> bool {
        self.occurrences.contains(&nth)
    }
}

/// `body` with `action`'s JSON edit made, or unchanged when it is not JSON.
pub(crate) fn edit_json(body: &[u8], action: &Action) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    walk(&mut value, &mut |key, member| match action {
        Action::SetJson { key: k, value: v } if k == key => *member = v.clone(),
        Action::Rehost { key: k, origin } if k == key => rehost(member, origin),
        _ => {}
    });
    value.to_string().into_bytes()
}

/// Calls `f` with every object member (name, value) in `value`, depth first.
fn walk(value: &mut Value, f: &mut impl FnMut(&str, &mut Value)) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                f(key, member);
                walk(member, f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| walk(item, f)),
        _ => {}
    }
}

/// Moves the URL(s) in `value` to `origin`.
fn rehost(value: &mut Value, origin: &str) {
    match value {
        Value::String(url) => {
            let Some(scheme_end) = url.find("://") else {
                return;
            };
            let rest = &url[scheme_end + 3..];
            let path = rest.find('/').map_or("", |i| &rest[i..]);
            *url = format!("{origin}{path}");
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rehost(item, origin)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rehost_keeps_the_path_at_any_depth() {
        let body =
            br#"{"challenges":[{"url":"https://localhost:1/chalZ/a"}],"url":["https://x/y"]}"#;
        let action = Action::Rehost {
            key: "url".into(),
            origin: "https://127.0.0.1:9".into(),
        };
        let out: Value = serde_json::from_slice(&edit_json(body, &action)).unwrap();
        assert_eq!(out["challenges"][0]["url"], "https://127.0.0.1:9/chalZ/a");
        assert_eq!(out["url"][0], "https://127.0.0.1:9/y");
    }

    #[test]
    fn set_json_changes_only_present_members_and_not_json_is_kept() {
        let action = Action::SetJson {
            key: "status".into(),
            value: json!("pending"),
        };
        let out = edit_json(br#"{"status":"ready","a":{"status":"valid"}}"#, &action);
        assert_eq!(out, br#"{"a":{"status":"pending"},"status":"pending"}"#);
        assert_eq!(edit_json(b"{\"other\":1}", &action), b"{\"other\":1}");
        assert_eq!(edit_json(b"not json", &action), b"not json");
    }

    #[test]
    fn occurrences_count_from_one() {
        let rule = Rule::new("POST", "/order-plz", Action::Truncate(1)).first(2);
        assert!(rule.matches("POST", "/order-plz") && !rule.matches("GET", "/order-plz"));
        assert!(rule.acts_on(1) && rule.acts_on(2) && !rule.acts_on(3));
        assert!(Rule::new("", "/", Action::Truncate(1)).matches("HEAD", "/nonce-plz"));
    }
}
