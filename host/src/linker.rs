//! Per-stage linkers holding only the WASI interfaces of the stage's grant
//! (DESIGN.md rule 5), and the check that refuses a component importing
//! anything else, before it runs, naming the stage and the interface.

use crate::grant::{Grant, Wasi};
use wasmtime::component::{Component, HasData, Linker, ResourceTable};
use wasmtime::Engine;
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
