//! `--http-listen`: the responder stage serving on a thread of its own while
//! a run (or a whole `--config` batch, flows/batch.rs) answers its http-01
//! challenges.
//!
//! [`Serving::start`] loads the stage (in a runtime sharing the run's engine,
//! with a watchdog of its own, as its calls run beside the run's) and has it
//! bind every address of its grant — in preflight, before any key is read or
//! the CA contacted, so that an address in use or not permitted ends the run
//! with one line naming it, having cost nothing. Then a thread calls the
//! stage's `serve` again and again, [`SLICE`] at a time: each call is bounded
//! like any stage call (its CPU deadline and the watchdog's wall-clock bound;
//! the stage keeps the connections under way between calls), and between
//! calls the thread looks at the stop flag. The issuance flow puts each key
//! authorization into [`Serving::served`] just before it tells the CA to
//! check the challenge, and removes it once the authorization is done.
//!
//! [`Serving::stop`] (or dropping it, on every way out of a run) sets the
//! flag and joins the thread; the thread drops the stage's store, which
//! closes every socket, so the port is free again before acmebox exits. A
//! stop by the watchdog or a signal ends the process, which closes them
//! too. If the stage fails (an error, a trap), the thread records it and
//! ends: [`Serving::check`], called while the flow waits for the CA, reports
//! it at once rather than as the CA's failure to connect.

use crate::error::Error;
use crate::grant::Grant;
use crate::key_authorizations::KeyAuthorizations;
use crate::sandbox::Runtime;
use crate::stage::Stage;
use crate::stages::responder;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::component::Component;

/// How long each `serve` call lasts: also the longest a stop waits for the
/// thread.
pub const SLICE: Duration = Duration::from_millis(200);

/// The responder serving (see the module documentation).
pub struct Serving {
    served: KeyAuthorizations,
    addresses: String,
    stop: Arc<AtomicBool>,
    /// The stage's error, once it failed; taken by the first report.
    failure: Arc<Mutex<Option<Error>>>,
    /// Whether the failure was reported already.
    reported: AtomicBool,
    thread: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Serving {
    /// Load the responder with `grant` and `component`, listen on the
    /// grant's addresses, and serve on a thread of its own.
    pub fn start(rt: &Runtime, grant: &Grant, component: &Component) -> Result<Serving, Error> {
        let rt = rt.sharing_engine().map_err(|e| Error::Grant {
            stage: Stage::Responder,
            message: format!("cannot start its watchdog: {e:#}"),
        })?;
        let mut stage = responder::load_component(&rt, grant, component)?;
        stage.bind()?;
        let served = stage.key_authorizations();
        let stop = Arc::new(AtomicBool::new(false));
        let failure = Arc::new(Mutex::new(None));
        let (flag, failed) = (stop.clone(), failure.clone());
        let thread = std::thread::Builder::new()
            .name("acmebox-responder".into())
            .spawn(move || {
                // The runtime's watchdog bounds the calls; kept until the
                // stage is dropped.
                let _rt = rt;
                while !flag.load(Ordering::SeqCst) {
                    if let Err(e) = stage.serve(SLICE) {
                        *lock(&failed) = Some(e);
                        return;
                    }
                }
            })
            .map_err(|e| Error::Grant {
                stage: Stage::Responder,
                message: format!("cannot start its thread: {e}"),
            })?;
        Ok(Serving {
            served,
            addresses: grant
                .listen
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            stop,
            failure,
            reported: AtomicBool::new(false),
            thread: Some(thread),
        })
    }

    /// The key authorizations it serves.
    pub fn served(&self) -> &KeyAuthorizations {
        &self.served
    }

    /// Where it listens, for log lines: `127.0.0.1:80, [::1]:80`.
    pub fn addresses(&self) -> &str {
        &self.addresses
    }

    /// Whether it is still serving: its error if the stage failed, reported
    /// once (later calls say it stopped).
    pub fn check(&self) -> Result<(), Error> {
        if let Some(e) = lock(&self.failure).take() {
            self.reported.store(true, Ordering::SeqCst);
            return Err(e);
        }
        let ended = self.thread.as_ref().is_none_or(|t| t.is_finished());
        if self.reported.load(Ordering::SeqCst) || ended {
            return Err(Error::Trap {
                stage: Stage::Responder,
                step: "serve",
                message: "stopped serving (see above)".into(),
            });
        }
        Ok(())
    }

    /// Stop serving: the thread ends within [`SLICE`] or so, and with it
    /// the stage and its sockets. The stage's error if it had failed and
    /// that was not reported yet.
    pub fn stop(mut self) -> Result<(), Error> {
        self.halt();
        match lock(&self.failure).take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            // A panic in the thread leaves nothing to report beyond the
            // panic's own message on standard error.
            let _ = thread.join();
        }
    }
}

impl Drop for Serving {
    /// Every way out of a run closes the listeners before it goes on.
    fn drop(&mut self) {
        self.halt();
    }
}
