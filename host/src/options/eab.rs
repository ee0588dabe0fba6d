//! `--eab-kid` and `--eab-hmac-key-file`: an external account binding (RFC
//! 8555 §7.3.4) for registering an account with a CA that requires one
//! (ZeroSSL, Google Trust Services, Sectigo; `meta.externalAccountRequired`).
//! Taken by an issuance and by `acmebox account --register`.

use crate::error::Error;
use clap::Args;
use std::path::PathBuf;

/// The longest key identifier accepted: CAs hand out 20 to 100 characters.
pub const MAX_KID: usize = 256;

/// The two flags of an external account binding.
#[derive(Args, Debug, Clone, Default)]
pub struct EabArgs {
    /// Register the account with an external account binding (RFC 8555
    /// §7.3.4), as some CAs require: the key identifier (EAB KID) the CA
    /// gave you. Needs --eab-hmac-key-file. Used only when an account is
    /// registered; an existing account needs neither.
    #[arg(long, value_name = "KID", requires = "eab_hmac_key_file")]
    pub eab_kid: Option<String>,
    /// The file holding the MAC key (EAB HMAC key) that came with
    /// --eab-kid, base64url as the CA gives it. Read by the account stage,
    /// which is granted this file alone, read-only; never given on the
    /// command line, where the process list and shell history would show it.
    #[arg(long, value_name = "FILE", requires = "eab_kid")]
    pub eab_hmac_key_file: Option<PathBuf>,
}

/// A checked external account binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalAccount {
    /// The key identifier: 1 to [`MAX_KID`] printable ASCII characters.
    pub kid: String,
    /// The MAC key file.
    pub key_file: PathBuf,
}

impl EabArgs {
    /// The binding given, if any; a usage error naming the flag when the
    /// key identifier is not printable ASCII of at most [`MAX_KID`]
    /// characters or the key file is not a file path.
    pub fn check(&self) -> Result<Option<ExternalAccount>, Error> {
        let (Some(kid), Some(key_file)) = (&self.eab_kid, &self.eab_hmac_key_file) else {
            return Ok(None);
        };
        let printable = kid.bytes().all(|b| b.is_ascii_graphic());
        if kid.is_empty() || kid.len() > MAX_KID || !printable {
            return Err(Error::Usage(format!(
                "--eab-kid {:?}: not a key identifier (1 to {MAX_KID} printable ASCII \
                 characters, no spaces)",
                kid.chars().take(80).collect::<String>()
            )));
        }
        if key_file.file_name().is_none() {
            return Err(Error::Usage(format!(
                "--eab-hmac-key-file {}: not a file path",
                key_file.display()
            )));
        }
        Ok(Some(ExternalAccount {
            kid: kid.clone(),
            key_file: key_file.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(kid: &str, file: &str) -> EabArgs {
        EabArgs {
            eab_kid: Some(kid.into()),
            eab_hmac_key_file: Some(file.into()),
        }
    }

    #[test]
    fn a_kid_and_a_file_make_a_binding_and_neither_none() {
        let eab = args("kid-1_x", "/etc/acme/eab.key").check().unwrap();
        assert_eq!(
            eab,
            Some(ExternalAccount {
                kid: "kid-1_x".into(),
                key_file: "/etc/acme/eab.key".into()
            })
        );
        assert_eq!(EabArgs::default().check().unwrap(), None);
    }

    #[test]
    fn bad_kids_and_files_are_usage_errors_naming_the_flag() {
        for kid in ["", "a b", "k\u{1b}[31m", "é", &"k".repeat(MAX_KID + 1)] {
            let err = args(kid, "eab.key").check().unwrap_err().to_string();
            assert!(err.contains("--eab-kid"), "{kid:?}: {err}");
        }
        let err = args("kid", "/").check().unwrap_err().to_string();
        assert!(err.contains("--eab-hmac-key-file"), "{err}");
    }
}
