//! Per-stage linkers holding only the WASI interfaces of the stage's grant
//! (docs/DESIGN.md rule 5), and the check that refuses a component importing
//! anything else, before it runs, naming the stage and the interface; and
//! the WASI functions no stage may call even inside its grant (`symlink-at`,
//! `link-at`: see [`DENIED`]).

use crate::grant::{Grant, Wasi};
use crate::narrow::{NarrowView, Narrowed};
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{Component, HasData, Linker, ResourceTable, Val};
use wasmtime::{Engine, StoreContextMut};
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sockets, sync};
use wasmtime_wasi::random::WasiRandom;
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView};
use wasmtime_wasi::WasiView;

/// `HasData` for the wasi:io interfaces, which work on the resource table.
struct HasIo;

impl HasData for HasIo {
    type Data<'a> = &'a mut ResourceTable;
}

/// A linker with exactly the WASI groups of `grant`.
pub fn wasi_linker<T: WasiView + NarrowView>(
    engine: &Engine,
    grant: &Grant,
) -> wasmtime::Result<Linker<T>> {
    let mut linker = Linker::new(engine);
    let l = &mut linker;
    for group in &grant.wasi {
        match group {
            Wasi::Cli => {
                use wasmtime_wasi_io::bindings::wasi::io::error;
                error::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;
                sync::io::poll::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;
                sync::io::streams::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;
                cli::exit::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::environment::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::stdin::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::stdout::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::stderr::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::terminal_input::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::terminal_output::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::terminal_stdin::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::terminal_stdout::add_to_linker::<T, WasiCli>(l, T::cli)?;
                cli::terminal_stderr::add_to_linker::<T, WasiCli>(l, T::cli)?;
            }
            Wasi::Clocks => {
                clocks::wall_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)?;
                clocks::monotonic_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)?;
            }
            Wasi::Random => {
                let rng = random_ctx::<T>;
                random::random::add_to_linker::<T, WasiRandom>(l, rng)?;
                random::insecure::add_to_linker::<T, WasiRandom>(l, rng)?;
                random::insecure_seed::add_to_linker::<T, WasiRandom>(l, rng)?;
            }
            Wasi::Filesystem => {
                // wasmtime-wasi's implementation behind the name check of
                // each directory's grant (narrow.rs).
                filesystem::preopens::add_to_linker::<T, Narrowed>(l, T::narrowed)?;
                sync::filesystem::types::add_to_linker::<T, Narrowed>(l, T::narrowed)?;
                deny_functions(l)?;
            }
            Wasi::Sockets => {
                let s = T::sockets;
                sockets::tcp_create_socket::add_to_linker::<T, WasiSockets>(l, s)?;
                sockets::instance_network::add_to_linker::<T, WasiSockets>(l, s)?;
                sockets::network::add_to_linker::<T, WasiSockets>(l, &Default::default(), s)?;
                sockets::ip_name_lookup::add_to_linker::<T, WasiSockets>(l, s)?;
                sync::sockets::tcp::add_to_linker::<T, WasiSockets>(l, s)?;
                sync::sockets::udp::add_to_linker::<T, WasiSockets>(l, s)?;
                sync::sockets::udp_create_socket::add_to_linker::<T, WasiSockets>(l, s)?;
            }
            Wasi::Tcp => {
                // TCP alone: UDP and name lookup are not in the linker, so
                // a component importing them is refused at load.
                let s = T::sockets;
                sockets::tcp_create_socket::add_to_linker::<T, WasiSockets>(l, s)?;
                sockets::instance_network::add_to_linker::<T, WasiSockets>(l, s)?;
                sockets::network::add_to_linker::<T, WasiSockets>(l, &Default::default(), s)?;
                sync::sockets::tcp::add_to_linker::<T, WasiSockets>(l, s)?;
            }
        }
    }
    Ok(linker)
}

/// The name under which wasmtime-wasi 48.0.8's bindings register
/// wasi:filesystem/types: its WIT (src/p2/wit/deps/filesystem.wit) is
/// `wasi:filesystem@0.2.12`. A component importing any other 0.2 version (the
/// stages import 0.2.6, through Rust's standard library) is linked to this
/// instance by semver. `deny_functions` checks that the name is right.
pub const FILESYSTEM_TYPES: &str = "wasi:filesystem/types@0.2.12";

/// The wasi:filesystem/types functions no stage may call, even inside its
/// grant: [`deny_functions`] replaces each with one that answers
/// `not-permitted`. Each returns `result<_, error-code>`.
///
/// - `symlink-at`: wasmtime-wasi refuses absolute symlink targets but creates
///   relative ones, and checks only that the link itself is inside the
///   directory, not where it points: a stage with a writable directory could
///   plant `token -> ../../etc/ssl/private/key.pem`. Nothing inside a sandbox
///   follows it (every path is resolved inside the preopen), but programs
///   outside do: the web server serving the challenge directory, or whatever
///   reads the certificate directory.
/// - `link-at`: a hard link to a file inside the grant is the file itself
///   under a second name; whatever the host or another program then does to
///   the new name (make it 0444, serve it, replace it by truncating) it does
///   to the original, for instance a key lying in the same directory.
///
/// No stage needs either (the stages write plain files; the host renames
/// them), so both are denied outright, whatever the paths, rather than
/// checked.
pub const DENIED: [&str; 2] = [
    "[method]descriptor.symlink-at",
    "[method]descriptor.link-at",
];

/// Replace every function of [`DENIED`] in wasi:filesystem/types with one
/// that always answers `not-permitted`, in every grant with a directory.
///
/// Each replacement shadows the definition `add_to_linker` made. It is
/// defined first without shadowing, which must fail as a duplicate: had
/// wasmtime-wasi registered the interface under another version than
/// [`FILESYSTEM_TYPES`], or the function under another name, the replacement
/// would land beside it and components would keep the real function, so that
/// is an error (every stage with a directory then fails to load) instead of a
/// silent gap.
///
/// The replacements are defined with dynamic types, so one definition fits
/// every signature: they release the descriptors they were lent (a dynamic
/// host function must drop each resource handle it receives, borrowed ones
/// included, or the call traps) and return `err(not-permitted)`.
fn deny_functions<T: 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    fn refuse<T: 'static>(
        mut store: StoreContextMut<'_, T>,
        _: ComponentFunc,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        for param in params {
            if let Val::Resource(handle) = param {
                handle.resource_drop(&mut store)?;
            }
        }
        let not_permitted = Val::Enum("not-permitted".into());
        match results {
            [result] => {
                *result = Val::Result(Err(Some(Box::new(not_permitted))));
                Ok(())
            }
            _ => wasmtime::bail!("a denied function returns one result"),
        }
    }
    for name in DENIED {
        let duplicate = linker
            .instance(FILESYSTEM_TYPES)?
            .func_new(name, refuse::<T>);
        if duplicate.is_ok() {
            wasmtime::bail!(
                "{FILESYSTEM_TYPES} has no {name} to replace: wasmtime-wasi registers \
                 wasi:filesystem/types under another version"
            );
        }
        linker.allow_shadowing(true);
        let replaced = linker
            .instance(FILESYSTEM_TYPES)
            .and_then(|mut types| types.func_new(name, refuse::<T>));
        linker.allow_shadowing(false);
        replaced?;
    }
    Ok(())
}

/// The random-number context of a stage's WASI context.
fn random_ctx<T: WasiView>(t: &mut T) -> &mut wasmtime_wasi::random::WasiRandomCtx {
    let view = t.ctx();
    let ctx: &mut wasmtime_wasi::WasiCtx = view.ctx;
    ctx.random()
}

/// The interfaces a component imports, read from the component itself.
pub fn imports(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// The first import of `component` that `grant` does not provide.
pub fn ungranted_import(engine: &Engine, grant: &Grant, component: &Component) -> Option<String> {
    imports(engine, component)
        .into_iter()
        .find(|import| !grant.allows(import))
}
