//! `acmebox directory`: what an ACME server says about itself in its
//! directory (RFC 8555 §7.1.1): terms of service, website, CAA identities,
//! whether new accounts need an external account binding (§7.3.4), the
//! profiles it offers (draft-ietf-acme-profiles) and which optional
//! resources it has (renewal information, RFC 9773; key rollover, §7.3.5;
//! revocation, §7.6). One stage runs: the network stage fetches and parses
//! the directory, signing nothing (its signer refuses every call).
//!
//! ```text
//! D1. network   directory, nonce
//! D2. network   the directory's meta and optional resources
//! ```

use super::retry::retry;
use crate::error::Error;
use crate::grant::{Grant, NetGrant};
use crate::log::{clean, Log};
use crate::options::Reach;
use crate::sandbox::Runtime;
use crate::stage::Stage;
use crate::stages::network::{self, DirectoryMeta};
use crate::stages::signer::Signer;
use crate::stages::Source;
use serde::Serialize;

/// What `acmebox directory` reports: the directory's URL and its metadata.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The directory URL asked for.
    pub directory: String,
    /// `meta.termsOfService`.
    pub terms_of_service: Option<String>,
    /// `meta.website`.
    pub website: Option<String>,
    /// `meta.caaIdentities`.
    pub caa_identities: Vec<String>,
    /// `meta.externalAccountRequired`.
    pub external_account_required: bool,
    /// `meta.profiles`, each name with its description.
    pub profiles: Vec<Profile>,
    /// The directory has `renewalInfo` (RFC 9773).
    pub renewal_info: bool,
    /// The directory has `keyChange` (§7.3.5).
    pub key_change: bool,
    /// The directory has `revokeCert` (§7.6).
    pub revoke_cert: bool,
}

/// A profile the server offers.
#[derive(Clone, Debug, Serialize)]
pub struct Profile {
    /// Its name, as `--profile` takes it.
    pub name: String,
    /// The server's description of it.
    pub description: String,
}

/// The grant of `acmebox directory`: the network stage's, as an issuance
/// with the same server flags would give it.
pub fn grants(reach: &Reach) -> Vec<Grant> {
    vec![Grant::network(NetGrant::to(
        &reach.server,
        &reach.proxy,
        &reach.trust,
        reach.timeout,
    ))]
}

/// Run `acmebox directory` against the server `reach` names.
pub fn run(reach: &Reach, verbose: u8, log: &Log) -> Result<Report, Error> {
    let deadline = super::deadline::Deadline::new(reach.timeout);
    let grants = grants(reach);
    let (rt, _hard_deadline) = super::deadline::start_run(Runtime::new(), reach.timeout)?;
    let net_grant = &grants[0];
    let ca_pem = match &net_grant.network {
        Some(n) => n.trust.read()?,
        None => None,
    };
    let settings = network::settings(&reach.server.url, net_grant, ca_pem, verbose >= 2)?;
    crate::landlock::apply(&crate::landlock::Plan::of(&grants), log)?;

    // D1. The directory.
    let source = Source::embedded();
    let mut net = network::load_component(
        &rt,
        net_grant,
        Signer::Refusing,
        &source.component(&rt, Stage::Network)?,
    )?;
    log.step(&format!("D1. directory {}", reach.server.url));
    net.set_trace(verbose >= 2);
    retry(&deadline, log, || net.open(&settings))?;

    // D2. Its metadata.
    let meta = net.directory_meta()?;
    log.step("D2. directory read");
    Ok(report(&reach.server.url, meta))
}

fn report(directory: &str, m: DirectoryMeta) -> Report {
    Report {
        directory: directory.to_string(),
        terms_of_service: m.terms_of_service,
        website: m.website,
        caa_identities: m.caa_identities,
        external_account_required: m.external_account_required,
        profiles: (m.profiles.into_iter())
            .map(|(name, description)| Profile { name, description })
            .collect(),
        renewal_info: m.renewal_info,
        key_change: m.key_change,
        revoke_cert: m.revoke_cert,
    }
}

/// The report as text, one fact per line, every server string escaped
/// (log.rs `clean`).
pub fn text(r: &Report) -> String {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let given = |s: &Option<String>| s.as_deref().map_or("(none)".to_string(), clean);
    let mut out = format!("directory                  {}\n", clean(&r.directory));
    out += &format!(
        "terms of service           {}\n",
        given(&r.terms_of_service)
    );
    out += &format!("website                    {}\n", given(&r.website));
    let caa: Vec<String> = r.caa_identities.iter().map(|c| clean(c)).collect();
    match caa.is_empty() {
        true => out += "CAA identities             (none)\n",
        false => out += &format!("CAA identities             {}\n", caa.join(", ")),
    }
    out += &format!(
        "external account required  {}\n",
        yes(r.external_account_required)
    );
    if r.profiles.is_empty() {
        out += "profiles                   (none)\n";
    }
    for p in &r.profiles {
        out += &format!(
            "profile                    {}: {}\n",
            clean(&p.name),
            clean(&p.description)
        );
    }
    out += &format!("renewal information (ARI)  {}\n", yes(r.renewal_info));
    out += &format!("key rollover               {}\n", yes(r.key_change));
    out += &format!("revocation                 {}\n", yes(r.revoke_cert));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_server_strings_and_says_none() {
        let r = report(
            "https://ca.test/dir",
            DirectoryMeta {
                terms_of_service: Some("https://ca.test/tos\u{1b}[2J".into()),
                website: None,
                caa_identities: vec!["ca.test".into(), "other.test".into()],
                external_account_required: true,
                profiles: vec![("shortlived".into(), "6 days\nforged line".into())],
                renewal_info: true,
                key_change: false,
                revoke_cert: true,
            },
        );
        let t = text(&r);
        assert!(!t.contains('\u{1b}') && t.contains("tos\\u{1b}[2J"), "{t}");
        assert!(t.contains("website                    (none)\n"), "{t}");
        assert!(
            t.contains("CAA identities             ca.test, other.test\n"),
            "{t}"
        );
        assert!(t.contains("external account required  yes\n"), "{t}");
        assert!(
            t.contains("profile                    shortlived: 6 days\\u{a}forged line\n"),
            "{t}"
        );
        assert!(
            t.contains("renewal information (ARI)  yes\nkey rollover               no\n"),
            "{t}"
        );
        assert_eq!(t.lines().count(), 9, "{t}");
    }
}
