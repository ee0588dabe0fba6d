//! Many certificates in one run (acme-client.conf's domain blocks): a list
//! of [`Job`]s, each a full [`Options`] for one certificate and a handle for
//! the summary, at most `--jobs` at once, each on a thread of its own with
//! its own stage instances (as [`issue::run_from`] makes them: its own
//! wasmtime runtime, grants built from its own options, every stage dropped
//! when it is done). A job that fails does not stop the others.
//!
//! Exit status ([`BatchOutcome::exit_code`]): 1 if any certificate failed,
//! else 0 if any changed, else 2. The summary, one line per certificate on
//! standard error, cleaned: `acmebox: HANDLE: installed|up to date|failed:
//! reason`.
//!
//! Locks: before any job runs, the batch locks every certificate directory
//! once, in sorted order (a directory that cannot be locked fails the jobs
//! using it, and only them), removes stale staging directories once per
//! directory, and hands each job its directories already locked
//! ([`LockedDirs::subset`]): jobs sharing a directory never wait on each
//! other's lock file, and no cleanup ever runs while a job stages there (each
//! staging directory has a random name of its own). A file configured for
//! two jobs fails the later one. Installs are serialised by the process-wide
//! install guard (leftovers.rs), which a signal waits for.
//!
//! Process-wide state with concurrent jobs:
//! - `--timeout` is per job: each job's deadline and hard stop start when
//!   the job starts. A hard stop ends the process (as for one certificate),
//!   so the whole batch: jobs not finished are reported by no summary line.
//! - signals.rs: the handler is installed once per process (the first job's
//!   runtime names the call under way); leftovers.rs records every job's
//!   token files with their own challenge directory, and removes all of them.
//! - log.rs: with more than one job at once, each line (and the last step a
//!   stop reports) is prefixed with the job's handle ([`crate::log::in_job`]).
//! - One account session per authority (session.rs): the account stage is
//!   loaded, and its key read, once per account key and directory, before
//!   any job; the jobs' network stages sign through it, and the account URL
//!   the first job finds is handed to the others (no second newAccount).
//! - `-t`: when any job uses it, the batch runs one job at a time, in order,
//!   so the caller's protocol stays strictly one line out, one line in.
//! - `--http-listen`: one responder for the batch (respond.rs), listening
//!   before any job runs (when it cannot, every job using it fails with the
//!   one line saying why, before any CA is contacted), serving every job's
//!   key authorizations from one map, stopped once every job is done.

use super::issue::{self, CertFacts, Outcome, Shared};
use super::respond::Serving;
use super::session::{SessionKey, SharedAccount};
use crate::certdir::CertDir;
use crate::certfiles::{dir_of, LockedDirs};
use crate::error::Error;
use crate::grant::Grant;
use crate::landlock::Plan;
use crate::log::{self, Log};
use crate::notify::Pending;
use crate::options::Options;
use crate::sandbox::Runtime;
use crate::stage::Stage;
use crate::stages::Source;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How many certificates run at once unless `--jobs` says otherwise: two.
/// A job spends most of its time waiting on the CA (validation, polling),
/// so two overlap that waiting on a 2-core machine while each job's CPU work
/// (instantiating stages, making keys) still gets a core; and it keeps the
/// requests to a real CA (Let's Encrypt counts new orders and requests per
/// second per account) at the pace of about two sequential runs.
pub const DEFAULT_JOBS: usize = 2;

/// One certificate to process.
#[derive(Clone, Debug)]
pub struct Job {
    /// Its name in the summary (acme-client.conf's domain handle).
    pub handle: String,
    /// Everything about it, as one command line would give it.
    pub options: Options,
}

/// What applies to the batch as a whole.
#[derive(Clone, Copy, Debug)]
pub struct BatchFlags {
    /// `--jobs`: at most this many certificates at once (at least 1).
    pub jobs: usize,
    /// `-v` count, for the batch's own lines.
    pub verbose: u8,
}

impl Default for BatchFlags {
    fn default() -> BatchFlags {
        BatchFlags {
            jobs: DEFAULT_JOBS,
            verbose: 0,
        }
    }
}

/// How one certificate ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    /// A new certificate was installed.
    Installed,
    /// The installed one was kept.
    UpToDate,
    /// It failed; the error's one line.
    Failed(String),
}

/// What `--json` reports of one job beyond its outcome (docs/JSON.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobFacts {
    /// The certificate installed when the job ended, if the job read or
    /// installed it (issue.rs [`Finished`](issue::Finished)).
    pub certificate: Option<CertFacts>,
    /// For a failed job, the step it failed at (error.rs `step`).
    pub step: Option<&'static str>,
    /// The notify command's failure after an install, as one line: the
    /// job's outcome is then `Failed` with this line (exit 1), although
    /// its new certificate is installed.
    pub notify: Option<String>,
}

/// How a batch ended: each job's handle and outcome, in the jobs' order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchOutcome {
    /// (handle, outcome) per job.
    pub results: Vec<(String, JobOutcome)>,
    /// What `--json` reports of each job, in the same order.
    pub facts: Vec<JobFacts>,
}

impl BatchOutcome {
    /// 1 if any failed, else 0 if any was installed, else 2.
    pub fn exit_code(&self) -> i32 {
        let any = |f: fn(&JobOutcome) -> bool| self.results.iter().any(|(_, o)| f(o));
        if any(|o| matches!(o, JobOutcome::Failed(_))) {
            1
        } else if any(|o| *o == JobOutcome::Installed) {
            0
        } else {
            2
        }
    }

    /// The summary, one line per job (`HANDLE: installed`, `HANDLE: up to
    /// date`, `HANDLE: failed: reason`), not yet cleaned (log.rs's `line`
    /// cleans what it prints).
    pub fn summary(&self) -> Vec<String> {
        self.results
            .iter()
            .map(|(handle, outcome)| match outcome {
                JobOutcome::Installed => format!("{handle}: installed"),
                JobOutcome::UpToDate => format!("{handle}: up to date"),
                JobOutcome::Failed(why) => format!("{handle}: failed: {why}"),
            })
            .collect()
    }
}

/// Run `jobs` with the embedded stages and print the summary on standard
/// error; see the module documentation.
pub fn run_many(jobs: Vec<Job>, flags: BatchFlags) -> BatchOutcome {
    run_many_from(jobs, flags, &Source::embedded())
}

/// [`run_many`], loading each stage's component from `source` (tests).
pub fn run_many_from(jobs: Vec<Job>, flags: BatchFlags, source: &Source) -> BatchOutcome {
    let batch_log = Log {
        verbose: flags.verbose,
    };
    // Jobs failed before they run: why, and at which step (for --json).
    let mut failed: Vec<Option<(String, &'static str)>> = vec![None; jobs.len()];

    // A file configured for two jobs: the later one fails.
    let mut owners: Vec<(PathBuf, usize)> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        for (_, path) in job.options.cert_files.files() {
            let abs = crate::reach::resolve(path);
            match owners.iter().find(|(p, _)| *p == abs) {
                Some((_, first)) => {
                    failed[i] = Some((
                        format!(
                            "{}: also configured for {}",
                            path.display(),
                            jobs[*first].handle
                        ),
                        "files",
                    ))
                }
                None => owners.push((abs, i)),
            }
        }
    }

    // -m's directories, then every certificate directory locked once, in
    // sorted order; stale files removed once per directory.
    for (i, job) in jobs.iter().enumerate() {
        if failed[i].is_none() {
            if let Err(e) = crate::multidir::create(&job.options.new_dirs) {
                failed[i] = Some((e.to_string(), e.step()));
            }
        }
    }
    let mut dirs: Vec<PathBuf> = jobs
        .iter()
        .zip(&failed)
        .filter(|(_, f)| f.is_none())
        .flat_map(|(j, _)| j.options.cert_files.dirs().into_iter().map(|d| d.dir))
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut locked = Vec::new();
    let mut unlockable: Vec<(PathBuf, (String, &'static str))> = Vec::new();
    for dir in dirs {
        match CertDir::lock(&dir) {
            Ok(d) => {
                for warning in d.remove_stale() {
                    batch_log.warn(&warning);
                }
                locked.push(Arc::new(d));
            }
            Err(e) => unlockable.push((dir, (e.to_string(), e.step()))),
        }
    }
    let locked = LockedDirs::from_locked(locked);
    for (i, job) in jobs.iter().enumerate() {
        if failed[i].is_some() {
            continue;
        }
        if let Some((_, why)) = job.options.cert_files.files().iter().find_map(|(_, p)| {
            let d = dir_of(p);
            unlockable.iter().find(|(u, _)| *u == d)
        }) {
            failed[i] = Some(why.clone());
        }
    }

    // One account session per account key and directory (session.rs):
    // loaded before any job; a session that cannot be loaded fails its jobs.
    // One engine for the whole batch: each stage's code is loaded in place
    // once per engine (embedded.rs), so a runtime per certificate would copy
    // every stage's code for each (docs/BENCHMARKS.md, scale scenario).
    let base = Runtime::new().map_err(|e| (format!("cannot start wasmtime: {e:#}"), "start"));
    let mut sessions: BTreeMap<SessionKey, Result<SharedAccount, (String, &'static str)>> =
        BTreeMap::new();
    for (i, job) in jobs.iter().enumerate() {
        if failed[i].is_some() {
            continue;
        }
        let key = SessionKey::of(&job.options);
        if !sessions.contains_key(&key) {
            let log = Log {
                verbose: job.options.verbose,
            };
            let _prefix = log::in_job(&job.handle);
            let session = match &base {
                Ok(base) => SharedAccount::load(&job.options, source, &log, base)
                    .map_err(|e| (one_line(&e), e.step())),
                Err(e) => Err(e.clone()),
            };
            sessions.insert(key.clone(), session);
        }
        if let Some(Err(why)) = sessions.get(&key) {
            failed[i] = Some(why.clone());
        }
    }

    // --http-listen: one responder for every job that uses it (they share
    // the run's flags, so the addresses), listening before any job runs.
    let mut responder = None;
    let listening = |i: usize| failed[i].is_none() && !jobs[i].options.http_listen.is_empty();
    if let Some(first) = (0..jobs.len()).find(|i| listening(*i)) {
        let started = match &base {
            Ok(base) => start_responder(base, &jobs[first].options, source),
            Err(e) => Err(e.clone()),
        };
        match started {
            Ok(serving) => {
                batch_log.step(&format!("the responder listens on {}", serving.addresses()));
                responder = Some(serving);
            }
            Err(why) => {
                let users: Vec<usize> = (0..jobs.len()).filter(|i| listening(*i)).collect();
                for i in users {
                    failed[i] = Some(why.clone());
                }
            }
        }
    }

    // Landlock (landlock.rs): the notify commands' shells first (a
    // restricted host starts no program, notify.rs `Pending`), then the
    // batch restricts itself, before any certificate's run, to what every
    // certificate's grants need; worker threads started below inherit it.
    let pendings: Vec<Mutex<Option<Pending>>> = jobs
        .iter()
        .zip(&failed)
        .map(|(job, failed)| {
            Mutex::new(match (failed, &job.options.notify) {
                (None, Some(cmd)) => Some(Pending::start(
                    cmd,
                    &job.options.names[0],
                    &job.options.cert_files,
                )),
                _ => None,
            })
        })
        .collect();
    let mut plan = Plan::default();
    for (job, _) in jobs.iter().zip(&failed).filter(|(_, f)| f.is_none()) {
        plan.merge(Plan::of(&Grant::all(&job.options)));
        if let Some(file) = &job.options.verify_with {
            plan.also_read(file);
        }
    }
    let any = failed.iter().any(Option::is_none);
    if let Err(e) = any
        .then(|| crate::landlock::apply(&plan, &batch_log))
        .transpose()
    {
        let why = (one_line(&e), e.step());
        for f in failed.iter_mut().filter(|f| f.is_none()) {
            *f = Some(why.clone());
        }
    }

    // -t: one job at a time, in order.
    let caller = jobs.iter().any(|j| j.options.challenge_type.is_some());
    let width = if caller { 1 } else { flags.jobs.max(1) };
    let width = width.min(jobs.len()).max(1);
    let prefixed = width > 1;

    let results: Vec<Mutex<Option<(JobOutcome, JobFacts)>>> =
        (0..jobs.len()).map(|_| Mutex::new(None)).collect();
    for (i, why) in failed.iter().enumerate() {
        if let Some((why, step)) = why {
            let facts = JobFacts {
                step: Some(step),
                ..JobFacts::default()
            };
            set(&results[i], (JobOutcome::Failed(why.clone()), facts));
        }
    }
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..width {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(i) else { break };
                if failed[i].is_some() {
                    continue;
                }
                let session = match sessions.get(&SessionKey::of(&job.options)) {
                    Some(Ok(session)) => Some(session),
                    _ => None,
                };
                let shared = Shared {
                    dirs: Some(locked.subset(&job.options.cert_files)),
                    account: session,
                    responder: responder.as_ref(),
                    notify: pendings[i].lock().ok().and_then(|mut p| p.take()),
                    landlocked: true,
                };
                let outcome = run_job(job, source, shared, prefixed);
                set(&results[i], outcome);
            });
        }
    });
    // Every job is done with its challenges: the port is closed before the
    // summary. An error not reported by a job is the batch's.
    if let Some(Err(e)) = responder.map(Serving::stop) {
        log::line(&e.to_string());
    }

    let (results, facts) = jobs
        .iter()
        .zip(results)
        .map(|(job, result)| {
            let (outcome, facts) = result
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| {
                    let facts = JobFacts {
                        step: Some("start"),
                        ..JobFacts::default()
                    };
                    (JobOutcome::Failed("not run".into()), facts)
                });
            ((job.handle.clone(), outcome), facts)
        })
        .unzip();
    let outcome = BatchOutcome { results, facts };
    for line in outcome.summary() {
        log::line(&line);
    }
    outcome
}

fn set(slot: &Mutex<Option<(JobOutcome, JobFacts)>>, outcome: (JobOutcome, JobFacts)) {
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
}

/// The batch's responder, with the grant `opts` gives it (every job's is
/// the same: the addresses come from the run's flags).
fn start_responder(
    base: &Runtime,
    opts: &Options,
    source: &Source,
) -> Result<Serving, (String, &'static str)> {
    let grants = Grant::all(opts);
    source
        .component(base, Stage::Responder)
        .and_then(|component| {
            Serving::start(base, issue::grant(&grants, Stage::Responder), &component)
        })
        .map_err(|e| (one_line(&e), e.step()))
}

/// One job on this thread: its own issuance with its directories already
/// locked (and what else the batch shares); a panic is that job's failure,
/// not the batch's.
fn run_job(
    job: &Job,
    source: &Source,
    shared: Shared<'_>,
    prefixed: bool,
) -> (JobOutcome, JobFacts) {
    let log = Log {
        verbose: job.options.verbose,
    };
    let _prefix = prefixed.then(|| log::in_job(&job.handle));
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        issue::finish(&job.options, &log, source, shared)
    }));
    let Ok(finished) = run else {
        let facts = JobFacts {
            step: Some("internal error"),
            ..JobFacts::default()
        };
        let why = "internal error (a panic); see the line above".into();
        return (JobOutcome::Failed(why), facts);
    };
    let mut facts = JobFacts {
        certificate: finished.certificate,
        step: None,
        notify: finished.notify.as_ref().map(one_line),
    };
    let outcome = match (finished.result, finished.notify) {
        (_, Some(e)) => JobOutcome::Failed(one_line(&e)),
        (Ok(Outcome::Changed), None) => JobOutcome::Installed,
        (Ok(Outcome::UpToDate), None) => JobOutcome::UpToDate,
        (Err(e), None) => {
            facts.step = Some(e.step());
            JobOutcome::Failed(one_line(&e))
        }
    };
    (outcome, facts)
}

/// An error as its one line.
fn one_line(e: &Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}
