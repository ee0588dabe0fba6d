//! The issuance sequence of acme-client(1), "The process by which acme-client
//! obtains signed certificates", step by step, each step a call into the
//! stage that may perform it. The host holds no key and parses nothing from
//! the wire: it moves WIT values between stages and checks them.

use super::ari;
use super::caller::Caller;
use super::challenges::{authorize, Answer, Responder};
use super::deadline::{Backoff, Deadline, Polled};
use super::respond::Serving;
use super::retry::retry;
use super::session::SharedAccount;
use crate::anchors::Anchors;
use crate::certfiles::{LockedDirs, Role};
use crate::error::Error;
use crate::fresh;
use crate::grant::Grant;
use crate::log::Log;
use crate::notify::Pending;
use crate::options::Options;
use crate::sandbox::Runtime;
use crate::stage::Stage;
use crate::stages::network::{Network, Order, Settings};
use crate::stages::signer::Signer;
use crate::stages::{account, cert_parser, challenge, domain_key, file_writer, network, Source};
use crate::validate::Origin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod preflight;
mod steps;
pub(crate) use preflight::trust_and_lock;
use preflight::{preflight, Ready};
pub(crate) use steps::{
    account_signer, agree, find_account, load_external_account, origin, settings, start,
    AccountSigner, Started,
};

/// A certificate with more time left than this is not renewed without -F.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
/// How far ahead of ours the CA's clock may be when checking a new
/// certificate's notBefore.
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// How a successful run ended (exit status 0 or 2).
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A new certificate was installed.
    Changed,
    /// The installed certificate has the requested names and more than
    /// --min-days days left, is for the domain key, agrees with chain.pem and
    /// fullchain.pem, and came through the configured ACME directory
    /// (fresh.rs); the server was not contacted.
    UpToDate,
}

/// The certificate a run read or installed, as `--json` reports it
/// (docs/JSON.md): cert-parser's serial (lower-case hex, as the stage
/// returns it; json.rs writes it as openssl does) and notAfter (Unix
/// seconds), both checked by the host's cert-parser wrapper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFacts {
    /// The leaf's serial number, lower-case hex.
    pub serial: String,
    /// The leaf's notAfter, Unix seconds.
    pub not_after: i64,
}

impl CertFacts {
    /// The facts of what cert-parser returned.
    pub fn of(info: &cert_parser::ChainInfo) -> CertFacts {
        CertFacts {
            serial: info.serial.clone(),
            not_after: info.not_after,
        }
    }
}

/// How one certificate's run ended, with what `--json` reports of it.
#[derive(Debug)]
pub struct Finished {
    /// The outcome, or the run's error (the notify command's apart).
    pub result: Result<Outcome, Error>,
    /// The certificate installed when the run ended, if the run read it or
    /// installed it: the new one once installed; else the one found at
    /// step 0 (which a failed run leaves in place; not read with -F).
    pub certificate: Option<CertFacts>,
    /// The notify command's failure, after a new certificate was
    /// installed (which stays installed).
    pub notify: Option<Error>,
}

impl Finished {
    /// As one result, as acmebox's exit status sees it: the notify
    /// command's failure is the run's error.
    pub fn into_result(self) -> Result<Outcome, Error> {
        match self.notify {
            Some(e) => Err(e),
            None => self.result,
        }
    }
}

/// `stage`'s grant among `grants`.
pub(crate) fn grant(grants: &[Grant], stage: Stage) -> &Grant {
    // Grant::all makes one grant for every stage.
    grants
        .iter()
        .find(|g| g.name == stage)
        .unwrap_or(&grants[0])
}

/// A key path's file name, as its stage opens it in `/key`.
pub(crate) fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `-v`'s word for a key stage's `created`.
pub(crate) fn created_or_read(created: bool) -> &'static str {
    if created {
        "created"
    } else {
        "read"
    }
}

/// Now, in Unix seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Obtain and install a certificate for `opts.names`, with the embedded
/// stages.
pub fn run(opts: &Options, log: &Log) -> Result<Outcome, Error> {
    run_from(opts, log, &Source::embedded())
}

/// [`run`], with what `--json` reports of the certificate (main.rs).
pub fn run_finished(opts: &Options, log: &Log) -> Finished {
    finish(opts, log, &Source::embedded(), Shared::default())
}

/// [`run`], loading each stage's component from `source`: acmebox passes
/// the embedded ones; tests/liars.rs replaces one stage with a component
/// that lies, to check the host's refusals on the real sequence.
pub fn run_from(opts: &Options, log: &Log, source: &Source) -> Result<Outcome, Error> {
    run_in(opts, log, source, Shared::default())
}

/// What a run in a batch (flows/batch.rs) shares with the batch's other
/// certificates; nothing for a run of its own.
#[derive(Default)]
pub(crate) struct Shared<'a> {
    /// The certificate directories, locked by the batch, their stale files
    /// removed: this run neither locks nor cleans them.
    pub(crate) dirs: Option<LockedDirs>,
    /// Steps 2–3, done once for this authority's certificates
    /// (flows/session.rs): its account stage signs, and its account URL is
    /// used once known.
    pub(crate) account: Option<&'a SharedAccount>,
    /// With `--http-listen`, the batch's one responder (flows/respond.rs),
    /// serving this run's key authorizations beside the others'.
    pub(crate) responder: Option<&'a Serving>,
    /// The notify command's waiting shell, started by the batch before it
    /// restricted itself.
    pub(crate) notify: Option<Pending>,
    /// The batch has restricted itself with Landlock already (for every
    /// certificate's grants): this run does not.
    pub(crate) landlocked: bool,
}

/// [`run_from`], with what a batch shares among its certificates
/// ([`Shared`]).
///
/// After a new certificate is installed ([`Outcome::Changed`]), the notify
/// command, if any, runs (notify.rs); its failure is this run's error,
/// with the certificate kept.
pub(crate) fn run_in(
    opts: &Options,
    log: &Log,
    source: &Source,
    shared: Shared<'_>,
) -> Result<Outcome, Error> {
    finish(opts, log, source, shared).into_result()
}

/// [`run_in`], keeping apart what `--json` reports: the certificate, and
/// the notify command's failure.
pub(crate) fn finish(
    opts: &Options,
    log: &Log,
    source: &Source,
    mut shared: Shared<'_>,
) -> Finished {
    let mut certificate = None;
    // The notify command's shell is started now, before the run restricts
    // itself (landlock.rs), and waits to be told to run (notify.rs); a
    // batch started it before restricting the batch.
    let pending = shared.notify.take().or_else(|| {
        opts.notify
            .as_ref()
            .map(|cmd| Pending::start(cmd, &opts.names[0], &opts.cert_files))
    });
    let result = install(opts, log, source, shared, &mut certificate);
    let notify = match (&result, pending) {
        (Ok(Outcome::Changed), Some(pending)) => {
            pending.run(crate::notify::NOTIFY_LIMIT, log).err()
        }
        _ => None,
    };
    Finished {
        result,
        certificate,
        notify,
    }
}

/// [`run_in`] up to and including the install, without notify. `seen`
/// gets the installed certificate's facts when step 0 reads it, and the new
/// one's once it is installed.
fn install(
    opts: &Options,
    log: &Log,
    source: &Source,
    batch: Shared<'_>,
    seen: &mut Option<CertFacts>,
) -> Result<Outcome, Error> {
    let shared = batch.account;
    let landlocked = batch.landlocked;
    let Started {
        deadline,
        grants,
        rt,
        hard_deadline,
    } = start(opts, log, shared.map(SharedAccount::runtime))?;
    let now = unix_now();
    // -m: the directories it put into default paths, created if missing.
    for made in crate::multidir::create(&opts.new_dirs)? {
        log.step(&made);
    }
    // Everything local the run needs, checked before any key is read or
    // created and before the first request (preflight below).
    let Ready {
        ca_pem,
        anchors,
        dirs,
        mut answer,
    } = preflight(&rt, &grants, opts, log, source, batch.dirs, batch.responder)?;

    // 2–3. Read (or create) the account key; 5. the domain key. First of
    // all, as acme-client opens both before anything else: a missing or bad
    // key fails the run even when the certificate is up to date.
    let component = |stage: Stage| source.component(&rt, stage);
    let AccountSigner {
        signer,
        key,
        find_only,
    } = match shared {
        Some(session) => AccountSigner {
            signer: session.signer(),
            key: session.key().clone(),
            find_only: session.find_only(),
        },
        None => account_signer(&rt, &grants, opts, source, log, ("3. account key", ""))?,
    };
    let mut domain = domain_key::load_component(
        &rt,
        grant(&grants, Stage::DomainKey),
        &component(Stage::DomainKey)?,
    )?;
    let loaded = domain
        .load_key(
            &file_name(&opts.domain_key),
            opts.new_domain_key.then_some(opts.domain_key_type),
        )
        .map_err(|e| e.about(&opts.domain_key))?;
    if loaded.created {
        crate::durable::sync_parent(&opts.domain_key)?;
    }
    let spki = loaded.spki;
    log.step(&format!(
        "5. domain key {}",
        created_or_read(loaded.created)
    ));

    // 0. The installed certificate is kept only if it has these names (a
    // name it lacks is an error without -e, a reason to renew with it), more
    // than --min-days days left (half its lifetime if short-lived), the domain key, a chain.pem and fullchain.pem that
    // agree with it, and came through this ACME directory (fresh.rs). The
    // host reads the bytes (never through a link); cert-parser parses, in an
    // instance of its own. One the old rules keep may still be renewed by
    // the CA's renewal information (RFC 9773, flows/ari.rs): decided from
    // what was recorded, or once the directory is read at step 1.
    let mut ask_ari: Option<(String, Option<ari::State>)> = None;
    let mut replaces: Option<String> = None;
    if !opts.force {
        let wanted = fresh::Wanted {
            names: &opts.names,
            spki: &spki,
            directory_url: &opts.server.url,
            now,
            min_days: opts.min_days,
            expand: opts.expand,
            anchors: anchors.as_ref(),
        };
        let parser = grant(&grants, Stage::CertParser);
        let (verdict, installed) = fresh::check(
            &rt,
            parser,
            &component(Stage::CertParser)?,
            &dirs,
            &opts.cert_files,
            &wanted,
            log,
        )?;
        *seen = installed.as_ref().map(CertFacts::of);
        match verdict {
            // Up to date, but an earlier run's install was finished just
            // now (certdir.rs `remove_stale`): files changed, so exit 0 and
            // let whatever reloads on a change (a web server) see it.
            fresh::Verdict::UpToDate if dirs.finished_an_install() => {
                log.step("0. up to date once the earlier run's install was finished");
                return Ok(Outcome::Changed);
            }
            fresh::Verdict::UpToDate => {
                let id = installed.as_ref().and_then(|i| i.renewal_id.clone());
                let Some(id) = id else {
                    return Ok(Outcome::UpToDate);
                };
                let last = ari::read(&dirs, &opts.cert_files);
                match ari::plan(last.as_ref(), &id, now) {
                    ari::Plan::Keep => return Ok(Outcome::UpToDate),
                    ari::Plan::Ask => ask_ari = Some((id, last)),
                    ari::Plan::Renew(why) => {
                        log.step(&format!("0. renewing: {why}"));
                        replaces = Some(id);
                    }
                }
            }
            fresh::Verdict::Renew(why) => log.step(&format!("0. renewing: {why}")),
            fresh::Verdict::NotListed(new) => {
                return Err(Error::File {
                    path: opts.cert_files.primary().1.display().to_string(),
                    message: format!(
                        "does not list {} (requested): give -e to expand the certificate \
                         to new names",
                        new.join(", ")
                    ),
                })
            }
        }
    }

    // 6. Make the request, and check it before it leaves: cert-parser, in an
    // instance of its own, reads its names and key back (the host parses no
    // DER), which must be the names asked for and the key read at step 5.
    // Made before the CA is contacted (it needs only the names and the key),
    // so the domain-key and cert-parser stages are done, and their memory
    // given back (embedded.rs), before the network stage is loaded.
    // The subject, key usage and TLS features asked for are checked too.
    let ask = domain_key::CsrAsk::of(opts);
    let csr = domain.make_csr(&ask)?;
    drop(domain);
    let mut parser = cert_parser::load_component(
        &rt,
        grant(&grants, Stage::CertParser),
        &component(Stage::CertParser)?,
    )?;
    domain_key::check_csr(&mut parser, &csr, &ask, &spki)?;
    drop(parser);
    log.step("6. CSR made and checked");

    // The keys are read, the certificate directories locked: from here on
    // the host keeps only its grants' directories, the server's port
    // (landlock.rs), before the first byte from the network.
    if !landlocked {
        crate::landlock::apply(&crate::landlock::Plan::of(&grants), log)?;
    }

    // 1. Access the CA and request its list of resources.
    let origin = origin(opts);
    let mut net = network::load_component(
        &rt,
        grant(&grants, Stage::Network),
        signer,
        &component(Stage::Network)?,
    )?;
    let settings = settings(opts, &grants, ca_pem)?;
    log.step(&format!("1. directory {}", opts.server.url));
    net.set_trace(opts.verbose >= 2);
    // Every network call below goes through the one retry policy
    // (retry.rs), within --timeout.
    retry(&deadline, log, || net.open(&settings))?;
    let has_ari = net.directory_meta().is_ok_and(|m| m.renewal_info);
    // 0, continued: the CA's renewal window, when it was time to ask.
    if let Some((id, last)) = ask_ari {
        let (state, plan) = ari::ask(&mut net, &id, last.as_ref(), now, log);
        ari::write(&dirs, &opts.cert_files, &state, log);
        match plan {
            ari::Plan::Renew(why) => {
                log.step(&format!("0. renewing: {why}"));
                replaces = Some(id);
            }
            ari::Plan::Keep | ari::Plan::Ask => return Ok(Outcome::UpToDate),
        }
    }
    agree(&mut net, opts, log)?;
    let kid = match shared {
        Some(session) => {
            let (kid, found_now) = session.kid_or_find(|| {
                retry(&deadline, log, || {
                    find_account(&mut net, &origin, find_only)
                })
            })?;
            if !found_now {
                net.use_account(&kid, &origin)?;
            }
            kid
        }
        None => retry(&deadline, log, || {
            find_account(&mut net, &origin, find_only)
        })?,
    };
    log.step(&format!("2. account {kid}"));

    // 4. For each name: challenge, response file, wait for the CA.
    let order = retry(&deadline, log, || {
        net.new_order(&opts.names, replaces.as_deref(), &origin)
    })?;
    match &replaces {
        Some(id) => log.step(&format!("4. order {} replacing {id}", order.url)),
        None => log.step(&format!("4. order {}", order.url)),
    }
    let mut written = Vec::new();
    let authorized = authorize(
        &mut net,
        &mut answer,
        &mut written,
        &order,
        &key.thumbprint,
        opts,
        &origin,
        &deadline,
        log,
    );
    // Token files removed, key authorizations no longer served, the run's
    // own responder stopped; a responder that failed while serving explains
    // the CA's failure to validate, so its error comes first.
    let finished = answer.finish(&written, log);
    finished?;
    authorized?;

    // 7. Submit the request (made at step 6 above); wait until the order is
    // valid.
    let mut order = retry(&deadline, log, || {
        net.finalize(&order.finalize, &csr, &origin)
    })?;
    log.step("7. order finalized");
    let mut backoff = Backoff::new();
    let cert_url = loop {
        match (order.status.as_str(), &order.certificate) {
            ("valid", Some(url)) => break url.clone(),
            ("invalid", _) => return Err(order_failed(&order)),
            _ => {}
        }
        let polled = Polled {
            kind: "order",
            url: &order.url,
            status: &order.status,
            retry_after: order.retry_after,
        };
        deadline.poll_pause("poll order", &polled, &mut backoff)?;
        order = retry(&deadline, log, || net.get_order(&order.url, &origin))?;
    };

    // 8. Download the certificate; 9–10. its chain comes with it (RFC 8555
    // §7.4.2): check key, names and links.
    let downloaded = retry(&deadline, log, || net.download(&cert_url, &origin))?;
    log.step(&format!("8. downloaded {cert_url}"));
    // A CA's clock may run a little ahead of ours (pebble does not backdate
    // notBefore): checked as of a few minutes from now, which is also
    // stricter on expiry.
    let as_of = unix_now().saturating_add(CLOCK_SKEW.as_secs() as i64);
    let mut parser = cert_parser::load_component(
        &rt,
        grant(&grants, Stage::CertParser),
        &component(Stage::CertParser)?,
    )?;
    // --preferred-chain: the served chain or an alternate (flows/chains.rs).
    let pem = match &opts.preferred_chain {
        Some(want) => super::chains::choose(
            &mut net,
            &mut parser,
            &origin,
            &deadline,
            log,
            downloaded,
            want,
            as_of,
        )?,
        None => downloaded.pem,
    };
    drop(net);
    let info = parser.check(&pem, &opts.names, &spki, as_of)?;
    log.step(&format!("9. certificate serial {} checked", info.serial));
    // 10. --verify-with: what will be installed (cert.pem and chain.pem as
    // cert-parser wrote them) leads to one of its trust anchors, or nothing
    // is installed (lacme's CAfile).
    if let Some(anchors) = &anchors {
        let installed = format!("{}{}", info.cert_pem, info.chain_pem);
        let anchor = anchors
            .verify(&mut parser, installed.as_bytes(), as_of)
            .map_err(|e| match e {
                Error::File { .. } => e.noted("nothing was installed"),
                other => other,
            })?;
        log.step(&format!(
            "10. the chain leads to {anchor} (--verify-with {})",
            anchors.path().display()
        ));
    }
    drop(parser);

    // 11. Install cert.pem, chain.pem, fullchain.pem (fileproc) and the
    // record of the directory they came through (fresh.rs), with -b after
    // backups of the files replaced (backup.rs): file-writer
    // writes them into a fresh staging directory, the host checks them, makes
    // them 0444, commits the install and renames them into place
    // (stages/file_writer.rs, certdir.rs). The record goes last. A stop
    // between the renames (SIGKILL, power loss) leaves a new cert.pem beside
    // an old chain.pem until the next run for the directory, which finishes
    // the install before anything else (certdir/commit.rs). Past this point
    // --timeout no longer ends the process, so it never stops there itself.
    // file-writer's call is still bounded by its own deadline.
    deadline.check("install")?;
    drop(hard_deadline);
    let fullchain = format!("{}{}", info.cert_pem, info.chain_pem);
    let bytes_of = |role: Role| match role {
        Role::Cert => info.cert_pem.as_bytes().to_vec(),
        Role::Chain => info.chain_pem.as_bytes().to_vec(),
        Role::Fullchain => fullchain.as_bytes().to_vec(),
    };
    // Every directory's files (and backups: a backup name taken is an
    // error here, before anything is changed), then one install per
    // directory, the record's last (certfiles.rs).
    let epoch = crate::backup::epoch();
    let mut plan = Vec::new();
    for dir in opts.cert_files.install_order() {
        let certdir = dirs.dir(&dir.dir)?;
        let mut files = if opts.backup {
            crate::backup::files(certdir, &dir.file_names(), epoch, log)?
        } else {
            Vec::new()
        };
        if !files.is_empty() {
            log.step(&format!("11. backing up {} files", files.len()));
        }
        files.extend(
            dir.files
                .iter()
                .map(|(role, name)| (name.clone(), bytes_of(*role))),
        );
        if let Some(record) = &dir.record {
            files.push((record.clone(), fresh::directory_record(&opts.server.url)));
        }
        plan.push((certdir, files));
    }
    let writer = grant(&grants, Stage::FileWriter);
    let writer_component = component(Stage::FileWriter)?;
    let installing = crate::leftovers::installing();
    for (certdir, files) in &plan {
        file_writer::install(
            &rt,
            writer,
            &writer_component,
            certdir,
            files,
            opts.perms(),
            log,
        )?;
        log.step(&format!("11. installed in {}", certdir.path().display()));
    }
    installing.done();
    // The new certificate's renewal information: asked about at the next
    // run where the directory has it, else in a day (flows/ari.rs).
    if let Some(id) = &info.renewal_id {
        let state = ari::State {
            id: id.clone(),
            ari: has_ari,
            next: if has_ari { now } else { now + ari::MAX_RECHECK },
            window: None,
        };
        ari::write(&dirs, &opts.cert_files, &state, log);
    }
    *seen = Some(CertFacts::of(&info));
    Ok(Outcome::Changed)
}

fn order_failed(order: &Order) -> Error {
    Error::Protocol {
        step: "finalize order",
        message: format!(
            "order {} is invalid: {}",
            order.url,
            order.error.as_deref().unwrap_or("no reason given")
        ),
    }
}
