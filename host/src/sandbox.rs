//! Building a stage's sandbox from its [`Grant`]: a store of its own with a
//! memory limit and an epoch deadline, a WASI context with exactly the granted
//! directories and sockets, and a linker with exactly the granted interfaces;
//! and the watchdog (watchdog.rs) that bounds the wall-clock time of every call into a
//! stage, and of the whole run.

use crate::error::Error;
use crate::grant::{Grant, KEY_AUTHORIZATIONS};
use crate::key_authorizations::KeyAuthorizations;
use crate::limits::{self, Exceeded, Limits};
use crate::linker;
use crate::narrow::{NarrowCtxView, NarrowView, Narrowing};
use crate::resolver::Resolver;
use crate::stage::Stage;
use crate::watchdog::{Armed, Bound, Watchdog};
use std::net::SocketAddr;
use std::time::Duration;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, Trap};
use wasmtime_wasi::filesystem::WasiFilesystemCtxView;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How often the epoch advances; call deadlines are counted in these ticks.
const TICK: Duration = Duration::from_millis(10);

pub use crate::limits::TABLE_ELEMENTS;

/// The store data of a stage: its WASI context, limits, and what the host
/// keeps for its imports (`T`).
pub struct StageState<T> {
    ctx: WasiCtx,
    table: ResourceTable,
    limits: Limits,
    /// The names the stage may use in each granted directory (narrow.rs).
    narrowing: Narrowing,
    /// The name resolver of a network grant, sharing its record of answered
    /// addresses with the connect check.
    pub resolver: Option<Resolver>,
    /// The run's key authorizations, for a grant with the responder's
    /// import ([`KEY_AUTHORIZATIONS`]): empty at load, filled by the
    /// issuance flow through [`Sandboxed::key_authorizations`].
    pub key_authorizations: Option<KeyAuthorizations>,
    /// Host-side state for the stage's acmebox imports.
    pub data: T,
}

impl<T: Send> NarrowView for StageState<T> {
    fn narrowed(&mut self) -> NarrowCtxView<'_> {
        NarrowCtxView {
            fs: WasiFilesystemCtxView {
                ctx: self.ctx.filesystem(),
                table: &mut self.table,
            },
            narrowing: &mut self.narrowing,
        }
    }
}

impl<T: Send> WasiView for StageState<T> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// The engine every stage runs on, with the thread that advances its epoch,
/// and the watchdog (see the module documentation).
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    watchdog: Watchdog,
}

impl Runtime {
    /// An engine with acmebox's settings (see engine_config.rs), and the
    /// watchdog's thread. It cannot compile: it only runs the precompiled
    /// stages (nothing is compiled at start-up, and no compiler is even
    /// set up).
    pub fn new() -> wasmtime::Result<Runtime> {
        Runtime::with_compiler(false)
    }

    /// [`Runtime::new`], but able to compile components from `.wasm`: for
    /// the tests that load components built from source (tests/hostile,
    /// tests/liars).
    pub fn compiling() -> wasmtime::Result<Runtime> {
        Runtime::with_compiler(true)
    }

    fn with_compiler(compile: bool) -> wasmtime::Result<Runtime> {
        let watchdog = Watchdog::start()?;
        let mut config = crate::engine_config::engine_config();
        // Settings that do not change the compiled code (build.rs does not
        // see them): the stages' code runs where the binary holds it, and
        // Cranelift is not set up unless asked for.
        crate::code_memory::install(&mut config);
        config.enable_compiler(compile);
        let engine = Engine::new(&config)?;
        let weak = engine.weak();
        std::thread::spawn(move || {
            while let Some(engine) = weak.upgrade() {
                drop(engine);
                std::thread::sleep(TICK);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        });
        Ok(Runtime { engine, watchdog })
    }

    /// A runtime on the same engine as `self` (so the stages' code, loaded
    /// once per engine in place, is shared, and no copy is made), with a
    /// watchdog of its own: each certificate of a many-certificate run
    /// (flows/batch.rs) is bounded by its own deadline.
    pub fn sharing_engine(&self) -> wasmtime::Result<Runtime> {
        Ok(Runtime {
            engine: self.engine.clone(),
            watchdog: Watchdog::start()?,
        })
    }

    /// Bound everything from now on to `timeout` of wall-clock time (the
    /// run's `--timeout`), until the returned guard is dropped: past it,
    /// acmebox prints `acmebox: [<stage> stage, <step>: ]stopped: still
    /// running after --timeout N s`, naming the call under way if any, and
    /// exits with status 1, whatever it is doing.
    pub fn bound_run(&self, timeout: Duration) -> Armed {
        self.watchdog.arm(timeout, Bound::Run { timeout })
    }

    /// Handle SIGINT and SIGTERM from now on (signals.rs): clean up and
    /// exit with 130 or 143, naming the call under way.
    pub fn handle_signals(&self) -> std::io::Result<()> {
        crate::signals::handle(self.watchdog.clone())
    }

    /// The engine, to compile or deserialize components for it.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Load `component` into a new sandbox built from `grant`. `link` adds the
    /// stage's acmebox imports; `bind` instantiates the world's bindings. A
    /// component importing anything its grant lacks is refused here.
    pub fn load<T: Send, B>(
        &self,
        grant: &Grant,
        component: &Component,
        data: T,
        link: impl FnOnce(&mut Linker<StageState<T>>) -> wasmtime::Result<()>,
        bind: impl FnOnce(
            &mut Store<StageState<T>>,
            &Component,
            &Linker<StageState<T>>,
        ) -> wasmtime::Result<B>,
    ) -> Result<Sandboxed<T, B>, Error> {
        let stage = grant.name;
        if let Some(import) = linker::ungranted_import(&self.engine, grant, component) {
            return Err(Error::Refused { stage, import });
        }
        let resolver = grant.network.as_ref().map(Resolver::new);
        let ctx = wasi_ctx(grant, resolver.as_ref())?;
        let limits = Limits::new(grant.memory_bytes);
        let mut table = ResourceTable::new();
        table.set_max_capacity(grant.host.handles);
        let state = StageState {
            ctx,
            table,
            limits,
            narrowing: Narrowing::of(grant),
            resolver,
            key_authorizations: grant
                .host_imports
                .contains(&KEY_AUTHORIZATIONS)
                .then(KeyAuthorizations::default),
            data,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_hostcall_fuel(grant.host.hostcall_bytes);
        store.set_max_component_handles(grant.host.handles);
        let ticks = (grant.call_deadline.as_millis() / TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        let loaded = linker::wasi_linker(&self.engine, grant)
            .and_then(|mut l| link(&mut l).map(|()| l))
            .and_then(|l| {
                // Instantiating runs the component's start functions.
                let _armed = self.watchdog.arm_call(grant, "load");
                bind(&mut store, component, &l)
            });
        let bindings = loaded.map_err(|e| trap(grant, "load", e))?;
        Ok(Sandboxed {
            grant: grant.clone(),
            store,
            bindings,
            ticks,
            watchdog: self.watchdog.clone(),
        })
    }
}

/// The WASI context of a grant: the granted directories and sockets, and
/// nothing else (no environment, arguments, stdin; output discarded). TCP
/// goes through the resolver's connect check for a network grant, through
/// the listen check (listen.rs) for listen addresses; a grant has at most
/// one of the two.
fn wasi_ctx(grant: &Grant, resolver: Option<&Resolver>) -> Result<WasiCtx, Error> {
    let mut b = WasiCtxBuilder::new();
    // File operations run on the calling thread instead of a thread pool's:
    // the call blocks on them either way (acmebox's bindings are
    // synchronous), and the hand-over cost a context switch each. The
    // watchdog bounds a call blocked in the host just the same. Set before
    // the preopens, which take it.
    b.allow_blocking_current_thread(true);
    for dir in &grant.directories {
        if dir.staging {
            return Err(Error::Grant {
                stage: grant.name,
                message: format!(
                    "{} is a pattern: the staging directory was not created",
                    dir.host.display()
                ),
            });
        }
        let perms = if dir.write {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        b.preopened_dir(&dir.host, dir.guest, perms)
            .map_err(|e| Error::Grant {
                stage: grant.name,
                message: format!(
                    "{}cannot open directory {}: {e:#}",
                    grant
                        .name
                        .option()
                        .map(|o| format!("{o}: "))
                        .unwrap_or_default(),
                    dir.host.display()
                ),
            })?;
    }
    b.allow_ip_name_lookup(false).allow_udp(false);
    type Check = Box<dyn Fn(SocketAddr, SocketAddrUse) -> bool + Send + Sync>;
    let check: Option<Check> = match (resolver, grant.listen.as_slice()) {
        (Some(_), [_, ..]) => {
            return Err(Error::Grant {
                stage: grant.name,
                message: "a grant both connects and listens".into(),
            })
        }
        (Some(resolver), []) => Some(Box::new(resolver.connect_check())),
        (None, [_, ..]) => Some(Box::new(crate::listen::check(&grant.listen))),
        (None, []) => None,
    };
    match check {
        Some(check) => {
            b.allow_tcp(true).socket_addr_check(move |addr, usage| {
                let ok = check(addr, usage);
                Box::pin(async move { ok })
            });
        }
        None => {
            b.allow_tcp(false);
        }
    }
    Ok(b.build())
}

/// A stage loaded in its sandbox, with its world's bindings `B`.
pub struct Sandboxed<T: 'static, B> {
    grant: Grant,
    store: Store<StageState<T>>,
    bindings: B,
    ticks: u64,
    watchdog: Watchdog,
}

impl<T: Send, B> Sandboxed<T, B> {
    /// Which stage this is.
    pub fn stage(&self) -> Stage {
        self.grant.name
    }

    /// The host-side state of the stage's imports.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data_mut().data
    }

    /// The key authorizations the stage's `key-authorizations` import
    /// answers from (a handle sharing them), for a grant with that import.
    pub fn key_authorizations(&self) -> Option<KeyAuthorizations> {
        self.store.data().key_authorizations.clone()
    }

    /// Call into the stage for `step`, with a fresh CPU deadline. A trap, or
    /// an error the stage returns, becomes an [`Error`] naming both. A call
    /// still blocked in the host [`GRACE`](crate::watchdog::GRACE) after its deadline ends acmebox
    /// (see the module documentation).
    pub fn call<R>(
        &mut self,
        step: &'static str,
        f: impl FnOnce(&B, &mut Store<StageState<T>>) -> wasmtime::Result<Result<R, String>>,
    ) -> Result<R, Error> {
        self.store.set_epoch_deadline(self.ticks);
        let armed = self.watchdog.arm_call(&self.grant, step);
        let returned = f(&self.bindings, &mut self.store);
        drop(armed);
        match returned {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(message)) => Err(Error::Stage {
                stage: self.grant.name,
                step,
                message,
            }),
            Err(e) => Err(trap(&self.grant, step, e)),
        }
    }
}

impl<T: 'static, B> Drop for Sandboxed<T, B> {
    /// The stage's native code leaves the resident set (embedded.rs).
    fn drop(&mut self) {
        crate::embedded::release(self.grant.name);
    }
}

/// Describe a trap: the deadline and memory limit by name, else its cause.
fn trap(grant: &Grant, step: &'static str, e: wasmtime::Error) -> Error {
    let message = match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => format!(
            "stopped: exceeded its CPU deadline of {} s",
            grant.call_deadline.as_secs_f32()
        ),
        _ => match limits::exceeded(&e) {
            Some(Exceeded::Memory) => format!(
                "stopped: exceeded its memory limit of {} MiB",
                grant.memory_bytes >> 20
            ),
            Some(Exceeded::Table) => {
                format!("stopped: exceeded its table limit of {TABLE_ELEMENTS} elements")
            }
            None => match host_bound(&e) {
                Some(HostBound::Handles) => format!(
                    "stopped: exceeded its limit of {} host handles",
                    grant.host.handles
                ),
                Some(HostBound::Value) => format!(
                    "stopped: passed the host more than its limit of {} KiB in one call",
                    grant.host.hostcall_bytes >> 10
                ),
                None => format!("trapped: {e:#}"),
            },
        },
    };
    Error::Trap {
        stage: grant.name,
        step,
        message,
    }
}

/// Which of a grant's [`HostBounds`](crate::grant::HostBounds) a trap came
/// from.
enum HostBound {
    /// The resource table (handles) is full.
    Handles,
    /// A value passed to an import was larger than the hostcall fuel.
    Value,
}

fn host_bound(e: &wasmtime::Error) -> Option<HostBound> {
    if e.chain().any(|c| {
        c.downcast_ref::<wasmtime::component::ResourceTableError>()
            .is_some()
    }) {
        return Some(HostBound::Handles);
    }
    // wasmtime's error for exhausted hostcall fuel is a private type: its
    // text is the only way to know it (pinned by the escape matrix).
    let text = format!("{e:#}");
    if text.contains("fuel allocated for hostcalls has been exhausted") {
        return Some(HostBound::Value);
    }
    if text.contains("resource table has no free keys") {
        return Some(HostBound::Handles);
    }
    None
}
