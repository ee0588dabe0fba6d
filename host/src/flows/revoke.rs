//! `-r`: the revocation of acme-client(1) ("-r Revoke the X509 certificate
//! found in the certificates ... the certificate is revoked and cert.pem,
//! chain.pem, fullchain.pem are removed"), as its own numbered sequence
//! beside the issuance (flows/issue.rs), whose pieces it reuses. Nothing is
//! issued and the up-to-date check is skipped. The host holds no key and
//! parses nothing: cert-parser reads cert.pem, the network stage speaks
//! ACME (RFC 8555 §7.6), the account stage (or with
//! `--revoke-with-domain-key` the domain-key stage) signs.

use crate::certdir::Existing;
use crate::error::Error;
use crate::flows::issue::{self, grant, CertFacts, Started};
use crate::flows::retry::retry;
use crate::log::Log;
use crate::options::{Options, Revocation};
use crate::stage::Stage;
use crate::stages::signer::Signer;
use crate::stages::{cert_parser, domain_key, file_writer, network, Source};

/// Revoke the certificate in `opts.cert_files` (cert, else fullchain), with
/// the embedded stages.
pub fn run(opts: &Options, revocation: &Revocation, log: &Log) -> Result<(), Error> {
    run_from(opts, revocation, log, &Source::embedded())
}

/// [`run`], with the revoked certificate's facts for `--json` (main.rs):
/// the certificate cert.pem held, once cert-parser read it (R2), whether
/// or not the revocation then succeeded.
pub fn run_finished(
    opts: &Options,
    revocation: &Revocation,
    log: &Log,
) -> (Result<(), Error>, Option<CertFacts>) {
    let mut seen = None;
    let result = revoke(opts, revocation, log, &Source::embedded(), &mut seen);
    (result, seen)
}

/// [`run`], loading each stage's component from `source` (tests).
pub fn run_from(
    opts: &Options,
    revocation: &Revocation,
    log: &Log,
    source: &Source,
) -> Result<(), Error> {
    revoke(opts, revocation, log, source, &mut None)
}

/// The revocation; `seen` gets cert.pem's facts once cert-parser read it.
fn revoke(
    opts: &Options,
    revocation: &Revocation,
    log: &Log,
    source: &Source,
    seen: &mut Option<CertFacts>,
) -> Result<(), Error> {
    let Started {
        deadline,
        grants,
        rt,
        hard_deadline,
    } = issue::start(opts, log, None)?;
    let component = |stage: Stage| source.component(&rt, stage);

    // Preflight as for an issuance, without the challenge probe (no token
    // file is written): trust anchors, the lock on -c, stale files removed.
    let (ca_pem, dirs) = issue::trust_and_lock(&grants, opts, log, None)?;
    log.step("preflight: trust anchors and -c checked");

    // R1. The host reads cert.pem, as bytes, never through a link. No
    // cert.pem is an error naming it: there is nothing to revoke.
    let cert_path = opts.cert_files.primary().1.to_path_buf();
    let cert = match dirs.read(&cert_path)? {
        Existing::Regular(bytes) => bytes,
        Existing::Absent => {
            return Err(Error::File {
                path: cert_path.display().to_string(),
                message: "-r: no certificate to revoke".into(),
            })
        }
        Existing::NotRegular(why) => {
            return Err(Error::File {
                path: cert_path.display().to_string(),
                message: format!("-r: {why}, not read"),
            })
        }
    };

    // R2. cert-parser, in an instance of its own, reads it: the leaf's DER
    // (checked to be what its PEM encodes), serial and key.
    let mut parser = cert_parser::load_component(
        &rt,
        grant(&grants, Stage::CertParser),
        &component(Stage::CertParser)?,
    )?;
    let info = parser
        .inspect_for_revocation(&cert, issue::unix_now())
        .map_err(|e| match e {
            Error::Stage { message, .. } => Error::File {
                path: cert_path.display().to_string(),
                message: format!("-r: cannot parse: {message}"),
            },
            other => other,
        })?;
    drop(parser);
    *seen = Some(CertFacts::of(&info));
    log.step(&format!(
        "R2. cert.pem: serial {}, names {:?}",
        info.serial, info.names
    ));

    // R3. The signer: the account key (2-3 of the issuance), or the
    // certificate's own key, read by the domain-key stage (5), which must be
    // the key cert.pem certifies.
    let mut find_only = false;
    let signer: Signer = if revocation.with_domain_key {
        let mut domain = domain_key::load_component(
            &rt,
            grant(&grants, Stage::DomainKey),
            &component(Stage::DomainKey)?,
        )?;
        let loaded = domain
            .load_key(&issue::file_name(&opts.domain_key), None)
            .map_err(|e| e.about(&opts.domain_key))?;
        if loaded.spki != info.spki {
            return Err(Error::File {
                path: opts.domain_key.display().to_string(),
                message: format!(
                    "--revoke-with-domain-key: not the key {} certifies",
                    cert_path.display()
                ),
            });
        }
        let mut domain = domain.into_signer();
        let key = domain.public_key()?;
        log.step(&format!(
            "R3. domain key read: {} {}",
            key.alg, key.thumbprint
        ));
        domain.into()
    } else {
        let account =
            issue::account_signer(&rt, &grants, opts, source, log, ("R3. account key", ""))?;
        find_only = account.find_only;
        account.signer
    };

    // R4. network: the directory, the account (only with the account key:
    // the revocation then carries its kid; with the domain key, the key's
    // jwk), then revokeCert. An already revoked certificate is the server's
    // error (alreadyRevoked), and the files stay.
    // Before the first byte from the network, the host keeps only its
    // grants' directories and the server's port (landlock.rs).
    crate::landlock::apply(&crate::landlock::Plan::of(&grants), log)?;
    let origin = issue::origin(opts);
    let with_account = !revocation.with_domain_key;
    let mut net = network::load_component(
        &rt,
        grant(&grants, Stage::Network),
        signer,
        &component(Stage::Network)?,
    )?;
    let settings = issue::settings(opts, &grants, ca_pem)?;
    log.step(&format!("R4. directory {}", opts.server.url));
    net.set_trace(opts.verbose >= 2);
    // Every network call goes through the one retry policy (retry.rs).
    retry(&deadline, log, || net.open(&settings))?;
    if with_account {
        // The account request agrees to the terms: -a is checked as for an
        // issuance.
        issue::agree(&mut net, opts, log)?;
        let kid = retry(&deadline, log, || {
            issue::find_account(&mut net, &origin, find_only)
        })?;
        log.step(&format!("R4. account {kid}"));
    }
    deadline.check("revoke certificate")?;
    retry(&deadline, log, || {
        net.revoke(&info.leaf_der, revocation.reason)
    })?;
    drop(net);
    log.step(&format!(
        "R4. certificate serial {} revoked{}",
        info.serial,
        revocation
            .reason
            .map(|r| format!(" (reason {r})"))
            .unwrap_or_default()
    ));

    // R5. With -b, back up the three files before they go (backup.rs):
    // file-writer writes the copies in its staging directory, the host
    // checks and renames them. From here on, as for the install, --timeout
    // no longer ends the process between files, and a signal waits for the
    // removals to finish.
    drop(hard_deadline);
    let installing = crate::leftovers::installing();
    if opts.backup {
        let epoch = crate::backup::epoch();
        let mut plan = Vec::new();
        for dir in opts.cert_files.install_order() {
            let certdir = dirs.dir(&dir.dir)?;
            let backups = crate::backup::files(certdir, &dir.file_names(), epoch, log)?;
            if !backups.is_empty() {
                plan.push((certdir, backups));
            }
        }
        let count: usize = plan.iter().map(|(_, b)| b.len()).sum();
        let writer = grant(&grants, Stage::FileWriter);
        for (certdir, backups) in &plan {
            file_writer::install(
                &rt,
                writer,
                &component(Stage::FileWriter)?,
                certdir,
                backups,
                opts.perms(),
                log,
            )?;
        }
        if count > 0 {
            log.step(&format!("R5. {count} files backed up"));
        }
    }

    // R6. The host removes exactly the configured files (with -c: cert.pem,
    // chain.pem, fullchain.pem) by name (certdir.rs: a link itself, never
    // what it points to), and the record of the directory they came
    // through and its renewal information (flows/ari.rs), which no longer
    // describe anything installed.
    let record = opts.cert_files.record();
    let ari_record = crate::certfiles::dir_of(opts.cert_files.primary().1)
        .join(super::ari::record_name(&opts.cert_files));
    for path in opts
        .cert_files
        .files()
        .into_iter()
        .map(|(_, p)| p)
        .chain([record.as_path(), ari_record.as_path()])
    {
        let certdir = dirs.dir(&crate::certfiles::dir_of(path))?;
        let name = crate::certfiles::name_of(path);
        if certdir.remove(&name)? {
            log.step(&format!("R6. {name} removed"));
        }
    }
    installing.done();
    Ok(())
}
