//! Step 0, continued: ACME Renewal Information (RFC 9773). A certificate
//! the old rules keep (fresh.rs) is renewed anyway once the CA's suggested
//! window has begun, at a moment inside it, and the new order then names it
//! (`replaces`, §5).
//!
//! What the host knows of the CA's suggestion is kept beside the directory
//! record, in [`record_name`] (certdir/state.rs writes it; one line, see
//! [`State`]): whether the directory has renewalInfo, the last window, and
//! when the server may be asked again (its Retry-After, §4.3, within
//! [`MIN_RECHECK`]..[`MAX_RECHECK`]; [`DEFAULT_RECHECK`] without one). So
//! an up-to-date run asks the server only when that time has come, and a
//! CA without renewalInfo is asked about it once a day: otherwise such a
//! run, as acme-client's, sends nothing.
//!
//! The moment inside a window is not drawn anew each run but derived from
//! the certificate's identifier (SHA-256): uniform over the CA's
//! certificates as the RFC asks (§4.2), and stable from one run to the next
//! without more state. A window already over means renew now. Failing to
//! learn the window never blocks anything: the certificate is then kept as
//! the old rules say (a warning names why) and asked about again later.

use crate::certdir::Existing;
use crate::certfiles::{dir_of, name_of, CertFiles, LockedDirs};
use crate::log::{clean, Log};
use crate::stages::network::{Network, RenewalWindow};
use sha2::{Digest, Sha256};

/// The state record's name with acme-client's file names.
pub const ARI_RECORD: &str = ".acmebox-ari";
/// How soon the server may be asked again at the least (a Retry-After of
/// less is raised to it).
pub const MIN_RECHECK: i64 = 60;
/// How long at the most before it is asked again (a Retry-After of more is
/// lowered to it), and how long after learning that the directory has no
/// renewalInfo.
pub const MAX_RECHECK: i64 = 86_400;
/// When to ask again without a Retry-After (the RFC's example, §4.3).
pub const DEFAULT_RECHECK: i64 = 6 * 3600;
/// When to ask again after a failed request.
pub const RETRY_FAILED: i64 = 3600;

/// What a run remembers of one certificate's renewal information, one
/// line: `acmebox-ari 1 ID ARI NEXT START END`: the certificate's
/// identifier, whether the directory has renewalInfo (1 or 0), the Unix
/// second before which the server is not asked again, and the last window
/// (`- -` when none yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// The certificate's renewal information identifier.
    pub id: String,
    /// Whether the directory has renewalInfo.
    pub ari: bool,
    /// Not asked again before this Unix second.
    pub next: i64,
    /// The last window the server suggested, Unix seconds.
    pub window: Option<(i64, i64)>,
}

impl State {
    /// The record's line.
    pub fn line(&self) -> String {
        let (start, end) = match self.window {
            Some((s, e)) => (s.to_string(), e.to_string()),
            None => ("-".into(), "-".into()),
        };
        format!(
            "acmebox-ari 1 {} {} {} {start} {end}\n",
            self.id,
            u8::from(self.ari),
            self.next
        )
    }

    /// A record's state; `None` when it is not one this version wrote
    /// (then the server is asked, and the record rewritten).
    pub fn parse(bytes: &[u8]) -> Option<State> {
        let text = std::str::from_utf8(bytes).ok()?.strip_suffix('\n')?;
        let words: Vec<&str> = text.split(' ').collect();
        let ["acmebox-ari", "1", id, ari, next, start, end] = words.as_slice() else {
            return None;
        };
        let window = match (*start, *end) {
            ("-", "-") => None,
            (s, e) => Some((s.parse().ok()?, e.parse().ok()?)),
        };
        let ok_id = id.split_once('.').is_some_and(|(k, s)| {
            crate::validate::is_base64url(k) && crate::validate::is_base64url(s)
        });
        Some(State {
            id: ok_id.then(|| id.to_string())?,
            ari: match *ari {
                "1" => true,
                "0" => false,
                _ => return None,
            },
            next: next.parse().ok()?,
            window: window.filter(|(s, e)| s < e),
        })
    }
}

/// The record's name for `files`: [`ARI_RECORD`] with acme-client's file
/// names, else `.<primary file's name>.acmebox-ari`, beside the primary
/// file (as the directory record, `CertFiles::record_name`).
pub fn record_name(files: &CertFiles) -> String {
    if files.is_cli_layout() {
        ARI_RECORD.to_string()
    } else {
        format!(".{}{ARI_RECORD}", name_of(files.primary().1))
    }
}

/// The state recorded for `files`, if it is readable and well formed.
pub fn read(dirs: &LockedDirs, files: &CertFiles) -> Option<State> {
    let path = dir_of(files.primary().1).join(record_name(files));
    match dirs.read(&path) {
        Ok(Existing::Regular(bytes)) => State::parse(&bytes),
        _ => None,
    }
}

/// Record `state` for `files`. A failure is a warning: the record only
/// spares the server questions.
pub fn write(dirs: &LockedDirs, files: &CertFiles, state: &State, log: &Log) {
    let dir = dir_of(files.primary().1);
    let written = dirs
        .dir(&dir)
        .and_then(|d| d.write_record(&record_name(files), state.line().as_bytes()));
    if let Err(e) = written {
        log.warn(&format!("renewal information not recorded: {e}"));
    }
}

/// The moment in `[start, end)` at which the certificate `id` is renewed:
/// `start` plus SHA-256(`id`) modulo the window's length.
pub fn moment(id: &str, start: i64, end: i64) -> i64 {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let span = end.saturating_sub(start).max(1) as u64;
    start.saturating_add((u64::from_be_bytes(first) % span) as i64)
}

/// What to do with a certificate the old rules keep.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// Keep it: the server is not asked.
    Keep,
    /// Ask the server (after step 1's directory), then decide.
    Ask,
    /// Renew it, replacing it (`replaces`), for this reason.
    Renew(String),
}

/// Before the server is contacted: `state` is what was recorded (only if
/// it is for this certificate, `id`).
pub fn plan(state: Option<&State>, id: &str, now: i64) -> Plan {
    match state.filter(|s| s.id == id) {
        None => Plan::Ask,
        Some(s) if now >= s.next => Plan::Ask,
        Some(s) => match s.window {
            Some((start, end)) if s.ari => decide(id, start, end, now),
            _ => Plan::Keep,
        },
    }
}

/// Keep, or renew once the moment in the window has come.
pub fn decide(id: &str, start: i64, end: i64, now: i64) -> Plan {
    let at = moment(id, start, end);
    if now < at {
        return Plan::Keep;
    }
    Plan::Renew(if now >= end {
        format!(
            "the CA's renewal window (RFC 9773) ended at {}: renewing now",
            crate::date::utc(end)
        )
    } else {
        format!(
            "the CA's renewal window (RFC 9773) {} to {} has come to this \
             certificate's moment in it, {}",
            crate::date::utc(start),
            crate::date::utc(end),
            crate::date::utc(at)
        )
    })
}

/// After step 1's directory: ask the server about the certificate `id`
/// (when the directory has renewalInfo), record what it said for `files`,
/// and decide. Never an error: a failure keeps the certificate.
pub fn ask(
    net: &mut Network,
    id: &str,
    last: Option<&State>,
    now: i64,
    log: &Log,
) -> (State, Plan) {
    let has_ari = net
        .directory_meta()
        .map(|m| m.renewal_info)
        .unwrap_or(false);
    if !has_ari {
        log.step("0. renewal information: the directory has none (RFC 9773); kept");
        let state = State {
            id: id.to_string(),
            ari: false,
            next: now + MAX_RECHECK,
            window: None,
        };
        return (state, Plan::Keep);
    }
    match net.renewal_info(id) {
        Ok(w) => {
            log_window(&w, id, log);
            let after = (w.retry_after.map(|s| s.min(i64::MAX as u64) as i64))
                .unwrap_or(DEFAULT_RECHECK)
                .clamp(MIN_RECHECK, MAX_RECHECK);
            let state = State {
                id: id.to_string(),
                ari: true,
                next: now + after,
                window: Some((w.start, w.end)),
            };
            (state, decide(id, w.start, w.end, now))
        }
        Err(failed) => {
            log.warn(&format!(
                "renewal information not available ({}); the certificate is kept by the \
                 expiry rules and asked about again in an hour",
                failed.error
            ));
            let window = last.filter(|s| s.id == id).and_then(|s| s.window);
            let state = State {
                id: id.to_string(),
                ari: true,
                next: now + RETRY_FAILED,
                window,
            };
            let plan = match window {
                Some((start, end)) => decide(id, start, end, now),
                None => Plan::Keep,
            };
            (state, plan)
        }
    }
}

fn log_window(w: &RenewalWindow, id: &str, log: &Log) {
    let why = match &w.explanation_url {
        Some(url) => format!("; explanation {}", clean(url)),
        None => String::new(),
    };
    log.step(&format!(
        "0. renewal information: window {} to {}, this certificate's moment {}{why}",
        crate::date::utc(w.start),
        crate::date::utc(w.end),
        crate::date::utc(moment(id, w.start, w.end))
    ));
}

#[cfg(test)]
#[path = "ari_tests.rs"]
mod tests;
