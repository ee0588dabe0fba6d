//! What `--json` prints on standard output (docs/JSON.md): one JSON object
//! per line. Human messages stay on standard error (log.rs); the strings
//! here are what the host checked and printed there, cleaned the same way
//! (log.rs `clean`) where they are not the host's own.

use crate::certfiles::Role;
use crate::error::Error;
use crate::flows::account::Report;
use crate::flows::batch::{JobFacts, JobOutcome};
use crate::issue::{CertFacts, Finished, Outcome};
use crate::log::clean;
use crate::options::Options;
use serde::Serialize;
use std::path::Path;

/// How one certificate's run ended, as its line says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended<'a> {
    /// `"issued"`, `"unchanged"`, `"revoked"` or `"failed"`.
    pub outcome: &'static str,
    /// The certificate installed after the run (for `"revoked"`: the one
    /// revoked), when the run read it.
    pub certificate: Option<&'a CertFacts>,
    /// For `"failed"`: the step and the error's one line.
    pub failure: Option<(&'static str, String)>,
    /// The notify command's failure, as one line (the outcome is then
    /// `"issued"` and the exit status 1).
    pub notify: Option<String>,
}

impl<'a> Ended<'a> {
    /// An issuance (one certificate, main.rs).
    pub fn issuance(finished: &'a Finished) -> Ended<'a> {
        let (outcome, failure) = match &finished.result {
            Ok(Outcome::Changed) => ("issued", None),
            Ok(Outcome::UpToDate) => ("unchanged", None),
            Err(e) => ("failed", Some((e.step(), reason(e)))),
        };
        Ended {
            outcome,
            certificate: finished.certificate.as_ref(),
            failure,
            notify: finished.notify.as_ref().map(reason),
        }
    }

    /// A revocation (`-r`) that ended with `result`; `certificate` is
    /// cert.pem's, once read.
    pub fn revocation(result: &Result<(), Error>, certificate: Option<&'a CertFacts>) -> Ended<'a> {
        Ended {
            outcome: if result.is_ok() { "revoked" } else { "failed" },
            certificate,
            failure: result.as_ref().err().map(|e| (e.step(), reason(e))),
            notify: None,
        }
    }

    /// One job of a batch (flows/batch.rs).
    pub fn job(outcome: &JobOutcome, facts: &'a JobFacts) -> Ended<'a> {
        let (outcome, failure) = match outcome {
            JobOutcome::Installed => ("issued", None),
            JobOutcome::UpToDate => ("unchanged", None),
            // Installed, then the notify command failed.
            JobOutcome::Failed(_) if facts.notify.is_some() => ("issued", None),
            JobOutcome::Failed(why) => {
                let why = clean(why.lines().next().unwrap_or_default());
                ("failed", Some((facts.step.unwrap_or("start"), why)))
            }
        };
        Ended {
            outcome,
            certificate: facts.certificate.as_ref(),
            failure,
            notify: facts.notify.as_deref().map(clean),
        }
    }
}

/// One certificate's line (docs/JSON.md).
#[derive(Serialize)]
struct CertLine<'a> {
    outcome: &'static str,
    handle: Option<&'a str>,
    domain: &'a str,
    names: &'a [String],
    serial: Option<String>,
    not_after: Option<String>,
    paths: Paths,
    step: Option<&'static str>,
    reason: Option<&'a str>,
    notify: Option<&'a str>,
}

/// The certificate's files, absolute; null for one not configured.
#[derive(Serialize)]
struct Paths {
    cert: Option<String>,
    chain: Option<String>,
    fullchain: Option<String>,
}

/// The line of the certificate of `opts` (in a batch, the domain block
/// `handle`) that ended as `ended`.
pub fn certificate(opts: &Options, handle: Option<&str>, ended: &Ended<'_>) -> String {
    let path = |role: Role| opts.cert_files.path(role).map(absolute);
    line(&CertLine {
        outcome: ended.outcome,
        handle,
        domain: &opts.names[0],
        names: &opts.names,
        serial: ended.certificate.and_then(|c| openssl_serial(&c.serial)),
        not_after: ended.certificate.map(|c| crate::date::rfc3339(c.not_after)),
        paths: Paths {
            cert: path(Role::Cert),
            chain: path(Role::Chain),
            fullchain: path(Role::Fullchain),
        },
        step: ended.failure.as_ref().map(|(step, _)| *step),
        reason: ended.failure.as_ref().map(|(_, why)| why.as_str()),
        notify: ended.notify.as_deref(),
    })
}

/// `path` made absolute against the working directory (not resolving
/// links: the path acmebox was given, as it writes there), as text.
fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// A serial number in lower-case hex (cert-parser's) as `openssl x509
/// -serial` prints it: upper-case, two digits a byte. `None` for what is not
/// hex of at most 64 bytes (RFC 5280 §4.1.2.2 allows 20): a stage's answer
/// the host will not repeat.
pub fn openssl_serial(hex: &str) -> Option<String> {
    if hex.is_empty() || hex.len() > 128 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let upper = hex.to_ascii_uppercase();
    Some(if upper.len() % 2 == 1 {
        format!("0{upper}")
    } else {
        upper
    })
}

/// `acmebox account --json`'s object.
#[derive(Serialize)]
struct AccountLine<'a> {
    /// "registered", "updated", "deactivated", "unchanged" or "failed".
    outcome: &'static str,
    /// The account URL; null on failure.
    url: Option<&'a str>,
    /// The account's status; null on failure.
    status: Option<&'a str>,
    /// The contact URLs; null on failure.
    contact: Option<&'a [String]>,
    /// The orders list URL; null when the server gives none, or on failure.
    orders: Option<&'a str>,
    /// On failure, the step; else null.
    step: Option<&'static str>,
    /// On failure, the one line also printed on standard error; else null.
    reason: Option<String>,
}

/// `acmebox account --json`'s line for `report`.
pub fn account(report: &Report) -> String {
    let a = &report.account;
    line(&AccountLine {
        outcome: report.change.word(),
        url: Some(&a.url),
        status: Some(&a.status),
        contact: Some(&a.contact),
        orders: a.orders.as_deref(),
        step: None,
        reason: None,
    })
}

/// `acmebox account --json`'s line when it failed with `error`.
pub fn account_failed(error: &Error) -> String {
    line(&AccountLine {
        outcome: "failed",
        url: None,
        status: None,
        contact: None,
        orders: None,
        step: Some(error.step()),
        reason: Some(reason(error)),
    })
}

/// `acmebox directory --json`'s line: the report's fields (flows/directory.rs
/// `Report`), with `"outcome": "read"`.
pub fn directory(report: &crate::flows::directory::Report) -> String {
    #[derive(Serialize)]
    struct DirectoryLine<'a> {
        outcome: &'static str,
        #[serde(flatten)]
        report: &'a crate::flows::directory::Report,
    }
    line(&DirectoryLine {
        outcome: "read",
        report,
    })
}

/// The line of a command other than an issuance or `acmebox account` that
/// failed with `error` (`acmebox directory --json`): `"outcome": "failed"`,
/// the step and the reason.
pub fn failed(error: &Error) -> String {
    #[derive(Serialize)]
    struct Failed<'a> {
        outcome: &'static str,
        step: &'a str,
        reason: String,
    }
    line(&Failed {
        outcome: "failed",
        step: error.step(),
        reason: reason(error),
    })
}

/// An error's one line, as standard error shows it (without `acmebox: `).
pub fn reason(error: &Error) -> String {
    clean(error.to_string().lines().next().unwrap_or_default())
}

/// `value` as one line of JSON and a newline.
fn line<T: Serialize>(value: &T) -> String {
    // Serializing these structs (strings, numbers, options) cannot fail.
    serde_json::to_string(value).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_printed_as_openssl_does() {
        assert_eq!(openssl_serial("c0ffee0123").as_deref(), Some("C0FFEE0123"));
        assert_eq!(openssl_serial("2004").as_deref(), Some("2004"));
        assert_eq!(openssl_serial("a").as_deref(), Some("0A"));
        assert_eq!(openssl_serial("0").as_deref(), Some("00"));
        for bad in ["", "0x12", "12 34", "g1", &"ab".repeat(65)] {
            assert_eq!(openssl_serial(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_failed_job_says_its_step_and_reason_and_a_failed_notify_is_issued() {
        let facts = JobFacts {
            certificate: None,
            step: Some("lock"),
            notify: None,
        };
        let failed = JobOutcome::Failed("another acmebox run holds /x/.acmebox.lock\n(x)".into());
        let ended = Ended::job(&failed, &facts);
        assert_eq!(ended.outcome, "failed");
        assert_eq!(
            ended.failure,
            Some(("lock", "another acmebox run holds /x/.acmebox.lock".into()))
        );
        let certificate = CertFacts {
            serial: "ab".into(),
            not_after: 0,
        };
        let facts = JobFacts {
            certificate: Some(certificate),
            step: None,
            notify: Some("notify \"false\": exited with status 1".into()),
        };
        let failed = JobOutcome::Failed("notify ...".into());
        let ended = Ended::job(&failed, &facts);
        assert_eq!(ended.outcome, "issued");
        assert_eq!(ended.failure, None);
        assert!(ended.notify.is_some_and(|n| n.starts_with("notify")));
    }
}
