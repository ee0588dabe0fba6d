//! The `acmebox` command: acme-client(1)'s command line, plus `grants` and
//! `components export`. Exit status: 0 certificate changed, 2 up to date,
//! 1 failure (also for usage errors).

use acmebox::grant::Grant;
use acmebox::issue::{self, Outcome};
use acmebox::log::Log;
use acmebox::options::{IssueArgs, Options};
use acmebox::proxy::Env;
use acmebox::sandbox::Runtime;
use acmebox::stage::Stage;
use acmebox::{embedded, modes, reach, report};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// acmebox: get a certificate from an ACME server (RFC 8555) with every step
/// isolated in its own WebAssembly sandbox. Keys made by -n and -N are ECDSA
/// P-256.
#[derive(Parser)]
#[command(name = "acmebox", version, args_conflicts_with_subcommands = true)]
#[command(subcommand_negates_reqs = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    issue: Option<IssueArgs>,
}

#[derive(Subcommand)]
enum Command {
    /// Print what each stage may touch for this invocation, and exit.
    Grants {
        /// Print a JSON array of stages (see docs/GRANTS.md).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        issue: Box<IssueArgs>,
    },
    /// The embedded components, for auditors.
    Components {
        #[command(subcommand)]
        command: ComponentsCommand,
    },
}

#[derive(Subcommand)]
enum ComponentsCommand {
    /// Write each stage's .wasm file into DIR (hashes as in `grants`).
    Export {
        /// Directory to write into (created if missing).
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Messages carry text from stages and the server: cleaned.
            acmebox::log::line(&format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match (cli.command, cli.issue) {
        (Some(Command::Grants { json, issue }), _) => grants(&issue, json),
        (Some(Command::Components { command }), _) => match command {
            ComponentsCommand::Export { dir } => export(&dir),
        },
        (None, Some(issue)) => {
            let opts = options(&issue)?;
            let log = Log {
                verbose: opts.verbose,
            };
            modes::private_umask();
            let grants = Grant::all(&opts);
            // A key inside another stage's writable grant is refused here,
            // before anything runs; what is only readable is warned about.
            for warning in reach::check(&opts, &grants)?
                .into_iter()
                .chain(report::overlaps(&grants))
            {
                log.warn(&warning);
            }
            Ok(match issue::run(&opts, &log)? {
                Outcome::Changed => 0,
                Outcome::UpToDate => {
                    log.step("certificate is up to date");
                    2
                }
            })
        }
        (None, None) => anyhow::bail!("no domain given (see --help)"),
    }
}

/// The options of `args` and the host's environment (`HTTPS_PROXY`,
/// `NO_PROXY`, `SSL_CERT_FILE`); stages never see the environment.
fn options(args: &IssueArgs) -> anyhow::Result<Options> {
    let env = Env::from_process().map_err(acmebox::Error::Usage)?;
    Ok(Options::from_args_env(args, &env)?)
}

fn grants(args: &IssueArgs, json: bool) -> anyhow::Result<u8> {
    let opts = options(args)?;
    let grants = Grant::all(&opts);
    let rt = Runtime::new().map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let reports = report::reports(&rt, &grants).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let mut out = if json {
        serde_json::to_string_pretty(&reports)? + "\n"
    } else {
        report::text(&reports)
    };
    let mut refused = false;
    if !json {
        let reached = reach::keys_reached(&opts, &grants);
        for r in &reached {
            let label = if r.write { "refused" } else { "warning" };
            out += &format!("{label}: {r}\n");
            refused |= r.write;
        }
        for warning in report::overlaps(&grants) {
            out += &format!("note: {warning}\n");
        }
    }
    print_out(&out)?;
    Ok(if refused { 1 } else { 0 })
}

fn export(dir: &std::path::Path) -> anyhow::Result<u8> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut out = String::new();
    for stage in Stage::ALL {
        let path = dir.join(format!("{}.wasm", stage.name()));
        std::fs::write(&path, embedded::wasm(stage))
            .with_context(|| format!("cannot write {}", path.display()))?;
        out += &format!("{}  {}\n", embedded::sha256(stage), path.display());
    }
    print_out(&out)?;
    Ok(0)
}

/// Write to standard output; a closed pipe (`| head`) is an error, not a
/// panic.
fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
}
