//! The network stage (wit/network.wit): ACME over HTTPS. The host serves its
//! two imports: the resolver (resolver.rs) and the signer, forwarded to the
//! account stage's store (the socketpair of acme-client's netproc/acctproc),
//! or to the domain-key stage's to revoke with the certificate's own key
//! (stages/signer.rs).

use super::{embedded, refuse};
use crate::error::Error;
use crate::flows::retry::{Failed, Retry};
use crate::grant::Grant;
use crate::sandbox::{Runtime, Sandboxed, StageState};
use crate::stage::Stage;
use crate::stages::signer::Signer;
use crate::validate::{self, Origin};
use wasmtime::component::{Component, HasSelf, Linker};

mod ari;
mod directory;
mod rollover;
pub use ari::RenewalWindow;
pub use directory::{DirectoryMeta, MAX_LISTED};

#[allow(missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({ world: "network", path: "../wit" });
}

use bindings::acmebox::stages::{resolver, signer, trace};
use bindings::exports::acmebox::stages::acme as wit;
pub use bindings::exports::acmebox::stages::acme::{
    AccountObject, Authorization, Downloaded, FoundAccount, Order, Settings,
};

/// At most this many alternate chains (RFC 8555 §7.4.2) are taken from a
/// download: the network stage's own bound (components/network link.rs),
/// checked again here, as the stage is untrusted.
pub const MAX_ALTERNATES: usize = 8;

/// Host-side state of the network stage: the stage it signs with, and
/// whether its `trace` lines are printed (`-vv`).
pub struct NetHost {
    signer: Signer,
    trace: bool,
    /// The new key's account stage, during a key rollover
    /// (network/rollover.rs).
    rollover: Option<Signer>,
}

/// The network stage in its sandbox.
pub type Network = Sandboxed<NetHost, bindings::Network>;

/// Load the network stage with its grant; it signs through `signer` (the
/// account stage, or the domain-key stage).
pub fn load(rt: &Runtime, grant: &Grant, signer: impl Into<Signer>) -> Result<Network, Error> {
    load_component(rt, grant, signer, &embedded(rt, grant.name)?)
}

/// Load `component` as the network stage, with its grant and imports,
/// signing through `signer`: the way [`load`] loads the embedded one (see
/// [`Source`](super::Source)).
pub fn load_component(
    rt: &Runtime,
    grant: &Grant,
    signer: impl Into<Signer>,
    component: &Component,
) -> Result<Network, Error> {
    rt.load(
        grant,
        component,
        NetHost {
            signer: signer.into(),
            trace: false,
            rollover: None,
        },
        |l| bindings::Network::add_to_linker::<_, HasSelf<_>>(l, |s| s),
        |s, c, l| bindings::Network::instantiate(s, c, l),
    )
}

/// The settings of a network stage with `grant` for the directory `url`:
/// the grant's request timeout, body limit and proxy, as `acmebox grants`
/// prints them; `ca_pem`, its trust anchors as read; `trace` for `-vv`. No
/// contact, profile or external account binding: callers set those they
/// have (the issue, account and directory flows).
pub fn settings(
    url: &str,
    grant: &Grant,
    ca_pem: Option<Vec<u8>>,
    trace: bool,
) -> Result<Settings, Error> {
    let Some(n) = &grant.network else {
        return Err(Error::Protocol {
            step: "fetch directory",
            message: "the network stage has no network grant".into(),
        });
    };
    Ok(Settings {
        directory_url: url.to_string(),
        ca_pem,
        request_timeout_ms: n.request_timeout.as_millis().try_into().unwrap_or(u32::MAX),
        max_body_bytes: n.max_body_bytes,
        proxy: n.proxy.proxy().map(|p| p.url()),
        trace,
        contact: Vec::new(),
        profile: None,
        external_account_kid: None,
    })
}

/// Add the network grant's resolver (`acmebox:stages/resolver`, the same
/// implementation [`load`] links) to a stage linker of any host state. For
/// loading test-only components into the network stage's sandbox through
/// [`Runtime::load`] (tests/escape.rs); acmebox itself links it only in
/// [`load`].
pub fn add_resolver_to_linker<T: Send + 'static>(
    linker: &mut Linker<StageState<T>>,
) -> wasmtime::Result<()> {
    resolver::add_to_linker::<_, HasSelf<_>>(linker, |s| s)
}

// Generic over the host state only so that `add_resolver_to_linker` can use
// it; the answer depends on nothing but the sandbox's resolver.
impl<T: Send> resolver::Host for StageState<T> {
    fn resolve(&mut self, host: String) -> Result<Vec<String>, String> {
        let resolver = self.resolver.as_ref().ok_or("no network grant")?;
        let addrs = resolver.resolve(&host)?;
        Ok(addrs.iter().map(|a| a.to_string()).collect())
    }
}

impl signer::Host for StageState<NetHost> {
    fn public_key(&mut self) -> Result<signer::AccountKey, String> {
        let key = self.data.signer.public_key().map_err(|e| e.to_string())?;
        Ok(signer::AccountKey {
            alg: key.alg,
            jwk: key.jwk,
            thumbprint: key.thumbprint,
        })
    }

    fn sign(&mut self, signing_input: String) -> Result<String, String> {
        self.data
            .signer
            .sign(&signing_input)
            .map_err(|e| e.to_string())
    }
}

/// The longest trace line printed; the rest is cut (a URL is never longer
/// in practice, and a stage cannot flood standard error through it).
const TRACE_MAX: usize = 2048;

impl trace::Host for StageState<NetHost> {
    fn exchange(&mut self, line: String) {
        if self.data.trace {
            let cut = match line.char_indices().nth(TRACE_MAX) {
                Some((at, _)) => &line[..at],
                None => &line,
            };
            crate::log::line(&format!("-vv: {cut}"));
        }
    }
}

/// Statuses of RFC 8555 §7.1.6.
const STATUSES: &[&str] = &[
    "pending",
    "ready",
    "processing",
    "valid",
    "invalid",
    "deactivated",
    "expired",
    "revoked",
];

fn check_status(step: &'static str, status: &str) -> Result<(), Error> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(refuse(
            Stage::Network,
            step,
            format!("unknown status {status:?}"),
        ))
    }
}

fn check_url(step: &'static str, url: &str, origin: &Origin) -> Result<(), Error> {
    validate::same_origin(url, origin).map_err(|m| refuse(Stage::Network, step, m))
}

fn check_order(step: &'static str, order: &Order, origin: &Origin) -> Result<(), Error> {
    check_status(step, &order.status)?;
    check_url(step, &order.url, origin)?;
    check_url(step, &order.finalize, origin)?;
    for url in order.authorizations.iter().chain(&order.certificate) {
        check_url(step, url, origin)?;
    }
    // RFC 8555 §7.1.3, §7.4: the certificate URL comes with the status
    // "valid". pebble sets it an instant before it turns the order valid,
    // so with "processing" it is tolerated (flows/issue.rs downloads only once the
    // order is valid); before issuance ("pending", "ready") or after a
    // failure it is a lie.
    if order.certificate.is_some() && !matches!(order.status.as_str(), "valid" | "processing") {
        return Err(refuse(
            Stage::Network,
            step,
            format!(
                "order {} has a certificate URL while its status is {:?}, before it is valid",
                order.url, order.status
            ),
        ));
    }
    Ok(())
}

/// Statuses of an account (RFC 8555 §7.1.6).
const ACCOUNT_STATUSES: &[&str] = &["valid", "deactivated", "revoked"];

/// An account as the host accepts it from the network stage (`acmebox
/// account`, RFC 8555 §7.1.2): its URLs on the directory's origin and
/// without control characters, a known status, and its contact URLs with
/// every control character escaped (log.rs `clean`), so that what is
/// printed is one line each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcmeAccount {
    /// The account URL (the `kid`).
    pub url: String,
    /// "valid", "deactivated" or "revoked".
    pub status: String,
    /// The contact URLs, as the server lists them (cleaned).
    pub contact: Vec<String>,
    /// The orders list URL, when the server gives one.
    pub orders: Option<String>,
}

/// Check an account object the stage returned: see [`AcmeAccount`].
pub fn check_account(
    step: &'static str,
    account: AccountObject,
    origin: &Origin,
) -> Result<AcmeAccount, Error> {
    for url in std::iter::once(&account.url).chain(&account.orders) {
        if url.chars().any(char::is_control) {
            return Err(refuse(
                Stage::Network,
                step,
                format!("account URL {url:?} holds a control character"),
            ));
        }
        check_url(step, url, origin)?;
    }
    if !ACCOUNT_STATUSES.contains(&account.status.as_str()) {
        return Err(refuse(
            Stage::Network,
            step,
            format!("unknown account status {:?}", account.status),
        ));
    }
    Ok(AcmeAccount {
        url: account.url,
        status: account.status,
        contact: account
            .contact
            .iter()
            .map(|c| crate::log::clean(c))
            .collect(),
        orders: account.orders,
    })
}

/// An update's answer must describe the account it was sent to.
fn same_account(step: &'static str, account: AcmeAccount, url: &str) -> Result<AcmeAccount, Error> {
    if account.url != url {
        return Err(refuse(
            Stage::Network,
            step,
            format!("returned account {}, not {url}", account.url),
        ));
    }
    Ok(account)
}

/// The name an authorization is for, lower-cased, as it was requested:
/// `*.` and the identifier for a wildcard (RFC 8555 §7.1.4), else the
/// identifier; an IP address (RFC 8738) in canonical form, as requested
/// (validate.rs `ip_name`), however the server wrote it.
pub fn requested_name(authz: &Authorization) -> String {
    let identifier = match authz.identifier.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => authz.identifier.to_ascii_lowercase(),
    };
    if authz.wildcard {
        format!("*.{identifier}")
    } else {
        identifier
    }
}

impl Network {
    /// A call into the stage whose failure carries the stage's `retry`
    /// verdict (flows/retry.rs acts on it); a trap is never retried.
    fn net_call<R>(
        &mut self,
        step: &'static str,
        f: impl FnOnce(
            &bindings::Network,
            &mut wasmtime::Store<StageState<NetHost>>,
        ) -> wasmtime::Result<Result<R, wit::Failure>>,
    ) -> Result<R, Failed> {
        let mut retry = Retry::Never;
        let result = self.call(step, |b, s| {
            Ok(f(b, s)?.map_err(|failure| {
                retry = match failure.retry {
                    wit::Retry::Never => Retry::Never,
                    wit::Retry::Transient => Retry::Transient,
                    wit::Retry::After(secs) => Retry::After(secs),
                };
                failure.message
            }))
        });
        result.map_err(|error| Failed { error, retry })
    }

    /// Print the stage's `trace` lines from now on (`-vv`; wit/network.wit
    /// `trace`): lines from a stage that was not asked are dropped.
    pub fn set_trace(&mut self, on: bool) {
        self.data_mut().trace = on;
    }

    /// Fetch the directory and a nonce.
    pub fn open(&mut self, settings: &Settings) -> Result<(), Failed> {
        self.net_call("fetch directory", |b, s| {
            b.acmebox_stages_acme().call_open(s, settings)
        })
    }

    /// The directory's terms of service URL, if it names one.
    pub fn terms_of_service(&mut self) -> Result<Option<String>, Failed> {
        self.net_call("fetch directory", |b, s| {
            b.acmebox_stages_acme().call_terms_of_service(s)
        })
    }

    /// Find or register the account; returns its URL.
    pub fn account(&mut self, origin: &Origin) -> Result<String, Failed> {
        let step = "register account";
        let kid = self.net_call(step, |b, s| b.acmebox_stages_acme().call_account(s))?;
        check_url(step, &kid, origin)?;
        Ok(kid)
    }

    /// The account of the signer's key (`acmebox account`): looked up only,
    /// or with `register` found or created (wit/network.wit
    /// `find-account`); `None` when there is none. Returns the account and
    /// whether it was created, which a lookup never does.
    pub fn find_account(
        &mut self,
        register: bool,
        origin: &Origin,
    ) -> Result<Option<(AcmeAccount, bool)>, Failed> {
        let step = "find account";
        let found = self.net_call(step, |b, s| {
            b.acmebox_stages_acme().call_find_account(s, register)
        })?;
        let Some(found) = found else {
            if register {
                return Err(Failed::from(refuse(
                    Stage::Network,
                    step,
                    "found no account where it was asked to register one".into(),
                )));
            }
            return Ok(None);
        };
        if found.created && !register {
            return Err(Failed::from(refuse(
                Stage::Network,
                step,
                "says it created an account where it was asked only to look one up".into(),
            )));
        }
        let account = check_account(step, found.account, origin)?;
        Ok(Some((account, found.created)))
    }

    /// Replace the account's contact URLs (RFC 8555 §7.3.2); the account
    /// after, which must still be the one at `url`.
    pub fn update_account(
        &mut self,
        contact: &[String],
        url: &str,
        origin: &Origin,
    ) -> Result<AcmeAccount, Failed> {
        let step = "update account";
        let account = self.net_call(step, |b, s| {
            b.acmebox_stages_acme().call_update_account(s, contact)
        })?;
        Ok(same_account(
            step,
            check_account(step, account, origin)?,
            url,
        )?)
    }

    /// Deactivate the account (RFC 8555 §7.3.6); the account after, which
    /// must still be the one at `url`.
    pub fn deactivate_account(
        &mut self,
        url: &str,
        origin: &Origin,
    ) -> Result<AcmeAccount, Failed> {
        let step = "deactivate account";
        let account = self.net_call(step, |b, s| {
            b.acmebox_stages_acme().call_deactivate_account(s)
        })?;
        Ok(same_account(
            step,
            check_account(step, account, origin)?,
            url,
        )?)
    }

    /// Use the account `kid` another network stage of this run found with
    /// the same account key (flows/batch.rs): no newAccount request.
    pub fn use_account(&mut self, kid: &str, origin: &Origin) -> Result<(), Failed> {
        let step = "register account";
        check_url(step, kid, origin)?;
        self.net_call(step, |b, s| {
            b.acmebox_stages_acme().call_use_account(s, kid)
        })
    }

    /// Create an order for `names`. The order may list at most one
    /// authorization per requested name (RFC 8555 §7.1.3: one per
    /// identifier, fewer when some are already valid), each URL once: a
    /// server or stage asking for more would have the challenge stage write
    /// that many token files. `replaces`: the renewal information
    /// identifier of the certificate it renews (RFC 9773 §5).
    pub fn new_order(
        &mut self,
        names: &[String],
        replaces: Option<&str>,
        origin: &Origin,
    ) -> Result<Order, Failed> {
        let step = "new order";
        let order = self.net_call(step, |b, s| {
            b.acmebox_stages_acme().call_new_order(s, names, replaces)
        })?;
        check_order(step, &order, origin)?;
        if order.authorizations.len() > names.len() {
            return Err(Failed::from(refuse(
                Stage::Network,
                step,
                format!(
                    "the order lists {} authorizations for {} requested names",
                    order.authorizations.len(),
                    names.len()
                ),
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(url) = order.authorizations.iter().find(|u| !seen.insert(*u)) {
            return Err(Failed::from(refuse(
                Stage::Network,
                step,
                format!("the order lists authorization {url} twice"),
            )));
        }
        Ok(order)
    }

    /// Fetch an order.
    pub fn get_order(&mut self, url: &str, origin: &Origin) -> Result<Order, Failed> {
        let step = "poll order";
        check_url(step, url, origin)?;
        let order = self.net_call(step, |b, s| b.acmebox_stages_acme().call_get_order(s, url))?;
        check_order(step, &order, origin)?;
        Ok(order)
    }

    /// Fetch an authorization; its name ([`requested_name`]) must be a
    /// requested one, and its challenges' URLs and tokens well formed.
    pub fn get_authorization(
        &mut self,
        url: &str,
        names: &[String],
        origin: &Origin,
    ) -> Result<Authorization, Failed> {
        let step = "fetch authorization";
        check_url(step, url, origin)?;
        let authz = self.net_call(step, |b, s| {
            b.acmebox_stages_acme().call_get_authorization(s, url)
        })?;
        check_status(step, &authz.status)?;
        // RFC 8555 §7.1.4: a wildcard's identifier is the name without its
        // "*.", with `wildcard` set; a "*" in the identifier itself would
        // print a wildcard as the -t line's dns-domain.
        if authz.identifier.contains('*') {
            return Err(Failed::from(refuse(
                Stage::Network,
                step,
                format!(
                    "authorization for {:?}: an identifier never holds a '*' (a wildcard \
                     comes as its base name with \"wildcard\": true)",
                    authz.identifier
                ),
            )));
        }
        if !names.contains(&requested_name(&authz)) {
            return Err(Failed::from(refuse(
                Stage::Network,
                step,
                format!(
                    "authorization for {:?}, which was not requested",
                    requested_name(&authz)
                ),
            )));
        }
        for c in &authz.challenges {
            check_url(step, &c.url, origin)?;
            check_status(step, &c.status)?;
            if c.type_ == "http-01" || c.type_ == "dns-01" {
                validate::token(&c.token).map_err(|m| refuse(Stage::Network, step, m))?;
            }
        }
        Ok(authz)
    }

    /// Tell the server the challenge at `url` is ready.
    pub fn respond(&mut self, url: &str, origin: &Origin) -> Result<(), Failed> {
        let step = "answer challenge";
        check_url(step, url, origin)?;
        self.net_call(step, |b, s| b.acmebox_stages_acme().call_respond(s, url))
    }

    /// Submit the CSR.
    pub fn finalize(&mut self, url: &str, csr: &[u8], origin: &Origin) -> Result<Order, Failed> {
        let step = "finalize order";
        check_url(step, url, origin)?;
        let order = self.net_call(step, |b, s| {
            b.acmebox_stages_acme().call_finalize(s, url, csr)
        })?;
        check_order(step, &order, origin)?;
        Ok(order)
    }

    /// Revoke the certificate `der` (from cert-parser) with the RFC 5280
    /// `reason` code, if any (RFC 8555 §7.6). Nothing comes back to check.
    pub fn revoke(&mut self, der: &[u8], reason: Option<u8>) -> Result<(), Failed> {
        self.net_call("revoke certificate", |b, s| {
            b.acmebox_stages_acme().call_revoke(s, der, reason)
        })
    }

    /// Download the certificate chain (bytes for cert-parser; the host does
    /// not look inside) and the URLs of the alternate chains the server
    /// links to: at most [`MAX_ALTERNATES`], each checked against the
    /// origin only when it is downloaded (`--preferred-chain`), so a bad
    /// link never fails a run that does not ask for one.
    pub fn download(&mut self, url: &str, origin: &Origin) -> Result<Downloaded, Failed> {
        let step = "download certificate";
        check_url(step, url, origin)?;
        let downloaded =
            self.net_call(step, |b, s| b.acmebox_stages_acme().call_download(s, url))?;
        if downloaded.alternates.len() > MAX_ALTERNATES {
            return Err(refuse(
                Stage::Network,
                step,
                format!(
                    "{} alternate chains, more than the {MAX_ALTERNATES} the stage may return",
                    downloaded.alternates.len()
                ),
            )
            .into());
        }
        Ok(downloaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        validate::https_origin("https://ca.test:14000/dir").unwrap()
    }

    fn object(url: &str, status: &str, orders: Option<&str>) -> AccountObject {
        AccountObject {
            url: url.into(),
            status: status.into(),
            contact: vec!["mailto:a@example.com".into()],
            orders: orders.map(str::to_string),
        }
    }

    #[test]
    fn an_account_on_the_origin_with_a_known_status_is_accepted() {
        for status in ACCOUNT_STATUSES {
            let a = object("https://ca.test:14000/acct/1", status, None);
            let checked = check_account("find account", a, &origin()).unwrap();
            assert_eq!(checked.status, *status);
            assert_eq!(checked.contact, ["mailto:a@example.com"]);
        }
    }

    #[test]
    fn account_urls_off_origin_or_with_control_characters_are_refused() {
        for (url, orders, why) in [
            (
                "https://evil.test/acct/1",
                None,
                "not on the ACME server's origin",
            ),
            (
                "https://ca.test:14000/acct/1",
                Some("https://evil.test/orders"),
                "not on the ACME server's origin",
            ),
            (
                "https://ca.test:14000/acct/1\nforged",
                None,
                "control character",
            ),
            (
                "https://ca.test:14000/acct/1",
                Some("https://ca.test:14000/o\t"),
                "control character",
            ),
        ] {
            let err = check_account("find account", object(url, "valid", orders), &origin())
                .expect_err(url);
            assert!(matches!(err, Error::Rejected { .. }), "{err}");
            assert!(err.to_string().contains(why), "{err}");
        }
    }

    #[test]
    fn unknown_account_statuses_are_refused() {
        for status in ["pending", "pwned", "", "Valid"] {
            let a = object("https://ca.test:14000/acct/1", status, None);
            let err = check_account("find account", a, &origin()).expect_err(status);
            assert!(err.to_string().contains("unknown account status"), "{err}");
        }
    }

    #[test]
    fn contact_control_characters_are_escaped() {
        let mut a = object("https://ca.test:14000/acct/1", "valid", None);
        a.contact = vec!["mailto:a@b.c\r\nacmebox: forged\u{1b}[2K".into()];
        let checked = check_account("find account", a, &origin()).unwrap();
        assert!(
            !checked.contact[0].chars().any(char::is_control),
            "{:?}",
            checked.contact
        );
    }
}
