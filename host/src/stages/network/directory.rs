//! The network stage's `external-account` import (RFC 8555 §7.3.4),
//! forwarded to the account stage that holds the MAC key, and its
//! `directory-meta` answer (`acmebox directory`), checked before the host
//! uses it.

use super::bindings::acmebox::stages::external_account;
use super::{wit, NetHost, Network};
use crate::error::Error;
use crate::flows::retry::Failed;
use crate::sandbox::StageState;
use crate::stage::Stage;

pub use wit::DirectoryInfo as DirectoryMeta;

/// At most this many CAA identities and profiles: the network stage's own
/// bound (components/network meta.rs), checked again here.
pub const MAX_LISTED: usize = 64;

impl external_account::Host for StageState<NetHost> {
    /// The MAC key is the host's to load, into the account stage, from the
    /// file the operator named: the network stage may not name one.
    fn load(&mut self, _name: String) -> Result<(), String> {
        Err("the network stage may not load a MAC key".into())
    }

    fn mac(&mut self, signing_input: String) -> Result<String, String> {
        self.data
            .signer
            .external_account_mac(&signing_input)
            .map_err(|e| e.to_string())
    }
}

impl Network {
    /// The directory's metadata and optional resources, at most
    /// [`MAX_LISTED`] CAA identities and profiles.
    pub fn directory_meta(&mut self) -> Result<DirectoryMeta, Failed> {
        let step = "fetch directory";
        let meta = self.net_call(step, |b, s| b.acmebox_stages_acme().call_directory_meta(s))?;
        if meta.caa_identities.len() > MAX_LISTED || meta.profiles.len() > MAX_LISTED {
            return Err(Error::Rejected {
                stage: Stage::Network,
                step,
                message: format!(
                    "{} CAA identities and {} profiles; at most {MAX_LISTED} of each",
                    meta.caa_identities.len(),
                    meta.profiles.len()
                ),
            }
            .into());
        }
        Ok(meta)
    }
}
