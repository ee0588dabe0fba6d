//! From a [`Config`](super::Config) to the certificates of a run: each
//! selected domain becomes one [`Job`] whose [`Options`] are built exactly
//! as a command line naming the same files would build them (the run's
//! flags, [`RunFlags`], apply to every domain), then given the domain's own
//! certificate files, key types, the authority's contact, and its own
//! `min-days`, `chmod`, `chown`, `notify`, `subject`, `key usage`, `tls
//! feature` and `verify with` when set (they win over `--min-days`,
//! `--chmod`, `--chown`, `--notify`, `--subject`, `--key-usage`,
//! `--tls-feature` and `--verify-with`; `-O` still adds status_request).

use super::Domain;
use crate::certfiles::CertFiles;
use crate::error::Error;
use crate::flows::batch::Job;
use crate::key_type::KeyType;
use crate::options::{IssueArgs, Options, RunFlags};
use crate::proxy::Env;
use acmebox_config::csr::TlsFeature;

/// One job per domain of `domains`, in that order; an error names the
/// domain's handle and what is wrong (a wildcard name without `-t dns-01`,
/// a proxy setting that does not apply to its server...).
pub fn jobs(domains: &[&Domain], flags: &RunFlags, env: &Env) -> Result<Vec<Job>, Error> {
    domains.iter().map(|d| job(d, flags, env)).collect()
}

fn job(d: &Domain, flags: &RunFlags, env: &Env) -> Result<Job, Error> {
    let authority = &d.authority;
    let mut run = flags.clone();
    if d.subject.is_some() {
        // The domain's wins: --subject's CN need not be one of its names.
        run.subject = None;
    }
    let args = IssueArgs {
        run,
        staging: false,
        multidir: false,
        challenge_dir: d.challengedir.clone(),
        cert_dir: None,
        account_key: Some(authority.account_key.clone()),
        domain_key: Some(d.domain_key.clone()),
        directory: Some(authority.api_url.clone()),
        ca_file: authority.ca_file.clone(),
        revoke: false,
        reason: None,
        revoke_with_domain_key: false,
        key_type: KeyType::default(),
        // acme-client.conf has no external account binding: register the
        // authority's account once with `acmebox account --register
        // --eab-kid ...`, then runs find it.
        eab: Default::default(),
        domain: d.names[0].clone(),
        altnames: d.names[1..].to_vec(),
    };
    let mut options = Options::from_args_env(&args, env)
        .map_err(|e| Error::Usage(format!("domain {}: {}", d.handle, e.to_string().trim())))?;
    options.cert_files = CertFiles {
        cert: d.certificate.clone(),
        chain: d.chain_certificate.clone(),
        fullchain: d.full_chain_certificate.clone(),
    };
    options.account_key_type = authority.account_key_type;
    options.domain_key_type = d.domain_key_type;
    options.contact = authority.contact.clone();
    // The domain's own settings win over the run's flags.
    if let Some(days) = d.min_days {
        options.min_days = days;
    }
    if let Some(mode) = d.chmod {
        options.chmod = mode;
    }
    if let Some(spec) = &d.chown {
        options.chown = Some(
            crate::owner::resolve(spec)
                .map_err(|e| Error::Usage(format!("domain {}: chown {e}", d.handle)))?,
        );
    }
    if let Some(cmd) = &d.notify {
        options.notify = Some(cmd.clone());
    }
    if let Some(subject) = &d.subject {
        // The configuration checked its CN against the domain's names.
        options.subject = Some(subject.clone());
    }
    if let Some(usages) = &d.key_usage {
        options.key_usage = Some(usages.clone());
    }
    if let Some(features) = &d.tls_features {
        options.tls_features = match flags.must_staple {
            true => features.clone().with(TlsFeature::StatusRequest),
            false => features.clone(),
        };
    }
    if let Some(file) = &d.verify_with {
        options.verify_with = Some(file.clone());
    }
    if let Some(name) = &d.profile {
        options.profile = Some(name.clone());
    }
    if let Some(name) = &d.preferred_chain {
        options.preferred_chain = Some(name.clone());
    }
    Ok(Job {
        handle: d.handle.clone(),
        options,
    })
}
