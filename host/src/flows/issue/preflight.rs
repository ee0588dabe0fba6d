//! Before any key is read or created and before the first request: every
//! local thing an issuance needs (flows/issue.rs's preflight), and the trust
//! anchors and locked certificate directories a revocation needs too.

use super::*;

/// What [`preflight`] checked and keeps for the run.
pub(super) struct Ready<'a> {
    /// The trust anchors' certificates (`--ca-file`, `--system-roots`,
    /// `SSL_CERT_FILE`), or none for the built-in roots.
    pub(super) ca_pem: Option<Vec<u8>>,
    /// `--verify-with`'s trust anchors, read and parsed by cert-parser.
    pub(super) anchors: Option<Anchors>,
    /// The certificate directories, locked for the run.
    pub(super) dirs: LockedDirs,
    /// The challenge stage, its directory proven writable; with `-t`, the
    /// caller; with `--http-listen`, the responder, listening.
    pub(super) answer: Answer<'a>,
}

/// Before any key is read or created and before the first request, every
/// local thing the run will need, so that a misconfiguration never costs an
/// order, a certificate the CA counts against its limits, or a new key:
/// the trust anchors' file holds certificates (and no private key), and so
/// does `--verify-with`'s, each of them a certificate cert-parser parses; the certificate
/// directory opens and takes the run's lock (its lock file is created there:
/// the directory is writable), and stale files of killed runs are removed;
/// the challenge directory takes a new file (a probe file created, checked
/// and removed by the challenge stage through its own grant), unless `-t`
/// hands the challenges to the caller (-C is ignored then); with
/// `--http-listen` instead, the responder listens on every address given (an
/// address in use or not permitted ends the run here, naming it; a batch's
/// responder was started before its first certificate). Checked even
/// when the certificate turns out to be up to date: a broken setup is
/// reported on the next cron run, not thirty days later. Keys are then read
/// or created by their stages (step 2–5), which fails just as early for a
/// missing key or an unwritable key directory.
pub(super) fn preflight<'a>(
    rt: &Runtime,
    grants: &[Grant],
    opts: &Options,
    log: &Log,
    source: &Source,
    dirs: Option<LockedDirs>,
    batch_responder: Option<&'a Serving>,
) -> Result<Ready<'a>, Error> {
    let (ca_pem, dirs) = trust_and_lock(grants, opts, log, dirs)?;
    if let Some(owner) = opts.chown {
        dirs.probe_chown(owner)?;
        log.step(&format!("preflight: --chown {owner} permitted in -c"));
    }
    let anchors = match &opts.verify_with {
        Some(path) => {
            let anchors = Anchors::read(path)?;
            let mut parser = cert_parser::load_component(
                rt,
                grant(grants, Stage::CertParser),
                &source.component(rt, Stage::CertParser)?,
            )?;
            anchors.check(&mut parser)?;
            log.step(&format!("preflight: --verify-with {} read", path.display()));
            Some(anchors)
        }
        None => None,
    };
    let answer = match opts.challenge_type {
        Some(kind) => {
            log.step(&format!(
                "preflight: trust anchors and -c checked (-t {}: -C is not used)",
                kind.as_str()
            ));
            Answer::Caller(kind, Caller::stdio())
        }
        None if !opts.http_listen.is_empty() => {
            let (responder, whose) = match batch_responder {
                Some(serving) => (Responder::Batch(serving), "the batch's responder serves"),
                None => (
                    Responder::Own(Serving::start(
                        rt,
                        grant(grants, Stage::Responder),
                        &source.component(rt, Stage::Responder)?,
                    )?),
                    "the responder listens",
                ),
            };
            log.step(&format!(
                "preflight: trust anchors and -c checked; {whose} on {} (-C is not used)",
                responder.serving().addresses()
            ));
            Answer::Served(responder)
        }
        None => {
            let mut tokens = challenge::load_component(
                rt,
                grant(grants, Stage::Challenge),
                &source.component(rt, Stage::Challenge)?,
            )?;
            tokens.probe()?;
            log.step("preflight: trust anchors, -c and -C checked");
            Answer::Files(Box::new(tokens))
        }
    };
    Ok(Ready {
        ca_pem,
        anchors,
        dirs,
        answer,
    })
}

/// The local checks every run makes first (also revoke.rs, which writes no
/// token file and so skips the challenge probe): the trust anchors
/// (`--ca-file`, `--system-roots` or `SSL_CERT_FILE`, as the network grant
/// names them) hold certificates only; the certificate directory opens and
/// takes the run's lock; stale files of killed runs are removed. Each
/// directory of the certificate's files (certfiles.rs) is locked, in
/// sorted order; with `locked`, the caller (a batch) has done both.
pub(crate) fn trust_and_lock(
    grants: &[Grant],
    opts: &Options,
    log: &Log,
    locked: Option<LockedDirs>,
) -> Result<(Option<Vec<u8>>, LockedDirs), Error> {
    let ca_pem = match &grant(grants, Stage::Network).network {
        Some(n) => n.trust.read()?,
        None => None,
    };
    let dirs = match locked {
        Some(dirs) => dirs,
        None => {
            let dirs = LockedDirs::lock(&opts.cert_files)?;
            for warning in dirs.remove_stale() {
                log.warn(&warning);
            }
            dirs
        }
    };
    Ok((ca_pem, dirs))
}
