//! What `--json` prints on standard output (docs/JSON.md): one JSON object
//! per line. Human messages stay on standard error (log.rs); the strings
//! here are what the host checked and printed there, cleaned the same way
//! (log.rs `clean`) where they are not the host's own.

use crate::error::Error;
use crate::flows::account::Report;
use crate::log::clean;
use serde::Serialize;

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

/// An error's one line, as standard error shows it (without `acmebox: `).
pub fn reason(error: &Error) -> String {
    clean(error.to_string().lines().next().unwrap_or_default())
}

/// `value` as one line of JSON and a newline.
fn line<T: Serialize>(value: &T) -> String {
    // Serializing these structs (strings, numbers, options) cannot fail.
    serde_json::to_string(value).unwrap_or_default() + "\n"
}
