//! Step 4 of an issuance: making each http-01 or dns-01 challenge of an
//! order answerable, answering it, and waiting for the CA to validate it —
//! with token files written by the challenge stage (`-C`), through the
//! caller (`-t`, caller.rs), or served by the responder stage
//! (`--http-listen`, respond.rs) — and withdrawing what was published once
//! the authorizations are done, whatever their outcome.

use super::caller::{self, Caller, ChallengeType};
use super::deadline::{Backoff, Deadline, Polled};
use super::respond::Serving;
use super::retry::retry;
use crate::error::Error;
use crate::log::Log;
use crate::options::Options;
use crate::stage::Stage;
use crate::stages::challenge::Challenge;
use crate::stages::network::{self, Network, Order};
use crate::validate::{self, Origin};

/// Who makes each challenge answerable before the CA is told to check it.
pub(crate) enum Answer<'a> {
    /// The challenge stage writes http-01 token files in -C.
    Files(Box<Challenge>),
    /// `-t`: the caller, over standard output and input (caller.rs).
    Caller(ChallengeType, Caller),
    /// `--http-listen`: the responder serves each key authorization.
    Served(Responder<'a>),
}

/// The responder of a run: its own, or its batch's (one for every
/// certificate of a `--config` run, flows/batch.rs).
pub(crate) enum Responder<'a> {
    /// Started by this run's preflight; stopped when the run is done with
    /// its challenges.
    Own(Serving),
    /// The batch's, which stops it when every certificate is done.
    Batch(&'a Serving),
}

impl Responder<'_> {
    /// The responder serving.
    pub(crate) fn serving(&self) -> &Serving {
        match self {
            Responder::Own(serving) => serving,
            Responder::Batch(serving) => serving,
        }
    }
}

impl Answer<'_> {
    /// Withdraw every token of `written` (what [`authorize`] made
    /// answerable), then end what this run started: a token file is
    /// removed (a failure is a warning), a key authorization no longer
    /// served; the run's own responder is stopped, its sockets closed. The
    /// responder's error, if it failed while serving and that was not
    /// reported yet.
    pub(crate) fn finish(self, written: &[String], log: &Log) -> Result<(), Error> {
        match self {
            Answer::Files(mut tokens) => {
                for token in written {
                    match tokens.remove(token) {
                        Ok(()) => crate::leftovers::token_removed(token),
                        Err(e) => log.warn(&e.to_string()),
                    }
                }
                Ok(())
            }
            Answer::Caller(..) => Ok(()),
            Answer::Served(responder) => {
                for token in written {
                    responder.serving().served().remove(token);
                }
                match responder {
                    Responder::Own(serving) => serving.stop(),
                    Responder::Batch(_) => Ok(()),
                }
            }
        }
    }
}

/// 4.1–4.3 for every authorization of the order: make each challenge
/// answerable (a token file, the caller's line confirmed, or the key
/// authorization served) and answer it right away, then wait for each.
/// Tokens made answerable are recorded in `written` so the caller withdraws
/// them whatever happens ([`Answer::finish`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn authorize(
    net: &mut Network,
    answer: &mut Answer<'_>,
    written: &mut Vec<String>,
    order: &Order,
    thumbprint: &str,
    opts: &Options,
    origin: &Origin,
    deadline: &Deadline,
    log: &Log,
) -> Result<(), Error> {
    let kind = match answer {
        Answer::Files(_) | Answer::Served(_) => ChallengeType::Http01,
        Answer::Caller(kind, _) => *kind,
    };
    let mut waiting = Vec::new();
    let mut requested = std::collections::BTreeSet::new();
    for url in &order.authorizations {
        deadline.check("fetch authorization")?;
        let authz = retry(deadline, log, || {
            net.get_authorization(url, &opts.names, origin)
        })?;
        let name = network::requested_name(&authz);
        if !requested.insert(name.clone()) {
            return Err(Error::Rejected {
                stage: Stage::Network,
                step: "fetch authorization",
                message: format!("a second authorization for {name} ({url})"),
            });
        }
        if authz.status == "valid" {
            continue;
        }
        let Some(ch) = authz.challenges.iter().find(|c| c.type_ == kind.as_str()) else {
            return Err(Error::Protocol {
                step: "fetch authorization",
                message: format!(
                    "the server offers no {} challenge for {name}",
                    kind.as_str()
                ),
            });
        };
        validate::token(&ch.token).map_err(|message| Error::Rejected {
            stage: Stage::Network,
            step: "fetch authorization",
            message,
        })?;
        let key_authorization = format!("{}.{thumbprint}", ch.token);
        match answer {
            Answer::Files(tokens) => {
                tokens.write(&ch.token, &key_authorization)?;
                written.push(ch.token.clone());
                crate::leftovers::token_written(&opts.challenge_dir, &ch.token);
                log.step(&format!("4.2 token for {name} written"));
            }
            Answer::Served(responder) => {
                let serving = responder.serving();
                if !serving.served().insert(&ch.token, &key_authorization) {
                    return Err(Error::Rejected {
                        stage: Stage::Network,
                        step: "fetch authorization",
                        message: format!(
                            "challenge token {} for {name} is being answered for another \
                             challenge already",
                            ch.token
                        ),
                    });
                }
                written.push(ch.token.clone());
                log.step(&format!(
                    "4.2 token for {name} served on {}",
                    serving.addresses()
                ));
            }
            Answer::Caller(kind, caller) => {
                // The identifier: for *.example.com, example.com.
                let line = caller::line(
                    *kind,
                    &authz.identifier.to_ascii_lowercase(),
                    &key_authorization,
                );
                caller.confirm(&line, deadline.end())?;
                log.step(&format!(
                    "4.2 {} for {name} confirmed by the caller",
                    kind.as_str()
                ));
            }
        }
        retry(deadline, log, || net.respond(&ch.url, origin))?;
        waiting.push(url.clone());
    }
    for url in waiting {
        let mut backoff = Backoff::new();
        loop {
            if let Answer::Served(responder) = answer {
                responder.serving().check()?;
            }
            let authz = retry(deadline, log, || {
                net.get_authorization(&url, &opts.names, origin)
            })?;
            match authz.status.as_str() {
                "valid" => {
                    log.step(&format!(
                        "4.3 {} authorized",
                        network::requested_name(&authz)
                    ));
                    break;
                }
                "pending" | "processing" => {}
                status => {
                    return Err(Error::Protocol {
                        step: "authorization",
                        message: format!(
                            "{} is {status}: {}",
                            network::requested_name(&authz),
                            authz.error.as_deref().unwrap_or("no reason given")
                        ),
                    })
                }
            }
            let polled = Polled {
                kind: "authorization",
                url: &url,
                status: &authz.status,
                retry_after: authz.retry_after,
            };
            deadline.poll_pause("authorization", &polled, &mut backoff)?;
        }
    }
    Ok(())
}
