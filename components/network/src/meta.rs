//! The directory's metadata (RFC 8555 §7.1.1 `meta`) and which optional
//! resources it names, as `acmebox directory` shows them.

use crate::types::Directory;

/// At most this many CAA identities and profiles are passed on: a
/// directory is at most `max-body-bytes`, but nobody reads a longer list.
const MAX_LISTED: usize = 64;

/// What [`describe`] reports: wit/network.wit's `directory-meta`.
#[derive(Debug, PartialEq)]
pub struct DirectoryMeta {
    pub terms_of_service: Option<String>,
    pub website: Option<String>,
    pub caa_identities: Vec<String>,
    pub external_account_required: bool,
    /// (name, description), in name order.
    pub profiles: Vec<(String, String)>,
    pub renewal_info: bool,
    pub key_change: bool,
    pub revoke_cert: bool,
}

/// The metadata of `dir`, its strings as the server wrote them.
pub fn describe(dir: &Directory) -> DirectoryMeta {
    let meta = &dir.meta;
    DirectoryMeta {
        terms_of_service: meta.terms_of_service.clone(),
        website: meta.website.clone(),
        caa_identities: (meta.caa_identities.iter().flatten())
            .take(MAX_LISTED)
            .cloned()
            .collect(),
        external_account_required: meta.external_account_required,
        profiles: (meta.profiles.iter().flatten())
            .take(MAX_LISTED)
            .map(|(name, about)| (name.clone(), about.clone()))
            .collect(),
        renewal_info: dir.renewal_info.is_some(),
        key_change: dir.key_change.is_some(),
        revoke_cert: dir.revoke_cert.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pebble_2_10_directory() {
        let dir: Directory = serde_json::from_str(
            r#"{"keyChange":"https://l/rollover-account-key","newAccount":"https://l/sign-me-up",
                "newNonce":"https://l/nonce-plz","newOrder":"https://l/order-plz",
                "renewalInfo":"https://l/draft-ietf-acme-ari-03/renewalInfo",
                "meta":{"externalAccountRequired":true,"termsOfService":"data:text/plain,x",
                        "profiles":{"shortlived":"6 days","default":"The profile you know"},
                        "website":"https://w.test/","caaIdentities":["pebble.test"]}}"#,
        )
        .unwrap();
        let m = describe(&dir);
        assert_eq!(m.terms_of_service.as_deref(), Some("data:text/plain,x"));
        assert_eq!(m.website.as_deref(), Some("https://w.test/"));
        assert_eq!(m.caa_identities, ["pebble.test"]);
        assert!(m.external_account_required && m.renewal_info && m.key_change);
        assert!(!m.revoke_cert);
        assert_eq!(m.profiles[0].0, "default");
        assert_eq!(m.profiles[1], ("shortlived".into(), "6 days".into()));
    }

    #[test]
    fn a_bare_directory_has_nothing_optional() {
        let dir: Directory =
            serde_json::from_str(r#"{"newAccount":"a","newNonce":"n","newOrder":"o"}"#).unwrap();
        let m = describe(&dir);
        assert_eq!(
            m,
            DirectoryMeta {
                terms_of_service: None,
                website: None,
                caa_identities: Vec::new(),
                external_account_required: false,
                profiles: Vec::new(),
                renewal_info: false,
                key_change: false,
                revoke_cert: false,
            }
        );
    }
}
