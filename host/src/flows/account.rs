//! `acmebox account`: the ACME account of a key (RFC 8555 §7.3), looked
//! up, registered, its contact replaced, or deactivated, as its own short
//! sequence beside the issuance (flows/issue.rs). Only two stages run: the
//! account stage reads (with `-n` makes) the key and signs; the network
//! stage speaks ACME and parses every answer. The host compares and
//! decides, and checks what the network stage returns (stages/network.rs
//! `check_account`).
//!
//! ```text
//! A1. account   load/create the key                  -> alg, JWK, thumbprint
//!               (--rollover: a second instance loads/creates NEWKEY)
//! A2. network   directory, nonce; with -a: the directory's terms must
//!               be exactly those, before any account request
//! A3. network   newAccount with onlyReturnExisting (§7.3.1): none is
//!               exit 1, unless --register: then, where the directory
//!               names terms, only with --tos-agreed or -a (else exit 1
//!               naming them, nothing sent), newAccount agreeing to them
//!               with the --contact URLs (§7.3)
//! A4. network   --rollover NEWKEY: keyChange (§7.3.5), the inner JWS signed
//!               by a second account stage holding NEWKEY (rollover.rs), not
//!               retried; then the host renames NEWKEY over -f (-b: the old
//!               key linked to <stem>-EPOCH.pem first). Else
//!               --deactivate: POST {status: deactivated} (§7.3.6); else
//!               --contact differing from the account's (as sets):
//!               POST {contact} (§7.3.2)
//! ```
//!
//! Exit status (main.rs): 0 when something changed (registered, contact
//! updated, deactivated), 2 when nothing did, 1 on any error.

use super::deadline::Deadline;
use super::retry::retry;
use crate::error::Error;
use crate::grant::{Grant, NetGrant};
use crate::issue::created_or_read;
use crate::log::Log;
use crate::options::{AccountOptions, Agreement};
use crate::sandbox::Runtime;
use crate::stage::Stage;
use crate::stages::network::{self, AcmeAccount};
use crate::stages::signer::Signer;
use crate::stages::{account, Source};
use crate::validate::Origin;
use std::collections::BTreeSet;

/// What `acmebox account` changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The account was created (`--register`).
    Registered,
    /// Its contact was replaced by `--contact`'s.
    Updated,
    /// It was deactivated (`--deactivate --confirm-deactivate`).
    Deactivated,
    /// Its key was replaced (`--rollover`, RFC 8555 §7.3.5).
    RolledOver,
    /// Nothing: it was found as it should be.
    Unchanged,
}

impl Change {
    /// Its word in the output (`--json`'s `outcome`, docs/JSON.md).
    pub fn word(self) -> &'static str {
        match self {
            Change::Registered => "registered",
            Change::Updated => "updated",
            Change::Deactivated => "deactivated",
            Change::RolledOver => "rolled-over",
            Change::Unchanged => "unchanged",
        }
    }

    /// The exit status: 0 when something changed, 2 when nothing did.
    pub fn exit_code(self) -> u8 {
        match self {
            Change::Unchanged => 2,
            _ => 0,
        }
    }
}

/// How `acmebox account` ended: what changed, and the account as the
/// server last described it.
#[derive(Clone, Debug)]
pub struct Report {
    /// What changed.
    pub change: Change,
    /// The account after the run.
    pub account: AcmeAccount,
}

/// The grants of `acmebox account`: the account stage's (the key's
/// directory, writable only with `-n`) and the network stage's, exactly as
/// an issuance with the same options would give them (grant.rs).
/// With `--rollover`, a third: the new key's account stage's
/// (flows/rollover.rs), and `-n` is for the new key, not `-f`.
pub fn grants(opts: &AccountOptions) -> Vec<Grant> {
    let create_old = opts.new_account_key && opts.rollover.is_none();
    let mut grants = vec![
        Grant::account(&opts.account_key, create_old.then_some(opts.key_type))
            .external_account(opts.external_account.as_ref()),
        Grant::network(NetGrant::to(
            &opts.server,
            &opts.proxy,
            &opts.trust,
            opts.timeout,
        )),
    ];
    grants.extend(super::rollover::grant(opts));
    grants
}

/// Run `acmebox account` with the embedded stages.
pub fn run(opts: &AccountOptions, log: &Log) -> Result<Report, Error> {
    run_from(opts, log, &Source::embedded())
}

/// [`run`], loading each stage's component from `source` (tests/liars.rs).
pub fn run_from(opts: &AccountOptions, log: &Log, source: &Source) -> Result<Report, Error> {
    let deadline = Deadline::new(opts.timeout);
    let grants = grants(opts);
    let (account_grant, net_grant) = (&grants[0], &grants[1]);
    // As for an issuance: --timeout ends the process if anything keeps it
    // past that; SIGINT and SIGTERM end it with one line.
    let (rt, hard_deadline) = super::deadline::start_run(Runtime::new(), opts.timeout)?;
    let ca_pem = match &net_grant.network {
        Some(n) => n.trust.read()?,
        None => None,
    };

    // A1. The account key, read (or with -n made) by its stage; with
    // --rollover, the new key too, by a second instance.
    if let Some(new) = &opts.rollover {
        super::rollover::preflight(new)?;
    }
    let mut stage =
        account::load_component(&rt, account_grant, &source.component(&rt, Stage::Account)?)?;
    let create_old = opts.new_account_key && opts.rollover.is_none();
    let loaded = stage.load_key_file(&opts.account_key, create_old.then_some(opts.key_type))?;
    log.step(&format!(
        "A1. account key {}: {} {}",
        created_or_read(loaded.created),
        loaded.key.alg,
        loaded.key.thumbprint
    ));
    super::issue::load_external_account(&mut stage, opts.external_account.as_ref(), log, "A1.")?;
    let new_key = match (&opts.rollover, grants.get(2)) {
        (Some(new), Some(grant)) => {
            let mut new_stage =
                account::load_component(&rt, grant, &source.component(&rt, Stage::Account)?)?;
            let made =
                new_stage.load_key_file(new, opts.new_account_key.then_some(opts.key_type))?;
            log.step(&format!(
                "A1. new account key {}: {} {}",
                created_or_read(made.created),
                made.key.alg,
                made.key.thumbprint
            ));
            Some(new_stage)
        }
        _ => None,
    };

    // Before the first byte from the network, the host keeps only the
    // key's directory (where --rollover renames) and the server's port
    // (landlock.rs).
    let mut plan = crate::landlock::Plan::of(&grants);
    if opts.rollover.is_some() {
        plan.also_install(&crate::certfiles::dir_of(&opts.account_key));
    }
    crate::landlock::apply(&plan, log)?;

    // A2. The directory.
    let origin = Origin {
        host: opts.server.host.clone(),
        port: opts.server.port,
    };
    let mut net = network::load_component(
        &rt,
        net_grant,
        Signer::from(stage),
        &source.component(&rt, Stage::Network)?,
    )?;
    let mut settings = network::settings(&opts.server.url, net_grant, ca_pem, opts.verbose >= 2)?;
    settings.contact = opts.contact.clone().unwrap_or_default();
    settings.external_account_kid = opts.external_account.as_ref().map(|e| e.kid.clone());
    log.step(&format!("A2. directory {}", opts.server.url));
    net.set_trace(opts.verbose >= 2);
    retry(&deadline, log, || net.open(&settings))?;
    let terms = net.terms_of_service()?;
    if let Agreement::Terms(agreed) = &opts.agreement {
        if terms.as_deref() != Some(agreed.as_str()) {
            return Err(Error::Protocol {
                step: "terms of service",
                message: format!(
                    "the directory's terms of service are {}, not {agreed} (-a): read them, \
                     then run again with -a naming them",
                    terms.as_deref().unwrap_or("not given")
                ),
            });
        }
    }

    // A3. Look the account up; with --register, create it if there is none.
    let found = retry(&deadline, log, || net.find_account(false, &origin))?;
    let (mut account, mut change) = match found {
        Some((account, _)) => (account, Change::Unchanged),
        None if !opts.register => {
            return Err(Error::Protocol {
                step: "find account",
                message: format!(
                    "the key {} ({} {}) has no account at {}: --register creates one",
                    opts.account_key.display(),
                    loaded.key.alg,
                    loaded.key.thumbprint,
                    opts.server.url
                ),
            })
        }
        None => {
            if let (Agreement::NotGiven, Some(current)) = (&opts.agreement, &terms) {
                return Err(Error::Protocol {
                    step: "terms of service",
                    message: format!(
                        "registering agrees to the directory's terms of service, {current}: \
                         read them, then run again with --tos-agreed (or -a {current})"
                    ),
                });
            }
            deadline.check("register account")?;
            let (account, created) = retry(&deadline, log, || net.find_account(true, &origin))?
                .ok_or_else(|| Error::Protocol {
                    step: "register account",
                    message: "the server found no account and created none".into(),
                })?;
            let change = if created {
                Change::Registered
            } else {
                Change::Unchanged
            };
            (account, change)
        }
    };
    log.step(&format!(
        "A3. account {} {} ({})",
        account.url,
        if change == Change::Registered {
            "registered"
        } else {
            "found"
        },
        account.status
    ));

    // A4. Roll the key over, deactivate, or bring the contact to --contact's.
    if let (Some(new), Some(new_stage)) = (&opts.rollover, new_key) {
        deadline.check("key rollover")?;
        let url = account.url.clone();
        net.set_rollover(Signer::from(new_stage));
        account = net.key_change(&url, &origin).map_err(Error::from)?;
        log.step(&format!(
            "A4. account {url} now signs with {}",
            new.display()
        ));
        super::rollover::install(&opts.account_key, new, opts.backup, log)?;
        change = Change::RolledOver;
    } else if opts.deactivate {
        deadline.check("deactivate account")?;
        let url = account.url.clone();
        account = retry(&deadline, log, || net.deactivate_account(&url, &origin))?;
        if account.status != "deactivated" {
            return Err(Error::Protocol {
                step: "deactivate account",
                message: format!(
                    "the server answered that account {url} is {}, not deactivated",
                    account.status
                ),
            });
        }
        change = Change::Deactivated;
        log.step(&format!("A4. account {url} deactivated"));
    } else if let Some(wanted) = &opts.contact {
        if !same_contact(&account.contact, wanted) {
            deadline.check("update account")?;
            let url = account.url.clone();
            account = retry(&deadline, log, || net.update_account(wanted, &url, &origin))?;
            if change == Change::Unchanged {
                change = Change::Updated;
            }
            log.step(&format!("A4. contact of {url} updated"));
        }
    }
    drop(net);
    drop(hard_deadline);
    Ok(Report { change, account })
}

/// Whether the account's contact is `wanted`, in any order.
fn same_contact(has: &[String], wanted: &[String]) -> bool {
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
    set(has) == set(wanted)
}

/// The account as `acmebox account` prints it on standard output without
/// `--json`: one `field value` line each, a line per contact URL, every
/// value cleaned (log.rs).
pub fn text(account: &AcmeAccount) -> String {
    let clean = crate::log::clean;
    let mut out = format!(
        "url      {}\nstatus   {}\n",
        clean(&account.url),
        clean(&account.status)
    );
    if account.contact.is_empty() {
        out.push_str("contact  (none)\n");
    }
    for contact in &account.contact {
        out.push_str(&format!("contact  {}\n", clean(contact)));
    }
    match &account.orders {
        Some(orders) => out.push_str(&format!("orders   {}\n", clean(orders))),
        None => out.push_str("orders   (not given)\n"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_compare_as_sets() {
        let v = |s: &[&str]| s.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(same_contact(
            &v(&["mailto:a@x", "mailto:b@x"]),
            &v(&["mailto:b@x", "mailto:a@x"])
        ));
        assert!(!same_contact(&v(&["mailto:a@x"]), &v(&["mailto:b@x"])));
        assert!(!same_contact(&v(&[]), &v(&["mailto:a@x"])));
    }

    #[test]
    fn text_lists_each_field_on_a_line() {
        let account = AcmeAccount {
            url: "https://ca.test/acct/1".into(),
            status: "valid".into(),
            contact: vec!["mailto:a@x".into(), "mailto:b@x".into()],
            orders: None,
        };
        assert_eq!(
            text(&account),
            "url      https://ca.test/acct/1\nstatus   valid\ncontact  mailto:a@x\n\
             contact  mailto:b@x\norders   (not given)\n"
        );
    }
}
