//! Step 0 of the issuance: may the installed certificate be kept (exit 2,
//! the server not contacted), or must it be renewed, and why.
//!
//! It is kept only when all of these hold (without `-F`):
//!
//! - cert.pem, chain.pem and fullchain.pem are plain files (read by
//!   [`CertDir::read`], never through a link), and fullchain.pem is cert.pem
//!   followed by chain.pem, byte for byte;
//! - cert-parser, given cert.pem followed by chain.pem, finds the requested
//!   names, more time left than [`renew_before`] (`--min-days`, or a domain's
//!   `min-days`: the manual's 30 days by default; half the lifetime for a
//!   short-lived certificate, whatever min-days), the domain key's public key
//!   (the host compares the SubjectPublicKeyInfo bytes), and each
//!   certificate issued and signed by the next; and cert.pem and chain.pem
//!   are exactly the leaf and the rest as acmebox writes them, so cert.pem's
//!   issuer is chain.pem's first certificate;
//! - the record [`DIRECTORY_RECORD`], written with the certificates, holds
//!   the configured directory URL, byte for byte: the certificate came
//!   through the same ACME server (switching from `-s` to production, or to
//!   another CA, renews);
//! - with `--verify-with`, cert-parser finds that the chain leads to one of
//!   its trust anchors (checked last, only when all else holds): a root
//!   changed, distrusted or expired renews, and the renewal must then pass
//!   the same check before anything is installed.
//!
//! With files configured one by one ([`CertFiles`]: any subset with cert or
//! fullchain), the same checks on the files there are; see [`check`] for
//! those skipped. The record's name depends on the layout
//! ([`CertFiles::record_name`]).
//!
//! Otherwise the run renews, and [`Verdict::Renew`] says why in one line.
//! The host only compares bytes it read with bytes it wrote or a stage
//! returned; the parsing is cert-parser's, in an instance of its own.

use crate::anchors::Anchors;
use crate::certdir::Existing;
use crate::certfiles::{name_of, CertFiles, LockedDirs, Role};
use crate::error::Error;
use crate::grant::Grant;
use crate::issue::RENEW_BEFORE;
use crate::log::Log;
use crate::sandbox::Runtime;
use crate::stages::cert_parser::{self, ChainInfo};
use std::time::Duration;
use wasmtime::component::Component;

/// The record of the ACME directory the installed certificates were issued
/// through: one line, the directory URL as configured (`--directory`, `-s`
/// or the default). Installed with cert.pem, chain.pem and fullchain.pem, in
/// the same staging directory and publish (0444, renamed by name), last.
pub const DIRECTORY_RECORD: &str = ".acmebox-directory";

/// The bytes of [`DIRECTORY_RECORD`] for `url`: the URL and a newline.
pub fn directory_record(url: &str) -> Vec<u8> {
    format!("{url}\n").into_bytes()
}

/// A certificate valid for this long or less is short-lived (Let's
/// Encrypt's 6-day profile): renewing it 30 days ahead would renew it on
/// every run, so it is renewed once less than half its lifetime is left.
/// This rule wins over min-days: any min-days of 5 or more would otherwise
/// renew such a certificate on every run, which is never what is meant.
pub const SHORT_LIVED: Duration = Duration::from_secs(10 * 24 * 3600);

/// `--min-days`'s default: [`RENEW_BEFORE`] in days (acme-client's 30).
pub const DEFAULT_MIN_DAYS: u32 = (RENEW_BEFORE.as_secs() / 86400) as u32;

/// How long, in seconds, before its notAfter a certificate valid from
/// `not_before` to `not_after` (Unix seconds) is renewed: `min_days` days
/// (`--min-days`, [`DEFAULT_MIN_DAYS`] unless given), or half its lifetime
/// when that is [`SHORT_LIVED`] or less.
pub fn renew_before(not_before: i64, not_after: i64, min_days: u32) -> i64 {
    let lifetime = not_after.saturating_sub(not_before);
    if lifetime <= SHORT_LIVED.as_secs() as i64 {
        lifetime / 2
    } else {
        i64::from(min_days) * 86400
    }
}

/// What the installed certificate must match to be kept.
pub struct Wanted<'a> {
    /// The requested names.
    pub names: &'a [String],
    /// The domain key's DER SubjectPublicKeyInfo, from the domain-key stage.
    pub spki: &'a [u8],
    /// The configured directory URL.
    pub directory_url: &'a str,
    /// Now, in Unix seconds.
    pub now: i64,
    /// `--min-days` or the domain's `min-days`: renew with this many days
    /// left or fewer (see [`renew_before`]).
    pub min_days: u32,
    /// `-e`: a requested name the certificate lacks renews it; without it,
    /// such a name is an error ([`Verdict::NotListed`]).
    pub expand: bool,
    /// `--verify-with`: the chain must lead to one of these anchors, else it
    /// is renewed (checked last, only when nothing else renews it).
    pub anchors: Option<&'a Anchors>,
}

/// Step 0's answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Keep the installed certificate.
    UpToDate,
    /// Renew; why, in one line (reasons separated by `; `).
    Renew(String),
    /// Requested names the installed certificate lacks, without `-e`:
    /// acme-client's "domain not listed", an error (exit 1) before the
    /// server is contacted.
    NotListed(Vec<String>),
}

/// Decide whether the certificate installed as `files` (in the locked
/// `dirs`) may be kept. Anything in the way is a reason to renew; a file
/// that is not plain (a link, hard-linked, too large) is also a warning.
/// Errors (exit 1) are a file that cannot be read, a primary file (cert,
/// else fullchain) that cert-parser cannot parse (as acme-client, and left
/// untouched), and cert-parser stopping (a trap, or an answer the host
/// refuses).
///
/// Any subset of the files may be configured ([`CertFiles`]); the checks
/// that need a file not configured are skipped: without chain, the chain
/// file's own checks (parses after cert, holds the issuer, as acmebox
/// writes it, fullchain = cert + chain); without fullchain, fullchain's;
/// without cert, "cert is one certificate as acmebox writes it" (the leaf
/// is read from fullchain, which must then be leaf + chain as acmebox writes
/// it and link). With cert and fullchain but no chain, cert-parser reads
/// fullchain, and cert must be its leaf. The leaf's names, dates, key and the
/// record are always checked.
///
/// Also returns what cert-parser found in the installed files, when it read
/// them (none when the primary file is missing or not plain): `--json`
/// reports its serial and notAfter (docs/JSON.md).
pub fn check(
    rt: &Runtime,
    grant: &Grant,
    component: &Component,
    dirs: &LockedDirs,
    files: &CertFiles,
    wanted: &Wanted<'_>,
    log: &Log,
) -> Result<(Verdict, Option<ChainInfo>), Error> {
    let read = |role: Role| match files.path(role) {
        Some(path) => plain(dirs, path, log),
        None => Ok(Found::NotConfigured),
    };
    let (primary_role, primary_path) = files.primary();
    let primary_name = name_of(primary_path);
    let primary = match read(primary_role)? {
        Found::Plain(bytes) => bytes,
        Found::NotPlain(why) => {
            return Ok((Verdict::Renew(format!("{primary_name} is {why}")), None))
        }
        _ => return Ok((Verdict::Renew(format!("no {primary_name}")), None)),
    };
    let chain = read(Role::Chain)?;
    let fullchain = match primary_role {
        Role::Fullchain => Found::Plain(primary.clone()),
        _ => read(Role::Fullchain)?,
    };
    let record = plain(dirs, &files.record(), log)?;

    // cert-parser reads cert.pem followed by chain.pem (without a chain
    // file, fullchain), in an instance of its own: nothing a crafted file
    // does to it can touch the check of a downloaded chain. When that does
    // not parse, cert.pem alone, in another: a cert.pem that does not parse
    // ends the run, as it always has; a chain.pem that does not parse after
    // it is a reason to renew. Without cert, fullchain is the primary file:
    // it must parse.
    let inspect =
        |pem: &[u8]| cert_parser::load_component(rt, grant, component)?.inspect(pem, wanted.now);
    let both = match (primary_role, &chain, &fullchain) {
        (Role::Cert, Found::Plain(chain), _) => Some([primary.as_slice(), chain].concat()),
        (Role::Cert, Found::NotConfigured, Found::Plain(full)) => Some(full.clone()),
        _ => None,
    };
    let mut chain_error = None;
    let info = match both {
        Some(both) => match inspect(&both) {
            Ok(info) => info,
            Err(Error::Stage { message, .. }) => {
                chain_error = Some(message);
                inspect(&primary)?
            }
            Err(e) => return Err(e),
        },
        None => inspect(&primary)?,
    };
    log.step(&format!(
        "0. {primary_name}: names {:?}, {} days left",
        info.names,
        info.not_after.saturating_sub(wanted.now) / 86400
    ));
    let cert = match primary_role {
        Role::Cert => primary,
        _ => info.cert_pem.clone().into_bytes(),
    };
    let installed = Installed {
        files,
        cert: &cert,
        chain: &chain,
        chain_error: chain_error.as_deref(),
        fullchain: &fullchain,
        record: &record,
        info: &info,
    };
    let new = new_names(&info, wanted.names);
    if !new.is_empty() && !wanted.expand {
        return Ok((Verdict::NotListed(new), Some(info)));
    }
    let mut why = reasons(&installed, wanted);
    if !new.is_empty() {
        why.insert(0, format!("-e: expanding to {}", new.join(", ")));
    }
    // --verify-with, on the leaf and chain as acmebox wrote them (the
    // reasons above say they are what is installed), in an instance of its
    // own.
    if let (true, Some(anchors)) = (why.is_empty(), wanted.anchors) {
        let mut parser = cert_parser::load_component(rt, grant, component)?;
        let chain = format!("{}{}", info.cert_pem, info.chain_pem);
        match anchors.verify(&mut parser, chain.as_bytes(), wanted.now) {
            Ok(anchor) => log.step(&format!("0. the chain leads to {anchor} (--verify-with)")),
            Err(Error::File { message, .. }) => why.push(format!(
                "--verify-with {}: {message}",
                anchors.path().display()
            )),
            Err(e) => return Err(e),
        }
    }
    let verdict = if why.is_empty() {
        Verdict::UpToDate
    } else {
        Verdict::Renew(why.join("; "))
    };
    Ok((verdict, Some(info)))
}

/// What [`plain`] found under a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Nothing.
    Absent,
    /// Not a plain file, and why (a symbolic link, hard-linked ...).
    NotPlain(String),
    /// A plain file's bytes.
    Plain(Vec<u8>),
    /// No such file is configured ([`CertFiles`]): its checks are skipped.
    NotConfigured,
}

/// The file at `path`, through [`CertDir::read`](crate::certdir::CertDir::read);
/// what is there but not a plain file is warned about (it is replaced by
/// the renewal).
fn plain(dirs: &LockedDirs, path: &std::path::Path, log: &Log) -> Result<Found, Error> {
    Ok(match dirs.read(path)? {
        Existing::Absent => Found::Absent,
        Existing::NotRegular(why) => {
            log.warn(&format!("{}: {why}: not read, renewing", path.display()));
            Found::NotPlain(why)
        }
        Existing::Regular(bytes) => Found::Plain(bytes),
    })
}

/// The installed files as read, and what cert-parser found in them.
pub struct Installed<'a> {
    /// Which files are configured, and their names (for the reasons).
    pub files: &'a CertFiles,
    /// cert.pem's bytes (without a cert file: the leaf cert-parser found
    /// in fullchain, as it returns it).
    pub cert: &'a [u8],
    /// chain.pem.
    pub chain: &'a Found,
    /// Why cert-parser could not parse cert.pem followed by chain.pem (or
    /// fullchain.pem), if it could not (then `info` is about cert.pem alone).
    pub chain_error: Option<&'a str>,
    /// fullchain.pem.
    pub fullchain: &'a Found,
    /// [`DIRECTORY_RECORD`] (or the layout's record, [`CertFiles::record`]).
    pub record: &'a Found,
    /// cert-parser's `inspect` of cert.pem followed by chain.pem (cert.pem
    /// alone when chain.pem is not a plain file or does not parse).
    pub info: &'a ChainInfo,
}

/// The file name of `role` in `files`, for a reason's text.
fn label(files: &CertFiles, role: Role) -> String {
    files.path(role).map(name_of).unwrap_or_default()
}

/// Every reason to renew `installed` rather than keep it; none means it is
/// up to date. Pure comparisons, in the order a reader checks: the
/// certificate, its chain, fullchain.pem, then where it came from.
pub fn reasons(installed: &Installed<'_>, wanted: &Wanted<'_>) -> Vec<String> {
    let mut why = Vec::new();
    let info = installed.info;
    let files = installed.files;
    let (cert_name, chain_name, full_name) = (
        label(files, Role::Cert),
        label(files, Role::Chain),
        label(files, Role::Fullchain),
    );
    let primary = name_of(files.primary().1);
    if !cert_parser::same_names(&info.names, wanted.names) {
        why.push(format!(
            "its names {:?} are not the requested {:?}",
            info.names, wanted.names
        ));
    }
    let left = info.not_after.saturating_sub(wanted.now);
    let short_lived =
        info.not_after.saturating_sub(info.not_before) <= SHORT_LIVED.as_secs() as i64;
    let before = renew_before(info.not_before, info.not_after, wanted.min_days);
    if left <= before {
        why.push(if !short_lived {
            format!(
                "{} days left, not more than {} (min-days)",
                left / 86400,
                wanted.min_days
            )
        } else {
            format!(
                "{} hours left of a short-lived certificate valid for {} hours, \
                 not more than half",
                left / 3600,
                info.not_after.saturating_sub(info.not_before) / 3600
            )
        });
    }
    if info.spki != wanted.spki {
        why.push(format!(
            "{primary} is not for the domain key (another public key)"
        ));
    }
    if files.cert.is_some() && info.cert_pem.as_bytes() != installed.cert {
        why.push(format!(
            "{cert_name} is not one certificate as acmebox writes it"
        ));
    }
    match (installed.chain, installed.fullchain) {
        (Found::Plain(chain), _) => {
            if let Some(error) = installed.chain_error {
                why.push(format!(
                    "{chain_name} does not parse after {cert_name} ({error})"
                ));
            } else if !info.chain_linked {
                why.push(format!(
                    "{chain_name} does not hold {cert_name}'s issuer (the chain does not link)"
                ));
            } else if info.chain_pem.as_bytes() != chain.as_slice() {
                why.push(format!(
                    "{chain_name} is not the chain as acmebox writes it"
                ));
            }
        }
        // No chain file: the chain is fullchain's.
        (Found::NotConfigured, Found::Plain(full)) => {
            if let Some(error) = installed.chain_error {
                why.push(format!("{full_name} does not parse ({error})"));
            } else if !info.chain_linked {
                why.push(format!(
                    "{full_name} does not hold the leaf's issuer (the chain does not link)"
                ));
            } else if !is_concatenation(full, info.cert_pem.as_bytes(), info.chain_pem.as_bytes()) {
                why.push(format!(
                    "{full_name} is not the full chain as acmebox writes it"
                ));
            }
        }
        _ => {}
    }
    for (name, found) in [
        (&chain_name, installed.chain),
        (&full_name, installed.fullchain),
    ] {
        match found {
            Found::Absent => why.push(format!("{name} is missing")),
            Found::NotPlain(what) => why.push(format!("{name} is {what}")),
            Found::Plain(_) | Found::NotConfigured => {}
        }
    }
    if let (Found::Plain(chain), Found::Plain(fullchain)) = (installed.chain, installed.fullchain) {
        if !is_concatenation(fullchain, installed.cert, chain) {
            why.push(format!(
                "{full_name} is not {cert_name} followed by {chain_name}"
            ));
        }
    }
    let record = files.record_name();
    match installed.record {
        Found::Absent | Found::NotConfigured => why.push(format!("issuer unknown (no {record})")),
        Found::NotPlain(what) => why.push(format!("issuer unknown ({record} is {what})")),
        Found::Plain(bytes) if *bytes != directory_record(wanted.directory_url) => {
            why.push(format!(
                "issued through another ACME directory ({record} does not name {})",
                wanted.directory_url
            ))
        }
        Found::Plain(_) => {}
    }
    why
}

/// The requested `names` that the certificate `info` describes does not
/// have (compared without case), in the order requested.
pub fn new_names(info: &ChainInfo, names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|n| !info.names.iter().any(|m| m.eq_ignore_ascii_case(n)))
        .cloned()
        .collect()
}

/// Whether `whole` is `head` followed by `tail`, byte for byte.
fn is_concatenation(whole: &[u8], head: &[u8], tail: &[u8]) -> bool {
    whole.len() == head.len() + tail.len() && whole.starts_with(head) && whole.ends_with(tail)
}

#[cfg(test)]
mod tests;
