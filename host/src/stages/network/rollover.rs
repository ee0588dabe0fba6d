//! The network stage's `rollover-signer` import (RFC 8555 §7.3.5,
//! `acmebox account --rollover`): forwarded to a second account stage that
//! holds the new key, checked there as the first one's answers are
//! (stages/account.rs); and its `key-change` answer, checked.

use super::bindings::acmebox::stages::{rollover_signer, signer};
use super::{check_account, same_account, AcmeAccount, NetHost, Network};
use crate::flows::retry::Failed;
use crate::sandbox::StageState;
use crate::stages::signer::Signer;
use crate::validate::Origin;

impl rollover_signer::Host for StageState<NetHost> {
    fn public_key(&mut self) -> Result<signer::AccountKey, String> {
        let signer = (self.data.rollover.as_mut()).ok_or("no key rollover in this run")?;
        let key = signer.public_key().map_err(|e| e.to_string())?;
        Ok(signer::AccountKey {
            alg: key.alg,
            jwk: key.jwk,
            thumbprint: key.thumbprint,
        })
    }

    fn sign(&mut self, signing_input: String) -> Result<String, String> {
        let signer = (self.data.rollover.as_mut()).ok_or("no key rollover in this run")?;
        signer.sign(&signing_input).map_err(|e| e.to_string())
    }
}

impl Network {
    /// Let the stage sign with `new` (the new key's account stage) through
    /// `rollover-signer`, for [`Network::key_change`].
    pub fn set_rollover(&mut self, new: Signer) {
        self.data_mut().rollover = Some(new);
    }

    /// Move the account at `url` (found by `find_account`) to the new key
    /// ([`Network::set_rollover`]); the account after, checked, and for the
    /// same URL.
    pub fn key_change(&mut self, url: &str, origin: &Origin) -> Result<AcmeAccount, Failed> {
        let step = "key rollover";
        let account = self.net_call(step, |b, s| b.acmebox_stages_acme().call_key_change(s))?;
        Ok(same_account(
            step,
            check_account(step, account, origin)?,
            url,
        )?)
    }
}
