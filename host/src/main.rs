//! The `acmebox` command: acme-client(1)'s command line, plus `grants`,
//! `components export|verify` (host/src/flows/components.rs), `accountd`
//! (host/src/accountd/daemon.rs), and `-r` (host/src/flows/revoke.rs). Exit status: 0 certificate changed (or
//! revoked), 2 up to date, 1 failure (also for usage errors).

use acmebox::flows::batch::{self, BatchFlags};
use acmebox::flows::components;
use acmebox::grant::Grant;
use acmebox::issue::{self, Outcome};
use acmebox::json::{self, Ended};
use acmebox::log::Log;
use acmebox::options::{
    AccountArgs, AccountOptions, AccountdArgs, DirectoryArgs, IssueArgs, Options, RunFlags,
};
use acmebox::proxy::Env;
use acmebox::sandbox::Runtime;
use acmebox::{modes, report};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Get a certificate from an ACME server (RFC 8555), every step in its own
/// WebAssembly sandbox
///
/// acmebox submits a certificate request for domain and its altnames to an
/// ACME server (Let's Encrypt by default), answers the http-01 challenge
/// through files in challengedir (or itself, with --http-listen), and
/// installs cert.pem, chain.pem and fullchain.pem in certdir, following
/// acme-client(1)'s command line and steps. Each step (account key, domain
/// key, network, challenge files, certificate parsing, file writing, the
/// http-01 responder) runs as a WebAssembly component granted only what it
/// needs: `acmebox grants` prints it.
#[derive(Parser)]
#[command(name = "acmebox", version, args_conflicts_with_subcommands = true)]
#[command(subcommand_negates_reqs = true)]
#[command(after_long_help = include_str!("cli/differences.txt"))]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Read the authorities and domains from this acme-client.conf(5) file
    /// (docs/CONFIG.md) and keep every domain's certificate (or those whose
    /// handles are the operands), --jobs at a time; -F -n -N -v -e -b -O -a
    /// -t --http-listen --timeout --proxy --system-roots --jobs --json apply
    /// to each (one responder serves them all). Also
    /// `acmebox grants --config FILE [--json] [handle ...]`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// With --config: check the file (and that each handle given names one
    /// of its domains), print it normalised to standard output, and exit.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    issue: Option<IssueArgs>,
}

#[derive(Subcommand)]
enum Command {
    /// Print what each stage may touch for this invocation, and exit.
    Grants {
        /// The invocation's options and names (`--json`: a JSON array of
        /// stages, docs/GRANTS.md).
        #[command(flatten)]
        issue: Box<IssueArgs>,
    },
    /// Hold the account key and answer signature requests (lacme-accountd):
    /// on a Unix socket (--socket) for acmebox --account-socket, or on
    /// standard input and output (--stdio) for acmebox --account-command.
    /// Logs each request (its kind and URL) to standard error.
    Accountd(AccountdArgs),
    /// Find the ACME account of the account key (RFC 8555 §7.3.1) and print
    /// it; with --register create it if absent, with --contact replace its
    /// contact (§7.3.2), with --deactivate --confirm-deactivate deactivate
    /// it (§7.3.6). Exit 0 when something changed, 2 when nothing did.
    Account(Box<AccountArgs>),
    /// Print what the ACME server's directory says (RFC 8555 §7.1.1): terms
    /// of service, website, CAA identities, whether new accounts need an
    /// external account binding, the profiles it offers, and whether it has
    /// renewal information (ARI), key rollover and revocation. Signs
    /// nothing. Exit 0, or 1 on any error.
    Directory(Box<DirectoryArgs>),
    /// The embedded components, for auditors.
    Components {
        #[command(subcommand)]
        command: ComponentsCommand,
    },
    /// Print the manual page (roff), generated from this command line
    /// (`just man` writes docs/acmebox.1).
    #[command(hide = true)]
    Manpage,
}

#[derive(Subcommand)]
enum ComponentsCommand {
    /// Write each stage's .wasm file into DIR (hashes as in `grants`).
    Export {
        /// Directory to write into: a new one (created, mode 0700) or an
        /// empty one you own; never a symbolic link.
        dir: PathBuf,
    },
    /// Recompile each stage's .wasm and check that the embedded native code
    /// (.cwasm) is exactly what it compiles to; exit 1 on any mismatch.
    Verify,
}

/// `acmebox --config FILE [--check] [handle ...]`: parsed apart from
/// [`Cli`], whose domain operand is required (its `config` and `check`
/// document these flags in `--help` and the manual page).
#[derive(Parser)]
#[command(name = "acmebox")]
struct ConfigCli {
    /// The acme-client.conf(5) file.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Check the file, print it normalised, and exit.
    #[arg(long)]
    check: bool,
    /// The flags that apply to every certificate.
    #[command(flatten)]
    run: RunFlags,
    /// Domain handles of the file (none: every domain).
    handles: Vec<String>,
}

/// `acmebox grants --config FILE [--json] [handle ...]`: the grants of every
/// certificate of the file (or of the handles named).
#[derive(Parser)]
#[command(name = "acmebox grants")]
struct ConfigGrantsCli {
    /// The acme-client.conf(5) file.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The flags that apply to every certificate (`--json`: a JSON array of
    /// certificates, each with its handle and stages).
    #[command(flatten)]
    run: RunFlags,
    /// Domain handles of the file (none: every domain).
    handles: Vec<String>,
}

/// The command line. clap's derive tells whether the optional, flattened
/// [`IssueArgs`] were given from its own arguments only, not those of the
/// [`RunFlags`] flattened into it, and misses them; so with no subcommand
/// and a domain operand, they are read from the matches directly.
fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if cli.command.is_none() && cli.issue.is_none() && matches.contains_id("domain") {
        cli.issue = Some(IssueArgs::from_arg_matches(&matches)?);
    }
    Ok(cli)
}

/// Whether `--config` is among the arguments (before any `--`).
fn config_given() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--config" || arg.to_string_lossy().starts_with("--config="))
}

/// Print a command-line error; exit 0 for --help and --version, else 1.
fn usage_error(e: clap::Error) -> ExitCode {
    let _ = e.print();
    ExitCode::from(if e.use_stderr() { 1 } else { 0 })
}

/// The exit status of `result`, its error printed as one line.
fn exit(result: anyhow::Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Messages carry text from stages and the server: cleaned.
            acmebox::log::line(&format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    if cfg!(acmebox_type_check_only) {
        // build.rs: ACMEBOX_TYPE_CHECK_ONLY=1 left the stages without code.
        eprintln!("acmebox: this build is for type-checking only (ACMEBOX_TYPE_CHECK_ONLY=1): its stages have no native code");
        return ExitCode::FAILURE;
    }
    if config_given() {
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        if args.get(1).is_some_and(|a| a == "grants") {
            let rest = std::iter::once(args[0].clone()).chain(args[2..].iter().cloned());
            return match ConfigGrantsCli::try_parse_from(rest) {
                Ok(cli) => exit(config_grants(&cli)),
                Err(e) => usage_error(e),
            };
        }
        return match ConfigCli::try_parse() {
            Ok(cli) => exit(config(&cli)),
            Err(e) => usage_error(e),
        };
    }
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    exit(run(cli))
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    if cli.config.is_some() || cli.check {
        // Reached only when config_given() missed it (`--check` alone).
        anyhow::bail!("--check needs --config FILE");
    }
    match (cli.command, cli.issue) {
        (Some(Command::Grants { issue }), _) => grants(&issue, issue.run.json),
        (Some(Command::Accountd(args)), _) => {
            acmebox::accountd::daemon::run(&args.settings()?)?;
            Ok(0)
        }
        (Some(Command::Account(args)), _) => account(&args),
        (Some(Command::Directory(args)), _) => directory(&args),
        (Some(Command::Manpage), _) => {
            print_out(&manpage().context("cannot render the manual page")?)?;
            Ok(0)
        }
        (Some(Command::Components { command }), _) => match command {
            ComponentsCommand::Export { dir } => {
                print_out(&components::export(&dir)?)?;
                Ok(0)
            }
            ComponentsCommand::Verify => {
                let verified = components::verify()?;
                print_out(&verified.text)?;
                if !verified.all_match {
                    anyhow::bail!(
                        "components verify: native code that is not what its .wasm compiles to (MISMATCH above)"
                    );
                }
                Ok(0)
            }
        },
        (None, Some(issue)) => {
            issue.run.check_stdout()?;
            let opts = options(&issue)?;
            let log = Log {
                verbose: opts.verbose,
            };
            modes::private_umask();
            if let Some(revocation) = &opts.revoke {
                let (result, revoked) =
                    acmebox::flows::revoke::run_finished(&opts, revocation, &log);
                if issue.run.json {
                    let ended = Ended::revocation(&result, revoked.as_ref());
                    print_out(&json::certificate(&opts, None, &ended))?;
                }
                result?;
                log.step("certificate revoked");
                return Ok(0);
            }
            let finished = issue::run_finished(&opts, &log);
            if issue.run.json {
                print_out(&json::certificate(&opts, None, &Ended::issuance(&finished)))?;
            }
            Ok(match finished.into_result()? {
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

/// `acmebox account` (flows/account.rs): the account on standard output,
/// as text or (`--json`) one JSON object, also when it fails.
fn account(args: &AccountArgs) -> anyhow::Result<u8> {
    let env = Env::from_process().map_err(acmebox::Error::Usage)?;
    let opts = AccountOptions::from_args_env(args, &env)?;
    let log = Log {
        verbose: opts.verbose,
    };
    modes::private_umask();
    match acmebox::flows::account::run(&opts, &log) {
        Ok(report) => {
            print_out(&if opts.json {
                acmebox::json::account(&report)
            } else {
                acmebox::flows::account::text(&report.account)
            })?;
            log.step(&format!("account {}", report.change.word()));
            Ok(report.change.exit_code())
        }
        Err(e) => {
            if opts.json {
                print_out(&acmebox::json::account_failed(&e))?;
            }
            Err(e.into())
        }
    }
}

/// `acmebox directory` (flows/directory.rs): the directory's metadata on
/// standard output, as text or (`--json`) one JSON object, also when it
/// fails.
fn directory(args: &DirectoryArgs) -> anyhow::Result<u8> {
    let env = Env::from_process().map_err(acmebox::Error::Usage)?;
    let reach = args.server.reach(&env)?;
    let log = Log {
        verbose: args.verbose,
    };
    match acmebox::flows::directory::run(&reach, args.verbose, &log) {
        Ok(report) => {
            print_out(&if args.json {
                acmebox::json::directory(&report)
            } else {
                acmebox::flows::directory::text(&report)
            })?;
            Ok(0)
        }
        Err(e) => {
            if args.json {
                print_out(&acmebox::json::failed(&e))?;
            }
            Err(e.into())
        }
    }
}

/// `--config FILE`: with `--check`, parse FILE (and its includes), check
/// that the handles name its domains, and print it normalised; without it,
/// process every selected domain's certificate (flows/batch.rs): exit 0 if
/// any changed, 2 if none did, 1 if any failed.
fn config(cli: &ConfigCli) -> anyhow::Result<u8> {
    let config = acmebox::config::load(&cli.config)?;
    let domains = config.select(&cli.handles).map_err(anyhow::Error::msg)?;
    if cli.check {
        print_out(&acmebox::config::print(&config))?;
        return Ok(0);
    }
    cli.run.check_stdout()?;
    let env = Env::from_process().map_err(acmebox::Error::Usage)?;
    let jobs = acmebox::config::jobs::jobs(&domains, &cli.run, &env)?;
    modes::private_umask();
    let flags = BatchFlags {
        jobs: usize::try_from(cli.run.jobs).unwrap_or(1),
        verbose: cli.run.verbose,
    };
    let described = if cli.run.json {
        jobs.clone()
    } else {
        Vec::new()
    };
    let outcome = batch::run_many(jobs, flags);
    // --json: one line per certificate, in the file's order, after the
    // summary on standard error.
    let mut lines = String::new();
    for ((job, (_, result)), facts) in described.iter().zip(&outcome.results).zip(&outcome.facts) {
        let ended = Ended::job(result, facts);
        lines.push_str(&json::certificate(&job.options, Some(&job.handle), &ended));
    }
    print_out(&lines)?;
    Ok(u8::try_from(outcome.exit_code()).unwrap_or(1))
}

/// `grants --config FILE`: each selected certificate's grants, under its
/// handle.
fn config_grants(cli: &ConfigGrantsCli) -> anyhow::Result<u8> {
    let config = acmebox::config::load(&cli.config)?;
    let domains = config.select(&cli.handles).map_err(anyhow::Error::msg)?;
    let env = Env::from_process().map_err(acmebox::Error::Usage)?;
    let jobs = acmebox::config::jobs::jobs(&domains, &cli.run, &env)?;
    let rt = Runtime::new().map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let mut refused = false;
    let mut text = String::new();
    let mut json = Vec::new();
    for job in &jobs {
        let grants = Grant::all(&job.options);
        let mut reports = report::reports(&rt, &grants).map_err(|e| anyhow::anyhow!("{e:#}"))?;
        refused |= report::attach_warnings(&mut reports, &job.options, &grants);
        report::attach_after_install(&mut reports, &job.options);
        let landlock = report::attach_landlock(&mut reports, &grants);
        if cli.run.json {
            json.push(serde_json::json!({ "handle": job.handle, "stages": reports }));
        } else {
            text.push_str(&format!(
                "domain {}:\n{}{}{}\n",
                job.handle,
                report::text(&reports),
                report::host_text(&job.options),
                landlock.text()
            ));
        }
    }
    let out = if cli.run.json {
        serde_json::to_string_pretty(&json)? + "\n"
    } else {
        text
    };
    print_out(&out)?;
    Ok(if refused { 1 } else { 0 })
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
    let mut reports = report::reports(&rt, &grants).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let refused = report::attach_warnings(&mut reports, &opts, &grants);
    report::attach_after_install(&mut reports, &opts);
    let landlock = report::attach_landlock(&mut reports, &grants);
    let out = if json {
        serde_json::to_string_pretty(&reports)? + "\n"
    } else {
        report::text(&reports) + &report::host_text(&opts) + &landlock.text()
    };
    print_out(&out)?;
    Ok(if refused { 1 } else { 0 })
}

/// The manual page: clap_mangen's sections from the command line's
/// definition, then EXIT STATUS and DIFFERENCES FROM ACME-CLIENT(1) from
/// cli/differences.txt (the text `--help` ends with): a line in capitals is
/// a heading, a line starting with "- " an item, others paragraphs.
fn manpage() -> std::io::Result<String> {
    use clap_mangen::roff::{roman, Roff};
    let man = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    let mut extra = Roff::new();
    for line in include_str!("cli/differences.txt").lines() {
        if line.is_empty() {
            continue;
        } else if let Some(item) = line.strip_prefix("- ") {
            extra.control("IP", ["\\(bu", "2"]).text([roman(item)]);
        } else if line.chars().any(|c| c.is_ascii_lowercase()) {
            extra.control("PP", []).text([roman(line)]);
        } else {
            extra.control("SH", [line]);
        }
    }
    extra.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(String::from_utf8_lossy(&page).into_owned())
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
