//! `acmebox grants`: what each stage may touch, printed from the same
//! [`Grant`] values that build the sandboxes, plus what each embedded
//! component imports, read from the component itself. docs/GRANTS.md
//! documents the JSON.

use crate::embedded;
use crate::grant::{Grant, HostBounds, NetGrant, Wasi, FOLLOWS_REDIRECTS};
use crate::linker;
use crate::options::Options;
use crate::reach;
use crate::sandbox::Runtime;
use crate::stage::Stage;
use serde::Serialize;
use std::fmt::Write;

/// One stage as `acmebox grants --json` prints it.
#[derive(Serialize)]
pub struct StageReport {
    /// The stage's name.
    pub name: &'static str,
    /// Hex SHA-256 of the embedded `.wasm` (`acmebox components export`).
    pub sha256: String,
    /// Hex SHA-256 of the embedded precompiled `.cwasm`, the native code
    /// that runs (`acmebox components verify` ties it to the `.wasm`).
    pub cwasm_sha256: String,
    /// Interfaces the component imports, read from it at run time.
    pub imports: Vec<String>,
    /// Preopened directories.
    pub directories: Vec<Directory>,
    /// Outgoing network, or null.
    pub network: Option<NetGrant>,
    /// Addresses the stage may listen on (the responder's, from
    /// `--http-listen`); empty for every other stage, and for the responder
    /// when it is not run.
    pub listen: Vec<String>,
    /// WASI interface groups in the stage's linker.
    pub wasi: Vec<Wasi>,
    /// acmebox interfaces the host serves it.
    pub host_imports: Vec<&'static str>,
    /// Linear memory limit, bytes.
    pub memory_bytes: usize,
    /// CPU bound: epoch deadline of each call, milliseconds.
    pub call_deadline_ms: u128,
    /// What the stage can make the host allocate beyond its memory.
    pub host: HostBounds,
    /// Where the stage runs when not in this process (`accountd at PATH`,
    /// `accountd via "CMD"`: the account stage of `--account-socket` /
    /// `--account-command`); null otherwise. Such a stage has no grant
    /// here: no directories, no WASI, no limits.
    pub runs_elsewhere: Option<String>,
    /// Where this stage's grant reaches what it should not: `refused: ...`
    /// (a key inside its writable grant: acmebox will not run) or
    /// `warning: ...` (a key it can read, a directory of another stage).
    pub warnings: Vec<String>,
    /// For file-writer only (null for the others): what the host itself
    /// does to the files this stage wrote, after checking them ([`AfterInstall`]).
    pub after_install: Option<AfterInstall>,
    /// The host process's Landlock layer (landlock.rs): whether the kernel
    /// has it and what the run keeps once restricted. Not a stage's grant:
    /// the host does every stage's WASI file and socket calls, so it lies
    /// under each, and every stage's report carries the same object.
    pub landlock: Option<crate::landlock::Report>,
}

/// What the host does to file-writer's files and after installing them
/// (`--chmod`, `--chown`, `--notify` or a domain's `chmod`, `chown`,
/// `notify`): not a stage's grant, but what an auditor must see beside it.
#[derive(Serialize)]
pub struct AfterInstall {
    /// The installed files' mode, octal (`"0444"` unless set).
    pub mode: String,
    /// `uid` or `uid:gid` the files are given, or null (left as created).
    pub owner: Option<String>,
    /// The command run by `/bin/sh -c` after an install, or null. Not
    /// sandboxed: the one place acmebox runs another program (notify.rs).
    pub notify: Option<String>,
}

impl AfterInstall {
    /// What `opts` asks of the host after an install.
    pub fn of(opts: &Options) -> AfterInstall {
        AfterInstall {
            mode: format!("{:04o}", opts.chmod),
            owner: opts.chown.map(|o| o.to_string()),
            notify: opts.notify.clone(),
        }
    }
}

/// A preopened directory.
#[derive(Serialize)]
pub struct Directory {
    /// Path on the host.
    pub host: String,
    /// Path the stage sees.
    pub guest: &'static str,
    /// "read" or "read-write".
    pub access: &'static str,
    /// The only names the stage may use in it (names.rs): exact names, and
    /// patterns such as `cert-<digits>.pem`; any other path is refused.
    pub names: Vec<String>,
}

/// The report of every grant.
pub fn reports(rt: &Runtime, grants: &[Grant]) -> wasmtime::Result<Vec<StageReport>> {
    grants
        .iter()
        .map(|g| {
            let component = embedded::component(rt.engine(), g.name)?;
            Ok(StageReport {
                name: g.name.name(),
                sha256: embedded::sha256(g.name),
                cwasm_sha256: embedded::cwasm_sha256(g.name),
                imports: linker::imports(rt.engine(), &component),
                directories: g
                    .directories
                    .iter()
                    .map(|d| Directory {
                        host: d.host.display().to_string(),
                        guest: d.guest,
                        access: if d.write { "read-write" } else { "read" },
                        names: d.names.shown(),
                    })
                    .collect(),
                network: g.network.clone(),
                listen: g.listen.iter().map(|a| a.to_string()).collect(),
                wasi: g.wasi.clone(),
                host_imports: g.host_imports.clone(),
                memory_bytes: g.memory_bytes,
                call_deadline_ms: g.call_deadline.as_millis(),
                host: g.host,
                runs_elsewhere: g.elsewhere.clone(),
                warnings: Vec::new(),
                after_install: None,
                landlock: None,
            })
        })
        .collect()
}

/// Attach to file-writer's report what the host does to its files after
/// the install ([`AfterInstall`]).
pub fn attach_after_install(reports: &mut [StageReport], opts: &Options) {
    if let Some(r) = reports
        .iter_mut()
        .find(|r| r.name == Stage::FileWriter.name())
    {
        r.after_install = Some(AfterInstall::of(opts));
    }
}

/// Attach to every report the host's Landlock layer for `grants`
/// ([`crate::landlock::Report`]; the kernel is asked once); returns it, for
/// the text form.
pub fn attach_landlock(reports: &mut [StageReport], grants: &[Grant]) -> crate::landlock::Report {
    let landlock = crate::landlock::Report::of(grants);
    for r in reports.iter_mut() {
        r.landlock = Some(landlock.clone());
    }
    landlock
}

/// Attach to each report the refusals and warnings about its grant (see
/// [`crate::reach`] and [`overlaps`]); returns whether any is a refusal.
pub fn attach_warnings(reports: &mut [StageReport], opts: &Options, grants: &[Grant]) -> bool {
    let mut refused = false;
    let mut add = |stage: Stage, text: String| {
        if let Some(r) = reports.iter_mut().find(|r| r.name == stage.name()) {
            r.warnings.push(text);
        }
    };
    for r in reach::keys_reached(opts, grants) {
        refused |= r.write;
        let label = if r.write { "refused" } else { "warning" };
        add(r.stage, format!("{label}: {r}"));
    }
    for (stage, text) in overlaps_by_stage(grants) {
        add(stage, format!("warning: {text}"));
    }
    refused
}

/// The human-readable form.
pub fn text(reports: &[StageReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(out, "{}  (sha256 {})", r.name, r.sha256);
        if let Some(elsewhere) = &r.runs_elsewhere {
            let _ = writeln!(
                out,
                "  runs elsewhere: {elsewhere} (no grant here: this process opens no account \
                 key; the network stage's signer calls go there)"
            );
            continue;
        }
        let _ = writeln!(
            out,
            "  cwasm      sha256 {} (the native code that runs)",
            r.cwasm_sha256
        );
        for d in &r.directories {
            let _ = writeln!(out, "  directory  {} as {} ({})", d.host, d.guest, d.access);
            let _ = writeln!(
                out,
                "  names      {} only (one name, no subdirectories)",
                d.names.join(", ")
            );
        }
        if r.directories.is_empty() {
            let _ = writeln!(out, "  directory  none");
        }
        match &r.network {
            Some(n) => network_text(&mut out, n),
            None => {
                let _ = writeln!(out, "  network    none");
            }
        }
        if r.name == Stage::Responder.name() {
            listen_text(&mut out, &r.listen);
        }
        let wasi: Vec<String> = r
            .wasi
            .iter()
            .map(|w| serde_json::to_value(w).map(|v| v.as_str().unwrap_or("").to_string()))
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        let _ = writeln!(out, "  wasi       {}", wasi.join(", "));
        if !r.host_imports.is_empty() {
            let _ = writeln!(out, "  host       {}", r.host_imports.join(", "));
        }
        let _ = writeln!(
            out,
            "  limits     memory {} MiB, {} ms per call, {} KiB per value passed to the host, \
             {} host handles (files, sockets, streams)",
            r.memory_bytes >> 20,
            r.call_deadline_ms,
            r.host.hostcall_bytes >> 10,
            r.host.handles
        );
        for (i, line) in grouped(&r.imports).iter().enumerate() {
            let label = if i == 0 { "imports" } else { "" };
            let _ = writeln!(out, "  {label:<9}  {line}");
        }
        for warning in &r.warnings {
            let _ = writeln!(out, "  {warning}");
        }
    }
    out
}

/// The network grant's lines: where TCP goes, the proxy, the trust anchors
/// and the limits of each request.
fn network_text(out: &mut String, n: &NetGrant) {
    let connect = n.connect();
    let server = n.server.authority();
    match n.proxy.proxy() {
        Some(p) => {
            let _ = writeln!(
                out,
                "  network    TCP to the proxy {} port {} only, never to {server} directly \
                 (names via the host resolver: {})",
                connect.host,
                connect.port,
                n.hosts().join(", ")
            );
            let _ = writeln!(
                out,
                "  proxy      {} (from {}): CONNECT {server}; TLS runs end to end with {}, \
                 the proxy sees only ciphertext",
                p.url(),
                p.from,
                n.server.host
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  network    TCP to {} port {} only (names via the host resolver)",
                connect.host, connect.port
            );
            let why = n
                .proxy_bypassed()
                .unwrap_or_else(|| "no --proxy or HTTPS_PROXY".into());
            let _ = writeln!(out, "  proxy      none ({why})");
        }
    }
    let _ = writeln!(out, "  trust      {}", n.trust.describe());
    let _ = writeln!(
        out,
        "  requests   {} ms each at most, response bodies up to {} bytes, redirects {}",
        n.request_timeout.as_millis(),
        n.max_body_bytes,
        if FOLLOWS_REDIRECTS {
            "followed"
        } else {
            "not followed"
        }
    );
}

/// The responder's line: where it listens, or that it is not run.
fn listen_text(out: &mut String, listen: &[String]) {
    let _ = if listen.is_empty() {
        writeln!(out, "  listen     none (not run: no --http-listen)")
    } else {
        writeln!(
            out,
            "  listen     TCP on {} only (accepting any client); no outgoing connection, \
             no UDP, no name lookup",
            listen.join(", ")
        )
    };
}

/// Imports grouped by package for reading, e.g.
/// `wasi:io@0.2.6 {error, poll, streams}`.
fn grouped(imports: &[String]) -> Vec<String> {
    let mut packages: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for import in imports {
        let (path, version) = import.split_once('@').unwrap_or((import, ""));
        let (package, interface) = path.rsplit_once('/').unwrap_or((path, ""));
        let key = if version.is_empty() {
            package.to_string()
        } else {
            format!("{package}@{version}")
        };
        packages.entry(key).or_default().push(interface);
    }
    packages
        .into_iter()
        .map(|(package, mut interfaces)| {
            interfaces.sort_unstable();
            format!("{package} {{{}}}", interfaces.join(", "))
        })
        .collect()
}

/// Directories granted to one stage that lie inside another stage's (paths
/// resolved as the file system will, see reach.rs), where the wider grant
/// could read the narrower one's files. Key files reached this way are
/// refused or warned about by [`crate::reach::check`]; this reports the
/// directories.
pub fn overlaps(grants: &[Grant]) -> Vec<String> {
    overlaps_by_stage(grants)
        .into_iter()
        .map(|(_, text)| text)
        .collect()
}

/// [`overlaps`], each with the stage whose grant is the wider one.
fn overlaps_by_stage(grants: &[Grant]) -> Vec<(Stage, String)> {
    let mut found = Vec::new();
    for a in grants {
        for b in grants {
            if a.name == b.name {
                continue;
            }
            for da in &a.directories {
                for db in &b.directories {
                    let inner = crate::reach::resolve(&da.host);
                    let outer = crate::reach::resolve(&db.host);
                    if inner.starts_with(&outer) {
                        let text = format!(
                            "{} directory {} is inside the {} stage's {}: {} can reach it",
                            a.name,
                            da.host.display(),
                            b.name,
                            db.host.display(),
                            b.name
                        );
                        found.push((b.name, text));
                    }
                }
            }
        }
    }
    found
}

/// `grants`' lines for what the host itself does for a certificate beyond
/// the stages, when set: the installed files' mode (`--chmod`, a domain's
/// `chmod`), their owner (`--chown`), the trust anchors' file it reads
/// (`--verify-with`) and the notify command it runs (notify.rs; not a
/// stage: nothing sandboxes it). Empty with none.
pub fn host_text(opts: &crate::options::Options) -> String {
    let mut out = String::new();
    if opts.chmod != crate::validate::DEFAULT_CERT_MODE {
        let _ = writeln!(
            out,
            "  chmod      {:04o} on the installed files, before the commit",
            opts.chmod
        );
    }
    if let Some(owner) = opts.chown {
        let _ = writeln!(
            out,
            "  chown      {owner} on the installed files, before the commit"
        );
    }
    if let Some(file) = &opts.verify_with {
        let _ = writeln!(
            out,
            "  verify     reads {} (--verify-with): its certificates, handed to cert-parser, \
             which checks the downloaded chain leads to one",
            file.display()
        );
    }
    if let Some(cmd) = &opts.notify {
        let _ = writeln!(
            out,
            "  notify     after an install, {} -c {cmd:?} (acmebox's environment and \
             ACMEBOX_*, at most {} s, not sandboxed)",
            crate::notify::SHELL,
            crate::notify::NOTIFY_LIMIT.as_secs()
        );
    }
    if out.is_empty() {
        return out;
    }
    format!("host (not a stage)\n{out}")
}
