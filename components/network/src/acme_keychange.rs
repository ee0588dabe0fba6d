//! The session's account key rollover (RFC 8555 §7.3.5), beside acme.rs:
//! the inner JWS is keychange.rs's, signed by the new key; the outer is an
//! ordinary POST signed by the old key with the account's `kid`.

use super::{AccountInfo, Session, Signer};
use crate::http::Transport;
use crate::retry::Failure;

impl<T: Transport, S: Signer> Session<T, S> {
    /// Move the account found by [`Session::find_account`] to the new key
    /// the signer's rollover half holds. The account object of the answer,
    /// or `found` when the server sends none.
    pub fn key_change(&mut self) -> Result<AccountInfo, Failure> {
        let what = "keyChange";
        let kid =
            (self.kid.clone()).ok_or("keyChange: no account yet (call find-account first)")?;
        let url = (self.directory().key_change.clone())
            .ok_or("keyChange: the server's directory has no keyChange (RFC 8555 §7.3.5)")?;
        self.origin.check(&url, "the server")?;
        let old = self.public_key()?;
        let new = self
            .signer
            .rollover_public_key()
            .map_err(|e| format!("keyChange: the new key: {e}"))?;
        let signer = &self.signer;
        let inner = crate::keychange::inner(&url, &kid, &old.jwk, &new.alg, &new.jwk, |input| {
            signer.rollover_sign(input)
        })?;
        let reply = self.post(what, &url, &inner, None)?;
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(AccountInfo {
                url: kid,
                status: "valid".into(),
                contact: Vec::new(),
                orders: None,
            });
        }
        self.account_object(what, kid, &reply.body)
    }
}
