//! The key authorizations the responder serves (RFC 8555 §8.1, §8.3): token
//! to `token.thumbprint`, filled by the issuance flow for each http-01
//! challenge just before it tells the CA to check it and emptied once the
//! authorization is done, read by the responder stage through its
//! `key-authorizations` import (wit/responder.wit). One map may serve
//! several issuances at once (a `--config` batch shares one responder):
//! tokens are the CA's random values, so each names one challenge.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A shared handle on the map; clones see the same entries.
#[derive(Clone, Debug, Default)]
pub struct KeyAuthorizations {
    map: Arc<Mutex<BTreeMap<String, String>>>,
}

impl KeyAuthorizations {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, String>> {
        // A map of strings stays consistent whatever panicked holding it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serve `key_authorization` for `token` from now on. False, and
    /// nothing changed, when the token is served already (for another
    /// challenge: its issuance keeps it).
    pub fn insert(&self, token: &str, key_authorization: &str) -> bool {
        let mut map = self.lock();
        if map.contains_key(token) {
            return false;
        }
        map.insert(token.to_string(), key_authorization.to_string());
        true
    }

    /// Stop serving `token`.
    pub fn remove(&self, token: &str) {
        self.lock().remove(token);
    }

    /// The key authorization served for `token`, if any.
    pub fn get(&self, token: &str) -> Option<String> {
        self.lock().get(token).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_served_from_insert_to_remove() {
        let served = KeyAuthorizations::default();
        let shared = served.clone();
        assert_eq!(shared.get("tok"), None);
        assert!(served.insert("tok", "tok.thumb"));
        assert_eq!(shared.get("tok").as_deref(), Some("tok.thumb"));
        assert_eq!(shared.get("other"), None);
        served.remove("tok");
        assert_eq!(shared.get("tok"), None);
    }

    #[test]
    fn a_token_served_already_is_kept() {
        let served = KeyAuthorizations::default();
        assert!(served.insert("tok", "first"));
        assert!(!served.insert("tok", "second"));
        assert_eq!(served.get("tok").as_deref(), Some("first"));
    }
}
