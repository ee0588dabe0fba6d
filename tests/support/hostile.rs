//! The hostile components.

use acmebox::grant::Grant;
use acmebox::sandbox::{Runtime, Sandboxed};
use acmebox::Error;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;
use wasmtime::component::{Component, TypedFunc};

#[path = "../wasm_workspace.rs"]
mod wasm_workspace;

/// One hostile component of tests/hostile (see wit/hostile.wit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// wasi:cli and wasi:io only: environment, arguments, stdin, memory, CPU.
    Bare,
    /// wasi:filesystem.
    Fs,
    /// wasi:filesystem through Rust's standard library, at the version the
    /// stages import (0.2.6).
    StdFs,
    /// wasi:sockets and the host's resolver.
    Net,
    /// wasi:sockets' TCP alone (the responder's sockets).
    Listen,
    /// The host's resolver alone (acmebox:stages/resolver), no wasi:sockets.
    Resolver,
    /// The network stage's `-vv` trace (acmebox:stages/trace) alone.
    Trace,
    /// The responder's key authorizations
    /// (acmebox:stages/key-authorizations) alone.
    KeyAuthorizations,
    /// wasi:clocks.
    Clocks,
    /// wasi:random.
    Random,
    /// acmebox:stages/signer (the account key).
    Signer,
    /// acmebox:stages/external-account (the external account MAC key).
    ExternalAccount,
    /// acmebox:stages/rollover-signer (the new key of a key rollover).
    RolloverSigner,
    /// acmebox:stages/csr (the domain key).
    Csr,
    /// Like [`Hostile::Bare`], with a function table of 16 Mi elements.
    Table,
}

impl Hostile {
    const ALL: [Hostile; 15] = [
        Hostile::Bare,
        Hostile::Fs,
        Hostile::StdFs,
        Hostile::Net,
        Hostile::Listen,
        Hostile::Resolver,
        Hostile::Trace,
        Hostile::KeyAuthorizations,
        Hostile::Clocks,
        Hostile::Random,
        Hostile::Signer,
        Hostile::ExternalAccount,
        Hostile::RolloverSigner,
        Hostile::Csr,
        Hostile::Table,
    ];

    /// The crate's artefact name.
    fn artefact(self) -> &'static str {
        match self {
            Hostile::Bare => "hostile_bare",
            Hostile::Fs => "hostile_fs",
            Hostile::StdFs => "hostile_std_fs",
            Hostile::Net => "hostile_net",
            Hostile::Listen => "hostile_listen",
            Hostile::Resolver => "hostile_resolver",
            Hostile::Trace => "hostile_trace",
            Hostile::KeyAuthorizations => "hostile_key_authorizations",
            Hostile::Clocks => "hostile_clocks",
            Hostile::Random => "hostile_random",
            Hostile::Signer => "hostile_signer",
            Hostile::ExternalAccount => "hostile_external_account",
            Hostile::RolloverSigner => "hostile_rollover_signer",
            Hostile::Csr => "hostile_csr",
            Hostile::Table => "hostile_table",
        }
    }

    fn index(self) -> usize {
        Hostile::ALL
            .iter()
            .position(|h| *h == self)
            .expect("every kind is in ALL")
    }
}

/// Build tests/hostile once per test binary run (tests/wasm_workspace.rs).
/// Returns the directory holding the `.wasm` files.
fn built() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| wasm_workspace::build("hostile"));
    match built {
        Ok(path) => path,
        Err(e) => panic!("building the hostile components failed: {e}"),
    }
}

/// The one engine of the test binary, with acmebox's settings and epoch
/// thread (components are compiled for it once and shared by all tests).
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::compiling().expect("the wasmtime engine starts"))
}

/// `kind`, compiled for [`runtime`] (once).
fn component(kind: Hostile) -> &'static Component {
    static COMPILED: [OnceLock<Component>; Hostile::ALL.len()] =
        [const { OnceLock::new() }; Hostile::ALL.len()];
    COMPILED[kind.index()].get_or_init(|| {
        let path = built().join(format!("{}.wasm", kind.artefact()));
        let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Component::from_binary(runtime().engine(), &wasm)
            .unwrap_or_else(|e| panic!("{kind:?} does not compile: {e:#}"))
    })
}

/// The imports of `kind`, read from the component as the host reads them.
pub fn imports(kind: Hostile) -> Vec<String> {
    acmebox::linker::imports(runtime().engine(), component(kind))
}

/// The export every hostile component has:
/// `attack: func(kind: string, arg: string) -> result<string, string>`.
pub struct Attack {
    func: TypedFunc<(String, String), (Result<String, String>,)>,
}

/// A hostile component loaded in a stage's sandbox.
pub struct Attacker {
    inner: Sandboxed<(), Attack>,
}

impl Attacker {
    /// Load `kind` into a sandbox built from `grant`, through the same
    /// `Runtime::load` as the stages. The host resolver is linked as
    /// `network::load` links it, the key authorizations as
    /// `responder::load` does (for the worlds that import them); a stage
    /// without them refuses those worlds before linking.
    pub fn load(grant: &Grant, kind: Hostile) -> Result<Attacker, Error> {
        let inner = runtime().load(
            grant,
            component(kind),
            (),
            |linker| match kind {
                Hostile::Net | Hostile::Resolver => {
                    acmebox::stages::network::add_resolver_to_linker(linker)
                }
                Hostile::KeyAuthorizations => {
                    acmebox::stages::responder::add_key_authorizations_to_linker(linker)
                }
                _ => Ok(()),
            },
            |store, component, linker| {
                let instance = linker.instantiate(&mut *store, component)?;
                let func = instance.get_typed_func(&mut *store, "attack")?;
                Ok(Attack { func })
            },
        )?;
        Ok(Attacker { inner })
    }

    /// The key authorizations the sandbox's `key-authorizations` import
    /// answers from (a grant with that import only).
    pub fn key_authorizations(&self) -> Option<acmebox::key_authorizations::KeyAuthorizations> {
        self.inner.key_authorizations()
    }

    /// Run one attack. `Ok` is what the attack obtained; the guest's `err`
    /// (the host's answer to it) comes back as [`Error::Stage`], a trap as
    /// [`Error::Trap`], both naming the stage and the step "attack".
    pub fn attack(&mut self, kind: &str, arg: &str) -> Result<String, Error> {
        let args = (kind.to_string(), arg.to_string());
        self.inner.call("attack", |b, store| {
            let (result,) = b.func.call(&mut *store, args)?;
            Ok(result)
        })
    }

    /// [`Attacker::attack`] on another thread, giving up after `limit` (so a
    /// sandbox that fails to stop a stage fails the test instead of hanging
    /// it). `None` when the limit passed; the attack then runs on unobserved.
    pub fn attack_within(
        mut self,
        kind: &'static str,
        arg: String,
        limit: Duration,
    ) -> Option<Result<String, Error>> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(self.attack(kind, &arg));
        });
        rx.recv_timeout(limit).ok()
    }
}
