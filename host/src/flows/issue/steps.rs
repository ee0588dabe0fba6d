//! The steps an issuance shares with revocation and a batch (flows/revoke.rs,
//! flows/batch.rs, flows/session.rs): starting a run, the account key's
//! signer (steps 2–3, with an external account binding's MAC key), the
//! account request and the terms of service, the network stage's settings.

use super::*;

/// The signer of the account key, and what it says about the key.
pub(crate) struct AccountSigner {
    /// The account stage, or an accountd's connection.
    pub(crate) signer: Signer,
    /// The key's public half, checked.
    pub(crate) key: account::AccountKey,
    /// The account is only looked up (`onlyReturnExisting`), never
    /// registered: the accountd runs with `--keyid-only` and would refuse.
    pub(crate) find_only: bool,
}

/// Steps 2–3: load the account stage and read (or, with `-n`, make) the
/// key; or, with `--account-socket` / `--account-command`, connect to the
/// accountd, which holds it (accountd/client.rs). The `-v` line starts with
/// `label` ("3. account key", "R3. account key") and ends with `note`.
pub(crate) fn account_signer(
    rt: &Runtime,
    grants: &[Grant],
    opts: &Options,
    source: &Source,
    log: &Log,
    (label, note): (&str, &str),
) -> Result<AccountSigner, Error> {
    if let Some(endpoint) = &opts.remote_signer {
        let remote = crate::accountd::client::Remote::connect(endpoint, opts.timeout)?;
        log.step(&format!(
            "{label} in {}: {} {}{}{note}",
            remote.name(),
            remote.key().alg,
            remote.key().thumbprint,
            if remote.keyid_only() {
                " (--keyid-only: the account is looked up, never registered)"
            } else {
                ""
            }
        ));
        return Ok(AccountSigner {
            key: remote.key().clone(),
            find_only: remote.keyid_only(),
            signer: Signer::from(remote),
        });
    }
    let mut account = account::load_component(
        rt,
        grant(grants, Stage::Account),
        &source.component(rt, Stage::Account)?,
    )?;
    let loaded = account.load_key_file(
        &opts.account_key,
        opts.new_account_key.then_some(opts.account_key_type),
    )?;
    log.step(&format!(
        "{label} {}: {} {}{note}",
        created_or_read(loaded.created),
        loaded.key.alg,
        loaded.key.thumbprint
    ));
    let step = label.split_whitespace().next().unwrap_or(label);
    load_external_account(&mut account, opts.external_account.as_ref(), log, step)?;
    Ok(AccountSigner {
        signer: Signer::from(account),
        key: loaded.key,
        find_only: false,
    })
}

/// With `--eab-kid`, the binding's MAC key read into the account stage from
/// `--eab-hmac-key-file` (RFC 8555 §7.3.4), logged under `label`; the error
/// names the file.
pub(crate) fn load_external_account(
    account: &mut account::Account,
    eab: Option<&crate::options::ExternalAccount>,
    log: &Log,
    label: &str,
) -> Result<(), Error> {
    let Some(eab) = eab else { return Ok(()) };
    account
        .load_external_account_key(&file_name(&eab.key_file))
        .map_err(|e| e.about(&eab.key_file))?;
    log.step(&format!(
        "{label} external account binding: key identifier {}",
        crate::log::clean(&eab.kid)
    ));
    Ok(())
}

/// Step 2's account request: find or register the account (newAccount),
/// or with `find_only` only find it (`onlyReturnExisting`).
pub(crate) fn find_account(
    net: &mut Network,
    origin: &Origin,
    find_only: bool,
) -> Result<String, crate::flows::retry::Failed> {
    if find_only {
        match net.find_account(false, origin)? {
            Some((account, _)) => Ok(account.url),
            None => Err(Error::Protocol {
                step: "find account",
                message: "the server has no account for this key \
                          (urn:ietf:params:acme:error:accountDoesNotExist), and an accountd \
                          with --keyid-only never registers one: register it first \
                          (acmebox account --register, or a run through an accountd \
                          without --keyid-only)"
                    .into(),
            }
            .into()),
        }
    } else {
        net.account(origin)
    }
}

/// Step 2's terms of service. With `-a`, the directory must name exactly
/// those terms, else the run stops before the account request, printing
/// both. Without it, the directory's are agreed to, as acme-client does.
pub(crate) fn agree(net: &mut Network, opts: &Options, log: &Log) -> Result<(), Error> {
    let terms = net.terms_of_service()?;
    match (&opts.agreement, &terms) {
        (Some(agreed), Some(current)) if agreed == current => {
            log.step(&format!("2. terms of service {current} (as -a)"));
        }
        (Some(agreed), current) => {
            return Err(Error::Protocol {
                step: "terms of service",
                message: format!(
                    "the directory's terms of service are {}, not {agreed} (-a): read them, \
                     then run again with -a naming them",
                    current.as_deref().unwrap_or("not given")
                ),
            })
        }
        (None, Some(current)) => log.step(&format!("2. agreeing to {current}")),
        (None, None) => log.step("2. the directory names no terms of service"),
    }
    Ok(())
}

/// What [`start`] set up for a run.
pub(crate) struct Started {
    /// --timeout, checked between steps.
    pub(crate) deadline: Deadline,
    /// Every stage's grant.
    pub(crate) grants: Vec<Grant>,
    /// The engine and its watchdog.
    pub(crate) rt: Runtime,
    /// The process's hard stop at --timeout, until dropped.
    pub(crate) hard_deadline: crate::watchdog::Armed,
}

/// Start a run (issuance or revocation): the grants, wasmtime, the run's
/// bounds and signal handling; then refuse a key inside another stage's
/// writable grant and warn about what a stage can only read.
/// With `engine`, the run's runtime shares its engine (a batch's
/// certificates: flows/batch.rs), with a watchdog of its own.
pub(crate) fn start(opts: &Options, log: &Log, engine: Option<&Runtime>) -> Result<Started, Error> {
    let deadline = Deadline::new(opts.timeout);
    let grants = Grant::all(opts);
    // `deadline` ends the run between steps with an error; the hard bound
    // ends the process past --timeout, and is disarmed before the install
    // (step 11). SIGINT and SIGTERM from here on: token files removed, one
    // line, exit 130 or 143.
    let rt = match engine {
        Some(base) => base.sharing_engine(),
        None => Runtime::new(),
    };
    let (rt, hard_deadline) = crate::flows::deadline::start_run(rt, opts.timeout)?;
    // A key inside another stage's writable grant is refused before any
    // stage runs; what a stage can only read is warned about (with or
    // without -v). After the run bound, so a blocked standard error cannot
    // outlast --timeout.
    for warning in crate::reach::check(opts, &grants)?
        .into_iter()
        .chain(crate::report::overlaps(&grants))
    {
        log.warn(&warning);
    }
    Ok(Started {
        deadline,
        grants,
        rt,
        hard_deadline,
    })
}

/// The ACME server's origin, which every URL must share.
pub(crate) fn origin(opts: &Options) -> Origin {
    Origin {
        host: opts.server.host.clone(),
        port: opts.server.port,
    }
}

/// The network stage's settings: the directory, the trust anchors read at
/// preflight, and the limits and proxy of the grant `acmebox grants` prints.
pub(crate) fn settings(
    opts: &Options,
    grants: &[Grant],
    ca_pem: Option<Vec<u8>>,
) -> Result<Settings, Error> {
    let network = grant(grants, Stage::Network);
    let mut settings = network::settings(&opts.server.url, network, ca_pem, opts.verbose >= 2)?;
    settings.contact = opts.contact.iter().cloned().collect();
    settings.profile = opts.profile.clone();
    settings.external_account_kid = opts.external_account.as_ref().map(|e| e.kid.clone());
    Ok(settings)
}
