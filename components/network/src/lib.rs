//! acmebox's network stage (acme-client's netproc): speaks ACME (RFC 8555)
//! over HTTPS to the one server named by the directory URL.
//!
//! The component has no file system. All name resolution goes through the
//! imported `resolver`; the host admits TCP only to the addresses it
//! returned for the server (or, with `settings.proxy`, only for the proxy,
//! which is asked for a tunnel: TLS still runs with the server). Redirects
//! are refused, and network errors are worded (neterr.rs). Every request body is signed by the imported `signer`, and every
//! URL is checked against the directory's origin before it is contacted.
//!
//! One instance serves one run, so the session lives in a static.
//!
//! Trust anchors: `settings.ca-pem`, when given, *replaces* the built-in
//! Mozilla roots (ureq cannot combine the two); without it the webpki roots
//! are used. IP-literal hosts are resolved through the import as well, so the
//! host decides every address. The `error` strings of orders and
//! authorizations are the server's problem documents rendered as one line
//! (`type: detail`, subproblems in parentheses) with control characters
//! replaced: the host prints them as they are.

#![deny(unsafe_code)]

mod acme;
mod ari;
#[allow(unsafe_code)]
mod bindings;
mod coalesce;
mod eab;
mod http;
mod jws;
mod keychange;
mod link;
mod meta;
mod neterr;
mod origin;
mod retry;
mod tcp;
#[cfg(test)]
mod testing;
mod trace;
mod types;

/// The stage's own parsing of what the server sends, callable natively
/// without a network, for fuzz/ (fuzz_targets/acme_json.rs). Not part of
/// the component's interface, and not built into it.
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzzing {
    use crate::origin::Origin;
    use crate::types::{Account, Authorization, Challenge, Directory, Order, Problem};

    /// `body` read as each ACME object the stage reads, the way it reads
    /// it: directory (RFC 8555 §7.1.1), account (§7.1.2), order (§7.1.3),
    /// authorization (§7.1.4), challenge (§7.1.5) and renewal information
    /// (RFC 9773 §4.2). For each object
    /// `body` is, the problem documents (§6.7) it carries, as the text the
    /// host is given.
    pub fn objects(body: &[u8]) -> Vec<String> {
        let mut problems = Vec::new();
        let _ = serde_json::from_slice::<Directory>(body);
        // A renewalInfo answer (RFC 9773 §4.2), its dates read by hand.
        let _ = crate::ari::parse(body);
        let _ = serde_json::from_slice::<Account>(body);
        if let Ok(order) = serde_json::from_slice::<Order>(body) {
            problems.extend(order.error.map(|p| p.to_string()));
        }
        if let Ok(authz) = serde_json::from_slice::<Authorization>(body) {
            let errors = authz.challenges.iter().filter_map(|c| c.error.as_ref());
            problems.extend(errors.map(|p| p.to_string()));
        }
        if let Ok(challenge) = serde_json::from_slice::<Challenge>(body) {
            problems.extend(challenge.error.map(|p| p.to_string()));
        }
        problems
    }

    /// A reply's body read as a problem document (RFC 7807, RFC 8555
    /// §6.7), and the one line the host is given for it.
    pub fn problem(body: &[u8]) -> Option<String> {
        Problem::parse(body).map(|p| p.to_string())
    }

    /// A Retry-After header value (RFC 9110 §10.2.3) as the stage reads it
    /// (retry.rs): seconds from `now` (Unix seconds), or `None`.
    pub fn retry_after(value: &str, now: u64) -> Option<u64> {
        crate::retry::seconds_after(value, now)
    }

    /// The origin rule (origin.rs, RFC 6454 §4) on `url` from the server,
    /// against the directory URL `directory`, with the stage's error when
    /// the directory URL is not usable or `url` is not on its origin.
    pub fn check_url(directory: &str, url: &str) -> Result<(), String> {
        Origin::parse(directory)?
            .check(url, "the server")
            .map(|_| ())
    }
}

use std::sync::Mutex;

use bindings::acmebox::stages::{external_account, resolver, rollover_signer, signer};
use bindings::exports::acmebox::stages::acme as wit;
use retry::{Failure, Retry};
use trace::Traced;

/// The exported component.
pub struct Component;

/// The imported signer (the account stage, or the domain-key stage to
/// revoke with the certificate's own key: the host decides).
struct ImportSigner;

impl acme::Signer for ImportSigner {
    fn public_key(&self) -> Result<acme::PublicKey, String> {
        let key = signer::public_key().map_err(|e| format!("signer: {e}"))?;
        Ok(acme::PublicKey {
            alg: key.alg,
            jwk: key.jwk,
        })
    }

    fn sign(&self, input: &str) -> Result<String, String> {
        signer::sign(input).map_err(|e| format!("signer: {e}"))
    }

    fn external_account_mac(&self, input: &str) -> Result<String, String> {
        external_account::mac(input).map_err(|e| format!("account stage: {e}"))
    }

    fn rollover_public_key(&self) -> Result<acme::PublicKey, String> {
        let key = rollover_signer::public_key().map_err(|e| format!("new key: {e}"))?;
        Ok(acme::PublicKey {
            alg: key.alg,
            jwk: key.jwk,
        })
    }

    fn rollover_sign(&self, input: &str) -> Result<String, String> {
        rollover_signer::sign(input).map_err(|e| format!("new key: {e}"))
    }
}

type Session = acme::Session<Traced<http::Http>, ImportSigner>;

/// The session opened by `open`.
static SESSION: Mutex<Option<Session>> = Mutex::new(None);

/// Run `f` on the open session; its failure as the WIT's.
fn with<R>(f: impl FnOnce(&mut Session) -> Result<R, Failure>) -> Result<R, wit::Failure> {
    let mut guard = SESSION
        .lock()
        .map_err(|_| failure("session state poisoned".into()))?;
    match guard.as_mut() {
        Some(session) => f(session).map_err(failure),
        None => Err(failure("the ACME session is not open".into())),
    }
}

/// A failure as wit/network.wit's `failure`.
fn failure(f: Failure) -> wit::Failure {
    wit::Failure {
        message: f.message,
        retry: match f.retry {
            Retry::Never => wit::Retry::Never,
            Retry::Transient => wit::Retry::Transient,
            Retry::After(seconds) => wit::Retry::After(seconds),
        },
    }
}

impl wit::Guest for Component {
    fn open(settings: wit::Settings) -> Result<(), wit::Failure> {
        open(settings).map_err(failure)
    }

    fn terms_of_service() -> Result<Option<String>, wit::Failure> {
        with(|s| Ok(s.terms_of_service()))
    }

    fn directory_meta() -> Result<wit::DirectoryInfo, wit::Failure> {
        let m = with(|s| Ok(meta::describe(s.directory())))?;
        Ok(wit::DirectoryInfo {
            terms_of_service: m.terms_of_service,
            website: m.website,
            caa_identities: m.caa_identities,
            external_account_required: m.external_account_required,
            profiles: m.profiles,
            renewal_info: m.renewal_info,
            key_change: m.key_change,
            revoke_cert: m.revoke_cert,
        })
    }

    fn account() -> Result<String, wit::Failure> {
        with(|s| s.account())
    }

    fn find_account(register: bool) -> Result<Option<wit::FoundAccount>, wit::Failure> {
        let found = with(|s| s.find_account(register))?;
        Ok(found.map(|f| wit::FoundAccount {
            account: account(f.account),
            created: f.created,
        }))
    }

    fn update_account(contact: Vec<String>) -> Result<wit::AccountObject, wit::Failure> {
        with(|s| s.update_account(&contact)).map(account)
    }

    fn deactivate_account() -> Result<wit::AccountObject, wit::Failure> {
        with(|s| s.deactivate_account()).map(account)
    }

    fn key_change() -> Result<wit::AccountObject, wit::Failure> {
        with(|s| s.key_change()).map(account)
    }

    fn use_account(kid: String) -> Result<(), wit::Failure> {
        with(|s| s.use_account(&kid))
    }

    fn new_order(names: Vec<String>, replaces: Option<String>) -> Result<wit::Order, wit::Failure> {
        with(|s| s.new_order(&names, replaces.as_deref())).map(order)
    }

    fn renewal_info(cert_id: String) -> Result<wit::RenewalWindow, wit::Failure> {
        let w = with(|s| s.renewal_info(&cert_id))?;
        Ok(wit::RenewalWindow {
            start: w.start,
            end: w.end,
            explanation_url: w.explanation_url,
            retry_after: w.retry_after,
        })
    }

    fn get_order(url: String) -> Result<wit::Order, wit::Failure> {
        with(|s| s.get_order(&url)).map(order)
    }

    fn get_authorization(url: String) -> Result<wit::Authorization, wit::Failure> {
        let a = with(|s| s.get_authorization(&url))?;
        Ok(wit::Authorization {
            url: a.url,
            identifier: a.identifier,
            wildcard: a.wildcard,
            status: a.status,
            error: a.error,
            retry_after: a.retry_after,
            challenges: (a.challenges.into_iter())
                .map(|c| wit::Challenge {
                    type_: c.kind,
                    url: c.url,
                    token: c.token,
                    status: c.status,
                })
                .collect(),
        })
    }

    fn respond(challenge_url: String) -> Result<(), wit::Failure> {
        with(|s| s.respond(&challenge_url))
    }

    fn finalize(finalize_url: String, csr: Vec<u8>) -> Result<wit::Order, wit::Failure> {
        with(|s| s.finalize(&finalize_url, &csr)).map(order)
    }

    fn download(certificate_url: String) -> Result<wit::Downloaded, wit::Failure> {
        with(|s| s.download(&certificate_url)).map(|d| wit::Downloaded {
            pem: d.pem,
            alternates: d.alternates,
        })
    }

    fn revoke(certificate_der: Vec<u8>, reason: Option<u8>) -> Result<(), wit::Failure> {
        with(|s| s.revoke(&certificate_der, reason))
    }
}

/// `open`: a new session with the server, replacing any earlier one (the
/// host calls it again to retry a failed open).
fn open(settings: wit::Settings) -> Result<(), Failure> {
    let origin = origin::Origin::parse(&settings.directory_url)?;
    let opts = http::Options {
        ca_pem: settings.ca_pem.as_deref(),
        timeout_ms: settings.request_timeout_ms,
        max_body: settings.max_body_bytes,
        proxy: settings.proxy.as_deref(),
    };
    let http = http::Http::new(&origin, &opts, resolver::resolve)?;
    let report: Option<trace::ReportFn> = match settings.trace {
        true => Some(bindings::acmebox::stages::trace::exchange),
        false => None,
    };
    let transport = Traced::new(http, report);
    let mut session = acme::Session::open(transport, ImportSigner, &settings.directory_url)?;
    session.contact = settings.contact;
    session.external_account_kid = settings.external_account_kid;
    if let Some(profile) = settings.profile {
        session.use_profile(profile)?;
    }
    let mut guard = SESSION
        .lock()
        .map_err(|_| "session state poisoned".to_string())?;
    *guard = Some(session);
    Ok(())
}

fn order(o: acme::Order) -> wit::Order {
    wit::Order {
        url: o.url,
        status: o.status,
        authorizations: o.authorizations,
        finalize: o.finalize,
        certificate: o.certificate,
        error: o.error,
        retry_after: o.retry_after,
    }
}

fn account(a: acme::AccountInfo) -> wit::AccountObject {
    wit::AccountObject {
        url: a.url,
        status: a.status,
        contact: a.contact,
        orders: a.orders,
    }
}
