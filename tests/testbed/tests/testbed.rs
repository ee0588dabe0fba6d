//! The testbed itself: pebble answers, the http-01 server serves, everything goes away on drop.
//! Needs Debian's `pebble` package (pebble and pebble-challtestsrv in PATH).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use testbed::{test_names, unused_port, Testbed, Tripwire};

fn is_pem_cert(pem: &str) -> bool {
    pem.starts_with("-----BEGIN CERTIFICATE-----")
        && pem.trim_end().ends_with("-----END CERTIFICATE-----")
}

/// A raw HTTP/1.0 GET of `path` on 127.0.0.1:`port`: (status line, body).
fn raw_get(port: u16, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: acmebox-1.example.com\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

#[test]
fn pebble_answers_its_directory_and_management_interface() {
    let testbed = Testbed::start().unwrap();
    let url = testbed.directory_url();
    assert!(
        url.starts_with("https://localhost:") && url.ends_with("/dir"),
        "{url}"
    );
    let ca = std::fs::read_to_string(testbed.ca_file()).unwrap();
    assert!(is_pem_cert(&ca), "{ca}");

    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--fail", "--cacert"])
        .arg(testbed.ca_file())
        .arg(&url)
        .output();
    // curl is only a cross-check with another TLS stack; skip it where it is missing.
    if let Ok(output) = output {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let directory = String::from_utf8(output.stdout).unwrap();
        for key in [
            "newNonce",
            "newAccount",
            "newOrder",
            "revokeCert",
            "keyChange",
        ] {
            assert!(directory.contains(key), "{key} missing from {directory}");
        }
    }

    let root = testbed.root_pem().unwrap();
    let intermediate = testbed.intermediate_pem().unwrap();
    assert!(is_pem_cert(&root), "{root}");
    assert!(is_pem_cert(&intermediate), "{intermediate}");
    assert_ne!(root, intermediate);
    assert_ne!(
        root.trim(),
        ca.trim(),
        "pebble's issuing root is not the TLS CA"
    );

    assert!(testbed.work_dir().is_dir());
    assert_eq!(std::fs::read_dir(testbed.work_dir()).unwrap().count(), 0);
}

#[test]
fn http01_server_serves_only_token_files() {
    let testbed = Testbed::start().unwrap();
    let port = testbed.http01_port();
    let dir = testbed.challenge_dir();
    std::fs::write(dir.join("Tok_en-1"), "Tok_en-1.thumbprint").unwrap();
    std::fs::write(testbed.temp_dir().join("secret"), "secret").unwrap();

    let (status, body) = raw_get(port, "/.well-known/acme-challenge/Tok_en-1");
    assert_eq!(
        (status.as_str(), body.as_str()),
        ("HTTP/1.1 200 OK", "Tok_en-1.thumbprint")
    );
    assert_eq!(testbed.http01_served(), 1);
    for path in [
        "/.well-known/acme-challenge/missing",
        "/.well-known/acme-challenge/../secret",
        "/.well-known/acme-challenge/..%2Fsecret",
        "/.well-known/acme-challenge/",
        "/Tok_en-1",
        "/",
    ] {
        let (status, _) = raw_get(port, path);
        assert_eq!(status, "HTTP/1.1 404 Not Found", "{path}");
    }
    assert_eq!(testbed.http01_served(), 1);
}

#[test]
fn pebble_gets_the_default_environment_plus_overrides() {
    let testbed = Testbed::start_with_env(&[("PEBBLE_WFE_NONCEREJECT", "50")]).unwrap();
    let environ = std::fs::read(format!("/proc/{}/environ", testbed.pids()[0])).unwrap();
    let vars: Vec<String> = environ
        .split(|&b| b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .filter(|v| v.starts_with("PEBBLE_"))
        .collect();
    for expected in [
        "PEBBLE_WFE_NONCEREJECT=50",
        "PEBBLE_VA_NOSLEEP=1",
        "PEBBLE_AUTHZREUSE=0",
    ] {
        assert!(
            vars.iter().any(|v| v == expected),
            "{expected} not in {vars:?}"
        );
    }
    assert_eq!(vars.len(), 3, "{vars:?}");
}

#[test]
fn drop_stops_everything_and_removes_the_directory() {
    let testbed = Testbed::start().unwrap();
    let pids = testbed.pids();
    let temp = testbed.temp_dir().to_path_buf();
    let http01 = testbed.http01_port();
    let acme: u16 = testbed
        .directory_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/dir")
        .parse()
        .unwrap();
    drop(testbed);
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} still there"
        );
    }
    assert!(!temp.exists(), "{} still there", temp.display());
    for port in [http01, acme] {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still open"
        );
    }
}

#[test]
fn a_start_that_times_out_quotes_the_logs() {
    let error = Testbed::builder()
        .ready_timeout(std::time::Duration::ZERO)
        .start()
        .err()
        .expect("pebble cannot be ready at once");
    let message = format!("{error:#}");
    assert!(message.contains("not ready within"), "{message}");
    assert!(message.contains("--- pebble output"), "{message}");
}

#[test]
fn tripwire_counts_connections() {
    let tripwire = Tripwire::start().unwrap();
    assert_eq!(
        tripwire.url(),
        format!("https://127.0.0.1:{}/dir", tripwire.port())
    );
    assert_eq!(tripwire.connections(), 0);
    for _ in 0..2 {
        let mut stream = TcpStream::connect(("127.0.0.1", tripwire.port())).unwrap();
        // The tripwire closes the connection: the read ends (EOF or reset) instead of hanging.
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 1];
        let _ = stream.read(&mut buf);
    }
    assert_eq!(tripwire.connections(), 2);
    let _late = TcpStream::connect(("127.0.0.1", tripwire.port())).unwrap();
    assert_eq!(
        tripwire.connections(),
        3,
        "a connection not yet accepted still counts"
    );
}

#[test]
fn unused_port_refuses_connections() {
    let port = unused_port().unwrap();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn test_names_are_distinct_names_under_one_domain() {
    let names = test_names(5);
    assert_eq!(names[0], "acmebox-1.example.com");
    let unique: std::collections::HashSet<_> = names.iter().collect();
    assert_eq!(unique.len(), 5);
    assert!(names.iter().all(|n| n.ends_with(".example.com")));
}

#[test]
fn serve_prints_its_settings_and_stops_at_end_of_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_testbed"))
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut settings = std::collections::HashMap::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let (key, value) = line.split_once('=').unwrap();
        settings.insert(key.to_string(), value.to_string());
        if key == "READY" {
            break;
        }
    }
    for key in [
        "DIRECTORY_URL",
        "CA_FILE",
        "CHALLENGE_DIR",
        "ROOT_PEM_FILE",
        "INTERMEDIATE_PEM_FILE",
    ] {
        assert!(
            settings.contains_key(key),
            "{key} missing from {settings:?}"
        );
    }
    let root = std::fs::read_to_string(&settings["ROOT_PEM_FILE"]).unwrap();
    assert!(is_pem_cert(&root));
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(!std::path::Path::new(&settings["CA_FILE"]).exists());
}

#[test]
fn pebble_can_serve_a_certificate_for_other_names() {
    let testbed = testbed::Testbed::builder()
        .tls_names(&["acme.example.invalid"])
        .start()
        .unwrap();
    let pem = std::fs::read(testbed.ca_file()).unwrap();
    let root = ureq::tls::Certificate::from_pem(&pem).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
            root,
        ])))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .proxy(None)
        .build()
        .into();
    let by_ip = format!("https://127.0.0.1:{}/dir", testbed.acme_port());
    assert!(
        agent.get(&by_ip).call().is_ok(),
        "127.0.0.1 is always a name"
    );
    let err = agent.get(&testbed.directory_url()).call().unwrap_err();
    assert!(err.to_string().contains("not valid for name"), "{err}");
}
