//! Per-stage linkers holding only the WASI interfaces of the stage's grant
//! (docs/DESIGN.md rule 5), and the check that refuses a component importing
//! anything else, before it runs, naming the stage and the interface; and
//! the one WASI function no stage may call even inside its grant
//! (`symlink-at`, see `deny_symlinks`).

use crate::grant::{Grant, Wasi};
use wasmtime::component::{Component, HasData, Linker, Resource, ResourceTable};
use wasmtime::{Engine, StoreContextMut};
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
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
pub fn wasi_linker<T: WasiView>(engine: &Engine, grant: &Grant) -> wasmtime::Result<Linker<T>> {
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
                filesystem::preopens::add_to_linker::<T, WasiFilesystem>(l, T::filesystem)?;
                sync::filesystem::types::add_to_linker::<T, WasiFilesystem>(l, T::filesystem)?;
                deny_symlinks(l)?;
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
        }
    }
    Ok(linker)
}

/// The name under which wasmtime-wasi 48.0.8's bindings register
/// wasi:filesystem/types: its WIT (src/p2/wit/deps/filesystem.wit) is
/// `wasi:filesystem@0.2.12`. A component importing any other 0.2 version (the
/// stages import 0.2.6, through Rust's standard library) is linked to this
/// instance by semver. `deny_symlinks` checks that the name is right.
pub const FILESYSTEM_TYPES: &str = "wasi:filesystem/types@0.2.12";

/// The function [`deny_symlinks`] replaces.
const SYMLINK_AT: &str = "[method]descriptor.symlink-at";

/// Replace wasi:filesystem/types' `symlink-at` with one that always answers
/// `not-permitted`, in every grant with a directory.
///
/// wasmtime-wasi refuses absolute symlink targets but creates relative ones,
/// and checks only that the link itself is inside the directory, not where
/// it points: a stage with a writable directory could plant
/// `token -> ../../etc/ssl/private/key.pem`. Nothing inside a sandbox follows
/// it (every path is resolved inside the preopen), but programs outside do:
/// the web server serving the challenge directory, or whatever reads the
/// certificate directory. No stage needs symlinks (the stages write plain
/// files, and file-writer replaces them by rename), so the function is denied
/// outright, whatever the target, rather than checked.
///
/// The replacement shadows the definition `add_to_linker` made. It is defined
/// first without shadowing, which must fail as a duplicate: had wasmtime-wasi
/// registered the interface under another version than
/// [`FILESYSTEM_TYPES`], the replacement would land in a new instance of its
/// own and components would keep the real function, so that is an error
/// (every stage with a directory then fails to load) instead of a silent gap.
fn deny_symlinks<T: 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    use filesystem::types::{Descriptor, ErrorCode};
    type Args = (Resource<Descriptor>, String, String);
    fn refuse<T>(_: StoreContextMut<'_, T>, _: Args) -> wasmtime::Result<(Result<(), ErrorCode>,)> {
        Ok((Err(ErrorCode::NotPermitted),))
    }
    let duplicate = linker
        .instance(FILESYSTEM_TYPES)?
        .func_wrap(SYMLINK_AT, refuse);
    if duplicate.is_ok() {
        wasmtime::bail!(
            "{FILESYSTEM_TYPES} has no {SYMLINK_AT} to replace: wasmtime-wasi registers \
             wasi:filesystem/types under another version"
        );
    }
    linker.allow_shadowing(true);
    let replaced = linker
        .instance(FILESYSTEM_TYPES)
        .and_then(|mut types| types.func_wrap(SYMLINK_AT, refuse));
    linker.allow_shadowing(false);
    replaced
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
