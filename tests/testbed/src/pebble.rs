//! Ports, pebble's configuration file, and the pebble / pebble-challtestsrv child processes.

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{bail, Context, Result};

/// The environment pebble gets unless the caller overrides it: no validation sleeps, no spurious
/// `badNonce`, no reuse of valid authorizations (so every order needs its challenges solved).
pub(crate) const DEFAULT_ENV: [(&str, &str); 3] = [
    ("PEBBLE_VA_NOSLEEP", "1"),
    ("PEBBLE_WFE_NONCEREJECT", "0"),
    ("PEBBLE_AUTHZREUSE", "0"),
];

/// A free TCP port on 127.0.0.1 (bound, noted, released: another process may take it meanwhile).
pub(crate) fn free_tcp_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A port on 127.0.0.1 free for both TCP and UDP, as a DNS server needs.
pub(crate) fn free_dns_port() -> Result<u16> {
    for _ in 0..20 {
        let tcp = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
        let port = tcp.local_addr()?.port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    bail!("found no port on 127.0.0.1 free for both TCP and UDP")
}

/// The ports of one testbed.
pub(crate) struct Ports {
    pub acme: u16,
    pub management: u16,
    pub http01: u16,
    pub tls_alpn01: u16,
    pub dns: u16,
    pub challtestsrv_management: u16,
}

/// Writes pebble's JSON configuration to `path`. `validity`: how long the certificates pebble
/// issues are valid, in seconds (its `certificateValidityPeriod`; pebble's default when `None`).
/// `eab`: a key identifier and its base64url MAC key, making external account binding required
/// (`externalAccountBindingRequired`, `externalAccountMACKeys`).
pub(crate) fn write_config(
    path: &Path,
    ports: &Ports,
    cert: &Path,
    key: &Path,
    validity: Option<u64>,
    profiles: bool,
    eab: Option<&(String, String)>,
) -> Result<()> {
    let eab = match eab {
        Some((kid, mac_key)) => format!(
            "true,\n    \"externalAccountMACKeys\": {{{}: {}}}",
            json_string(kid),
            json_string(mac_key)
        ),
        None => "false".to_string(),
    };
    let profiles = match profiles {
        true => format!(
            ",\n    \"profiles\": {{\n      \"default\": {{\"description\": \"90 days\", \
             \"validityPeriod\": {}}},\n      \"{SHORT_LIVED}\": {{\"description\": \
             \"6 days\", \"validityPeriod\": 518400}}\n    }}",
            validity.unwrap_or(7_776_000)
        ),
        false => String::new(),
    };
    let validity = validity
        .map(|seconds| format!(",\n    \"certificateValidityPeriod\": {seconds}"))
        .unwrap_or_default();
    let config = format!(
        r#"{{
  "pebble": {{
    "listenAddress": "127.0.0.1:{acme}",
    "managementListenAddress": "127.0.0.1:{management}",
    "certificate": {cert},
    "privateKey": {key},
    "httpPort": {http},
    "tlsPort": {tls},
    "ocspResponderURL": "",
    "externalAccountBindingRequired": {eab}{validity}{profiles}
  }}
}}
"#,
        acme = ports.acme,
        management = ports.management,
        cert = json_string(&cert.to_string_lossy()),
        key = json_string(&key.to_string_lossy()),
        http = ports.http01,
        tls = ports.tls_alpn01,
    );
    std::fs::write(path, config).with_context(|| format!("writing {}", path.display()))
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A child process whose stdout and stderr go to a log file; killed and reaped on drop.
pub(crate) struct Proc {
    name: &'static str,
    child: std::process::Child,
    log: PathBuf,
}

impl Proc {
    /// Spawns `command` (named `name` in errors) with its output appended to `log`.
    pub(crate) fn spawn(name: &'static str, mut command: Command, log: PathBuf) -> Result<Proc> {
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone().context("duplicating a log file handle")?;
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command.spawn().map_err(|e| {
            let hint = if e.kind() == ErrorKind::NotFound {
                " (not in PATH: install Debian's `pebble` package)"
            } else {
                ""
            };
            anyhow::Error::new(e).context(format!("starting {name}{hint}"))
        })?;
        Ok(Proc { name, child, log })
    }

    /// Fails if the process has exited, quoting its log.
    pub(crate) fn check_running(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => bail!("{} exited early ({status})\n{}", self.name, self.log_tail()),
            Err(e) => Err(anyhow::Error::new(e).context(format!("polling {}", self.name))),
        }
    }

    /// The process id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// The last few kilobytes of the process's output, headed by its name.
    pub(crate) fn log_tail(&self) -> String {
        format!(
            "--- {} output ({}) ---\n{}",
            self.name,
            self.log.display(),
            tail(&self.log)
        )
    }

    /// Kills the process (if still running) and reaps it.
    pub(crate) fn stop(&mut self) -> Option<ExitStatus> {
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The last 4 KiB of the file at `path` (or why it could not be read).
fn tail(path: &Path) -> String {
    const MAX: u64 = 4096;
    let read = || -> std::io::Result<String> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(MAX)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    read().unwrap_or_else(|e| format!("(unreadable: {e})"))
}

/// The pebble-challtestsrv command: only its DNS server, answering every A query with 127.0.0.1
/// and no AAAA, so pebble's validator reaches the testbed's http-01 server for any name.
pub(crate) fn challtestsrv_command(ports: &Ports) -> Command {
    let mut command = Command::new("pebble-challtestsrv");
    command
        .args(["-dns01", &format!("127.0.0.1:{}", ports.dns)])
        .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
        .args([
            "-management",
            &format!("127.0.0.1:{}", ports.challtestsrv_management),
        ])
        .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""]);
    command
}

/// The name of the short-lived profile of [`crate::Builder::next_pebble`]'s pebble: 6 days.
pub const SHORT_LIVED: &str = "shortlived";

/// The newer pebble's binary: `ACMEBOX_PEBBLE_NEXT`, else `.tools/pebble-next/pebble` in
/// the checkout (scripts/setup puts it there); an error naming both when it is missing.
pub(crate) fn next_binary() -> Result<PathBuf> {
    let path = match std::env::var_os("ACMEBOX_PEBBLE_NEXT") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/pebble-next/pebble"),
    };
    anyhow::ensure!(
        path.is_file(),
        "the newer pebble (2.10 or later) is not at {} (ACMEBOX_PEBBLE_NEXT, or \
         .tools/pebble-next/pebble): run scripts/setup",
        path.display()
    );
    Ok(path)
}

/// The pebble command (`binary`), with inherited `PEBBLE_*` variables dropped and `env` set.
pub(crate) fn pebble_command(
    binary: &Path,
    config: &Path,
    ports: &Ports,
    env: &[(String, String)],
) -> Command {
    let mut command = Command::new(binary);
    command
        .arg("-config")
        .arg(config)
        .args(["-dnsserver", &format!("127.0.0.1:{}", ports.dns)]);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PEBBLE_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}
