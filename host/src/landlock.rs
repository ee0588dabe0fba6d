//! Defence in depth on Linux: once the stages that read keys and files are
//! loaded and before the first byte comes from the network, the host
//! restricts itself with Landlock (issue #14, docs/SECURITY.md "Landlock"):
//! file access only beneath the directories of the run's grants, with the
//! access each grant gives, plus what glibc's resolver reads; TCP connect
//! only to the ACME server's (or the proxy's) port and 53, TCP bind only on
//! `--http-listen`'s ports (Landlock ABI 4 and later). Nothing may be
//! executed afterwards: the notify command is started before (notify.rs
//! [`crate::notify::Pending`]), as is `--account-command`'s signer.
//!
//! Best effort: a kernel without Landlock, or with an older ABI, gets what
//! it supports, and `-v` says what was applied. `ACMEBOX_NO_LANDLOCK=1`
//! turns it off. [`Plan`] is the pure part (what would be allowed, shown
//! by `acmebox grants`); [`restrict`] applies it to the calling thread and
//! the threads it starts afterwards (all threads on ABI 8 and later).
//!
//! So the library's flows (`issue::run`, `revoke::run`, `account::run`,
//! `batch::run_many`) restrict the thread that calls them, for good: an
//! embedder (the tests: `on_own_thread` in tests/common) calls them on a
//! thread of its own when it has more to do afterwards.

use crate::grant::Grant;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The environment variable that turns Landlock off (`1`).
pub const OFF_VAR: &str = "ACMEBOX_NO_LANDLOCK";

/// What glibc's `getaddrinfo` reads to resolve the ACME server's (or the
/// proxy's) name in the host's resolver import (resolver.rs): its
/// configuration, and the NSS modules it loads on first use (found through
/// `ld.so.cache` in the library directories). Read only; those that do not
/// exist are left out.
pub const RESOLVER_FILES: &[&str] = &[
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/ld.so.cache",
    "/lib",
    "/lib64",
    "/usr/lib",
    "/usr/lib64",
];

/// The DNS port: glibc's resolver retries a truncated answer over TCP.
pub const DNS_PORT: u16 = 53;

/// How much the host may do beneath a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Open files for reading, list directories.
    Read,
    /// Also create, write, truncate and remove files (a stage's writable
    /// grant: the key directories with `-n`/`-N`, the challenge directory).
    ReadWrite,
    /// Also make, rename and remove directories and move files between
    /// them: a certificate directory (its lock file, the staging directory
    /// file-writer writes in, the renames into place, `-b` backups).
    Install,
}

impl Access {
    /// The word `grants` and `-v` print.
    pub fn word(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::ReadWrite => "read-write",
            Access::Install => "install",
        }
    }
}

/// One path the host keeps access to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathRule {
    /// The path as the grant names it (not canonicalised).
    pub path: PathBuf,
    /// What is allowed beneath it.
    pub access: Access,
}

/// What the host keeps once restricted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Files and directories, sorted, each once with the most access any
    /// grant gives it.
    pub paths: Vec<PathRule>,
    /// TCP ports the host may connect to (ABI 4).
    pub tcp_connect: Vec<u16>,
    /// TCP ports the host may bind (ABI 4): `--http-listen`'s.
    pub tcp_bind: Vec<u16>,
}

impl Plan {
    /// The plan for a run with `grants`: every grant directory with its
    /// access (file-writer's staging pattern as its certificate directory,
    /// [`Access::Install`]), the resolver's files when a stage has the
    /// network, and its trust anchors' file; the network grant's connect
    /// port and 53; the responder's ports.
    pub fn of(grants: &[Grant]) -> Plan {
        let mut plan = Plan::default();
        for g in grants {
            for d in &g.directories {
                let (path, access) = if d.staging {
                    let certdir = d.host.parent().unwrap_or(Path::new("."));
                    let certdir = if certdir.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        certdir
                    };
                    (certdir.to_path_buf(), Access::Install)
                } else if d.write {
                    (d.host.clone(), Access::ReadWrite)
                } else {
                    (d.host.clone(), Access::Read)
                };
                plan.add(path, access);
            }
            if let Some(n) = &g.network {
                if let Some(file) = n.trust.file() {
                    plan.add(file.to_path_buf(), Access::Read);
                }
                plan.tcp_connect.push(n.connect().port);
                plan.tcp_connect.push(DNS_PORT);
                for f in RESOLVER_FILES {
                    plan.add(PathBuf::from(f), Access::Read);
                }
            }
            plan.tcp_bind.extend(g.listen.iter().map(|a| a.port()));
        }
        plan.tidy();
        plan
    }

    /// Also keep reading `file` (`--verify-with`'s, read by each
    /// certificate's preflight in a batch).
    pub fn also_read(&mut self, file: &Path) {
        self.add(file.to_path_buf(), Access::Read);
        self.tidy();
    }

    /// Also keep installing into `dir`: `acmebox account --rollover` renames
    /// the new key over the old (and with `-b` links the backup) there.
    pub fn also_install(&mut self, dir: &Path) {
        self.add(dir.to_path_buf(), Access::Install);
        self.tidy();
    }

    /// The union of `self` and `other` (a batch's certificates).
    pub fn merge(&mut self, other: Plan) {
        for p in other.paths {
            self.add(p.path, p.access);
        }
        self.tcp_connect.extend(other.tcp_connect);
        self.tcp_bind.extend(other.tcp_bind);
        self.tidy();
    }

    fn add(&mut self, path: PathBuf, access: Access) {
        match self.paths.iter_mut().find(|p| p.path == path) {
            Some(p) => p.access = p.access.max(access),
            None => self.paths.push(PathRule { path, access }),
        }
    }

    fn tidy(&mut self) {
        self.paths.sort_by(|a, b| a.path.cmp(&b.path));
        for ports in [&mut self.tcp_connect, &mut self.tcp_bind] {
            ports.sort_unstable();
            ports.dedup();
        }
    }

    /// One line: `read-write /a, read /b; TCP connect to 443, 53; bind none`.
    pub fn describe(&self) -> String {
        let paths: Vec<String> = self
            .paths
            .iter()
            .map(|p| format!("{} {}", p.access.word(), p.path.display()))
            .collect();
        let ports = |v: &[u16]| match v {
            [] => "none".to_string(),
            v => v.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
        };
        format!(
            "files: {}; TCP connect to port {}; TCP bind on port {}",
            if paths.is_empty() {
                "none".into()
            } else {
                paths.join(", ")
            },
            ports(&self.tcp_connect),
            ports(&self.tcp_bind)
        )
    }
}

/// Whether `ACMEBOX_NO_LANDLOCK` turns Landlock off (`1`).
pub fn turned_off() -> bool {
    std::env::var_os(OFF_VAR).is_some_and(|v| v == "1")
}

/// What [`restrict`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// `ACMEBOX_NO_LANDLOCK=1`: not tried.
    Off,
    /// Not available: not Linux, or a kernel without Landlock (why).
    Unavailable(String),
    /// Restricted.
    Applied {
        /// The Landlock ABI the kernel offered (as far as this build
        /// knows it).
        abi: u8,
        /// Every rule and flag enforced as asked (false: an older ABI; the
        /// TCP rules need ABI 4, restricting every thread ABI 8).
        full: bool,
        /// Whether every thread was restricted (ABI 8); else only the
        /// calling thread and the threads it starts from now on.
        all_threads: bool,
        /// Paths of the plan that could not be opened (absent), left out.
        skipped: Vec<PathBuf>,
    },
}

impl Status {
    /// `-v`'s line.
    pub fn describe(&self, plan: &Plan) -> String {
        match self {
            Status::Off => format!("landlock: off ({OFF_VAR}=1)"),
            Status::Unavailable(why) => format!("landlock: not applied: {why}"),
            Status::Applied {
                abi,
                full,
                all_threads,
                skipped,
            } => {
                let mut line = format!(
                    "landlock: applied (kernel ABI {abi}{}): {}",
                    if *full || *abi >= 5 {
                        ""
                    } else {
                        "; rights of later ABIs not enforced: truncate before 3, \
                         device ioctl before 5"
                    },
                    plan.describe()
                );
                if *abi < 4 {
                    line.push_str(" (TCP rules not enforced: they need ABI 4)");
                }
                if !skipped.is_empty() {
                    let s: Vec<String> = skipped.iter().map(|p| p.display().to_string()).collect();
                    line.push_str(&format!(" (absent, left out: {})", s.join(", ")));
                }
                if !*all_threads {
                    line.push_str(
                        "; this thread and those it starts (threads started earlier keep \
                         the process's rights before ABI 8)",
                    );
                }
                line
            }
        }
    }
}

/// What `acmebox grants` says of Landlock: whether the kernel has it and
/// what a run would keep.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `"on"`, `"off"` (ACMEBOX_NO_LANDLOCK=1) or `"unavailable"`.
    pub state: &'static str,
    /// The kernel's Landlock ABI, or null.
    pub kernel_abi: Option<u8>,
    /// When a run restricts itself.
    pub when: &'static str,
    /// What it keeps.
    #[serde(flatten)]
    pub plan: Plan,
}

/// When a run restricts itself, as `grants` says it.
pub const WHEN: &str = "from before the first network request (after the keys are read; \
                         with --config, before the first certificate's run)";

impl Report {
    /// The report for `grants`, probing the kernel (in a thread of its own
    /// that restricts itself and ends: the process is not restricted).
    pub fn of(grants: &[Grant]) -> Report {
        let (state, kernel_abi) = if turned_off() {
            ("off", None)
        } else {
            match probe() {
                Some(abi) => ("on", Some(abi)),
                None => ("unavailable", None),
            }
        };
        Report {
            state,
            kernel_abi,
            when: WHEN,
            plan: Plan::of(grants),
        }
    }

    /// `grants`' text lines.
    pub fn text(&self) -> String {
        let state = match (self.state, self.kernel_abi) {
            ("on", Some(abi)) => format!(
                "on (kernel Landlock ABI {abi}{})",
                if abi < 4 {
                    "; TCP rules need ABI 4"
                } else {
                    ""
                }
            ),
            ("off", _) => format!("off ({OFF_VAR}=1)"),
            _ => "not available (not Linux, or a kernel without Landlock)".into(),
        };
        format!(
            "host process (Landlock)\n  landlock   {state}, {}\n  keeps      {}\n",
            self.when,
            self.plan.describe()
        )
    }
}

/// Restrict the host to `plan` ([`restrict`]) and say with `-v` what was
/// applied (or why nothing was).
pub fn apply(plan: &Plan, log: &crate::log::Log) -> Result<Status, crate::Error> {
    let status = restrict(plan)?;
    log.step(&status.describe(plan));
    Ok(status)
}

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::{probe, restrict};

/// No Landlock outside Linux.
#[cfg(not(target_os = "linux"))]
pub fn probe() -> Option<u8> {
    None
}

/// No Landlock outside Linux: reports [`Status::Unavailable`].
#[cfg(not(target_os = "linux"))]
pub fn restrict(_plan: &Plan) -> Result<Status, crate::Error> {
    if turned_off() {
        return Ok(Status::Off);
    }
    Ok(Status::Unavailable(
        "Landlock is Linux's; not available on this OS".into(),
    ))
}

#[cfg(test)]
mod tests;
