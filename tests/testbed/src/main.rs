//! `testbed serve`: runs a [`testbed::Testbed`] for scripts (the demo) until told to stop.
//!
//! Prints shell-style `KEY=value` lines (`DIRECTORY_URL`, `CA_FILE`, `CHALLENGE_DIR`,
//! `ROOT_PEM_FILE`, `INTERMEDIATE_PEM_FILE`, `WORK_DIR`, `HTTP01_PORT`, then `READY=1`) once pebble
//! answers, then waits for SIGTERM, SIGINT or SIGHUP, or for the end of standard input when that
//! is a pipe or a terminal (a background job's /dev/null stdin is ignored), and cleans up.

use std::io::{IsTerminal, Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::sync::mpsc;

use anyhow::{bail, Context, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

const USAGE: &str = "usage: testbed serve [--env KEY=VALUE]...

Starts pebble, pebble-challtestsrv and an http-01 file server on loopback, prints
DIRECTORY_URL=, CA_FILE=, CHALLENGE_DIR=, ROOT_PEM_FILE=, INTERMEDIATE_PEM_FILE=,
WORK_DIR=, HTTP01_PORT= and READY=1 lines, then runs until SIGTERM/SIGINT/SIGHUP or
until standard input ends (when stdin is a pipe or a terminal).
--env sets a variable for pebble, e.g. --env PEBBLE_WFE_NONCEREJECT=50.";

fn main() {
    if let Err(e) = run() {
        eprintln!("testbed: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("serve") => {}
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => bail!("{USAGE}"),
    }
    let mut builder = testbed::Testbed::builder();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--env" => {
                let pair = args.next().context("--env needs KEY=VALUE")?;
                let (key, value) = pair.split_once('=').context("--env needs KEY=VALUE")?;
                builder = builder.env(key, value);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }

    // Signals are caught before starting, so a SIGTERM during start-up still cleans up.
    let (tx, rx) = mpsc::channel::<&'static str>();
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])
        .context("installing signal handlers")?;
    let signal_tx = tx.clone();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            let _ = signal_tx.send("signal");
        }
    });

    let testbed = builder.start()?;
    let root = testbed.temp_dir().join("root.pem");
    std::fs::write(&root, testbed.root_pem()?).context("writing root.pem")?;
    let intermediate = testbed.temp_dir().join("intermediate.pem");
    std::fs::write(&intermediate, testbed.intermediate_pem()?)
        .context("writing intermediate.pem")?;
    let lines = [
        ("DIRECTORY_URL", testbed.directory_url()),
        ("CA_FILE", testbed.ca_file().display().to_string()),
        (
            "CHALLENGE_DIR",
            testbed.challenge_dir().display().to_string(),
        ),
        ("ROOT_PEM_FILE", root.display().to_string()),
        ("INTERMEDIATE_PEM_FILE", intermediate.display().to_string()),
        ("WORK_DIR", testbed.work_dir().display().to_string()),
        ("HTTP01_PORT", testbed.http01_port().to_string()),
        ("READY", "1".to_string()),
    ];
    let mut out = std::io::stdout().lock();
    for (key, value) in lines {
        writeln!(out, "{key}={}", shell_quote(&value))?;
    }
    out.flush()?;
    drop(out);

    if stdin_is_watchable() {
        std::thread::spawn(move || {
            let _ = std::io::copy(
                &mut std::io::stdin().lock().take(u64::MAX),
                &mut std::io::sink(),
            );
            let _ = tx.send("end of stdin");
        });
    }
    let why = rx.recv().unwrap_or("channel closed");
    eprintln!("testbed: stopping ({why})");
    drop(testbed);
    Ok(())
}

/// Whether stdin is a pipe or a terminal, whose end means "stop" (not /dev/null or a file).
fn stdin_is_watchable() -> bool {
    std::io::stdin().is_terminal()
        || std::fs::metadata("/dev/stdin").is_ok_and(|m| m.file_type().is_fifo())
}

/// `value` as one shell word: bare when safe, else single-quoted.
fn shell_quote(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-:=@%+,".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}
