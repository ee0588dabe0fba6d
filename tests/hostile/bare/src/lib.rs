//! Attacks with nothing but wasi:cli and wasi:io, which every stage has:
//! read the environment, arguments, working directory and stdin; allocate
//! past the memory limit; loop forever; make the host hold handles without
//! bound; pass the host one huge value.

wit_bindgen::generate!({ world: "acmebox-test:hostile/bare", path: ["../../../wit", "../wit"], generate_all });

use wasi::cli::{environment, stdin, stdout};
use wasi::io::streams::StreamError;

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        match kind.as_str() {
            // What the host lets the stage see; the test expects nothing.
            "env" => Ok(environment::get_environment()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("\n")),
            "args" => Ok(environment::get_arguments().join("\n")),
            "cwd" => Ok(environment::initial_cwd().unwrap_or_else(|| "(none)".into())),
            "stdin" => match stdin::get_stdin().blocking_read(4096) {
                Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
                Err(StreamError::Closed) => Err("closed".into()),
                Err(StreamError::LastOperationFailed(e)) => Err(e.to_debug_string()),
            },
            "alloc" => alloc(&arg),
            "handles" => handles(&arg),
            "big-value" => big_value(&arg),
            "spin" => spin(),
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

/// Allocate `arg` bytes in 1 MiB blocks, writing to every page so nothing
/// is optimised away.
fn alloc(arg: &str) -> Result<String, String> {
    const BLOCK: usize = 1 << 20;
    let want: usize = arg.parse().map_err(|e| format!("alloc {arg:?}: {e}"))?;
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut total = 0;
    while total < want {
        let mut block = vec![0u8; BLOCK];
        for page in block.chunks_mut(4096) {
            page[0] = 1;
        }
        total += std::hint::black_box(&block).len();
        blocks.push(block);
    }
    Ok(format!("allocated {total} bytes"))
}

/// Ask the host for `arg` stdin handles and keep them all: each is an entry
/// in the host's resource table, in host memory.
fn handles(arg: &str) -> Result<String, String> {
    let want: usize = arg.parse().map_err(|e| format!("handles {arg:?}: {e}"))?;
    let held: Vec<_> = (0..want).map(|_| stdin::get_stdin()).collect();
    Ok(format!(
        "holding {} handles",
        std::hint::black_box(&held).len()
    ))
}

/// Pass the host one list of `arg` bytes (a write to stdout, which the host
/// discards): the host copies it out of the stage's memory before the call.
fn big_value(arg: &str) -> Result<String, String> {
    let size: usize = arg.parse().map_err(|e| format!("big-value {arg:?}: {e}"))?;
    let bytes = vec![b'x'; size];
    match stdout::get_stdout().write(&bytes) {
        Ok(()) => Ok(format!("passed {size} bytes")),
        Err(StreamError::Closed) => Err("closed".into()),
        Err(StreamError::LastOperationFailed(e)) => Err(e.to_debug_string()),
    }
}

/// Loop forever (or until the host stops the stage).
fn spin() -> Result<String, String> {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

export!(Component);
